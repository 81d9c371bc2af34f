"""ROC, precision-recall and calibration curves and confusion counts from out-of-fold predictions.

Fold curves are kept as they are; the mean curve is the fold curves put on a common grid and averaged:
TPR linearly interpolated over FPR for ROC (as in scikit-learn's ROC-CV example), and for PR the
interpolated precision (the best precision at any recall ≥ r), which is a step function and so never
invents precision between two operating points.
Confusion counts use the stored predictions, i.e. each fold's own threshold chosen on its training part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

GRID = np.linspace(0.0, 1.0, 101)


@dataclass(frozen=True)
class FoldCurves:
    """Per-fold curves (lists of arrays) and their mean ± sd on `GRID`."""

    x: list[np.ndarray]
    y: list[np.ndarray]
    mean: np.ndarray
    sd: np.ndarray
    scores: list[float]


def _folds(oof: pd.DataFrame):
    for _, part in oof.groupby(["repeat", "fold"], sort=True):
        y = np.rint(part["label"].to_numpy(dtype=float)).astype(int)
        if len(np.unique(y)) == 2:  # a fold of one class has no curve
            yield y, part["probability"].to_numpy(dtype=float)


def roc_curves(oof: pd.DataFrame) -> FoldCurves:
    """ROC of every fold of one model; the mean interpolates TPR at each FPR of the grid."""
    from sklearn.metrics import auc, roc_curve

    xs, ys, grid, scores = [], [], [], []
    for y, p in _folds(oof):
        fpr, tpr, _ = roc_curve(y, p)
        xs.append(fpr)
        ys.append(tpr)
        g = np.interp(GRID, fpr, tpr)
        g[0] = 0.0
        grid.append(g)
        scores.append(float(auc(fpr, tpr)))
    return _summary(xs, ys, grid, scores, end=1.0)


def pr_curves(oof: pd.DataFrame) -> FoldCurves:
    """Precision-recall of every fold of one model; the mean interpolates precision at each recall."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    xs, ys, grid, scores = [], [], [], []
    for y, p in _folds(oof):
        precision, recall, _ = precision_recall_curve(y, p)
        xs.append(recall)
        ys.append(precision)
        grid.append(interpolated_precision(recall, precision))
        scores.append(float(average_precision_score(y, p)))
    return _summary(xs, ys, grid, scores, end=None)


def interpolated_precision(recall: np.ndarray, precision: np.ndarray) -> np.ndarray:
    """max precision over the operating points with recall ≥ r, for every r of `GRID`."""
    order = np.argsort(recall, kind="mergesort")
    r, p = recall[order], precision[order]
    best_after = np.maximum.accumulate(p[::-1])[::-1]
    idx = np.searchsorted(r, GRID, side="left")
    return np.where(idx < len(r), best_after[np.minimum(idx, len(r) - 1)], 0.0)


def _summary(xs, ys, grid, scores, end: float | None) -> FoldCurves:
    if not grid:
        empty = np.full_like(GRID, np.nan)
        return FoldCurves([], [], empty, empty, [])
    g = np.vstack(grid)
    mean = g.mean(axis=0)
    if end is not None:
        mean[-1] = end
    return FoldCurves(xs, ys, mean, g.std(axis=0, ddof=1) if len(g) > 1 else np.zeros_like(mean), scores)


def calibration_bins(oof: pd.DataFrame, n_bins: int = 10) -> pd.DataFrame:
    """Reliability of one model's pooled predictions: per equal-width bin of predicted probability,
    the mean prediction, the observed responder fraction and the number of predictions."""
    p = oof["probability"].to_numpy(dtype=float)
    y = oof["label"].to_numpy(dtype=float)
    bins = np.clip((p * n_bins).astype(int), 0, n_bins - 1)
    rows = []
    for b in range(n_bins):
        m = bins == b
        if m.any():
            rows.append({"bin": b, "low": b / n_bins, "high": (b + 1) / n_bins, "mean_predicted": p[m].mean(),
                         "observed": y[m].mean(), "n": int(m.sum())})
    return pd.DataFrame(rows, columns=["bin", "low", "high", "mean_predicted", "observed", "n"])


def confusion_counts(oof: pd.DataFrame) -> dict[str, float]:
    """tn, fp, fn, tp of one model's out-of-fold predictions, summed over folds, averaged over repeats."""
    y = np.rint(oof["label"].to_numpy(dtype=float)).astype(int)
    pred = np.rint(oof["prediction"].to_numpy(dtype=float)).astype(int)
    n_repeats = max(oof["repeat"].nunique(), 1)
    counts = {"tn": ((y == 0) & (pred == 0)).sum(), "fp": ((y == 0) & (pred == 1)).sum(),
              "fn": ((y == 1) & (pred == 0)).sum(), "tp": ((y == 1) & (pred == 1)).sum()}
    return {k: float(v) / n_repeats for k, v in counts.items()}
