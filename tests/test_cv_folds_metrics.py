"""Folds are stratified, shuffled and seeded; metrics match hand-computed values; aggregation is mean ± sd."""

from __future__ import annotations

import math

import numpy as np
import pytest

from features.errors import InputError
from zoo.folds import make_folds, stratify_key
from zoo.metrics import (
    aggregate,
    best_by_metric,
    binary_metrics,
    leaderboard_markdown,
    mean_sd,
    multilabel_metrics,
)


def _labels(n=100, positives=21, seed=0):
    y = np.zeros(n, dtype=int)
    y[np.random.default_rng(seed).choice(n, positives, replace=False)] = 1
    return y


def test_folds_partition_every_repeat_and_keep_the_responder_rate():
    y = _labels()
    folds = make_folds(y, folds=5, repeats=2, seed=3)
    assert [(f.repeat, f.fold) for f in folds] == [(r, k) for r in range(2) for k in range(5)]
    for r in range(2):
        tests = [f.test for f in folds if f.repeat == r]
        assert sorted(np.concatenate(tests).tolist()) == list(range(100))
        for f in folds[r * 5:(r + 1) * 5]:
            assert set(f.train).isdisjoint(f.test) and len(f.train) + len(f.test) == 100
            assert y[f.test].sum() in (4, 5)  # 21 responders over 5 folds
    assert not all(np.array_equal(a.test, b.test) for a, b in zip(folds[:5], folds[5:], strict=True))


def test_folds_are_fixed_by_the_seed_and_shuffled():
    y = _labels()
    same = [f.test.tolist() for f in make_folds(y, folds=5, seed=7)]
    assert same == [f.test.tolist() for f in make_folds(y, folds=5, seed=7)]
    assert same != [f.test.tolist() for f in make_folds(y, folds=5, seed=8)]
    assert same[0] != list(range(20))  # not contiguous blocks


def test_multilabel_folds_stratify_on_combinations_and_fall_back_for_rare_ones():
    rng = np.random.default_rng(1)
    y = np.stack([_labels(200, 50, 1), rng.integers(0, 2, 200)], axis=1)
    y[0] = [1, 1]
    key = stratify_key(y, 5)
    assert len(np.unique(key)) == 4  # every combination is common enough
    y3 = np.concatenate([y, np.zeros((200, 1), dtype=int)], axis=1)
    y3[:3, 2] = 1  # three patients with a unique combination fall back to their Resp class
    key3 = stratify_key(y3, 5)
    assert set(key3[:3]) <= {-1, -2}
    folds = make_folds(y, folds=5, seed=0, target_names=("Resp", "other"))
    for f in folds:
        assert abs(y[f.test, 1].mean() - y[:, 1].mean()) < 0.05


def test_too_few_positives_for_the_folds_is_refused():
    y = _labels(50, 3)
    with pytest.raises(InputError, match="target 'Resp' has 3 positive and 47 negative patients; "
                                         "5 folds need at least 5 of each"):
        make_folds(y, folds=5)
    with pytest.raises(InputError, match="--folds must be at least 2, got 1"):
        make_folds(_labels(), folds=1)


def test_binary_metrics_match_hand_computation():
    y = np.array([1, 1, 0, 0, 0, 1])
    p = np.array([0.9, 0.4, 0.35, 0.1, 0.6, 0.8])
    m = binary_metrics(y, p, threshold=0.5)
    # predictions 1,0,0,0,1,1 → tp=2, fn=1, fp=1, tn=2
    assert m["threshold"] == 0.5
    assert m["f1"] == pytest.approx(2 / 3)
    assert m["f1_macro"] == pytest.approx(2 / 3)
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["balanced_accuracy"] == pytest.approx(2 / 3)
    assert m["mcc"] == pytest.approx((2 * 2 - 1 * 1) / 9)
    assert m["brier"] == pytest.approx(np.mean((p - y) ** 2))
    assert m["auc"] == pytest.approx(8 / 9)  # one discordant pair of nine (0.6 above 0.4)
    assert m["pr_auc"] == pytest.approx((1 + 1 + 3 / 4) / 3)
    lowered = binary_metrics(y, p, threshold=0.3)
    assert lowered["f1"] == pytest.approx(2 * 3 / (2 * 3 + 2))
    assert lowered["auc"] == m["auc"]


def test_undefined_scores_are_nan_and_left_out_of_the_mean():
    m = binary_metrics(np.zeros(4, dtype=int), np.array([0.1, 0.2, 0.7, 0.3]), 0.5)
    assert math.isnan(m["auc"]) and math.isnan(m["pr_auc"])
    assert m["accuracy"] == 0.75
    mean, sd = aggregate([{"repeat": 0, "fold": 0, "auc": 0.8, "f1": 0.5},
                          {"repeat": 0, "fold": 1, "auc": math.nan, "f1": 0.7},
                          {"repeat": 0, "fold": 2, "auc": 0.6, "f1": 0.6}])
    assert set(mean) == {"auc", "f1"}
    assert mean["auc"] == pytest.approx(0.7) and sd["auc"] == pytest.approx(np.std([0.8, 0.6], ddof=1))
    assert mean["f1"] == pytest.approx(0.6) and sd["f1"] == pytest.approx(0.1)
    assert mean_sd([0.4]) == (0.4, 0.0)
    assert all(math.isnan(v) for v in mean_sd([math.nan]))


def test_multilabel_metrics_per_label_and_micro_macro_f1():
    y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    p = np.array([[0.9, 0.2], [0.2, 0.3], [0.7, 0.8], [0.6, 0.1]])
    m = multilabel_metrics(y, p, [0.5, 0.25], ("Resp", "drm"))
    # label Resp: preds 1,0,1,1 → tp2 fp1 fn0 → f1 0.8; label drm: preds 0,1,1,0 → tp2 → f1 1
    assert m["Resp/f1"] == pytest.approx(0.8) and m["drm/f1"] == pytest.approx(1.0)
    assert m["Resp/threshold"] == 0.5 and m["drm/threshold"] == 0.25
    assert m["f1_macro"] == pytest.approx(0.9)
    assert m["f1_micro"] == pytest.approx(2 * 4 / (2 * 4 + 1))
    assert "auc" not in m and m["drm/auc"] == 1.0


def test_leaderboard_marks_the_best_mean_per_column_and_lower_brier_wins():
    models = {
        "a": {"mean": {"auc": 0.8, "brier": 0.20, "threshold": 0.3}, "sd": {"auc": 0.01, "brier": 0.02}},
        "b": {"mean": {"auc": 0.7, "brier": 0.10, "threshold": 0.9}, "sd": {"auc": 0.05, "brier": 0.01}},
    }
    assert best_by_metric(models, ["auc", "brier", "threshold"]) == {"auc": {"a"}, "brier": {"b"}}
    table = leaderboard_markdown(models, ["auc", "brier"])
    assert table.splitlines() == [
        "| model | auc | brier |",
        "|---|---|---|",
        "| a | **0.800 ± 0.010** | 0.200 ± 0.020 |",
        "| b | 0.700 ± 0.050 | **0.100 ± 0.010** |",
    ]
