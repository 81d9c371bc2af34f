"""What every zoo model decides inside `fit`, from the training part only: input checks, the clinical
scaler, the seeded inner validation split, oversampling and the F1-maximising decision threshold."""

from __future__ import annotations

from typing import Any

import numpy as np

from features.codons import N_CHANNELS
from features.errors import ModelError

N_CLINICAL = 2
BALANCES = ("none", "weights", "oversample")


def n_positions_of(X: np.ndarray) -> int:
    """L from the contract layout (67*L codon values, then VL-t0, CD4-t0)."""
    width = X.shape[1] - N_CLINICAL
    if width <= 0 or width % N_CHANNELS:
        raise ModelError(f"X has {X.shape[1]} columns; expected 67*L + 2 "
                         "(codon tensor, then VL-t0 and CD4-t0)")
    return width // N_CHANNELS


def check_X(X: Any, n_positions: int | None = None) -> np.ndarray:
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2:
        raise ModelError(f"X must be 2-D (patients x features), got shape {X.shape}")
    L = n_positions_of(X)
    if n_positions is not None and L != n_positions:
        raise ModelError(f"model was fitted on {n_positions} positions but X has {L}")
    if not np.isfinite(X).all():
        raise ModelError("X contains NaN or infinite values")
    return X


def check_y(y: Any) -> tuple[np.ndarray, bool]:
    """y as a float32 (N, K) 0/1 matrix, and whether it is multi-label (K >= 2)."""
    y = np.asarray(y)
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2 or y.shape[1] < 1:
        raise ModelError(f"y must be (N,) or (N, K), got shape {y.shape}")
    if not np.isin(y, (0, 1)).all():
        raise ModelError("y must hold only 0/1 labels")
    y = y.astype(np.float32)
    for k in range(y.shape[1]):
        if y[:, k].min() == y[:, k].max():
            raise ModelError(f"label {k} has a single class in the training data; "
                             "need positives and negatives")
    return y, y.shape[1] >= 2


def fit_scaler(clinical: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = clinical.astype(np.float64).mean(axis=0)
    scale = clinical.astype(np.float64).std(axis=0)
    return mean, np.where(scale > 0, scale, 1.0)


def standardized(X: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """A float32 copy of X with the clinical columns standardized (the caller's X is never modified)."""
    out = np.array(X, dtype=np.float32, copy=True)
    out[:, -N_CLINICAL:] = ((X[:, -N_CLINICAL:].astype(np.float64) - mean) / scale).astype(np.float32)
    return out


def strata(y: np.ndarray) -> np.ndarray:
    """Stratify on the label combination when every combination has >= 2 patients, else on the first label."""
    bits = np.rint(y).astype(np.int64)
    combo = bits @ (1 << np.arange(bits.shape[1]))
    _, counts = np.unique(combo, return_counts=True)
    return combo if counts.min() >= 2 else bits[:, 0]


def inner_split(y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded stratified (train, validation) split of the training part."""
    from sklearn.model_selection import StratifiedShuffleSplit

    if not 0.0 < fraction < 1.0:
        raise ModelError(f"valid_fraction must be between 0 and 1, got {fraction}")
    key = strata(y)
    classes, counts = np.unique(key, return_counts=True)
    if counts.min() < 2:
        raise ModelError(f"too few patients to train: {counts.min()} training patient(s) in class "
                         f"{classes[counts.argmin()]}; the inner validation split needs at least 2 of each")
    n_valid = max(int(round(fraction * len(y))), len(classes))
    n_valid = min(n_valid, len(y) - len(classes))
    splitter = StratifiedShuffleSplit(n_splits=1, test_size=n_valid, random_state=seed)
    train, valid = next(splitter.split(np.zeros(len(y)), key))
    missing = np.setdiff1d(classes, key[valid])
    if missing.size:  # rounding left a class out of validation: move one of its rows over
        moved = np.array([train[key[train] == c][0] for c in missing])
        train, valid = np.setdiff1d(train, moved), np.union1d(valid, moved)
    return np.sort(train), np.sort(valid)


def oversample(idx: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
    """Indices with the minority class of the first label resampled (with replacement) up to the majority."""
    rng = np.random.default_rng(seed)
    first = np.rint(y[idx, 0]).astype(int)
    pos, neg = idx[first == 1], idx[first == 0]
    small, large = (pos, neg) if len(pos) < len(neg) else (neg, pos)
    if len(small) == 0:
        return idx
    extra = rng.choice(small, size=len(large) - len(small), replace=True)
    return rng.permutation(np.concatenate([idx, extra]))


def positive_weight(y: np.ndarray) -> np.ndarray:
    """n_negative / n_positive per label (the 'weights' balance)."""
    pos = y.sum(axis=0)
    return ((len(y) - pos) / np.maximum(pos, 1.0)).astype(np.float32)


def best_threshold(y_true: np.ndarray, proba: np.ndarray) -> tuple[float, float]:
    """(threshold, F1) maximising F1 of `proba >= threshold`; 0.5 and NaN when F1 is undefined."""
    from sklearn.metrics import precision_recall_curve

    if y_true.min() == y_true.max():
        return 0.5, float("nan")
    precision, recall, thresholds = precision_recall_curve(y_true, proba)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)[:-1]
    i = int(np.argmax(f1))
    return float(thresholds[i]), float(f1[i])


def inner_scores(y: np.ndarray, proba: np.ndarray) -> tuple[np.ndarray, dict[str, float]]:
    """Per-label thresholds and the inner-validation AUC / F1 (means over labels)."""
    from sklearn.metrics import roc_auc_score

    thresholds, f1s, aucs = [], [], []
    for k in range(y.shape[1]):
        t, f1 = best_threshold(y[:, k], proba[:, k])
        thresholds.append(t)
        f1s.append(f1)
        aucs.append(roc_auc_score(y[:, k], proba[:, k]) if y[:, k].min() != y[:, k].max() else float("nan"))
    return np.asarray(thresholds), {"auc": float(np.mean(aucs)), "f1": float(np.mean(f1s))}


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ModelError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
