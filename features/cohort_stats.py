"""The numbers behind `hiv explore`: who responded, what they carried, and how that relates.

Computed from a FeatureSet and its mutation calls (mutations.csv). Mixtures are split into their
residues (`RT:K103KN` counts as a carrier of `RT:K103N`, as HIVdb does); unknown codons (`X`) are not
mutations. Prevalence is over the patients whose sequence covers the position, so a patient without PR is
neither a carrier nor a non-carrier of a PR mutation. Odds ratios carry the Haldane-Anscombe correction
(+0.5 in every cell, always, so rare mutations get finite and comparable values); p-values are two-sided
Fisher exact tests with Benjamini-Hochberg q-values over every tested mutation.

Imports numpy/pandas/scipy only: `hiv explore` must stay free of torch and scikit-learn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.codons import COV_CHANNEL

DRUG_CLASSES = ("PI", "NRTI", "NNRTI")
CLASS_GENE = {"PI": "PR", "NRTI": "RT", "NNRTI": "RT"}
CLINICAL = ("VL-t0", "CD4-t0")


@dataclass(frozen=True)
class CohortStats:
    n: int
    responders: int
    clinical: pd.DataFrame          # PatientID, VL-t0, CD4-t0, Resp
    per_patient: pd.DataFrame       # PatientID, Resp, "n mutations", "<class> DRMs" (NaN: gene uncovered)
    covered_codons: pd.DataFrame    # PatientID, Resp, PR, RT: covered codons per gene
    coverage: pd.DataFrame          # position name, gene, position, fraction of patients covered
    missing_genes: pd.DataFrame     # group, patients, responders
    prevalence: pd.DataFrame        # every tested mutation, see mutation_prevalence
    drm_response: pd.DataFrame      # drug_class, n_drms, patients, responders, rate, low, high
    correlation: pd.DataFrame       # Spearman matrix
    window: dict                    # gene → number of positions in the window

    @property
    def response_rate(self) -> float:
        return self.responders / self.n if self.n else math.nan


def drm_lookup(drm: pd.DataFrame) -> dict[tuple[str, int], tuple[str, str]]:
    """(gene, position) → (resistant residues, drug class) from a drug_resistance_mutations table."""
    cols = (drm["gene"], drm["position"], drm["mutant"], drm["drug_class"])
    return {(str(g), int(p)): (str(m), str(c)) for g, p, m, c in zip(*cols, strict=True)}


def expand_calls(calls: pd.DataFrame, drm: pd.DataFrame) -> pd.DataFrame:
    """One row per patient and mutated residue: mixtures split, wild type and `X` dropped."""
    known = drm_lookup(drm)
    rows = []
    for pid, gene, pos, cons, aas in zip(calls["PatientID"].astype(str), calls["gene"], calls["position"],
                                         calls["consensus"], calls["amino_acids"].astype(str), strict=True):
        pos = int(pos)
        if aas.startswith("ins"):
            residues = ["ins"]
        elif aas == "del":
            residues = ["del"]
        else:
            residues = [a for a in aas if a not in (cons, "X")]
        resistant, cls = known.get((gene, pos), ("", ""))
        for r in residues:
            is_drm = len(r) == 1 and r in resistant
            rows.append((pid, gene, pos, cons, r, f"{gene}:{cons}{pos}{r}", is_drm, cls if is_drm else ""))
    cols = ["PatientID", "gene", "position", "consensus", "residue", "mutation", "is_drm", "drug_class"]
    return pd.DataFrame(rows, columns=cols).drop_duplicates(["PatientID", "mutation"], ignore_index=True)


def _position_index(positions) -> dict[tuple[str, int], int]:
    return {(name[:2], int(name[2:])): i for i, name in enumerate(positions)}


def covered(fs) -> np.ndarray:
    """(N, L) bool: the patient's sequence covers the position."""
    return np.asarray(fs.codons[:, COV_CHANNEL, :] > 0)


def gene_columns(fs) -> dict[str, np.ndarray]:
    names = np.asarray(fs.positions)
    return {g: np.flatnonzero(np.char.startswith(names.astype(str), g)) for g in ("PR", "RT")}


