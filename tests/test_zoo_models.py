"""Every registered model is a scikit-learn classifier that learns only from the (X, y) it is given."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from zoo_cohort import SIGNAL_POSITION, cohort

from features.errors import ModelError
from zoo import create_model, list_models, model_info

# tiny schedules: these tests check contracts, not accuracy
FAST = {"deep": {"epochs": 2, "width": 8, "blocks": 2, "device": "cpu"},
        "classical": {}}
FAST_NAMED = {"random-forest": {"n_estimators": 20}, "gbm": {"max_iter": 20}}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def fast(name: str, **kw):
    family = model_info(name)["family"]
    return create_model(name, **{**FAST[family], **FAST_NAMED.get(name, {}), **kw})


@pytest.fixture(scope="module")
def data():
    return cohort(n=80, n_positions=12, seed=3)


@pytest.mark.parametrize("name", list_models())
def test_fit_predict_contract(name, data):
    X, y = data
    model = fast(name).fit(X, y)
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.isfinite(proba).all()
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(model.predict(X), (proba[:, 1] >= model.threshold_).astype(int))
    assert isinstance(model.threshold_, float) and 0.0 <= model.threshold_ <= 1.0
    assert list(model.classes_) == [0, 1] and model.n_positions_ == 12
    assert np.allclose(model.scaler_mean_, X[:, -2:].astype(np.float64).mean(axis=0))
    assert set(model.inner_metrics_) == {"auc", "f1"}
    if model.family == "deep":
        assert [h["epoch"] for h in model.history_] == [1, 2]
        assert set(model.history_[0]) == {"epoch", "train_loss", "valid_loss", "valid_f1"}
        assert model.module_ is model.net_.module_
    else:
        assert model.history_ == []
    # clone gives an unfitted twin with the same parameters
    twin = clone(model)
    assert twin.get_params() == model.get_params() and not hasattr(twin, "threshold_")


@pytest.mark.parametrize("name", ["cbam-resnet-aa", "logreg"])
def test_works_inside_pipeline_and_cross_validate(name, data):
    X, y = data
    pipe = Pipeline([("identity", FunctionTransformer()), ("model", fast(name))])
    scores = cross_validate(pipe, X, y, cv=2, scoring="roc_auc")
    assert np.isfinite(scores["test_score"]).all()


@pytest.mark.parametrize("name", ["cbam-cnn", "gbm"])
def test_multilabel_one_probability_per_label(name):
    X, Y = cohort(n=80, n_positions=12, seed=4, n_labels=3)
    model = fast(name).fit(X, Y)
    proba = model.predict_proba(X)
    assert proba.shape == (80, 3) and np.isfinite(proba).all()
    assert model.threshold_.shape == (3,)
    assert np.array_equal(model.predict(X), (proba >= model.threshold_).astype(int))
    if model.family == "deep":
        assert model.module_.head[-1].out_features == 3


def test_same_seed_same_probabilities_and_global_torch_state_restored(data):
    X, y = data
    was = torch.are_deterministic_algorithms_enabled()
    rng_before = torch.get_rng_state()
    a = fast("cbam-resnet", random_state=7).fit(X, y).predict_proba(X)
    assert torch.equal(torch.get_rng_state(), rng_before)  # fit and predict leave torch's global RNG alone
    assert torch.are_deterministic_algorithms_enabled() == was
    b = fast("cbam-resnet", random_state=7).fit(X, y).predict_proba(X)
    c = fast("cbam-resnet", random_state=8).fit(X, y).predict_proba(X)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    rf = [fast("random-forest", random_state=1).fit(X, y).predict_proba(X) for _ in range(2)]
    assert np.array_equal(*rf)


def test_prediction_of_a_patient_does_not_depend_on_the_batch(data):
    X, y = data
    model = fast("cbam-resnet").fit(X, y)
    alone = np.vstack([model.predict_proba(X[i:i + 1]) for i in range(5)])
    assert np.allclose(alone, model.predict_proba(X)[:5], atol=1e-6)


def test_planted_signal_recovered_and_located():
    from zoo.attribution import position_importance

    X, y = cohort(n=300, n_positions=12, seed=5)
    Xt, yt = cohort(n=300, n_positions=12, seed=6)  # the oracle AUC of this cohort is 0.86
    deep = create_model("cbam-resnet-aa", epochs=25, width=16, blocks=2, device="cpu").fit(X, y)
    forest = create_model("random-forest", n_estimators=100).fit(X, y)
    clinical = create_model("logreg-clinical").fit(X, y)
    auc = {m: roc_auc_score(yt, est.predict_proba(Xt)[:, 1])
           for m, est in (("deep", deep), ("forest", forest), ("clinical", clinical))}
    assert auc["deep"] >= 0.8 and auc["forest"] >= 0.8, auc
    assert auc["deep"] > auc["clinical"] + 0.1, auc
    importance = position_importance(deep, Xt[:60])
    assert importance.shape == (12,) and (importance >= 0).all()
    assert int(np.argmax(importance)) == SIGNAL_POSITION


def test_mutation_matrix_is_label_free_and_names_mutations(data):
    from zoo.baselines import MutationMatrix

    X, _ = data
    mm = MutationMatrix(min_count=3).fit(X)
    names = list(mm.get_feature_names_out())
    assert "PR5R" in names and "PR11-" in names  # the planted K->R at position 5, deletion at 11
    assert names[-1] == "PR_coverage" and mm.transform(X).shape == (len(X), len(names))
    assert not any(n.startswith("PR5K") for n in names)  # the common residue is not a mutation


@pytest.mark.parametrize("bad, message", [
    ({"balance": "smote"}, "balance must be one of none, weights, oversample; got 'smote'"),
    ({"loss": "hinge"}, "loss must be one of focal, bce; got 'hinge'"),
    ({"view": "nt"}, "view must be one of codon, aa; got 'nt'"),
])
def test_bad_settings_are_model_errors(bad, message, data):
    X, y = data
    with pytest.raises(ModelError) as err:
        fast("cbam-cnn", **bad).fit(X, y)
    assert str(err.value) == message


def test_wrong_width_and_single_class_refused(data):
    X, y = data
    model = fast("logreg").fit(X, y)
    with pytest.raises(ModelError, match="fitted on 12 positions but X has 11"):
        model.predict_proba(X[:, 67:])
    with pytest.raises(ModelError, match="single class"):
        fast("cnn").fit(X, np.zeros(len(X), dtype=int))
    with pytest.raises(ModelError, match=r"expected 67\*L \+ 2"):
        fast("cnn").fit(X[:, 1:], y)


@pytest.mark.parametrize("balance", ["none", "oversample"])
def test_other_balances_fit(balance, data):
    X, y = data
    for name in ("cnn-aa", "logreg"):
        proba = fast(name, balance=balance).fit(X, y).predict_proba(X)
        assert np.isfinite(proba).all()
