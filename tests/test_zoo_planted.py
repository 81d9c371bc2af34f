"""Planted signal on a simulated cohort, and the edges of small training sets."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from features.api import load_or_featurize
from features.errors import ModelError
from zoo import create_model
from zoo.persist import save_model


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """The bundled simulated cohort (400 patients, seed 0), split 70/30 stratified."""
    fs, _ = load_or_featurize(None, cache_dir=tmp_path_factory.mktemp("cache"))
    X, y = fs.to_X(), fs.label
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


@pytest.mark.parametrize("name", ["cbam-resnet-aa", "cbam-resnet", "logreg", "random-forest", "gbm"])
def test_planted_signal_is_recovered(simulated, name):
    X_train, X_test, y_train, y_test = simulated
    kwargs = {"epochs": 12} if name.startswith("cbam") else {}
    model = create_model(name, random_state=0, **kwargs).fit(X_train, y_train)
    auc = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
    assert auc >= 0.85, f"{name}: held-out AUC {auc:.3f} on the simulated cohort"


def test_one_responder_is_refused_with_a_clear_message(simulated):
    X_train, _, y_train, _ = simulated
    y = np.zeros_like(y_train)
    y[0] = 1
    with pytest.raises(ModelError, match="too few patients to train: 1 training patient"):
        create_model("cbam-resnet", epochs=1, width=8, blocks=1).fit(X_train, y)


def test_two_responders_still_validate_on_a_responder(simulated, tmp_path):
    X_train, _, y_train, _ = simulated
    y = np.zeros_like(y_train)
    y[[0, 1]] = 1
    model = create_model("cbam-resnet", epochs=1, width=8, blocks=1).fit(X_train, y)
    assert np.isfinite(model.inner_metrics_["auc"])
    save_model(model, "cbam-resnet", tmp_path / "m", {})
    json.loads((tmp_path / "m" / "model.json").read_text(), parse_constant=lambda c: pytest.fail(c))
