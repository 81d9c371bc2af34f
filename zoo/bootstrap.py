"""Bootstrap 95% confidence intervals of every score over out-of-fold predictions.

Fold mean ± sd says how much a score moves between training sets; the bootstrap over the pooled
out-of-fold predictions says how much it would move with other patients. Resampling is stratified (the
responder share of every resample equals the cohort's, so AUC is always defined) and paired (every model
sees the same resamples, so their intervals are comparable). With repeated cross-validation each resample
is scored on every repeat's predictions and the scores are averaged over repeats.

The scores are the ones of `zoo.metrics.binary_metrics`, computed here for all resamples at once from
integer resampling weights (a patient drawn k times has weight k): `binary_metrics` costs ~30 ms per call,
which would make 1000 resamples of a 10-model run take minutes. Unit weights reproduce `binary_metrics`
exactly (tested).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

CI_METRICS = ("auc", "pr_auc", "f1", "f1_macro", "accuracy", "balanced_accuracy", "mcc", "brier")
_CHUNK = 250  # resamples scored at once: bounds memory to _CHUNK × n_patients weights


def weighted_metrics(y: np.ndarray, proba: np.ndarray, pred: np.ndarray,
                     weights: np.ndarray) -> dict[str, np.ndarray]:
    """Scores of `binary_metrics` for each row of `weights` (B, n): one value per resample.

    `pred` is the stored 0/1 prediction (made with the fold's own threshold), so thresholded scores
    are never re-decided on test labels.
    """
    y = np.rint(np.asarray(y, dtype=float)).astype(bool)
    p = np.asarray(proba, dtype=float)
    pr = np.asarray(pred).astype(bool)
    w = np.atleast_2d(np.asarray(weights, dtype=float))
    total = w.sum(axis=1)
    tp, fp = w @ (y & pr), w @ (~y & pr)
    fn, tn = w @ (y & ~pr), w @ (~y & ~pr)
    with np.errstate(divide="ignore", invalid="ignore"):
        f1_pos = _safe_div(2 * tp, 2 * tp + fp + fn)
        f1_neg = _safe_div(2 * tn, 2 * tn + fp + fn)
        tpr, tnr = tp / (tp + fn), tn / (tn + fp)
        denom = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
        mcc = _safe_div(tp * tn - fp * fn, denom)
    out = {
        "f1": f1_pos,
        "f1_macro": (f1_pos + f1_neg) / 2,
        "accuracy": (tp + tn) / total,
        "balanced_accuracy": (tpr + tnr) / 2,
        "mcc": mcc,
        "brier": w @ (p - y) ** 2 / total,
    }
    out["auc"], out["pr_auc"] = _ranking_scores(y, p, w)
    return out


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num/den with 0 where den is 0 (sklearn's zero_division=0 and its MCC convention)."""
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


def _ranking_scores(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted ROC AUC (ties count one half) and average precision (sklearn's step definition)."""
    order = np.argsort(-p, kind="mergesort")
    ps, ys = p[order], y[order]
    starts = np.flatnonzero(np.r_[True, ps[1:] != ps[:-1]])  # groups of tied scores, descending
    ws = w[:, order]
    pos = np.add.reduceat(ws * ys, starts, axis=1)
    neg = np.add.reduceat(ws * ~ys, starts, axis=1)
    cum_pos, cum_neg = np.cumsum(pos, axis=1), np.cumsum(neg, axis=1)
    n_pos, n_neg = cum_pos[:, -1], cum_neg[:, -1]
    with np.errstate(divide="ignore", invalid="ignore"):
        # a positive outranks the negatives scored below it; higher scores come first here
        below = n_neg[:, None] - cum_neg
        auc = (pos * (below + 0.5 * neg)).sum(axis=1) / (n_pos * n_neg)
        precision = _safe_div(cum_pos, cum_pos + cum_neg)
        ap = (pos * precision).sum(axis=1) / n_pos
    auc = np.where((n_pos > 0) & (n_neg > 0), auc, np.nan)
    ap = np.where(n_pos > 0, ap, np.nan)
    return auc, ap


def stratified_weights(y: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, n) resampling counts drawn within each class, so every resample keeps the class sizes."""
    y = np.asarray(y).astype(bool)
    w = np.zeros((n_boot, len(y)))
    for cls in (True, False):
        idx = np.flatnonzero(y == cls)
        if len(idx):
            w[:, idx] = rng.multinomial(len(idx), np.full(len(idx), 1 / len(idx)), size=n_boot)
    return w


def bootstrap_ci(y: np.ndarray, proba: np.ndarray, pred: np.ndarray, *, n_boot: int = 1000, seed: int = 0,
                 level: float = 0.95, metrics: Sequence[str] = CI_METRICS) -> dict[str, tuple[float, float]]:
    """Percentile interval of each score; `y`, `proba`, `pred` are (R, n) for R repeats (or (n,))."""
    y, proba, pred = (np.atleast_2d(np.asarray(a, dtype=float)) for a in (y, proba, pred))
    if not (y.shape == proba.shape == pred.shape):
        raise ValueError(f"shapes differ: y {y.shape}, proba {proba.shape}, pred {pred.shape}")
    if not (y == y[0]).all():
        raise ValueError("labels differ between repeats: patients are not aligned")
    rng = np.random.default_rng(seed)
    draws: dict[str, list[np.ndarray]] = {m: [] for m in metrics}
    for start in range(0, n_boot, _CHUNK):
        w = stratified_weights(y[0], min(_CHUNK, n_boot - start), rng)
        per_repeat = [weighted_metrics(y[r], proba[r], pred[r], w) for r in range(len(y))]
        for m in metrics:
            draws[m].append(np.mean([s[m] for s in per_repeat], axis=0))
    alpha = (1 - level) / 2
    out = {}
    for m in metrics:
        d = np.concatenate(draws[m])
        d = d[~np.isnan(d)]
        out[m] = ((float(np.quantile(d, alpha)), float(np.quantile(d, 1 - alpha))) if len(d)
                  else (np.nan, np.nan))
    return out


def oof_matrices(oof: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """(R, n) label, probability and prediction of one model (and target), patients in a fixed order."""
    patients = sorted(oof["PatientID"].astype(str).unique())
    frames = []
    for _, part in oof.groupby("repeat", sort=True):
        part = part.assign(PatientID=part["PatientID"].astype(str)).set_index("PatientID")
        if part.index.has_duplicates or len(part) != len(patients):
            raise ValueError("each repeat must predict every patient exactly once")
        frames.append(part.loc[patients])
    stack = [np.stack([f[c].to_numpy(dtype=float) for f in frames]) for c in ("label", "probability",
                                                                            "prediction")]
    return stack[0], stack[1], stack[2], patients


def bootstrap_oof(oof: pd.DataFrame, *, n_boot: int = 1000, seed: int = 0, level: float = 0.95,
                  progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """One row per (model, target, metric): pooled out-of-fold estimate and bootstrap interval.

    The estimate is the score of all out-of-fold predictions pooled (averaged over repeats); the same
    seed gives every model the same resamples.
    """
    keys = ["model", "target"] if "target" in oof.columns else ["model"]
    groups = list(oof.groupby(keys, sort=False))
    rows = []
    for i, (key, part) in enumerate(groups):
        key = key if isinstance(key, tuple) else (key,)
        y, p, pred, _ = oof_matrices(part)
        estimate = _mean_over_repeats(y, p, pred)
        ci = bootstrap_ci(y, p, pred, n_boot=n_boot, seed=seed, level=level)
        for m in CI_METRICS:
            rows.append({"model": key[0], "target": key[1] if len(key) > 1 else None, "metric": m,
                         "estimate": estimate[m], "low": ci[m][0], "high": ci[m][1]})
        if progress:
            progress(i + 1, len(groups))
    return pd.DataFrame(rows, columns=["model", "target", "metric", "estimate", "low", "high"])


def _mean_over_repeats(y, p, pred) -> dict[str, float]:
    ones = np.ones((1, y.shape[1]))
    per_repeat = [weighted_metrics(y[r], p[r], pred[r], ones) for r in range(len(y))]
    return {m: float(np.mean([s[m][0] for s in per_repeat])) for m in CI_METRICS}
