"""Train one zoo model on every given patient for later use (`hiv train`).

The model's own `fit` makes every in-training choice exactly as inside a cross-validation fold (clinical
scaler, class balance, inner validation split for early stopping and the decision threshold), so a trained
model is what `hiv cv` measured, fitted once more on all the data.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from zoo.cv import features_sha256, library_versions, resolve_model, select_targets

EpochProgress = Callable[[int, int, dict], None]


def train_model(features, name: str, *, targets=None, seed: int = 0,
                model_kwargs: dict[str, Any] | None = None,
                progress: EpochProgress | None = None) -> tuple[Any, dict[str, Any]]:
    """(fitted estimator, metadata for model.json): featurizer window, data fingerprint, inner metrics."""
    kwargs = {**(model_kwargs or {}), "random_state": seed}
    target_names, y = select_targets(features, targets)
    _, model, ignored = resolve_model(name, kwargs)
    fit_kwargs = {}
    if progress is not None and "progress" in inspect.signature(model.fit).parameters:
        fit_kwargs["progress"] = progress
    start = time.perf_counter()
    model.fit(features.to_X(), y, **fit_kwargs)
    seconds = time.perf_counter() - start
    manifest = features.manifest or {}
    meta = {
        "model": name,
        "targets": list(target_names),
        "seed": seed,
        "ignored_options": sorted(k for k in ignored if k != "random_state"),
        "featurizer": {
            "rt_end": int(manifest.get("options", {}).get("rt_end", features.n_positions - 99)),
            "n_positions": features.n_positions,
            "encoder_version": manifest.get("options", {}).get("encoder_version"),
            "reference": manifest.get("reference"),
        },
        "training_data": {
            "input_sha256": manifest.get("input", {}).get("sha256"),
            "features_sha256": features_sha256(features),
            "description": manifest.get("input", {}).get("description"),
            "patients": len(features),
            "positives": np.asarray(y).sum(axis=0).tolist(),
        },
        "inner_metrics": dict(getattr(model, "inner_metrics_", {})),
        "fit_seconds": round(seconds, 2),
        "versions": library_versions(),
    }
    return model, meta

