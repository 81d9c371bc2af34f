"""Model directories: exact round trip, checksums, refusals with clear messages, no code from files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from zoo_cohort import cohort

from features.errors import ModelError
from zoo import create_model
from zoo.persist import MODEL_JSON, SKOPS_FILE, TORCH_WEIGHTS, load_model, save_model

FAST = {"cbam-resnet": {"epochs": 2, "width": 8, "blocks": 2, "device": "cpu"},
        "cnn-aa": {"epochs": 2, "width": 8, "blocks": 2, "device": "cpu"},
        "random-forest": {"n_estimators": 15}, "gbm": {"max_iter": 15}, "logreg": {}, "logreg-clinical": {}}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def data():
    return cohort(n=70, n_positions=10, seed=11)


@pytest.fixture(scope="module")
def saved_deep(data, tmp_path_factory):
    X, y = data
    model = create_model("cbam-resnet", **FAST["cbam-resnet"]).fit(X, y)
    out = tmp_path_factory.mktemp("deep") / "model"
    save_model(model, "cbam-resnet", out, {"window": 10, "sha256": "abc"})
    return model, out


@pytest.mark.parametrize("name", list(FAST))
def test_round_trip_reproduces_probabilities_exactly(name, data, tmp_path):
    X, y = data
    model = create_model(name, **FAST[name]).fit(X, y)
    save_model(model, name, tmp_path, {"note": name})
    loaded, meta = load_model(tmp_path)
    assert meta == {"note": name}
    assert type(loaded) is type(model) and loaded.get_params() == model.get_params()
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert loaded.threshold_ == model.threshold_ and loaded.inner_metrics_ == model.inner_metrics_


def test_model_json_holds_what_predict_needs(saved_deep):
    model, out = saved_deep
    doc = json.loads((out / MODEL_JSON).read_text())
    assert doc["model"] == "cbam-resnet" and doc["family"] == "deep" and doc["format_version"] == 1
    assert doc["params"] == model.get_params() and doc["threshold"] == model.threshold_
    assert doc["scaler"]["mean"] == list(model.scaler_mean_) and doc["n_positions"] == 10
    assert set(doc["files"]) == {TORCH_WEIGHTS} and len(doc["files"][TORCH_WEIGHTS]) == 64
    assert doc["meta"] == {"window": 10, "sha256": "abc"} and len(doc["history"]) == 2
    assert sorted(p.name for p in out.iterdir()) == sorted([TORCH_WEIGHTS, MODEL_JSON])  # no temp files left


def test_multilabel_round_trip(tmp_path):
    X, Y = cohort(n=70, n_positions=10, seed=12, n_labels=2)
    model = create_model("cnn-aa", **FAST["cnn-aa"]).fit(X, Y)
    save_model(model, "cnn-aa", tmp_path, {})
    loaded, _ = load_model(tmp_path)
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert np.array_equal(loaded.threshold_, model.threshold_)


def _copy(src, dst):
    dst.mkdir()
    for p in src.iterdir():
        (dst / p.name).write_bytes(p.read_bytes())
    return dst


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_tampered_or_truncated_weights_refused(saved_deep, tmp_path, damage):
    _, out = saved_deep
    d = _copy(out, tmp_path / "m")
    data = bytearray((d / TORCH_WEIGHTS).read_bytes())
    if damage == "flip":
        data[-5] ^= 0xFF
    else:
        data = data[: len(data) // 2]
    (d / TORCH_WEIGHTS).write_bytes(bytes(data))
    with pytest.raises(ModelError) as err:
        load_model(d)
    assert str(err.value) == (f"{d / TORCH_WEIGHTS} is corrupt or was modified "
                              "(sha256 does not match model.json)")


def test_missing_files_bad_json_and_versions_refused(saved_deep, tmp_path):
    _, out = saved_deep
    with pytest.raises(ModelError, match="does not exist"):
        load_model(tmp_path / "nowhere")
    d = _copy(out, tmp_path / "a")
    (d / MODEL_JSON).unlink()
    with pytest.raises(ModelError) as err:
        load_model(d)
    assert str(err.value) == f"incomplete model directory {d}: missing model.json"
    d = _copy(out, tmp_path / "b")
    (d / TORCH_WEIGHTS).unlink()
    with pytest.raises(ModelError) as err:
        load_model(d)
    assert str(err.value) == f"incomplete model directory {d}: missing {TORCH_WEIGHTS}"
    d = _copy(out, tmp_path / "c")
    (d / MODEL_JSON).write_text('{"format_version": 1, "model": ')
    with pytest.raises(ModelError, match="model.json is not valid JSON"):
        load_model(d)
    d = _copy(out, tmp_path / "d")
    doc = json.loads((d / MODEL_JSON).read_text())
    (d / MODEL_JSON).write_text(json.dumps({**doc, "format_version": 99}))
    with pytest.raises(ModelError, match="has format_version 99; this hiv reads format_version 1"):
        load_model(d)


def test_weights_of_another_architecture_refused(saved_deep, tmp_path):
    _, out = saved_deep
    d = _copy(out, tmp_path / "m")
    doc = json.loads((d / MODEL_JSON).read_text())
    doc["params"]["width"] = 12  # checksum still fine, shapes no longer match
    (d / MODEL_JSON).write_text(json.dumps(doc))
    with pytest.raises(ModelError, match="does not match model 'cbam-resnet'"):
        load_model(d)


def test_skops_file_with_untrusted_type_refused(data, tmp_path):
    import hashlib

    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    X, y = data
    save_model(create_model("logreg-clinical").fit(X, y), "logreg-clinical", tmp_path, {})
    # a well-formed skops file whose checksum matches, but holding a type the zoo never writes
    payload = sio.dumps(FunctionTransformer(func=print))
    (tmp_path / SKOPS_FILE).write_bytes(payload)
    doc = json.loads((tmp_path / MODEL_JSON).read_text())
    doc["files"][SKOPS_FILE] = hashlib.sha256(payload).hexdigest()
    (tmp_path / MODEL_JSON).write_text(json.dumps(doc))
    with pytest.raises(ModelError, match="holds types this hiv does not trust: builtins.print"):
        load_model(tmp_path)


def test_unfitted_model_not_saved(tmp_path):
    with pytest.raises(ModelError, match="cannot save 'cnn': the model is not fitted"):
        save_model(create_model("cnn"), "cnn", tmp_path, {})
