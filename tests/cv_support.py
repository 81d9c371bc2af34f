"""Small FeatureSets and estimators for the cross-validation engine tests.

`spy_features` puts a unique row id in the CD4-t0 column so an estimator can tell which patients it was
given; `Spy` records every call it gets, so a test can prove that no test-fold label ever reached `fit`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from zoo_cohort import cohort

from features.codons import N_CHANNELS


def _feature_set_class():
    try:
        from features.store import FeatureSet
    except ImportError:  # the features package has not landed yet
        return _StandIn
    return FeatureSet


@dataclasses.dataclass(frozen=True)
class _StandIn:
    codons: np.ndarray
    clinical: np.ndarray
    labels: np.ndarray | None
    label_names: tuple[str, ...]
    patient_id: np.ndarray
    positions: tuple[str, ...]
    consensus: str
    manifest: dict

    @property
    def label(self) -> np.ndarray:
        return self.labels[:, 0].astype(int)

    def to_X(self) -> np.ndarray:
        return np.hstack([self.codons.reshape(len(self.codons), -1), self.clinical]).astype(np.float32)


def make_features(n: int = 80, n_positions: int = 12, seed: int = 0, n_labels: int = 1,
                  row_ids: bool = False):
    """A FeatureSet with a planted responder mutation (tests/zoo_cohort.py); extra labels are `drm1`, …"""
    X, y = cohort(n=n, n_positions=n_positions, seed=seed, n_labels=n_labels)
    codons = X[:, :-2].reshape(n, N_CHANNELS, n_positions)
    clinical = X[:, -2:].copy()
    if row_ids:
        clinical[:, 1] = 1000 + np.arange(n)
    labels = np.asarray(y, dtype=np.float32).reshape(n, -1)
    names = ("Resp",) + tuple(f"drm{k}" for k in range(1, labels.shape[1]))
    positions = tuple(f"PR{i + 1}" for i in range(n_positions))
    return _feature_set_class()(codons=codons, clinical=clinical, labels=labels, label_names=names,
                                patient_id=np.array([f"P{i:03d}" for i in range(n)]), positions=positions,
                                consensus="K" * n_positions, manifest={})


def with_labels(features, labels: np.ndarray):
    labels = None if labels is None else np.asarray(labels, dtype=np.float32)
    return dataclasses.replace(features, labels=labels)


class Spy(ClassifierMixin, BaseEstimator):
    """Records the row ids (CD4-t0 − 1000) whose labels `fit` saw and the rows `predict_proba` scored.

    Its threshold is the training responder rate, so it depends on training labels only; its
    probabilities come from the planted mutation feature, never from labels.
    """

    calls: list[dict] = []

    def __init__(self, signal_column: int = 0):
        self.signal_column = signal_column

    def fit(self, X, y):
        y = np.asarray(y)
        Spy.calls.append({"fit_ids": set((X[:, -1] - 1000).astype(int).tolist()), "y": y.copy()})
        self.threshold_ = float(y.reshape(len(y), -1)[:, 0].mean())
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        Spy.calls[-1]["predict_ids"] = set((X[:, -1] - 1000).astype(int).tolist())
        p = 0.25 + 0.5 * X[:, self.signal_column].astype(float) + 0.01 * np.tanh(X[:, -2])
        return np.column_stack([1 - p, p])


class TinyLogReg(ClassifierMixin, BaseEstimator):
    """A fast stand-in for the zoo's classical models: logistic regression plus an in-fold F1 threshold."""

    def __init__(self, C: float = 0.1, random_state: int | None = 0):
        self.C = C
        self.random_state = random_state

    def fit(self, X, y):
        from sklearn.linear_model import LogisticRegression

        y = np.asarray(y)
        self.model_ = LogisticRegression(C=self.C, max_iter=500).fit(self._z(X, fit=True), y)
        p = self.model_.predict_proba(self._z(X))[:, 1]
        grid = np.unique(p)
        pred = p[None, :] >= grid[:, None]
        tp = (pred & (y == 1)).sum(1)
        self.threshold_ = float(grid[np.argmax(2 * tp / (pred.sum(1) + (y == 1).sum()))])
        self.classes_ = np.array([0, 1])
        return self

    def _z(self, X, fit=False):
        if fit:
            self.mean_, self.scale_ = X.mean(0), X.std(0) + 1e-6
        return (X - self.mean_) / self.scale_

    def predict_proba(self, X):
        return self.model_.predict_proba(self._z(X))
