"""`hiv train` / `hiv predict`: exact round trip, safe model files, inputs without Resp or PatientID."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from features.api import load_or_featurize
from features.simulate import simulate_cohort, write_cohort
from hivcli.app import app
from zoo.persist import save_model
from zoo.training import train_model

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("tp")
    df = simulate_cohort(n=180, seed=11)
    write_cohort(df.iloc[:140], root / "train.csv")
    write_cohort(df.iloc[140:], root / "new.csv")
    return root


@pytest.fixture(scope="module")
def deep_model_dir(files):
    """A small cbam-resnet trained in memory and saved, plus its own probabilities on the new patients."""
    fs, _ = load_or_featurize(files / "train.csv", cache_dir=files / "cache")
    model, meta = train_model(fs, "cbam-resnet", seed=1, model_kwargs={"epochs": 3, "width": 8, "blocks": 1})
    out = files / "deep"
    save_model(model, "cbam-resnet", out, meta)
    new, _ = load_or_featurize(files / "new.csv", cache_dir=files / "cache")
    return out, model.predict_proba(new.to_X())[:, 1], new.patient_id


def _predict(*args):
    return runner.invoke(app, ["predict", *map(str, args)])


def test_round_trip_reproduces_in_memory_probabilities_exactly(files, deep_model_dir):
    model_dir, expected, ids = deep_model_dir
    res = _predict("--model-dir", model_dir, "--data", files / "new.csv", "--out", files / "p.csv")
    assert res.exit_code == 0, res.output
    got = pd.read_csv(files / "p.csv", dtype={"PatientID": str, "note": str}, keep_default_na=False)
    assert list(got.columns) == ["PatientID", "probability", "prediction", "note"]
    assert got["PatientID"].tolist() == list(ids)
    np.testing.assert_array_equal(got["probability"].to_numpy(), expected)
    threshold = json.loads((model_dir / "model.json").read_text())["threshold"]
    assert (got["prediction"] == (got["probability"] >= np.asarray(threshold).item())).all()
    assert "auc" in res.output  # the input has Resp: metrics are printed
    # smaller chunks change only float32 rounding inside the batched convolutions
    res = _predict("--model-dir", model_dir, "--data", files / "new.csv", "--out", files / "p7.csv",
                   "--chunk-size", "7")
    assert res.exit_code == 0, res.output
    chunked = pd.read_csv(files / "p7.csv")["probability"].to_numpy()
    np.testing.assert_allclose(chunked, expected, rtol=0, atol=1e-6)


def test_cli_train_then_kaggle_predict_without_resp_or_patient_id(files):
    res = runner.invoke(app, ["train", "--model", "logreg", "--data", str(files / "train.csv"),
                              "--out", str(files / "lr")])
    assert res.exit_code == 0, res.output
    doc = json.loads((files / "lr" / "model.json").read_text())
    assert doc["meta"]["featurizer"]["rt_end"] == 320 and doc["meta"]["model"] == "logreg"
    bare = pd.read_csv(files / "new.csv").drop(columns=["Resp", "PatientID"])
    bare.loc[0, ["PR Seq", "RT Seq"]] = ""  # a patient with no sequence at all is still scored
    bare.to_csv(files / "bare.csv", index=False)
    res = _predict("--model-dir", files / "lr", "--data", files / "bare.csv", "--out", files / "k.csv",
                   "--kaggle")
    assert res.exit_code == 0, res.output
    sub = pd.read_csv(files / "k.csv")
    assert list(sub.columns) == ["PatientID", "Resp"]
    assert sub["PatientID"].tolist() == list(range(1, len(bare) + 1))
    assert set(sub["Resp"]) <= {0, 1}
    res = _predict("--model-dir", files / "lr", "--data", files / "bare.csv", "--out", files / "n.csv")
    notes = pd.read_csv(files / "n.csv", keep_default_na=False)["note"]
    assert notes[0] == "no PR or RT sequence: predicted from VL-t0 and CD4-t0 only"


def _copy(src, dst):
    import shutil

    shutil.copytree(src, dst)
    return dst


def test_tampered_weights_are_refused(files, deep_model_dir, capsys):
    bad = _copy(deep_model_dir[0], files / "tampered")
    weights = bad / "weights.safetensors"
    data = bytearray(weights.read_bytes())
    data[-5] ^= 0xFF
    weights.write_bytes(bytes(data))
    res = _predict("--model-dir", bad, "--data", files / "new.csv", "--out", files / "t.csv")
    assert res.exit_code == 2
    assert "corrupt or was modified" in res.output
    assert not (files / "t.csv").exists()


def test_truncated_or_missing_files_are_refused(files, deep_model_dir):
    bad = _copy(deep_model_dir[0], files / "truncated")
    (bad / "model.json").write_text((bad / "model.json").read_text()[:40])
    res = _predict("--model-dir", bad, "--out", files / "t.csv")
    assert res.exit_code == 2 and "model.json" in res.output
    res = _predict("--model-dir", files / "nowhere", "--out", files / "t.csv")
    assert res.exit_code == 2 and res.output == f"error: model directory {files / 'nowhere'} does not exist\n"
    partial = _copy(deep_model_dir[0], files / "partial")
    (partial / "weights.safetensors").unlink()
    res = _predict("--model-dir", partial, "--out", files / "t.csv")
    assert res.exit_code == 2 and "incomplete model directory" in res.output


def test_other_encoder_version_is_refused(files, deep_model_dir):
    bad = _copy(deep_model_dir[0], files / "old")
    doc = json.loads((bad / "model.json").read_text())
    doc["meta"]["featurizer"]["encoder_version"] = "0"
    (bad / "model.json").write_text(json.dumps(doc))
    res = _predict("--model-dir", bad, "--out", files / "t.csv")
    assert res.exit_code == 2
    assert "trained with encoder version 0" in res.output and "retrain" in res.output


def test_input_errors_match_featurize(files, deep_model_dir, tmp_path):
    df = pd.read_csv(files / "new.csv")
    df.loc[3, "VL-t0"] = 250000  # raw copies/ml instead of log10
    df.to_csv(tmp_path / "bad.csv", index=False)
    bad = tmp_path / "bad.csv"
    pred = _predict("--model-dir", deep_model_dir[0], "--data", bad, "--out", tmp_path / "p.csv")
    feat = runner.invoke(app, ["featurize", "--data", str(bad), "--out", str(tmp_path / "f")])
    assert pred.exit_code == feat.exit_code == 2
    assert pred.stderr == feat.stderr and pred.stderr.count("\n") == 1
    assert "VL-t0" in pred.output and not (tmp_path / "p.csv").exists()
