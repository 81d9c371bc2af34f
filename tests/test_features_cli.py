"""`hiv featurize` and `hiv simulate` end to end: outputs, reuse, --force, and a light start-up."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
from conftest import EDGE_CASES
from typer.testing import CliRunner

from features.store import load_features
from hivcli.app import app

runner = CliRunner()


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_featurize_writes_every_output_with_the_expected_calls(tmp_path, edge_case_csv):
    out = tmp_path / "out"
    args = ["featurize", "--data", str(edge_case_csv), "--out", str(out), "--rt-end", "300"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["features.npz", "frameshifts.csv", "manifest.json",
                                                     "mutations.csv"]
    calls = _rows(out / "mutations.csv")
    expected = [(str(i), m) for i, case in enumerate(EDGE_CASES.values(), start=1) for m in case.calls]
    assert [(r["PatientID"], r["mutation"]) for r in calls] == expected
    assert list(calls[0]) == ["PatientID", "gene", "position", "consensus", "amino_acids", "mutation",
                              "is_drm", "drug_class"]
    shift = list(EDGE_CASES).index("frameshift") + 1
    assert _rows(out / "frameshifts.csv") == [{"PatientID": str(shift), "gene": "RT", "position": "150"}]
    fs = load_features(out)
    assert fs.codons.shape == (10, 67, 399) and fs.positions[0] == "PR1" and fs.positions[-1] == "RT300"
    assert fs.label.tolist() == [i % 2 for i in range(1, 11)]
    assert np.allclose(fs.clinical[:, 1], [100 * i for i in range(1, 11)])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["patients"] == 10 and manifest["options"]["rt_end"] == 300
    assert manifest["counts"]["aligned"] == {"PR": 1, "RT": 3}
    for text in ("fast path / aligned", "frameshifts", "top 10 mutations", "RT:M184V (2)"):
        assert text in result.stdout


def test_second_run_reuses_unless_forced(tmp_path, edge_case_csv):
    out = tmp_path / "out"
    args = ["featurize", "--data", str(edge_case_csv), "--out", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    stamp = (out / "features.npz").stat().st_mtime_ns
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "reusing it (--force to redo)" in again.stdout
    assert (out / "features.npz").stat().st_mtime_ns == stamp
    forced = runner.invoke(app, [*args, "--force"])
    assert forced.exit_code == 0 and "reusing" not in forced.stdout
    assert (out / "features.npz").stat().st_mtime_ns != stamp
    other = runner.invoke(app, [*args, "--rt-end", "250", "--force"])
    assert other.exit_code == 0 and load_features(out).n_positions == 99 + 250


def test_default_data_is_the_bundled_cohort_and_says_so(tmp_path):
    result = runner.invoke(app, ["featurize", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("using the bundled simulated cohort (features/data/cohort.csv.gz, 400 "
                                    "patients, seed 0; not real data)")
    assert len(load_features(tmp_path / "out")) == 400


def test_simulate_command_writes_a_kaggle_cohort(tmp_path):
    out = tmp_path / "c.csv.gz"
    result = runner.invoke(app, ["simulate", "--n", "25", "--seed", "3", "--out", str(out),
                                 "--extra-target", "Resp_PI"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"wrote {out}: 25 simulated patients (seed 3)")
    from features.reader import read_csv

    cohort = read_csv(out)
    assert len(cohort.records) == 25 and cohort.label_names == ("Resp", "Resp_PI")
    bad = runner.invoke(app, ["simulate", "--n", "5", "--out", str(out), "--extra-target", "Nope"])
    assert bad.exit_code == 2 and bad.stderr.startswith("error: unknown extra target 'Nope'")


def test_featurize_and_simulate_start_without_torch_sklearn_or_pandas(tmp_path, edge_case_csv):
    """Run in a fresh interpreter: featurize never loads torch, scikit-learn or pandas; simulate no torch."""
    code = (
        "import sys\nfrom hivcli.app import app\n"
        "mods = ('torch', 'sklearn', 'pandas', 'matplotlib')\n"
        "heavy = lambda: sorted(m for m in mods if m in sys.modules)\n"
        "assert heavy() == [], heavy()\n"
        f"try:\n    app(['featurize', '--data', {str(edge_case_csv)!r}, '--out', {str(tmp_path / 'o')!r}])\n"
        "except SystemExit as e:\n    assert e.code in (0, None), e.code\n"
        "assert heavy() == [], heavy()\n"
        f"try:\n    app(['simulate', '--n', '3', '--out', {str(tmp_path / 's.csv')!r}])\n"
        "except SystemExit as e:\n    assert e.code in (0, None), e.code\n"
        "assert heavy() == ['pandas'], heavy()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
