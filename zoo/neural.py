"""The deep zoo models: a scikit-learn classifier that trains `zoo.nets.HivNet` through skorch.

Everything learned comes from the (X, y) given to `fit`: the clinical scaler, a seeded stratified inner
validation split (early stopping on its loss, then the F1-maximising threshold on its predictions), and the
class balance (positive-class loss weight or oversampling of the inner training part only).

Binary y (N,) -> `predict_proba` (N, 2). Multi-label y (N, K), K >= 2 -> one logit per label, the loss
applied elementwise, `predict_proba` (N, K) positive-class probabilities and `threshold_` one per label.

`fit(X, y, progress=None)`: `progress(epoch, max_epochs, info)` is called after every epoch with info =
{"epoch", "train_loss", "valid_loss", "valid_auc", "valid_f1"}. `valid_f1` is the inner-validation F1 at its
best threshold (the same rule the final threshold uses).

Determinism: `random_state` (None means 0) seeds weights, the inner split and batch order; on CPU `fit` runs
with deterministic kernels, so the same seed, data, machine and torch thread count give identical
probabilities. The caller's torch RNG and deterministic-algorithms flag are restored afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from features.codons import COV_CHANNEL, N_CHANNELS
from features.errors import ModelError
from zoo import fitting

LOSSES = ("focal", "bce")
DEVICES = ("auto", "cpu", "cuda")

Progress = Callable[[int, int, dict[str, float]], None]


def resolve_device(device: str) -> str:
    import torch

    fitting.check_choice("device", device, DEVICES)
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ModelError("device 'cuda' was requested but CUDA is not available; use --device cpu or auto")
    return device


@contextmanager
def seeded_torch(seed: int, device: str):
    """Seed torch and make CPU kernels deterministic, restoring the caller's RNG and flags afterwards."""
    import torch

    devices = [torch.cuda.current_device()] if device == "cuda" else []
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    was_warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        if device == "cpu":
            torch.use_deterministic_algorithms(True)
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(was_deterministic, warn_only=was_warn_only)


def _valid_scores(net, X, y) -> tuple[float, float]:
    proba = np.asarray(net.predict_proba(X))
    y = np.asarray(y).reshape(proba.shape)
    _, scores = fitting.inner_scores(y, proba)
    return scores["auc"], scores["f1"]


def _valid_auc(net, X, y) -> float:
    return _valid_scores(net, X, y)[0]


def _valid_f1(net, X, y) -> float:
    return _valid_scores(net, X, y)[1]


def _mean_profile(X: np.ndarray, n_positions: int):
    """Mean of every codon/del/ins channel per position over the covered training patients (1, 66, L)."""
    import torch

    codons = X[:, :-fitting.N_CLINICAL].reshape(len(X), N_CHANNELS, n_positions)
    cov = codons[:, COV_CHANNEL]
    covered = np.maximum(cov.sum(axis=0), 1.0)
    mean = np.einsum("ncl,nl->cl", codons[:, :COV_CHANNEL], cov, optimize=True) / covered
    return torch.from_numpy(mean.astype(np.float32)[None])


def _warm_start_side(module, Xs: np.ndarray, Y: np.ndarray, balance: str) -> None:
    """Start at an in-fold logistic regression on clinical values + gene coverage; sequence path at zero.

    A few hundred optimiser steps cannot learn the strong clinical effect from a random start (the deep
    models then trailed `logreg-clinical`); starting from it, training only has to learn what the sequence
    adds, and early stopping keeps the start when it adds nothing. Fitted on the inner training rows only.
    """
    import torch
    from sklearn.linear_model import LogisticRegression

    with torch.no_grad():
        Xt = torch.as_tensor(Xs, dtype=torch.float32)
        codons = Xt[:, :-fitting.N_CLINICAL].reshape(len(Xt), N_CHANNELS, -1)
        side = torch.cat([Xt[:, -fitting.N_CLINICAL:], module.gene_coverage(codons)], dim=1).numpy()
        for k in range(Y.shape[1]):
            yk = np.rint(Y[:, k]).astype(int)
            if yk.min() == yk.max():
                continue
            lr = LogisticRegression(C=1.0, class_weight=None if balance == "none" else "balanced")
            lr.fit(side, yk)
            module.side.weight[k].copy_(torch.as_tensor(lr.coef_[0], dtype=torch.float32))
            module.side.bias[k] = float(lr.intercept_[0])
        last = module.head[-1]
        last.weight.zero_()
        last.bias.zero_()


