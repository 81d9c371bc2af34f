"""The cross-validation engine: every model on the same stratified folds, the test fold touched once.

Leak-freedom is structural here: a fit task receives the training rows' X and y only and the test rows' X
only; scaling, balancing, early stopping and the threshold all happen inside the model's own `fit`
(see zoo.fitting). Scoring happens afterwards, in the parent process, from the returned probabilities and
the model's in-fold `threshold_`.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features.errors import InputError, ModelError
from zoo import rundir
from zoo.folds import Fold, derived_seed, make_folds
from zoo.metrics import aggregate, binary_metrics, multilabel_metrics
from zoo.rundir import RunResult

ModelSpec = str | tuple[str, Any]  # a registered name, or (name, unfitted estimator) for library use


@dataclass(frozen=True)
class CvProgress:
    """One progress event: "start" (before any fit), "fit" (one began), "epoch" (jobs=1 only), "done"."""

    kind: str
    done: int
    total: int
    model: str | None = None
    repeat: int | None = None
    fold: int | None = None
    epoch: int | None = None
    epochs: int | None = None
    train_loss: float | None = None
    valid_loss: float | None = None


def features_sha256(features) -> str:
    """Fingerprint of what the models see (codons, clinical values, labels and patient order)."""
    h = hashlib.sha256()
    for arr in (features.codons, features.clinical, features.labels):
        if arr is not None:
            a = np.ascontiguousarray(arr)
            h.update(str((a.dtype.str, a.shape)).encode())
            h.update(a.tobytes())
    h.update("\n".join(map(str, features.patient_id)).encode())
    h.update("\n".join(features.label_names or ()).encode())
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("hiv", "numpy", "pandas", "scikit-learn", "torch", "skorch", "captum", "joblib"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def select_targets(features, targets: Sequence[str] | None) -> tuple[tuple[str, ...], np.ndarray]:
    """The target names and their 0/1 labels: (N,) for one target, (N, K) for several."""
    if features.labels is None:
        raise InputError("the data have no Resp column; cross-validation needs labels")
    names = tuple(features.label_names)
    targets = tuple(targets) if targets else names[:1]
    missing = [t for t in targets if t not in names]
    if missing:
        raise InputError(f"unknown target {', '.join(repr(t) for t in missing)}; "
                         f"available: {', '.join(names)}")
    if len(set(targets)) != len(targets):
        raise InputError(f"--target lists a column twice: {', '.join(targets)}")
    y = np.asarray(features.labels, dtype=float)[:, [names.index(t) for t in targets]]
    bad = ~np.isin(y, (0.0, 1.0))
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise InputError("target values must be 0 or 1", row=str(features.patient_id[row]),
                         column=targets[col])
    y = y.astype(np.int64)
    return targets, (y[:, 0] if len(targets) == 1 else y)


def resolve_model(spec: ModelSpec, model_kwargs: dict[str, Any]) -> tuple[str, Any, dict[str, Any]]:
    """(name, unfitted prototype, kwargs this model does not take): shared options go where they fit."""
    if isinstance(spec, tuple):
        name, estimator = spec
        return name, estimator, {}
    from zoo.registry import create_model

    valid = create_model(spec).get_params(deep=False)
    given = {k: v for k, v in model_kwargs.items() if v is not None}
    used = {k: v for k, v in given.items() if k in valid}
    return spec, create_model(spec, **used), {k: v for k, v in given.items() if k not in valid}


def _family(estimator: Any) -> str:
    return getattr(estimator, "family", "classical")


def _history_records(estimator: Any) -> list[dict[str, Any]]:
    """Per-epoch rows from a fitted model's `history_` (a skorch History, list of dicts, or DataFrame)."""
    hist = getattr(estimator, "history_", None)
    if hist is None:
        return []
    if isinstance(hist, pd.DataFrame):
        hist = hist.to_dict("records")
    rows = []
    for i, h in enumerate(hist):
        h = dict(h)
        rows.append({"epoch": int(h.get("epoch", i + 1)),
                     "train_loss": float(h.get("train_loss", np.nan)),
                     "valid_loss": float(h.get("valid_loss", np.nan)),
                     "valid_f1": float(h.get("valid_f1", np.nan))})
    return rows


