"""Model directories: `model.json` (what the model is, how it decides, checksums) plus one weight file.

- Deep models: the module's `state_dict` as safetensors (`weights.safetensors`): plain tensors, no code.
- Classical models: the fitted estimator via skops (`model.skops`), loaded with an explicit list of trusted
  types; a file that would need any other type is refused. Trust note: skops never unpickles arbitrary
  objects, but a model file still decides the numbers you get — only load directories you or your
  colleagues wrote. `load_model` checks every file's sha256 against `model.json` before reading it.

`model.json`: format_version, zoo model name, family, hyper-parameters (`get_params`), threshold, clinical
scaler, n_positions, n_labels, inner validation metrics, training history, `files` {name: sha256} and the
caller's `meta` (featurizer window, reference/encoder versions, data sha256, package version, ...), returned
unchanged by `load_model`. Every file is written atomically; model.json last.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from features.codons import N_CHANNELS
from features.errors import ModelError
from features.store import atomic_write_bytes, json_safe

FORMAT_VERSION = 1
MODEL_JSON = "model.json"
TORCH_WEIGHTS = "weights.safetensors"
SKOPS_FILE = "model.skops"

# types a zoo baseline's skops file may hold beyond skops' own defaults (scikit-learn estimators, numpy);
# a file that needs anything else is refused
TRUSTED_TYPES = [
    "zoo.baselines.ClinicalLogReg",
    "zoo.baselines.MutationLogReg",
    "zoo.baselines.MutationForest",
    "zoo.baselines.MutationGBM",
    "zoo.baselines.MutationMatrix",
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save_model(model: Any, name: str, out_dir: str | Path, meta: dict[str, Any] | None = None) -> Path:
    """Write a fitted zoo model (registered as `name`) to `out_dir`; returns the model.json path."""
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(model, "threshold_")
    except Exception as exc:
        raise ModelError(f"cannot save '{name}': the model is not fitted") from exc
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    family = getattr(model, "family", "classical")
    if family == "deep":
        from safetensors.torch import save

        state = {k: v.detach().cpu().contiguous() for k, v in model.module_.state_dict().items()}
        files = {TORCH_WEIGHTS: save(state)}
    else:
        import skops.io as sio

        files = {SKOPS_FILE: sio.dumps(model)}
    for fname, data in files.items():
        atomic_write_bytes(out / fname, data)
    doc = {
        "format_version": FORMAT_VERSION,
        "model": name,
        "family": family,
        "class": f"{type(model).__module__}.{type(model).__qualname__}",
        "params": model.get_params(deep=False),
        "threshold": model.threshold_,
        "scaler": {"mean": model.scaler_mean_, "scale": model.scaler_scale_},
        "n_positions": model.n_positions_,
        "n_labels": model.n_labels_,
        "inner_metrics": model.inner_metrics_,
        "history": model.history_,
        "files": {fname: _sha256(data) for fname, data in files.items()},
        "meta": meta or {},
    }
    try:
        text = json.dumps(json_safe(doc), indent=2, allow_nan=False)
    except TypeError as exc:
        raise ModelError(f"cannot save '{name}': {exc}") from exc
    path = out / MODEL_JSON
    atomic_write_bytes(path, (text + "\n").encode("utf-8"))
    return path


def _read_checked(directory: Path, fname: str, expected: str | None) -> bytes:
    path = directory / fname
    if not path.is_file():
        raise ModelError(f"incomplete model directory {directory}: missing {fname}")
    data = path.read_bytes()
    if expected is None or _sha256(data) != expected:
        raise ModelError(f"{path} is corrupt or was modified (sha256 does not match model.json)")
    return data


def read_model_json(model_dir: str | Path) -> dict[str, Any]:
    """The parsed, version-checked model.json of a model directory."""
    directory = Path(model_dir)
    if not directory.is_dir():
        raise ModelError(f"model directory {directory} does not exist")
    path = directory / MODEL_JSON
    if not path.is_file():
        raise ModelError(f"incomplete model directory {directory}: missing {MODEL_JSON}")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path} is not valid JSON ({exc}); the model directory is corrupt") from None
    if not isinstance(doc, dict):
        raise ModelError(f"{path} is not a model description (expected a JSON object)")
    version = doc.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelError(f"{path} has format_version {version!r}; this hiv reads format_version "
                         f"{FORMAT_VERSION} — retrain the model with this version")
    for key in ("model", "family", "params", "threshold", "scaler", "n_positions", "n_labels", "files"):
        if key not in doc:
            raise ModelError(f"{path} lacks '{key}'; the model directory is corrupt")
    return doc


def load_model(model_dir: str | Path) -> tuple[Any, dict[str, Any]]:
    """(fitted model, caller's meta) from a `save_model` directory; ModelError when it is unusable."""
    from zoo.registry import create_model

    directory = Path(model_dir)
    doc = read_model_json(directory)
    files = doc["files"] if isinstance(doc["files"], dict) else {}
    name = doc["model"]
    try:
        model = create_model(name)
        model.set_params(**doc["params"])
    except ModelError:
        raise
    except (ValueError, TypeError) as exc:
        raise ModelError(f"{directory}: model.json parameters do not fit model '{name}' ({exc})") from None
    if getattr(model, "family", "classical") != doc["family"]:
        raise ModelError(f"{directory}: model '{name}' is {model.family}, "
                         f"but model.json says {doc['family']}")
    if doc["family"] == "deep":
        data = _read_checked(directory, TORCH_WEIGHTS, files.get(TORCH_WEIGHTS))
        _restore_deep(model, doc, data, directory)
    else:
        data = _read_checked(directory, SKOPS_FILE, files.get(SKOPS_FILE))
        model = _restore_classical(model, data, directory)
    return model, doc.get("meta", {})


def _restore_deep(model: Any, doc: dict[str, Any], data: bytes, directory: Path) -> None:
    from safetensors import SafetensorError
    from safetensors.torch import load

    from zoo.neural import resolve_device

    n_positions, n_labels = int(doc["n_positions"]), int(doc["n_labels"])
    model.n_positions_, model.n_labels_ = n_positions, n_labels
    model.n_features_in_ = N_CHANNELS * n_positions + 2
    model.multilabel_ = n_labels >= 2
    model.classes_ = np.array([0, 1])
    model.scaler_mean_ = np.asarray(doc["scaler"]["mean"], dtype=np.float64)
    model.scaler_scale_ = np.asarray(doc["scaler"]["scale"], dtype=np.float64)
    model.threshold_ = (np.asarray(doc["threshold"], dtype=np.float64) if model.multilabel_
                        else float(doc["threshold"]))
    model.inner_metrics_ = dict(doc.get("inner_metrics") or {})
    model.history_ = list(doc.get("history") or [])
    try:
        device = resolve_device(model.device)
    except ModelError:
        device = "cpu"  # trained on a GPU, scored where there is none
    net = model._build_net(n_positions, n_labels, device)
    net.initialize()
    try:
        state = load(data)
        net.module_.load_state_dict(state, strict=True)
    except (SafetensorError, RuntimeError, ValueError) as exc:
        raise ModelError(f"{directory / TORCH_WEIGHTS} does not match model '{doc['model']}' "
                         f"({str(exc).splitlines()[0]})") from None
    net.module_.eval()
    model.net_ = net


def _restore_classical(template: Any, data: bytes, directory: Path) -> Any:
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as exc:
        raise ModelError(f"{directory / SKOPS_FILE} cannot be read ({exc})") from None
    refused = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if refused:
        raise ModelError(f"{directory / SKOPS_FILE} holds types this hiv does not trust: "
                         f"{', '.join(refused)}")
    try:
        model = sio.loads(data, trusted=[t for t in untrusted if t in TRUSTED_TYPES])
    except Exception as exc:
        raise ModelError(f"{directory / SKOPS_FILE} cannot be loaded ({exc})") from None
    if type(model) is not type(template):
        raise ModelError(f"{directory / SKOPS_FILE} holds a {type(model).__name__}, "
                         f"not the {type(template).__name__} of this model")
    return model
