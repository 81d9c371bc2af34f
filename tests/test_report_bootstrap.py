"""Bootstrap CIs over out-of-fold predictions: agree exactly with zoo.metrics; seeded, stratified, paired."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zoo.bootstrap import (
    CI_METRICS,
    bootstrap_ci,
    bootstrap_oof,
    oof_matrices,
    stratified_weights,
    weighted_metrics,
)
from zoo.metrics import binary_metrics


def _data(n=150, seed=0, ties=True):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.25).astype(int)
    p = np.clip(0.2 + 0.3 * y + rng.normal(0, 0.2, n), 0, 1)
    return y, (np.round(p, 1) if ties else p)  # rounding makes tied scores, the hard case for AUC/AP


@pytest.mark.parametrize("ties", [True, False])
def test_unit_and_count_weights_reproduce_binary_metrics(ties):
    y, p = _data(ties=ties)
    pred = (p >= 0.4).astype(int)
    got = weighted_metrics(y, p, pred, np.ones((1, len(y))))
    ref = binary_metrics(y, p, 0.4)
    for m in CI_METRICS:
        assert got[m][0] == pytest.approx(ref[m], abs=1e-12), m
    # a weight of k is the patient repeated k times
    idx = np.random.default_rng(1).integers(0, len(y), len(y))
    counts = np.bincount(idx, minlength=len(y))[None, :]
    got = weighted_metrics(y, p, pred, counts)
    ref = binary_metrics(y[idx], p[idx], 0.4)
    for m in CI_METRICS:
        assert got[m][0] == pytest.approx(ref[m], abs=1e-12), m


def test_stratified_weights_keep_class_sizes():
    y = np.array([1] * 7 + [0] * 23)
    w = stratified_weights(y, 50, np.random.default_rng(0))
    assert w.shape == (50, 30)
    assert (w[:, y == 1].sum(axis=1) == 7).all() and (w[:, y == 0].sum(axis=1) == 23).all()


def test_interval_is_seeded_and_brackets_the_estimate():
    y, p = _data(n=300, ties=False)
    pred = (p >= 0.4).astype(int)
    a = bootstrap_ci(y, p, pred, n_boot=300, seed=3)
    assert a == bootstrap_ci(y, p, pred, n_boot=300, seed=3)
    assert a != bootstrap_ci(y, p, pred, n_boot=300, seed=4)
    ref = binary_metrics(y, p, 0.4)
    for m in CI_METRICS:
        low, high = a[m]
        assert low < ref[m] < high, m
    # more patients, narrower interval
    y2, p2 = np.tile(y, 4), np.tile(p, 4)
    b = bootstrap_ci(y2, p2, (p2 >= 0.4).astype(int), n_boot=300, seed=3)
    assert b["auc"][1] - b["auc"][0] < 0.7 * (a["auc"][1] - a["auc"][0])


def _oof(models=("a", "b"), repeats=2, n=80):
    rng = np.random.default_rng(0)
    y = (rng.random(n) < 0.3).astype(int)
    parts = []
    for k, m in enumerate(models):
        for r in range(repeats):
            p = np.clip(0.3 + (0.3 - 0.1 * k) * y + rng.normal(0, 0.15, n), 0, 1)
            order = rng.permutation(n)  # rows in any order: patients are aligned by PatientID
            parts.append(pd.DataFrame({"model": m, "repeat": r, "fold": np.arange(n)[order] % 4,
                                       "PatientID": [f"P{i}" for i in order], "label": y[order],
                                       "probability": p[order], "prediction": (p[order] >= 0.4).astype(int)}))
    return pd.concat(parts, ignore_index=True)


def test_oof_bootstrap_estimate_is_the_mean_over_repeats_of_pooled_scores():
    oof = _oof()
    ci = bootstrap_oof(oof, n_boot=200, seed=0)
    assert set(ci["model"]) == {"a", "b"} and set(ci["metric"]) == set(CI_METRICS)
    part = oof[oof["model"] == "a"]
    expected = np.mean([binary_metrics(g["label"], g["probability"], 0.4)["auc"]
                        for _, g in part.groupby("repeat")])
    row = ci[(ci["model"] == "a") & (ci["metric"] == "auc")].iloc[0]
    assert row["estimate"] == pytest.approx(expected, abs=1e-12)
    assert row["low"] <= row["estimate"] <= row["high"]
    # paired: model "a" is the stronger one in this data, and its interval sits higher
    b = ci[(ci["model"] == "b") & (ci["metric"] == "auc")].iloc[0]
    assert row["estimate"] > b["estimate"] and row["low"] > b["low"]


def test_misaligned_repeats_are_refused():
    oof = _oof(models=("a",))
    with pytest.raises(ValueError, match="every patient exactly once"):
        oof_matrices(oof.iloc[1:])