def _fit_task(name: str, prototype: Any, X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray,
              repeat: int, fold: int, random_state: int | None, attributions: bool, threads: int | None,
              on_epoch: Callable[[dict], None] | None = None) -> dict[str, Any]:
    """Fit one model on one training part and predict its test part — the only labels it gets are y_train."""
    from sklearn.base import clone

    estimator = clone(prototype)
    deep = _family(estimator) == "deep"
    if threads is not None and deep:
        import torch

        torch.set_num_threads(threads)
    if random_state is not None and "random_state" in estimator.get_params(deep=False):
        estimator.set_params(random_state=random_state)
    fit_kwargs = {}
    if on_epoch is not None and "progress" in inspect.signature(estimator.fit).parameters:
        fit_kwargs["progress"] = lambda epoch, epochs, info: on_epoch({**info, "epoch": epoch,
                                                                        "epochs": epochs})
    start = time.perf_counter()
    estimator.fit(X_train, y_train, **fit_kwargs)
    proba = np.asarray(estimator.predict_proba(X_test), dtype=np.float64)
    importance = None
    if attributions and deep:
        from zoo.attribution import position_importance

        importance = np.asarray(position_importance(estimator, X_test), dtype=np.float64)
    return {"model": name, "repeat": repeat, "fold": fold, "proba": proba,
            "threshold": np.asarray(getattr(estimator, "threshold_", 0.5), dtype=np.float64),
            "history": _history_records(estimator), "importance": importance,
            "seconds": time.perf_counter() - start}


def positive_proba(proba: np.ndarray, n_targets: int) -> np.ndarray:
    """P(label = 1): column 1 of a binary (N, 2) output, the (N, K) output as is for several targets."""
    if n_targets == 1:
        return proba[:, 1] if proba.ndim == 2 and proba.shape[1] == 2 else proba.reshape(-1)
    if proba.ndim != 2 or proba.shape[1] != n_targets:
        raise ModelError(f"a {n_targets}-target model returned predict_proba of shape {proba.shape}")
    return proba


