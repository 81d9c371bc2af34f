"""Per-position importance of a deep model, summarised over folds, and checked against known DRMs.

`hiv cv` stores Integrated-Gradients importance per fold (attributions.csv). Each fold's importances are
first turned into shares of that fold's total, so every fold weighs the same in the average whatever the
scale of its gradients; the summary is the mean share per position with its sd over folds.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

_POSITION = re.compile(r"^(PR|RT)(\d+)$")


def split_position(name: str) -> tuple[str, int]:
    """"RT184" → ("RT", 184)."""
    m = _POSITION.match(str(name))
    if not m:
        raise ValueError(f"not a position name: {name!r}")
    return m.group(1), int(m.group(2))


def mean_importance(attributions: pd.DataFrame) -> pd.DataFrame:
    """One model's attributions → gene, position, name, importance (mean share over folds), sd, n_folds."""
    a = attributions[["repeat", "fold", "position", "importance"]].copy()
    a["importance"] = a["importance"].astype(float).abs()
    totals = a.groupby(["repeat", "fold"])["importance"].transform("sum")
    a["share"] = np.where(totals > 0, a["importance"] / totals.where(totals > 0, 1.0), 0.0)
    g = a.groupby("position", sort=False)["share"]
    out = pd.DataFrame({"importance": g.mean(), "sd": g.std(ddof=1).fillna(0.0), "n_folds": g.size()})
    out.index.name = "name"
    out = out.reset_index()
    parts = [split_position(n) for n in out["name"]]
    out.insert(0, "gene", [p[0] for p in parts])
    out.insert(1, "position", [p[1] for p in parts])
    order = {"PR": 0, "RT": 1}
    return (out.assign(_g=out["gene"].map(order)).sort_values(["_g", "position"])
            .drop(columns="_g").reset_index(drop=True))


def top_positions(importance: pd.DataFrame, drm: pd.DataFrame, k: int = 20) -> pd.DataFrame:
    """The k most important positions, each with whether it is a known DRM position (class, mutations).

    `drm` has the columns of drug_resistance_mutations.tsv: gene, position, consensus, mutant, drug_class.
    """
    known = {}
    for (gene, pos), part in drm.groupby(["gene", "position"]):
        pairs = zip(part["consensus"], part["mutant"], strict=True)
        known[(gene, int(pos))] = ("/".join(sorted(set(part["drug_class"]))),
                                   ", ".join(f"{c}{pos}{'/'.join(m)}" for c, m in pairs))
    top = importance.sort_values("importance", ascending=False, kind="mergesort").head(k).copy()
    top.insert(0, "rank", np.arange(1, len(top) + 1))
    hits = [known.get((g, int(p))) for g, p in zip(top["gene"], top["position"], strict=True)]
    top["is_drm"] = [h is not None for h in hits]
    top["drug_class"] = [h[0] if h else "" for h in hits]
    top["drm_mutations"] = [h[1] if h else "" for h in hits]
    return top.reset_index(drop=True)


def drm_enrichment(importance: pd.DataFrame, drm: pd.DataFrame, k: int = 20) -> tuple[int, int, float]:
    """(DRM positions in the top k, positions in the top k, share of DRM positions among all positions)."""
    drm_pos = {(g, int(p)) for g, p in zip(drm["gene"], drm["position"], strict=True)}
    all_pos = list(zip(importance["gene"], importance["position"].astype(int), strict=True))
    top = importance.sort_values("importance", ascending=False, kind="mergesort").head(k)
    hits = sum((g, int(p)) in drm_pos for g, p in zip(top["gene"], top["position"], strict=True))
    base = sum(p in drm_pos for p in all_pos) / max(len(all_pos), 1)
    return int(hits), len(top), float(base)