def mutation_prevalence(fs, expanded: pd.DataFrame, *, min_carriers: int = 5) -> pd.DataFrame:
    """Carriers and prevalence in responders vs non-responders, Haldane odds ratio with Woolf 95% CI,
    Fisher p and BH q, for every mutation that `min_carriers` patients carry; most prevalent first."""
    from scipy.stats import false_discovery_control, fisher_exact

    y = np.asarray(fs.label).astype(bool)
    cov = covered(fs)
    index = _position_index(fs.positions)
    row_of = {str(p): i for i, p in enumerate(fs.patient_id)}
    counts = expanded.groupby("mutation").size()
    keep = counts[counts >= min_carriers].index
    rows = []
    for mutation, part in expanded[expanded["mutation"].isin(keep)].groupby("mutation", sort=False):
        gene, pos = part["gene"].iloc[0], int(part["position"].iloc[0])
        col = index.get((gene, pos))
        if col is None:
            continue
        has = np.zeros(len(y), dtype=bool)
        has[[row_of[p] for p in part["PatientID"] if p in row_of]] = True
        base = cov[:, col] | has
        a, c = int((has & y).sum()), int((has & ~y).sum())           # carriers: responders, non-responders
        b, d = int((base & ~has & y).sum()), int((base & ~has & ~y).sum())
        odds = (a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5))
        se = math.sqrt(1 / (a + 0.5) + 1 / (b + 0.5) + 1 / (c + 0.5) + 1 / (d + 0.5))
        p_value = float(fisher_exact([[a, b], [c, d]])[1])
        rows.append({
            "mutation": mutation, "gene": gene, "position": pos, "is_drm": bool(part["is_drm"].iloc[0]),
            "drug_class": part["drug_class"].iloc[0], "carriers": a + c, "covered": a + b + c + d,
            "carriers_resp": a, "carriers_nonresp": c,
            "prev_resp": a / (a + b) if a + b else math.nan,
            "prev_nonresp": c / (c + d) if c + d else math.nan,
            "odds_ratio": odds, "or_low": math.exp(math.log(odds) - 1.96 * se),
            "or_high": math.exp(math.log(odds) + 1.96 * se), "p_value": p_value,
        })
    out = pd.DataFrame(rows, columns=[
        "mutation", "gene", "position", "is_drm", "drug_class", "carriers", "covered", "carriers_resp",
        "carriers_nonresp", "prev_resp", "prev_nonresp", "odds_ratio", "or_low", "or_high", "p_value"])
    out["q_value"] = false_discovery_control(out["p_value"].to_numpy()) if len(out) else []
    out["prevalence"] = out["carriers"] / out["covered"].where(out["covered"] > 0)
    return out.sort_values(["prevalence", "mutation"], ascending=[False, True], ignore_index=True)