def run_cv(features, models: Sequence[ModelSpec], *, folds: int = 5, repeats: int = 1, seed: int = 0,
           targets: Sequence[str] | None = None, model_kwargs: dict[str, Any] | None = None, jobs: int = 1,
           progress: Callable[[CvProgress], None] | None = None, out_dir: str | Path | None = None,
           attributions: bool = True, data: dict[str, Any] | None = None) -> RunResult:
    """Cross-validate `models` on `features`; write the run directory when `out_dir` is given.

    `model_kwargs` are shared options (epochs, loss, balance, device …): each model receives those it has
    and `None` values are dropped, so model defaults win. `data` describes the source for config.json.
    Each fit is seeded from (`seed`, repeat, fold) through its `random_state`, so the run is reproducible
    whatever `jobs` is.
    """
    from joblib import Parallel, delayed

    if not models:
        raise ModelError("no model given")
    if jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {jobs}")
    model_kwargs = dict(model_kwargs or {})
    target_names, y = select_targets(features, targets)
    resolved = [resolve_model(spec, model_kwargs) for spec in models]
    names = [r[0] for r in resolved]
    if len(set(names)) != len(names):
        raise ModelError(f"a model is listed twice: {', '.join(names)}")
    fold_list: list[Fold] = make_folds(y, folds=folds, repeats=repeats, seed=seed, target_names=target_names)
    X = features.to_X()
    tasks = [(f, name, proto) for f in fold_list for name, proto, _ in resolved]
    total = len(tasks)
    notify = progress or (lambda event: None)
    notify(CvProgress("start", 0, total))

    threads = max(1, (os.cpu_count() or 1) // jobs) if jobs > 1 else None
    user_seed = model_kwargs.get("random_state")

    def task(i: int, f: Fold, name: str, proto: Any):
        on_epoch = None
        if jobs == 1 and progress is not None:
            def on_epoch(info: dict, _i=i, _f=f, _name=name) -> None:
                notify(CvProgress("epoch", _i, total, _name, _f.repeat, _f.fold, info.get("epoch"),
                                  info.get("epochs"), info.get("train_loss"), info.get("valid_loss")))
            notify(CvProgress("fit", i, total, name, f.repeat, f.fold))
        rs = user_seed if user_seed is not None else derived_seed(seed, f.repeat, f.fold)
        return delayed(_fit_task)(name, proto, X[f.train], y[f.train], X[f.test], f.repeat, f.fold, rs,
                                  attributions, threads, on_epoch)

    results: list[dict[str, Any]] = []
    if jobs == 1:
        # run in this process one by one so epoch callbacks reach the caller
        for i, (f, name, proto) in enumerate(tasks):
            fn, args, kwargs = task(i, f, name, proto)
            results.append(fn(*args, **kwargs))
            notify(CvProgress("done", i + 1, total, name, f.repeat, f.fold))
    else:
        outputs = Parallel(n_jobs=jobs, return_as="generator")(
            task(i, f, name, proto) for i, (f, name, proto) in enumerate(tasks))
        for i, out in enumerate(outputs):
            results.append(out)
            notify(CvProgress("done", i + 1, total, out["model"], out["repeat"], out["fold"]))

    result = _assemble(features, fold_list, names, target_names, y, results)
    result.config = _config(features, resolved, target_names, folds=folds, repeats=repeats, seed=seed,
                            model_kwargs=model_kwargs, jobs=jobs, attributions=attributions, data=data)
    result.metrics = {"config": result.config, "models": result.metrics["models"]}
    if out_dir is not None:
        rundir.write_run(result, out_dir)
    return result


def _assemble(features, fold_list: list[Fold], names: list[str], target_names: tuple[str, ...],
              y: np.ndarray, results: list[dict[str, Any]]) -> RunResult:
    by_key = {(r["model"], r["repeat"], r["fold"]): r for r in results}
    multi = len(target_names) > 1
    models: dict[str, dict] = {}
    oof, history, attributions = [], [], []
    pid = np.asarray(features.patient_id).astype(str)
    for name in names:
        fold_scores = []
        for f in fold_list:
            r = by_key[(name, f.repeat, f.fold)]
            proba = positive_proba(r["proba"], len(target_names))
            y_test = y[f.test]
            if multi:
                thr = np.broadcast_to(r["threshold"], (len(target_names),)).astype(float)
                scores = multilabel_metrics(y_test, proba, thr, target_names)
                for k, target in enumerate(target_names):
                    oof.append(pd.DataFrame({
                        "model": name, "repeat": f.repeat, "fold": f.fold, "PatientID": pid[f.test],
                        "target": target, "label": y_test[:, k], "probability": proba[:, k],
                        "prediction": (proba[:, k] >= thr[k]).astype(int)}))
            else:
                thr = float(np.asarray(r["threshold"]).reshape(-1)[0])
                scores = binary_metrics(y_test, proba, thr)
                oof.append(pd.DataFrame({
                    "model": name, "repeat": f.repeat, "fold": f.fold, "PatientID": pid[f.test],
                    "label": y_test, "probability": proba, "prediction": (proba >= thr).astype(int)}))
            fold_scores.append({"repeat": f.repeat, "fold": f.fold, **scores})
            for h in r["history"]:
                history.append({"model": name, "repeat": f.repeat, "fold": f.fold, **h})
            if r["importance"] is not None:
                attributions.append(pd.DataFrame({
                    "model": name, "repeat": f.repeat, "fold": f.fold,
                    "position": list(features.positions)[: len(r["importance"])],
                    "importance": r["importance"]}))
        mean, sd = aggregate(fold_scores)
        models[name] = {"folds": fold_scores, "mean": mean, "sd": sd}

    def frame(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
        return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)

    return RunResult(
        config={}, metrics={"models": models},
        oof=frame(oof, rundir.OOF_COLUMNS_MULTI if multi else rundir.OOF_COLUMNS),
        history=pd.DataFrame(history, columns=rundir.HISTORY_COLUMNS),
        attributions=frame(attributions, rundir.ATTRIBUTION_COLUMNS))


def _config(features, resolved, target_names, *, folds, repeats, seed, model_kwargs, jobs, attributions,
            data) -> dict[str, Any]:
    labels = np.asarray(features.labels, dtype=float)
    names = tuple(features.label_names)
    data = dict(data or {})
    data.setdefault("features", None)
    data.update({
        "sha256": features_sha256(features),
        "n_patients": int(len(features.patient_id)),
        "n_positions": int(len(features.positions)),
        "prevalence": {t: float(labels[:, names.index(t)].mean()) for t in target_names},
    })
    return {
        "format_version": rundir.FORMAT_VERSION,
        "command": " ".join(["hiv", *sys.argv[1:]]) if Path(sys.argv[0]).name == "hiv" else None,
        "models": {name: {"family": _family(proto), "params": proto.get_params(deep=False),
                          "ignored_options": sorted(ignored)}
                   for name, proto, ignored in resolved},
        "folds": folds, "repeats": repeats, "seed": seed, "targets": list(target_names),
        "options": {k: v for k, v in model_kwargs.items() if v is not None},
        "random_state": "given" if model_kwargs.get("random_state") is not None
        else "derived per fold from (seed, repeat, fold)",
        "jobs": jobs, "attributions": attributions,
        "data": data,
        "versions": library_versions(),
    }
