"""`hiv cv` and `hiv models` from the command line: errors are one line with exit 2, a run is written."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from cv_support import make_features
from typer.testing import CliRunner

from features.store import save_features
from hivcli.app import app
from zoo.registry import list_models

runner = CliRunner()


@pytest.fixture(scope="module")
def features_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("features")
    save_features(make_features(n=60, seed=2), path)
    return path


def test_unknown_model_exits_2_with_the_list_of_models(tmp_path):
    result = runner.invoke(app, ["cv", "--model", "logreg,nope", "--out", str(tmp_path / "run")])
    assert result.exit_code == 2
    assert result.stderr == f"error: unknown model 'nope'; choose from: {', '.join(list_models())}\n"
    assert not (tmp_path / "run").exists()


def test_a_non_empty_run_directory_is_refused_without_force(tmp_path, features_dir):
    (tmp_path / "keep.txt").write_text("x")
    args = ["cv", "--model", "logreg", "--data", str(features_dir), "--out", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr == (f"error: {tmp_path}: run directory is not empty; choose another --out or add "
                             "--force\n")


def test_cv_writes_a_run_and_prints_the_leaderboard(tmp_path, features_dir):
    out = tmp_path / "run"
    out.mkdir()
    (out / "metrics.json").write_text("{}")  # an old run: replaced with --force
    args = ["cv", "--model", "logreg-clinical,logreg", "--data", str(features_dir), "--folds", "3",
            "--seed", "1", "--epochs", "3", "--out", str(out), "--force"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "leaderboard" in result.stdout and "★" in result.stdout
    assert "logreg-clinical" in result.stdout and "± " in result.stdout
    assert "logreg has no option epochs; ignored" in " ".join(result.stdout.split())
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["models"]) == {"logreg-clinical", "logreg"}
    assert len(metrics["models"]["logreg"]["folds"]) == 3
    config = json.loads((out / "config.json").read_text())
    assert config["data"]["features"] == str(features_dir.resolve())
    assert config["options"] == {"epochs": 3} and config["seed"] == 1
    assert (out / "oof_predictions.csv").read_text().count("\n") == 1 + 2 * 60


def test_bad_target_and_bad_choice_exit_2(tmp_path, features_dir):
    result = runner.invoke(app, ["cv", "--model", "logreg", "--data", str(features_dir), "--target", "X",
                                 "--out", str(tmp_path / "a")])
    assert result.exit_code == 2
    assert result.stderr == "error: unknown target 'X'; available: Resp\n"
    result = runner.invoke(app, ["cv", "--model", "logreg", "--loss", "hinge", "--out", str(tmp_path / "b")])
    assert result.exit_code == 2 and "hinge" in result.stderr


def test_models_lists_every_model_with_family_and_size():
    result = runner.invoke(app, ["models"], terminal_width=200)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    for name in list_models():
        row = next(line for line in lines if line.strip("│ ").startswith(name + " "))
        assert ("deep" in row and any(ch.isdigit() for ch in row)) or ("classical" in row and "—" in row)


def test_command_modules_import_no_heavy_library_at_start_up():
    code = ("import sys, hivcli.cv, hivcli.models; "
            "print(sorted(m for m in ('torch', 'sklearn', 'pandas', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_several_targets_on_a_simulated_cohort_give_per_label_scores(tmp_path, monkeypatch):
    from features.simulate import simulate_cohort, write_cohort

    monkeypatch.chdir(tmp_path)  # the featurizer caches under ./runs/cache
    write_cohort(simulate_cohort(150, seed=3, extra_targets=("Resp_NRTI",)), tmp_path / "cohort.csv")
    args = ["cv", "--model", "logreg-clinical,logreg", "--data", "cohort.csv", "--target", "Resp,Resp_NRTI",
            "--folds", "3", "--out", "run"]
    result = runner.invoke(app, args, terminal_width=250)
    assert result.exit_code == 0, result.output
    assert "f1_micro" in result.stdout and "Resp_NRTI/auc" in result.stdout
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    keys = {"Resp/auc", "Resp_NRTI/auc", "Resp/f1", "Resp_NRTI/threshold", "f1_micro", "f1_macro"}
    clinical, mutations = (metrics["models"][name]["mean"] for name in ("logreg-clinical", "logreg"))
    assert keys <= set(clinical) and keys <= set(mutations)
    assert clinical["Resp/auc"] > 0.7 and mutations["Resp/auc"] > 0.7  # VL-t0 drives Resp
    # Resp_NRTI is planted on NRTI mutations: only the model that sees them finds it
    assert mutations["Resp_NRTI/auc"] > clinical["Resp_NRTI/auc"] + 0.05
    header = (tmp_path / "run" / "oof_predictions.csv").read_text().splitlines()[0]
    assert header == "model,repeat,fold,PatientID,target,label,probability,prediction"
