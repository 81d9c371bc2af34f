"""`hiv explore` end to end: a cohort CSV → explore.html with every figure drawn, without torch or sklearn."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
from report_support import check_markdown, check_page
from typer.testing import CliRunner

from features.api import bundled_cohort_path
from hivcli.app import app
from hivcli.pages.explore_page import SECTIONS

_RUN = """
import sys
from hivcli.app import app
app(["explore", "--data", sys.argv[1], "--out", sys.argv[2]], standalone_mode=False)
print("HEAVY", sorted(m for m in ("torch", "sklearn", "skorch", "captum") if m in sys.modules))
"""


def test_explore_writes_the_page_without_importing_torch_or_sklearn(tmp_path):
    out = tmp_path / "explore"
    cohort = pd.read_csv(bundled_cohort_path()).head(120)  # the simulated cohort: never the real data
    cohort.to_csv(tmp_path / "cohort.csv", index=False)
    proc = subprocess.run([sys.executable, "-c", _RUN, str(tmp_path / "cohort.csv"), str(out)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout
    assert str(out / "explore.html") in proc.stdout.splitlines()
    page = check_page(out / "explore.html", SECTIONS)
    check_markdown(out / "explore.md", page["text"], SECTIONS.values())
    assert len(list((out / "explore_figures").glob("*.png"))) == page["images"] == 7
    responded = int(cohort["Resp"].sum())
    caption = f"{100 * responded / len(cohort):.1f}% of {len(cohort)} patients responded ({responded} "
    assert caption in page["text"]
    prevalence = pd.read_csv(out / "mutation_prevalence.csv")
    assert (prevalence["carriers"] >= 5).all() and prevalence["p_value"].between(0, 1).all()


def test_explore_needs_labels(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the featurize cache (runs/cache) goes here, not into the repository
    cohort = pd.read_csv(bundled_cohort_path()).head(5).drop(columns=["Resp"])
    cohort.to_csv(tmp_path / "unlabelled.csv", index=False)
    result = CliRunner().invoke(app, ["explore", "--data", str(tmp_path / "unlabelled.csv"),
                                      "--out", str(tmp_path / "out")], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "needs the Resp column" in result.stderr
    assert not (tmp_path / "out" / "explore.html").exists()
