"""Baselines a bioinformatician would reach for: mutation-matrix + clinical models from scikit-learn.

`MutationMatrix` is label-free: fitted on the training X only, it keeps every (position, amino acid) that
differs from the cohort's most common residue there, plus deletions and insertions, when seen in at least
`min_count` training patients, and adds per-gene coverage (so a missing gene is not read as wild type).
Values are amino-acid fractions (a mixture counts 1/k). Clinical values are standardized in `fit`.

Decision threshold and `inner_metrics_` come from inner cross-validated predictions on the training part
(3 stratified, seeded folds); the final estimator is then refitted on the whole training part. Multi-label y
(N, K) is handled one-vs-rest: one estimator per label (`estimators_`), `predict_proba` (N, K).
`random_state` (None means 0) seeds the inner folds, oversampling and the forest/boosting, so a refit with
the same seed gives identical probabilities. Random forests use one core (`n_jobs=1`): parallelism belongs
to the folds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted

from features.codons import AMINO_ACIDS, COV_CHANNEL, DEL_CHANNEL, INS_CHANNEL, N_CHANNELS
from features.codons import genetic_code_matrix as code_matrix
from features.errors import ModelError
from features.reference import PR_LENGTH
from zoo import fitting

INNER_FOLDS = 3


def _position_name(i: int) -> str:
    """Contract position names (PR1..PR99, then RT1..) for any window, tiny test windows included."""
    return f"PR{i + 1}" if i < PR_LENGTH else f"RT{i - PR_LENGTH + 1}"


def _channels(X: np.ndarray, L: int) -> tuple[np.ndarray, np.ndarray]:
    """(amino-acid fractions + del + ins: (N, 23, L), coverage (N, L)) from the flat contract X."""
    codons = X[:, : N_CHANNELS * L].reshape(len(X), N_CHANNELS, L)
    aa = np.einsum("ncl,ca->nal", codons[:, :64], code_matrix(), optimize=True)
    extra = codons[:, [DEL_CHANNEL, INS_CHANNEL]]
    return np.concatenate([aa, extra], axis=1), codons[:, COV_CHANNEL]


class MutationMatrix(TransformerMixin, BaseEstimator):
    """Label-free patient x mutation matrix (+ per-gene coverage) from the contract X; drops clinical."""

    def __init__(self, min_count: int = 5):
        self.min_count = min_count

    def fit(self, X, y=None) -> MutationMatrix:
        X = fitting.check_X(X)
        L = fitting.n_positions_of(X)
        values, _ = _channels(X, L)
        modal = values[:, :21].sum(axis=0).argmax(axis=0)  # most common residue per position (L,)
        seen = (values > 0).sum(axis=0)  # (23, L)
        seen[modal, np.arange(L)] = 0  # the common residue is not a mutation
        channel, position = np.nonzero(seen >= max(int(self.min_count), 1))
        order = np.lexsort((channel, position))
        self.channel_, self.position_ = channel[order], position[order]
        self.modal_ = modal
        self.n_positions_ = L
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "channel_")
        X = fitting.check_X(X, self.n_positions_)
        values, cov = _channels(X, self.n_positions_)
        genes = [cov[:, :PR_LENGTH].mean(axis=1)]
        if self.n_positions_ > PR_LENGTH:
            genes.append(cov[:, PR_LENGTH:].mean(axis=1))
        return np.column_stack([values[:, self.channel_, self.position_], *genes]).astype(np.float32)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "channel_")
        symbols = AMINO_ACIDS + "-^"  # '-' deletion, '^' insertion after the position
        pairs = zip(self.channel_, self.position_, strict=True)
        names = [f"{_position_name(p)}{symbols[c]}" for c, p in pairs]
        names.append("PR_coverage")
        if self.n_positions_ > PR_LENGTH:
            names.append("RT_coverage")
        return np.asarray(names, dtype=object)


class _Baseline(ClassifierMixin, BaseEstimator):
    """Shared fit/predict: scaler, mutation matrix, class balance, inner-CV threshold, one-vs-rest."""

    family = "classical"
    uses_mutations = True

    def _estimator(self, class_weight: str | None) -> Any:
        raise NotImplementedError

    def _seed(self) -> int:
        return 0 if self.random_state is None else int(self.random_state)

    def _design(self, X: np.ndarray) -> np.ndarray:
        clinical = ((X[:, -fitting.N_CLINICAL:].astype(np.float64) - self.scaler_mean_) / self.scaler_scale_)
        if not self.uses_mutations:
            return clinical.astype(np.float32)
        return np.hstack([self.mutations_.transform(X), clinical.astype(np.float32)])

    def _fit_one(self, Z: np.ndarray, y: np.ndarray, seed: int) -> Any:
        idx = np.arange(len(y))
        if self.balance == "oversample":
            idx = fitting.oversample(idx, y[:, None], seed)
        est = self._estimator("balanced" if self.balance == "weights" else None)
        return est.fit(Z[idx], y[idx].astype(int))

    def fit(self, X, y, progress: Callable[[int, int, dict], None] | None = None) -> _Baseline:
        fitting.check_choice("balance", self.balance, fitting.BALANCES)
        X = fitting.check_X(X)
        Y, multi = fitting.check_y(y)
        if len(Y) != len(X):
            raise ModelError(f"X has {len(X)} rows but y has {len(Y)}")
        seed = self._seed()
        self.n_positions_ = fitting.n_positions_of(X)
        self.n_features_in_ = X.shape[1]
        self.n_labels_, self.multilabel_ = Y.shape[1], multi
        self.classes_ = np.array([0, 1])
        self.scaler_mean_, self.scaler_scale_ = fitting.fit_scaler(X[:, -fitting.N_CLINICAL:])
        if self.uses_mutations:
            self.mutations_ = MutationMatrix(min_count=self.min_count).fit(X)
        Z = self._design(X)
        # inner cross-validated predictions on the training part decide the threshold
        oof = np.zeros(Y.shape, dtype=np.float64)
        total = Y.shape[1] * (INNER_FOLDS + 1)
        step = 0
        self.estimators_ = []
        for k in range(Y.shape[1]):
            yk = Y[:, k]
            n_splits = int(min(INNER_FOLDS, yk.sum(), len(yk) - yk.sum()))
            if n_splits < 2:
                raise ModelError(f"label {k} needs at least 2 positive and 2 negative training patients")
            inner = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
            for tr, va in inner.split(Z, yk):
                oof[va, k] = self._fit_one(Z[tr], yk[tr], seed).predict_proba(Z[va])[:, 1]
                step += 1
                if progress is not None:
                    progress(step, total, {"inner_fold": step})
            self.estimators_.append(self._fit_one(Z, yk, seed))
            step += 1
            if progress is not None:
                progress(step, total, {"inner_fold": step})
        thresholds, self.inner_metrics_ = fitting.inner_scores(Y, oof)
        self.threshold_ = thresholds if multi else float(thresholds[0])
        self.history_: list[dict] = []
        return self

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "estimators_")
        X = fitting.check_X(X, self.n_positions_)
        Z = self._design(X)
        p = np.column_stack([e.predict_proba(Z)[:, 1] for e in self.estimators_]).astype(np.float64)
        return p if self.multilabel_ else np.column_stack([1.0 - p[:, 0], p[:, 0]])

    def predict(self, X) -> np.ndarray:
        p = self.predict_proba(X)
        if self.multilabel_:
            return (p >= np.asarray(self.threshold_)).astype(int)
        return (p[:, 1] >= self.threshold_).astype(int)

    @property
    def estimator_(self) -> Any:
        """The fitted scikit-learn estimator (first label)."""
        check_is_fitted(self, "estimators_")
        return self.estimators_[0]


class ClinicalLogReg(_Baseline):
    """Logistic regression on standardized VL-t0 and CD4-t0 only: what the sequences must beat."""

    uses_mutations = False

    def __init__(self, C: float = 1.0, balance: str = "weights", random_state: int | None = 0):
        self.C = C
        self.balance = balance
        self.random_state = random_state

    def _estimator(self, class_weight):
        return LogisticRegression(C=self.C, class_weight=class_weight, max_iter=2000)


class MutationLogReg(_Baseline):
    def __init__(self, C: float = 0.1, min_count: int = 5, balance: str = "weights",
                 random_state: int | None = 0):
        self.C = C
        self.min_count = min_count
        self.balance = balance
        self.random_state = random_state

    def _estimator(self, class_weight):
        return LogisticRegression(C=self.C, class_weight=class_weight, max_iter=5000)


class MutationForest(_Baseline):
    def __init__(self, n_estimators: int = 300, min_samples_leaf: int = 3, max_features: str | float = "sqrt",
                 min_count: int = 5, balance: str = "weights", random_state: int | None = 0):
        self.n_estimators = n_estimators
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.min_count = min_count
        self.balance = balance
        self.random_state = random_state

    def _estimator(self, class_weight):
        return RandomForestClassifier(
            n_estimators=self.n_estimators, min_samples_leaf=self.min_samples_leaf,
            max_features=self.max_features, n_jobs=1, random_state=self._seed(),
            class_weight="balanced_subsample" if class_weight else None)


class MutationGBM(_Baseline):
    def __init__(self, learning_rate: float = 0.05, max_iter: int = 200, max_leaf_nodes: int = 15,
                 l2_regularization: float = 1.0, min_count: int = 5, balance: str = "weights",
                 random_state: int | None = 0):
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.max_leaf_nodes = max_leaf_nodes
        self.l2_regularization = l2_regularization
        self.min_count = min_count
        self.balance = balance
        self.random_state = random_state

    def _estimator(self, class_weight):
        return HistGradientBoostingClassifier(
            learning_rate=self.learning_rate, max_iter=self.max_iter, max_leaf_nodes=self.max_leaf_nodes,
            l2_regularization=self.l2_regularization, early_stopping=False, class_weight=class_weight,
            random_state=self._seed())

