"""The engine: no test-fold label reaches a model, scoring uses the in-fold threshold, runs repeat exactly."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from cv_support import Spy, TinyLogReg, make_features, with_labels

import zoo.cv
from features.errors import InputError, ModelError
from zoo.cv import run_cv
from zoo.folds import make_folds
from zoo.metrics import binary_metrics
from zoo.rundir import load_run


@pytest.fixture
def spy_calls():
    Spy.calls = []
    yield Spy.calls
    Spy.calls = []


def test_fit_sees_exactly_the_training_labels_and_predict_only_the_test_rows(spy_calls):
    features = make_features(n=60, row_ids=True)
    result = run_cv(features, [("spy", Spy())], folds=5, repeats=2, seed=4)
    folds = make_folds(features.label, folds=5, repeats=2, seed=4)
    assert len(spy_calls) == len(folds) == 10
    for call, fold in zip(spy_calls, folds, strict=True):
        assert call["fit_ids"] == set(fold.train.tolist())
        assert call["fit_ids"].isdisjoint(fold.test.tolist())
        assert call["predict_ids"] == set(fold.test.tolist())
        assert np.array_equal(call["y"], features.label[fold.train])
    # the threshold scored is the one fitted in-fold: the training responder rate
    for scores, fold in zip(result.models["spy"]["folds"], folds, strict=True):
        assert scores["threshold"] == pytest.approx(features.label[fold.train].mean())
    oof = result.oof
    assert len(oof) == 2 * 60 and oof.groupby("repeat")["PatientID"].nunique().tolist() == [60, 60]


def test_test_fold_labels_change_scores_but_never_the_fitted_threshold_or_predictions(monkeypatch):
    features = make_features(n=80)
    folds = make_folds(features.label, folds=4, seed=0)
    monkeypatch.setattr(zoo.cv, "make_folds", lambda *a, **k: folds)  # same folds for both label sets
    labels = features.labels.copy()
    test0 = folds[0].test
    labels[test0, 0] = 1 - labels[test0, 0]  # flip the test fold's labels: counts change too
    assert not np.array_equal(labels[:, 0], features.labels[:, 0])
    a = run_cv(features, [("lr", TinyLogReg())], folds=4, seed=0)
    b = run_cv(with_labels(features, labels), [("lr", TinyLogReg())], folds=4, seed=0)
    fa, fb = a.models["lr"]["folds"][0], b.models["lr"]["folds"][0]
    assert fa["threshold"] == fb["threshold"]
    assert fa["auc"] != fb["auc"]
    oa, ob = (r.oof[r.oof["fold"] == 0].reset_index(drop=True) for r in (a, b))
    pd.testing.assert_series_equal(oa["probability"], ob["probability"])
    pd.testing.assert_series_equal(oa["prediction"], ob["prediction"])
    # and the scores are exactly the stored predictions scored against the (new) labels
    assert fb == {"repeat": 0, "fold": 0,
                  **binary_metrics(ob["label"].to_numpy(), ob["probability"].to_numpy(), fb["threshold"])}


def test_same_seed_same_metrics_and_jobs_do_not_change_them(tmp_path):
    features = make_features(n=80)
    kw = dict(folds=3, repeats=2, seed=11)
    one = run_cv(features, [("lr", TinyLogReg())], jobs=1, out_dir=tmp_path / "a", **kw)
    again = run_cv(features, [("lr", TinyLogReg())], jobs=1, **kw)
    two = run_cv(features, [("lr", TinyLogReg())], jobs=2, out_dir=tmp_path / "b", **kw)
    assert one.models == again.models == two.models
    pd.testing.assert_frame_equal(one.oof, two.oof)
    other = run_cv(features, [("lr", TinyLogReg())], folds=3, repeats=2, seed=12)
    assert other.models["lr"]["folds"] != one.models["lr"]["folds"]
    m_a = json.loads((tmp_path / "a" / "metrics.json").read_text())
    m_b = json.loads((tmp_path / "b" / "metrics.json").read_text())
    assert m_a["models"] == m_b["models"]


def test_every_model_sees_the_same_folds(spy_calls):
    features = make_features(n=60, row_ids=True)
    run_cv(features, [("spy-a", Spy()), ("spy-b", Spy(signal_column=1))], folds=3, seed=2)
    a, b = spy_calls[0::2], spy_calls[1::2]
    assert [c["fit_ids"] for c in a] == [c["fit_ids"] for c in b]


def test_run_directory_holds_the_contract_files(tmp_path):
    features = make_features(n=60)
    run_cv(features, [("lr", TinyLogReg())], folds=3, seed=0, out_dir=tmp_path,
           data={"description": "test cohort", "features": "somewhere"})
    run = load_run(tmp_path)
    assert list(run.oof.columns) == ["model", "repeat", "fold", "PatientID", "label", "probability",
                                     "prediction"]
    assert run.oof["PatientID"].iloc[0].startswith("P")
    assert run.config["folds"] == 3 and run.config["seed"] == 0 and run.config["targets"] == ["Resp"]
    assert run.config["data"]["description"] == "test cohort"
    assert len(run.config["data"]["sha256"]) == 64
    assert run.config["models"]["lr"]["params"] == {"C": 0.1, "random_state": 0}
    assert {"python", "numpy", "torch", "scikit-learn", "skorch"} <= set(run.config["versions"])
    assert run.metrics["config"] == run.config
    model = run.models["lr"]
    assert [(f["repeat"], f["fold"]) for f in model["folds"]] == [(0, 0), (0, 1), (0, 2)]
    assert set(model["mean"]) == set(model["sd"]) == {"auc", "pr_auc", "f1", "f1_macro", "accuracy",
                                                      "balanced_accuracy", "mcc", "brier", "threshold"}
    assert model["mean"]["auc"] == pytest.approx(np.mean([f["auc"] for f in model["folds"]]))
    assert model["mean"]["auc"] > 0.7  # the planted mutation is found
    assert run.history.empty and run.attributions.empty


def test_bad_targets_and_models_are_refused():
    features = make_features(n=40)
    with pytest.raises(InputError, match="unknown target 'nope'; available: Resp"):
        run_cv(features, [("lr", TinyLogReg())], targets=["nope"])
    with pytest.raises(ModelError, match="a model is listed twice: lr, lr"):
        run_cv(features, [("lr", TinyLogReg()), ("lr", TinyLogReg())])
    with pytest.raises(InputError, match="the data have no Resp column"):
        run_cv(with_labels(features, None), [("lr", TinyLogReg())])