class NeuralClassifier(ClassifierMixin, BaseEstimator):
    """1-D CNN/ResNet (optionally with CBAM) over PR+RT codons, fused with VL-t0 and CD4-t0."""

    family = "deep"

    def __init__(self, arch: str = "resnet", view: str = "codon", attn: str = "cbam", width: int = 16,
                 blocks: int = 3, kernel_size: int = 5, dropout: float = 0.5, epochs: int = 30,
                 lr: float = 3e-3, weight_decay: float = 1e-2, batch_size: int = 32, loss: str = "focal",
                 alpha: float | None = None, gamma: float = 2.0, balance: str = "weights", patience: int = 6,
                 valid_fraction: float = 0.2, device: str = "auto", random_state: int | None = 0):
        self.arch = arch
        self.view = view
        self.attn = attn
        self.width = width
        self.blocks = blocks
        self.kernel_size = kernel_size
        self.dropout = dropout
        self.epochs = epochs
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.loss = loss
        self.alpha = alpha
        self.gamma = gamma
        self.balance = balance
        self.patience = patience
        self.valid_fraction = valid_fraction
        self.device = device
        self.random_state = random_state

    # -- configuration ------------------------------------------------------------------------------
    def _check_params(self) -> None:
        from zoo.nets import ARCHS, ATTNS, VIEWS

        fitting.check_choice("arch", self.arch, ARCHS)
        fitting.check_choice("view", self.view, VIEWS)
        fitting.check_choice("attn", self.attn, ATTNS)
        fitting.check_choice("loss", self.loss, LOSSES)
        fitting.check_choice("balance", self.balance, fitting.BALANCES)
        for name in ("width", "blocks", "epochs", "batch_size", "patience"):
            if int(getattr(self, name)) < 1:
                raise ModelError(f"{name} must be a positive integer, got {getattr(self, name)}")
        if self.alpha is not None and not 0.0 <= self.alpha <= 1.0:
            raise ModelError(f"alpha must be between 0 and 1, got {self.alpha}")
        if self.gamma < 0:
            raise ModelError(f"gamma must be >= 0, got {self.gamma}")

    def _module_kwargs(self, n_positions: int, n_labels: int) -> dict[str, Any]:
        return {"n_positions": n_positions, "n_labels": n_labels, "arch": self.arch, "view": self.view,
                "attn": self.attn, "width": int(self.width), "blocks": int(self.blocks),
                "kernel_size": int(self.kernel_size), "dropout": float(self.dropout)}

    def count_parameters(self, n_positions: int, n_labels: int = 1) -> int:
        import torch

        from zoo.nets import HivNet

        with torch.random.fork_rng(devices=[]):  # counting must not move the caller's RNG
            module = HivNet(**self._module_kwargs(n_positions, n_labels))
        return int(sum(p.numel() for p in module.parameters()))

    def _seed(self) -> int:
        return 0 if self.random_state is None else int(self.random_state)

    def _build_net(self, n_positions: int, n_labels: int, device: str, valid=None, pos_weight=None,
                   progress: Progress | None = None):
        import torch
        from skorch import NeuralNet
        from skorch.callbacks import Callback, EarlyStopping, EpochScoring
        from skorch.helper import predefined_split

        from zoo.losses import FocalLoss
        from zoo.nets import HivNet

        if self.loss == "focal":
            criterion, crit_kw = FocalLoss, {"alpha": self.alpha, "gamma": float(self.gamma)}
        else:
            criterion, crit_kw = torch.nn.BCEWithLogitsLoss, {}
        if pos_weight is not None:
            crit_kw["pos_weight"] = torch.as_tensor(pos_weight)

        max_epochs = int(self.epochs)

        class _Report(Callback):
            def on_epoch_end(self, net, **kwargs):
                if progress is not None:
                    row = net.history[-1]
                    info = {k: float(row[k]) for k in ("train_loss", "valid_loss", "valid_auc", "valid_f1")
                            if k in row}
                    progress(int(row["epoch"]), max_epochs, {"epoch": int(row["epoch"]), **info})

        callbacks = []
        if valid is not None:
            callbacks = [
                ("valid_auc", EpochScoring(_valid_auc, lower_is_better=False, name="valid_auc")),
                ("valid_f1", EpochScoring(_valid_f1, lower_is_better=False, name="valid_f1")),
                ("early_stopping", EarlyStopping(monitor="valid_loss", patience=int(self.patience),
                                                 load_best=True, sink=lambda *_: None)),
                ("report", _Report()),
            ]
        module_kw = self._module_kwargs(n_positions, n_labels)
        return NeuralNet(
            module=HivNet, **{f"module__{k}": v for k, v in module_kw.items()},
            criterion=criterion, **{f"criterion__{k}": v for k, v in crit_kw.items()},
            optimizer=torch.optim.AdamW, optimizer__weight_decay=float(self.weight_decay), lr=float(self.lr),
            max_epochs=max_epochs, batch_size=int(self.batch_size),
            train_split=predefined_split(valid) if valid is not None else None,
            iterator_train__shuffle=True,
            iterator_train__generator=torch.Generator().manual_seed(self._seed()),
            iterator_valid__batch_size=256,
            # DataLoaders draw a base seed per pass: give them their own generator, not torch's global one
            iterator_valid__generator=torch.Generator(),
            predict_nonlinearity=torch.sigmoid, callbacks=callbacks, device=device, verbose=0,
        )

    # -- scikit-learn API ---------------------------------------------------------------------------
    def fit(self, X, y, progress: Progress | None = None) -> NeuralClassifier:
        from skorch.dataset import Dataset

        self._check_params()
        X = fitting.check_X(X)
        Y, multi = fitting.check_y(y)
        if len(Y) != len(X):
            raise ModelError(f"X has {len(X)} rows but y has {len(Y)}")
        device = resolve_device(self.device)
        seed = self._seed()
        self.n_positions_ = fitting.n_positions_of(X)
        self.n_features_in_ = X.shape[1]
        self.n_labels_ = Y.shape[1]
        self.multilabel_ = multi
        self.classes_ = np.array([0, 1])
        self.scaler_mean_, self.scaler_scale_ = fitting.fit_scaler(X[:, -fitting.N_CLINICAL:])
        Xs = fitting.standardized(X, self.scaler_mean_, self.scaler_scale_)

        train, valid = fitting.inner_split(Y, float(self.valid_fraction), seed)
        if self.balance == "oversample":
            train = fitting.oversample(train, Y, seed)
        pos_weight = fitting.positive_weight(Y[train]) if self.balance == "weights" else None
        net = self._build_net(self.n_positions_, self.n_labels_, device, Dataset(Xs[valid], Y[valid]),
                              pos_weight, progress)
        center = _mean_profile(X[np.unique(train)], self.n_positions_)
        with seeded_torch(seed, device):
            net.initialize()
            net.module_.center.copy_(center)
            _warm_start_side(net.module_, Xs[np.unique(train)], Y[np.unique(train)], self.balance)
            net.partial_fit(Xs[train], Y[train])
            proba_valid = np.asarray(net.predict_proba(Xs[valid]), dtype=np.float64)
        self.net_ = net
        thresholds, self.inner_metrics_ = fitting.inner_scores(Y[valid], proba_valid)
        self.threshold_ = thresholds if multi else float(thresholds[0])
        self.history_ = [{"epoch": int(h["epoch"]), "train_loss": float(h["train_loss"]),
                          "valid_loss": float(h["valid_loss"]), "valid_f1": float(h["valid_f1"])}
                         for h in net.history]
        return self

    @property
    def module_(self):
        check_is_fitted(self, "net_")
        return self.net_.module_

    def _positive_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "net_")
        X = fitting.check_X(X, self.n_positions_)
        Xs = fitting.standardized(X, self.scaler_mean_, self.scaler_scale_)
        return np.asarray(self.net_.predict_proba(Xs), dtype=np.float64)

    def predict_proba(self, X) -> np.ndarray:
        p = self._positive_proba(X)
        if self.multilabel_:
            return p
        return np.column_stack([1.0 - p[:, 0], p[:, 0]])

    def predict(self, X) -> np.ndarray:
        p = self.predict_proba(X)
        if self.multilabel_:
            return (p >= np.asarray(self.threshold_)).astype(int)
        return (p[:, 1] >= self.threshold_).astype(int)
