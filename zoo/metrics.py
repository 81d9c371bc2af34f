"""Per-fold scores and their mean ± sd; the responder class (1) is the positive class throughout.

A score that is undefined on a fold (AUC when the fold holds a single class) is NaN and is left out of
the mean and sd, which are over the folds that define it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

BINARY_METRICS = ("auc", "pr_auc", "f1", "f1_macro", "accuracy", "balanced_accuracy", "mcc", "brier",
                  "threshold")
# the direction of "better" for ranking; threshold is reported, never ranked
HIGHER_IS_BETTER = {"auc": True, "pr_auc": True, "f1": True, "f1_macro": True, "f1_micro": True,
                    "accuracy": True, "balanced_accuracy": True, "mcc": True, "brier": False}


def binary_metrics(y: np.ndarray, proba: np.ndarray, threshold: float) -> dict[str, float]:
    """Scores of one fold: `proba` is P(responder), predictions are `proba >= threshold`."""
    from sklearn.metrics import (
        accuracy_score,
        average_precision_score,
        balanced_accuracy_score,
        f1_score,
        matthews_corrcoef,
        roc_auc_score,
    )

    y = np.rint(np.asarray(y, dtype=float)).astype(int)
    p = np.asarray(proba, dtype=float)
    pred = (p >= threshold).astype(int)
    both = len(np.unique(y)) == 2
    return {
        "auc": float(roc_auc_score(y, p)) if both else math.nan,
        "pr_auc": float(average_precision_score(y, p)) if y.any() else math.nan,
        "f1": float(f1_score(y, pred, pos_label=1, zero_division=0)),
        "f1_macro": float(f1_score(y, pred, average="macro", labels=[0, 1], zero_division=0)),
        "accuracy": float(accuracy_score(y, pred)),
        "balanced_accuracy": float(balanced_accuracy_score(y, pred)) if both else math.nan,
        "mcc": float(matthews_corrcoef(y, pred)),
        "brier": float(np.mean((p - y) ** 2)),
        "threshold": float(threshold),
    }


def multilabel_metrics(y: np.ndarray, proba: np.ndarray, thresholds: Sequence[float],
                       names: Sequence[str]) -> dict[str, float]:
    """Per-label scores as `<label>/<metric>`, plus F1 micro- and macro-averaged over the labels."""
    from sklearn.metrics import f1_score

    y = np.rint(np.asarray(y, dtype=float)).astype(int)
    p = np.asarray(proba, dtype=float)
    t = np.asarray(thresholds, dtype=float).reshape(-1)
    out: dict[str, float] = {}
    for k, name in enumerate(names):
        for metric, value in binary_metrics(y[:, k], p[:, k], float(t[k])).items():
            out[f"{name}/{metric}"] = value
    pred = (p >= t[None, :]).astype(int)
    out["f1_micro"] = float(f1_score(y, pred, average="micro", zero_division=0))
    out["f1_macro"] = float(f1_score(y, pred, average="macro", zero_division=0))
    return out


def mean_sd(values: Iterable[float]) -> tuple[float, float]:
    """Mean and sample sd (ddof=1; 0 for a single value) of the defined values; NaN when none is."""
    v = np.array([x for x in values if x is not None and not math.isnan(x)], dtype=float)
    if len(v) == 0:
        return math.nan, math.nan
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0


def aggregate(fold_metrics: Sequence[dict[str, float]]) -> tuple[dict[str, float], dict[str, float]]:
    """Mean and sd over folds of every metric (keys `repeat` and `fold` are bookkeeping, not metrics)."""
    keys = [k for k in fold_metrics[0] if k not in ("repeat", "fold")] if fold_metrics else []
    mean, sd = {}, {}
    for k in keys:
        mean[k], sd[k] = mean_sd(m.get(k, math.nan) for m in fold_metrics)
    return mean, sd


def best_by_metric(models: dict[str, dict], metrics: Sequence[str]) -> dict[str, set[str]]:
    """For each ranked metric, the model(s) with the best mean (ties all win)."""
    best: dict[str, set[str]] = {}
    for metric in metrics:
        higher = HIGHER_IS_BETTER.get(metric.rsplit("/", 1)[-1])
        if higher is None:
            continue
        scored = {name: m["mean"].get(metric) for name, m in models.items()}
        scored = {n: v for n, v in scored.items() if v is not None and not math.isnan(v)}
        if not scored:
            continue
        top = max(scored.values()) if higher else min(scored.values())
        best[metric] = {n for n, v in scored.items() if v == top}
    return best


def leaderboard_metrics(models: dict[str, dict]) -> list[str]:
    """The metric columns worth a leaderboard: binary scores, or micro/macro F1 plus per-label AUC."""
    first = next(iter(models.values()), {"mean": {}})["mean"]
    if "auc" in first:
        return [m for m in BINARY_METRICS if m in first]
    return ["f1_micro", "f1_macro"] + [k for k in first if k.endswith("/auc") or k.endswith("/f1")]


def leaderboard_markdown(models: dict[str, dict], metrics: Sequence[str] | None = None,
                         digits: int = 3) -> str:
    """A GitHub table of mean ± sd per model (rows sorted by the first metric), best per column in bold."""
    metrics = list(metrics or leaderboard_metrics(models))
    best = best_by_metric(models, metrics)
    first = metrics[0]
    sign = -1 if HIGHER_IS_BETTER.get(first.rsplit("/", 1)[-1], True) else 1

    def key(name: str) -> float:
        v = models[name]["mean"].get(first)
        return math.inf if v is None or math.isnan(v) else sign * v

    lines = ["| model | " + " | ".join(metrics) + " |", "|---|" + "---|" * len(metrics)]
    for name in sorted(models, key=key):
        cells = []
        for metric in metrics:
            cell = format_mean_sd(models[name]["mean"].get(metric), models[name]["sd"].get(metric), digits)
            cells.append(f"**{cell}**" if name in best.get(metric, ()) else cell)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def format_mean_sd(mean: float | None, sd: float | None, digits: int = 3) -> str:
    if mean is None or math.isnan(mean):
        return "n/a"
    if sd is None or math.isnan(sd):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {sd:.{digits}f}"