def patient_counts(fs, expanded: pd.DataFrame) -> pd.DataFrame:
    """Mutated positions and DRM positions per class per patient; NaN where the class's gene is uncovered."""
    pids = [str(p) for p in fs.patient_id]
    cov = covered(fs)
    genes = gene_columns(fs)
    gene_covered = {g: cov[:, cols].any(axis=1) if len(cols) else np.zeros(len(pids), bool)
                    for g, cols in genes.items()}
    n_mut = expanded.drop_duplicates(["PatientID", "gene", "position"]).groupby("PatientID").size()
    drms = expanded[expanded["is_drm"]].drop_duplicates(["PatientID", "gene", "position"])
    out = pd.DataFrame({"PatientID": pids, "Resp": np.asarray(fs.label).astype(int)})
    out["n mutations"] = n_mut.reindex(pids, fill_value=0).to_numpy(dtype=float)
    out.loc[~(gene_covered["PR"] | gene_covered["RT"]), "n mutations"] = np.nan
    for cls in DRUG_CLASSES:
        of_class = drms["drug_class"].str.split("/").map(lambda classes, c=cls: c in classes)
        n = drms[of_class].groupby("PatientID").size().reindex(pids, fill_value=0)
        out[f"{cls} DRMs"] = np.where(gene_covered[CLASS_GENE[cls]], n.to_numpy(dtype=float), np.nan)
    return out


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score 95% interval of a proportion k/n."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def response_by_drm_count(per_patient: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """Response rate (Wilson 95% CI) by number of DRMs of each class: 0, 1, …, `top`+."""
    rows = []
    for cls in DRUG_CLASSES:
        col = per_patient[f"{cls} DRMs"]
        ok = col.notna()
        bins = np.minimum(col[ok].astype(int), top)
        resp = per_patient.loc[ok, "Resp"]
        for k in range(top + 1):
            m = (bins == k).to_numpy()
            n, r = int(m.sum()), int(resp.to_numpy()[m].sum())
            low, high = wilson(r, n)
            rows.append({"drug_class": cls, "n_drms": f"{k}+" if k == top else str(k), "patients": n,
                         "responders": r, "rate": r / n if n else math.nan, "low": low, "high": high})
    return pd.DataFrame(rows)


def cohort_stats(fs, calls: pd.DataFrame, drm: pd.DataFrame, *, min_carriers: int = 5) -> CohortStats:
    """Everything the explore page shows, from a labelled FeatureSet and its mutation calls."""
    y = np.asarray(fs.label).astype(int)
    pids = [str(p) for p in fs.patient_id]
    expanded = expand_calls(calls, drm)
    clinical = pd.DataFrame({"PatientID": pids, "VL-t0": fs.clinical[:, 0].astype(float),
                             "CD4-t0": fs.clinical[:, 1].astype(float), "Resp": y})
    per_patient = patient_counts(fs, expanded)
    cov = covered(fs)
    genes = gene_columns(fs)
    lengths = pd.DataFrame({"PatientID": pids, "Resp": y,
                            **{g: cov[:, cols].sum(axis=1) for g, cols in genes.items()}})
    names = [str(p) for p in fs.positions]
    coverage = pd.DataFrame({"name": names, "gene": [n[:2] for n in names],
                             "position": [int(n[2:]) for n in names], "fraction": cov.mean(axis=0)})
    no_pr, no_rt = lengths["PR"] == 0, lengths["RT"] == 0
    groups = {"PR missing": no_pr & ~no_rt, "RT missing": no_rt & ~no_pr, "both missing": no_pr & no_rt,
              "both present": ~no_pr & ~no_rt}
    missing = pd.DataFrame([{"group": k, "patients": int(m.sum()), "responders": int(y[m.to_numpy()].sum())}
                            for k, m in groups.items()])
    corr_frame = clinical[list(CLINICAL)].join(per_patient.drop(columns=["PatientID", "Resp"]))
    corr_frame["Resp"] = y
    return CohortStats(
        n=len(y), responders=int(y.sum()), clinical=clinical, per_patient=per_patient,
        covered_codons=lengths, coverage=coverage, missing_genes=missing,
        prevalence=mutation_prevalence(fs, expanded, min_carriers=min_carriers),
        drm_response=response_by_drm_count(per_patient),
        correlation=corr_frame.corr(method="spearman"),
        window={g: len(cols) for g, cols in genes.items()},
    )


def read_mutation_calls(features_dir) -> pd.DataFrame:
    """mutations.csv of a features directory (`load_features` records it in `manifest["features_dir"]`)."""
    from pathlib import Path

    from features.errors import InputError

    path = Path(features_dir) / "mutations.csv"
    if not path.is_file():
        raise InputError("no mutations.csv beside features.npz; featurize the input again",
                         path=str(path.parent))
    calls = pd.read_csv(path, dtype={"PatientID": str, "gene": str, "consensus": str, "amino_acids": str,
                                     "mutation": str, "drug_class": str}, keep_default_na=False)
    required = ("PatientID", "gene", "position", "consensus", "amino_acids", "is_drm", "drug_class")
    missing = [c for c in required if c not in calls.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", path=str(path))
    calls["is_drm"] = calls["is_drm"].astype(str).str.lower().isin(("true", "1"))
    return calls
