"""The engine with real zoo models: in-fold thresholds, reproducible deep runs, multi-label heads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cv_support import make_features, with_labels

import zoo.cv
from zoo.cv import run_cv
from zoo.folds import make_folds

TINY = {"epochs": 2, "width": 4, "blocks": 1, "batch_size": 16, "device": "cpu"}  # deep models only
MODELS = ["logreg", "cbam-resnet"]


@pytest.fixture(scope="module")
def features():
    return make_features(n=60)


@pytest.fixture(scope="module")
def first(features):
    return run_cv(features, MODELS, folds=3, seed=5, model_kwargs=TINY)


def test_deep_and_classical_runs_repeat_exactly_with_the_same_seed(features, first):
    again = run_cv(features, MODELS, folds=3, seed=5, model_kwargs=TINY)
    assert again.models == first.models
    pd.testing.assert_frame_equal(again.oof, first.oof)
    pd.testing.assert_frame_equal(again.history, first.history)
    pd.testing.assert_frame_equal(again.attributions, first.attributions)
    assert first.config["models"]["logreg"]["ignored_options"] == ["batch_size", "blocks", "device", "epochs",
                                                                   "width"]
    assert first.config["models"]["cbam-resnet"]["params"]["width"] == 4


def test_deep_models_leave_history_and_test_fold_attributions(features, first):
    hist = first.history
    assert set(hist["model"]) == {"cbam-resnet"}
    assert hist.groupby("fold")["epoch"].apply(list).tolist() == [[1, 2]] * 3
    assert hist[["train_loss", "valid_loss"]].notna().all().all()
    attr = first.attributions
    assert set(attr["model"]) == {"cbam-resnet"} and len(attr) == 3 * len(features.positions)
    assert attr.groupby("fold")["position"].apply(list).tolist() == [list(features.positions)] * 3
    assert np.isfinite(attr["importance"]).all() and (attr["importance"] >= 0).all()


def test_permuting_test_fold_labels_leaves_every_fitted_threshold_alone(features, first, monkeypatch):
    folds = make_folds(features.label, folds=3, seed=5)
    monkeypatch.setattr(zoo.cv, "make_folds", lambda *a, **k: folds)  # same folds whatever the labels
    labels = features.labels.copy()
    test0 = folds[0].test
    labels[test0, 0] = 1 - labels[test0, 0]  # flipped: a leak through class counts would show too
    assert not np.array_equal(labels[:, 0], features.labels[:, 0])
    permuted = run_cv(with_labels(features, labels), MODELS, folds=3, seed=5, model_kwargs=TINY,
                      attributions=False)
    for name in MODELS:
        before, after = first.models[name]["folds"][0], permuted.models[name]["folds"][0]
        assert after["threshold"] == before["threshold"], name
        assert after["brier"] != before["brier"], name
        rows = [r.oof[(r.oof["model"] == name) & (r.oof["fold"] == 0)].reset_index(drop=True)
                for r in (first, permuted)]
        pd.testing.assert_series_equal(rows[0]["probability"], rows[1]["probability"])
        pd.testing.assert_series_equal(rows[0]["prediction"], rows[1]["prediction"])


def test_several_targets_train_a_multilabel_head_with_per_label_scores():
    features = make_features(n=72, n_labels=2, seed=1)
    result = run_cv(features, MODELS, folds=3, seed=0, targets=["Resp", "drm1"], model_kwargs=TINY,
                    attributions=False)
    for name in MODELS:
        mean = result.models[name]["mean"]
        assert {"Resp/auc", "drm1/auc", "Resp/threshold", "drm1/f1", "f1_micro", "f1_macro"} <= set(mean)
        assert "auc" not in mean
    assert result.models["logreg"]["mean"]["Resp/auc"] > 0.7  # the planted mutation drives both labels
    oof = result.oof
    assert list(oof.columns) == ["model", "repeat", "fold", "PatientID", "target", "label", "probability",
                                 "prediction"]
    assert len(oof) == 2 * 2 * 72
    resp = oof[(oof["target"] == "Resp") & (oof["model"] == "logreg")].sort_values("PatientID")
    assert resp["label"].tolist() == features.labels[:, 0].astype(int).tolist()
    assert result.config["targets"] == ["Resp", "drm1"]
