"""Stratified, shuffled K-fold splits computed once per run, so every model is scored on the same folds.

Multi-label targets are stratified on their label combination (label powerset); combinations too rare to
appear in every fold fall back to the first target (`Resp`), so each fold keeps the responder rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from features.errors import InputError


@dataclass(frozen=True)
class Fold:
    repeat: int
    fold: int
    train: np.ndarray  # row indices
    test: np.ndarray


def derived_seed(*keys: int) -> int:
    """A 31-bit seed derived from a tuple of integers (run seed, repeat, fold, ...)."""
    return int(np.random.SeedSequence([int(k) for k in keys]).generate_state(1)[0] & 0x7FFFFFFF)


def stratify_key(y: np.ndarray, n_splits: int) -> np.ndarray:
    """Integer class per row: the 0/1 label, or the label combination when several targets are given."""
    y = np.asarray(y)
    if y.ndim == 1 or y.shape[1] == 1:
        return np.rint(y.reshape(len(y), -1)[:, 0]).astype(int)
    bits = np.rint(y).astype(int)
    combo = bits @ (1 << np.arange(bits.shape[1]))
    values, counts = np.unique(combo, return_counts=True)
    rare = np.isin(combo, values[counts < n_splits])
    # rare combinations fall back to the first target, offset so they never merge with a real combination
    return np.where(rare, -1 - bits[:, 0], combo)


def make_folds(y: np.ndarray, *, folds: int = 5, repeats: int = 1, seed: int = 0,
               target_names: tuple[str, ...] = ("Resp",)) -> list[Fold]:
    """`repeats` independent stratified shuffles of `folds` folds each, fixed by `seed`."""
    from sklearn.model_selection import StratifiedKFold

    if folds < 2:
        raise InputError(f"--folds must be at least 2, got {folds}")
    if repeats < 1:
        raise InputError(f"--repeats must be at least 1, got {repeats}")
    y = np.asarray(y)
    y2 = y.reshape(len(y), -1)
    for k in range(y2.shape[1]):
        positives = int(np.rint(y2[:, k]).sum())
        negatives = len(y2) - positives
        name = target_names[k] if k < len(target_names) else f"target {k}"
        if min(positives, negatives) < folds:
            raise InputError(f"target '{name}' has {positives} positive and {negatives} negative patients; "
                             f"{folds} folds need at least {folds} of each")
    key = stratify_key(y, folds)
    out: list[Fold] = []
    for r in range(repeats):
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=derived_seed(seed, r))
        for f, (train, test) in enumerate(splitter.split(np.zeros(len(key)), key)):
            out.append(Fold(repeat=r, fold=f, train=np.sort(train), test=np.sort(test)))
    return out
