"""`hiv report` on a real (tiny) `zoo.cv.run_cv` run: a baseline and a small deep model, 2 folds."""

from __future__ import annotations

import pytest
from cv_support import make_features
from report_support import check_markdown, check_page
from typer.testing import CliRunner

from hivcli.app import app
from hivcli.pages.report_page import SECTIONS


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    from zoo.cv import run_cv

    out = tmp_path_factory.mktemp("real") / "run"
    run_cv(make_features(n=40, n_positions=12), ["logreg", "cnn"], folds=2, seed=0, out_dir=out,
           model_kwargs={"epochs": 3, "width": 4, "blocks": 1, "device": "cpu"})
    return out


def test_report_of_a_real_run(run_dir):
    result = CliRunner().invoke(app, ["report", str(run_dir), "--bootstrap", "100"])
    assert result.exit_code == 0, result.stderr
    printed = result.stdout.strip().splitlines()[-2:]
    assert printed == [str(run_dir / "report.html"), str(run_dir / "report.md")]
    page = check_page(run_dir / "report.html", SECTIONS)
    md = check_markdown(run_dir / "report.md", page["text"], SECTIONS.values())
    # leaderboard, cnn training curves, ROC/PR per model + overview, confusion, calibration, cnn attributions
    assert page["images"] == 8
    figures = sorted(p.name for p in (run_dir / "report_figures").iterdir())
    assert figures == sorted(["leaderboard.png", "history_cnn.png", "roc_pr_logreg.png", "roc_pr_cnn.png",
                              "roc_all.png", "confusion.png", "calibration.png", "attributions_cnn.png"])
    attributions = md.split('<a id="attributions"></a>')[1].split('<a id="config"></a>')[0]
    assert "*cnn: the 12 most important positions.*" in attributions
    assert "| 12 | " in attributions and "| 13 | " not in attributions
    assert '"width": 4' in md  # the resolved hyper-parameters are on the page
