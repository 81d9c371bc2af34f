"""The simulator: deterministic, planted mutations recovered exactly by featurize, signal learnable."""

from __future__ import annotations

import gzip
from collections import Counter

import numpy as np
import pytest

from features.api import bundled_cohort_path, load_or_featurize
from features.errors import InputError
from features.featurize import featurize_cohort
from features.reader import read_csv
from features.simulate import simulate_cohort, write_cohort


@pytest.fixture(scope="module")
def cohort_and_truth():
    return simulate_cohort(300, seed=5, return_truth=True)


def test_same_seed_same_bytes_and_extra_targets_leave_the_cohort_unchanged(tmp_path):
    a = write_cohort(simulate_cohort(30, seed=1), tmp_path / "a.csv.gz").read_bytes()
    b = write_cohort(simulate_cohort(30, seed=1), tmp_path / "b.csv.gz").read_bytes()
    assert a == b
    multi = simulate_cohort(30, seed=1, extra_targets=("Resp_NRTI", "Resp_PI"))
    plain = simulate_cohort(30, seed=1)
    assert list(multi.columns[-2:]) == ["Resp_NRTI", "Resp_PI"]
    assert multi[plain.columns].equals(plain)
    assert set(multi["Resp_PI"].unique()) <= {0, 1}
    assert not simulate_cohort(30, seed=2).equals(plain)


def test_bundled_cohort_is_the_simulator_output_for_seed_0():
    shipped = gzip.decompress(bundled_cohort_path().read_bytes()).decode()
    assert shipped == simulate_cohort(400, seed=0).to_csv(index=False, lineterminator="\n")


def test_every_planted_mutation_is_recovered_and_nothing_else(tmp_path, cohort_and_truth):
    df, truth = cohort_and_truth
    assert {"del", "insSG"} <= set(truth["amino_acids"])  # indels were planted
    assert df["PR Seq"].isna().any()
    path = write_cohort(df, tmp_path / "sim.csv")
    result = featurize_cohort(read_csv(path), rt_end=490)
    called = sorted((r[0], r[1], r[2], r[4]) for r in result.mutations)
    planted = sorted((str(p), g, int(pos), aa) for p, g, pos, _, aa, _ in truth.itertuples(index=False))
    assert called == planted
    assert result.frameshifts == []
    assert result.stats["aligned"]["PR"] > 0 and result.stats["aligned"]["RT"] > 0


def _fit_logistic(X, y, steps=25):
    """Plain Newton-Raphson logistic regression (with intercept), to keep scikit-learn out of this test."""
    X1 = np.column_stack([np.ones(len(X)), X])
    w = np.zeros(X1.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-X1 @ w))
        w += np.linalg.solve(X1.T @ (X1 * (p * (1 - p))[:, None]) + 1e-6 * np.eye(len(w)), X1.T @ (y - p))
    return lambda Z: np.column_stack([np.ones(len(Z)), Z]) @ w


def _auc(score, y):
    ranks = np.argsort(np.argsort(score)) + 1
    pos = y == 1
    return (ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * (~pos).sum())


def test_planted_signal_is_learnable(cohort_and_truth, tmp_path):
    """A logistic model on VL, CD4 and the resistance calls featurize makes reaches AUC >= 0.85 on held-out
    patients (2-fold, both ways)."""
    df, _ = cohort_and_truth
    result = featurize_cohort(read_csv(write_cohort(df, tmp_path / "s.csv")))
    per_patient = Counter(r[0] for r in result.mutations if r[6])
    drms = [per_patient[str(p)] for p in df["PatientID"]]
    X = np.column_stack([df["VL-t0"] - 4.3, (df["CD4-t0"] - 250) / 100, drms])
    y = df["Resp"].to_numpy()
    half = np.arange(len(y)) % 2 == 0
    for train in (half, ~half):
        assert _auc(_fit_logistic(X[train], y[train])(X[~train]), y[~train]) >= 0.85
    assert 0.12 <= y.mean() <= 0.35


def test_unknown_extra_target_is_refused():
    with pytest.raises(InputError, match="unknown extra target 'Resp_X' \\(choose from Resp_NRTI, Resp_NN"):
        simulate_cohort(5, extra_targets=("Resp_X",))


def test_load_or_featurize_bundled_then_cached(tmp_path):
    fs, description = load_or_featurize(None, cache_dir=tmp_path)
    assert description.startswith("using the bundled simulated cohort")
    assert fs.codons.shape == (400, 67, 419) and fs.label_names == ("Resp",)
    cache = [p for p in tmp_path.iterdir()]
    assert len(cache) == 1 and (cache[0] / "mutations.csv").exists()
    again, _ = load_or_featurize(None, cache_dir=tmp_path)
    assert np.array_equal(again.codons, fs.codons)
    fs2, description2 = load_or_featurize(cache[0])
    assert description2.startswith(f"features {cache[0]} (400 patients") and len(fs2) == 400
