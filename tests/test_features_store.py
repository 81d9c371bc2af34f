"""The features file: exact round trip, the flat X layout zoo relies on, atomic writes, load errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from features.errors import InputError
from features.reference import position_names, window_consensus
from features.store import FeatureSet, load_features, save_features


def _features(n=5, rt_end=20, labels=True, seed=0) -> FeatureSet:
    rng = np.random.default_rng(seed)
    L = 99 + rt_end
    codons = np.zeros((n, 67, L), dtype=np.float32)
    codons[np.arange(n)[:, None], rng.integers(0, 64, (n, L)), np.arange(L)[None, :]] = 1.0
    codons[0, :64, 3] = 0
    codons[0, [0, 2], 3] = 0.5  # a mixture
    codons[:, 66] = 1.0
    return FeatureSet(
        codons=codons, clinical=rng.normal(size=(n, 2)).astype(np.float32),
        labels=rng.integers(0, 2, (n, 2)).astype(np.float32) if labels else None,
        label_names=("Resp", "Resp_PI") if labels else (),
        patient_id=np.array([f"p{i}" for i in range(n)]), positions=position_names(rt_end),
        consensus=window_consensus(rt_end), manifest={"input": {"sha256": "abc"}})


def test_round_trip_is_exact(tmp_path):
    fs = _features()
    save_features(fs, tmp_path / "d")
    back = load_features(tmp_path / "d")
    assert np.array_equal(back.codons, fs.codons) and back.codons.dtype == np.float32
    assert np.array_equal(back.clinical, fs.clinical) and np.array_equal(back.labels, fs.labels)
    assert back.label_names == fs.label_names and back.positions == fs.positions
    assert back.patient_id.tolist() == fs.patient_id.tolist() and back.consensus == fs.consensus
    assert back.manifest["input"] == {"sha256": "abc"}
    assert back.manifest["features_dir"] == str((tmp_path / "d").resolve())
    assert back.label.tolist() == fs.labels[:, 0].astype(int).tolist()
    assert back.target("Resp_PI").tolist() == fs.labels[:, 1].astype(int).tolist()
    with np.load(tmp_path / "d" / "features.npz") as z:
        assert z["label"].tolist() == back.label.tolist()
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["features.npz"]  # no temp files left


def test_unlabelled_round_trip(tmp_path):
    fs = _features(labels=False)
    back = load_features(save_features(fs, tmp_path / "f.npz"))
    assert back.labels is None and back.label is None and back.label_names == ()
    with pytest.raises(InputError, match="no label column 'Resp' \\(available: none\\)"):
        back.target("Resp")


def test_to_x_is_flat_codons_then_clinical():
    fs = _features(n=3, rt_end=10)
    X = fs.to_X()
    assert X.shape == (3, 67 * 109 + 2) and X.dtype == np.float32
    assert np.array_equal(X[:, :-2].reshape(3, 67, 109), fs.codons)
    assert np.array_equal(X[:, -2:], fs.clinical)
    assert (X.shape[1] - 2) // 67 == fs.n_positions


def test_subset_keeps_rows_aligned():
    fs = _features(n=6)
    sub = fs.subset([4, 1])
    assert sub.patient_id.tolist() == ["p4", "p1"] and len(sub) == 2
    assert np.array_equal(sub.codons[0], fs.codons[4]) and np.array_equal(sub.labels[1], fs.labels[1])


def test_inconsistent_shapes_are_refused():
    fs = _features()
    with pytest.raises(ValueError, match="one row per patient"):
        FeatureSet(**{**fs.__dict__, "clinical": fs.clinical[:2]})


def test_load_errors(tmp_path):
    with pytest.raises(InputError, match="no features file here"):
        load_features(tmp_path)
    bad = tmp_path / "x.npz"
    bad.write_text("not a zip")
    with pytest.raises(InputError, match=f"{bad}: not a readable features file"):
        load_features(bad)


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    fs = _features()
    path = save_features(fs, tmp_path / "d")
    before = path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError, match="disk full"):
        save_features(_features(seed=1), tmp_path / "d")
    assert path.read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["features.npz"]
    assert json.loads(str(np.load(path)["manifest"]))["input"] == {"sha256": "abc"}
