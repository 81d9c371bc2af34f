"""Run directories: written atomically, read back unchanged, and refused when incomplete or occupied."""

from __future__ import annotations

import json
import math
import os
import stat

import pandas as pd
import pytest

from features.errors import RunError
from zoo import rundir
from zoo.rundir import RunResult, load_run, prepare_run_dir, write_run


def _result() -> RunResult:
    folds = [{"repeat": 0, "fold": 0, "auc": math.nan, "f1": 0.5}, {"repeat": 0, "fold": 1, "auc": 0.7,
                                                                    "f1": 0.25}]
    config = {"format_version": rundir.FORMAT_VERSION, "targets": ["Resp"], "seed": 3, "ratio": float("inf"),
              "shape": (2, 3)}
    oof = pd.DataFrame({"model": ["m", "m"], "repeat": [0, 0], "fold": [0, 1], "PatientID": ["007", "12"],
                        "label": [1, 0], "probability": [0.1234567890123, 0.9], "prediction": [0, 1]})
    return RunResult(config=config, oof=oof,
                     metrics={"config": config,
                              "models": {"m": {"folds": folds, "mean": {"auc": 0.7, "f1": 0.375},
                                               "sd": {"auc": 0.0, "f1": math.nan}}}})


def test_round_trip_keeps_values_and_writes_nan_as_null(tmp_path):
    write_run(_result(), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(rundir.RUN_FILES)  # no temp files left
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "metrics.json").stat().st_mode) == 0o666 & ~umask
    raw = json.loads((tmp_path / "metrics.json").read_text())
    assert raw["models"]["m"]["folds"][0]["auc"] is None and raw["models"]["m"]["sd"]["f1"] is None
    assert raw["config"]["ratio"] is None and raw["config"]["shape"] == [2, 3]
    run = load_run(tmp_path)
    assert math.isnan(run.models["m"]["folds"][0]["auc"]) and run.models["m"]["mean"]["f1"] == 0.375
    assert run.oof["PatientID"].tolist() == ["007", "12"]  # ids stay strings
    assert run.oof["probability"].iloc[0] == 0.1234567890123
    assert list(run.history.columns) == rundir.HISTORY_COLUMNS and run.history.empty
    assert run.path == tmp_path


def test_prepare_refuses_a_non_empty_directory_unless_forced(tmp_path):
    assert prepare_run_dir(tmp_path / "new" / "run").is_dir()
    write_run(_result(), tmp_path / "old")
    (tmp_path / "old" / "notes.txt").write_text("mine")
    (tmp_path / "old" / "report.html").write_text("stale")
    message = "old: run directory is not empty; choose another --out or add --force"
    with pytest.raises(RunError, match=message):
        prepare_run_dir(tmp_path / "old")
    prepare_run_dir(tmp_path / "old", force=True)
    assert [p.name for p in (tmp_path / "old").iterdir()] == ["notes.txt"]  # only the run's own files go
    (tmp_path / "file").write_text("x")
    with pytest.raises(RunError, match="exists and is not a directory"):
        prepare_run_dir(tmp_path / "file", force=True)


def test_incomplete_or_foreign_run_directories_are_refused(tmp_path):
    with pytest.raises(RunError, match="no such run directory"):
        load_run(tmp_path / "missing")
    write_run(_result(), tmp_path)
    (tmp_path / "metrics.json").unlink()
    with pytest.raises(RunError, match=r"not a complete run directory \(missing metrics.json\)"):
        load_run(tmp_path)
    write_run(_result(), tmp_path)
    (tmp_path / "config.json").write_text('{"format_version": 99}')
    with pytest.raises(RunError, match="run format version 99, this hiv reads version 1"):
        load_run(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(RunError, match="unreadable run file"):
        load_run(tmp_path)


def test_a_failed_write_leaves_the_previous_file_intact(tmp_path):
    write_run(_result(), tmp_path)
    before = (tmp_path / "oof_predictions.csv").read_text()
    with pytest.raises(AttributeError):  # fails half-way, inside the temp file
        rundir.write_csv(tmp_path / "oof_predictions.csv", object())
    assert (tmp_path / "oof_predictions.csv").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(rundir.RUN_FILES)
