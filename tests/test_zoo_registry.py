"""Registry contract: names, None-dropping, the error that lists valid names, model_info."""

from __future__ import annotations

import subprocess
import sys

import pytest

from features.errors import ModelError
from zoo import create_model, list_models, model_info, register_model

REQUIRED = {"cnn", "cbam-cnn", "cbam-resnet", "cnn-aa", "cbam-cnn-aa", "cbam-resnet-aa",
            "logreg-clinical", "logreg", "random-forest", "gbm"}


def test_required_models_registered_and_sorted():
    names = list_models()
    assert REQUIRED <= set(names)
    assert names == sorted(names)


def test_unknown_name_lists_every_valid_name():
    with pytest.raises(ModelError) as err:
        create_model("foo")
    assert str(err.value) == f"unknown model 'foo'; choose from: {', '.join(list_models())}"


def test_create_model_drops_none_and_applies_the_rest():
    m = create_model("cbam-resnet", epochs=3, width=None, lr=None)
    default = create_model("cbam-resnet")
    assert m.epochs == 3
    assert m.width == default.width and m.lr == default.lr


def test_settings_not_classes_for_views_and_attention():
    assert (create_model("cbam-resnet-aa").view, create_model("cbam-resnet").view) == ("aa", "codon")
    assert create_model("cnn").attn == "none" and create_model("cbam-cnn").attn == "cbam"
    assert type(create_model("cnn")) is type(create_model("cbam-resnet-aa"))
    assert create_model("cbam-resnet", view="aa").get_params() == create_model("cbam-resnet-aa").get_params()


def test_unknown_parameter_is_a_model_error():
    with pytest.raises(ModelError, match="model 'gbm' has no parameter 'epochs'; valid: balance, "):
        create_model("gbm", epochs=3)


def test_model_info_fields():
    deep = model_info("cbam-resnet")
    assert deep["family"] == "deep" and isinstance(deep["n_params"], int) and deep["n_params"] > 1000
    # attention adds parameters; the aa view has fewer input channels
    assert model_info("cbam-cnn")["n_params"] > model_info("cnn")["n_params"]
    assert model_info("cbam-resnet-aa")["n_params"] < deep["n_params"]
    rf = model_info("random-forest")
    assert rf["family"] == "classical" and rf["n_params"] is None
    for name in list_models():
        info = model_info(name)
        assert info["name"] == name and info["description"] and "\n" not in info["description"]


def test_duplicate_registration_refused():
    with pytest.raises(ModelError, match="already registered"):
        register_model("cnn")(lambda **kw: None)


def test_listing_imports_neither_torch_nor_sklearn():
    code = ("import sys, zoo; zoo.list_models(); "
            "print([m for m in ('torch', 'sklearn', 'skorch') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
