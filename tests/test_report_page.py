"""`hiv report RUN_DIR`: one self-contained page and its Markdown twin, every section, honest about gaps."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from report_support import DRM, check_markdown, check_page, fake_run, skip_drawing
from typer.testing import CliRunner

import hivcli.pages.report_page
from hivcli.app import app
from hivcli.pages.report_page import SECTIONS

runner = CliRunner()


def _report(run_dir, *extra):
    return runner.invoke(app, ["report", str(run_dir), "--bootstrap", "100", *extra])


@pytest.fixture(scope="module")
def binary_run(tmp_path_factory):
    run_dir = fake_run(tmp_path_factory.mktemp("binary") / "run")
    with pytest.MonkeyPatch.context() as mp:
        skip_drawing(mp, hivcli.pages.report_page)  # test_report_real_run.py draws every figure for real
        result = _report(run_dir)
    assert result.exit_code == 0, result.stderr
    return run_dir, result


def test_report_writes_html_and_markdown_and_prints_the_path(binary_run):
    run_dir, result = binary_run
    lines = result.stdout.strip().splitlines()
    assert lines[-2:] == [str(run_dir / "report.html"), str(run_dir / "report.md")]
    page = check_page(run_dir / "report.html", SECTIONS)
    md = check_markdown(run_dir / "report.md", page["text"], SECTIONS.values())
    # leaderboard, training curves, ROC/PR ×2 + overview, confusion, calibration, attributions
    assert page["images"] == 8 == md.count("![")
    assert "cbam-resnet" in md and "logreg" in md and "bootstrap 95% CI" in md


def test_leaderboard_shows_fold_mean_sd_and_the_bootstrap_interval(binary_run):
    run_dir, _ = binary_run
    metrics = json.loads((run_dir / "metrics.json").read_text())["models"]
    md = (run_dir / "report.md").read_text()
    auc = metrics["logreg"]["mean"]["auc"], metrics["logreg"]["sd"]["auc"]
    assert f"{auc[0]:.3f} ± {auc[1]:.3f}" in md
    row = next(line for line in md.splitlines() if line.startswith("| logreg |") and "[" in line)
    estimate, interval = row.split("|")[2].strip().split(" ", 1)
    low, high = (float(v) for v in interval.strip("[]").split("–"))
    assert low <= float(estimate) <= high


def test_attributions_are_averaged_and_known_drms_named(binary_run):
    run_dir, _ = binary_run
    md = (run_dir / "report.md").read_text()
    section = md.split('<a id="attributions"></a>')[1].split('<a id="config"></a>')[0]
    rows = [line for line in section.splitlines() if line.startswith("| 1 |") or line.startswith("| 2 |")]
    # the fake run plants RT40 (not a DRM position) first and PR90 (a PI DRM position) second
    assert "RT40" in rows[0] and "| no |" in rows[0]
    assert "**PR90**" in rows[1] and "yes (PI)" in rows[1] and "L90M" in rows[1]
    assert "Integrated Gradients" in section


def test_multilabel_runs_get_curves_per_target(tmp_path, monkeypatch):
    skip_drawing(monkeypatch, hivcli.pages.report_page)
    run_dir = fake_run(tmp_path / "run", models=("logreg",), deep=(), targets=("Resp", "drm1"), n=48, folds=2)
    result = _report(run_dir)
    assert result.exit_code == 0, result.stderr
    page = check_page(run_dir / "report.html", SECTIONS)
    assert "logreg · drm1" in page["text"] and "Resp AUC" in page["text"] and "drm1 AUC" in page["text"]
    assert (run_dir / "report_figures" / "roc_pr_logreg___drm1.png").is_file()
    assert "No bootstrap interval for F1 micro, F1 macro (scores across several labels)." in page["text"]
    assert "no deep model, so there are no per-position attributions" in page["text"]
    assert "no deep model), so there are no training curves" in page["text"]


@pytest.mark.parametrize("models, attributions, sentence", [
    ({"logreg": {"family": "classical"}}, True, "This run has no deep model, so there are no per-position"),
    ({"cnn": {"family": "deep"}}, False, "This run was made without attributions"),
    ({"cnn": {"family": "deep"}}, True, "The run directory holds no attributions for its deep models."),
])
def test_missing_attributions_are_a_sentence_not_a_crash(models, attributions, sentence):
    from hivcli.pages.document import Page
    from hivcli.pages.report_page import _attributions
    from zoo.rundir import RunResult

    run = RunResult(config={"models": models, "attributions": attributions}, metrics={"models": {}},
                    oof=pd.DataFrame())
    section = Page("t").section("attributions", "A")
    _attributions(section, run, DRM, {}, {}, 20)
    assert section.blocks[-1].note and section.blocks[-1].text.startswith(sentence)


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "metrics.json").unlink(), "not a complete run directory (missing metrics.json)"),
    (lambda d: (d / "oof_predictions.csv").write_text("model,repeat\n"),
     "oof_predictions.csv: missing column(s) fold, PatientID, label, probability, prediction"),
    (lambda d: d.rename(d.with_name("gone")), "no such run directory"),
])
def test_missing_or_incomplete_run_is_one_line_and_exit_2(tmp_path, damage, message):
    run_dir = fake_run(tmp_path / "run", models=("logreg",), deep=(), n=30, folds=2)
    damage(run_dir)
    result = _report(run_dir)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert message in result.stderr
    assert not (run_dir / "report.html").exists()


def test_page_escapes_text_and_prunes_figures_it_no_longer_has(tmp_path):
    from hivcli.pages.document import Page

    def page(*names):
        p = Page("<T>", "run `hiv report`")
        sec = p.section("s", "S & more")
        for n in names:
            sec.figure(n, b"\x89PNG\r\n\x1a\n", f"caption <b>{n}</b>")
        sec.table(["a|b"], [["x|y"]])
        return p

    page("a.png", "b.png").write(tmp_path, "report")
    (tmp_path / "report_figures" / "notes.txt").write_text("kept")
    html_path, md_path = page("a.png").write(tmp_path, "report")
    assert sorted(p.name for p in (tmp_path / "report_figures").iterdir()) == ["a.png", "notes.txt"]
    text = html_path.read_text()
    assert "<b>a.png</b>" not in text and "caption &lt;b&gt;a.png&lt;/b&gt;" in text
    assert "<title>&lt;T&gt;</title>" in text and "run <code>hiv report</code>" in text
    assert "| a\\|b |" in md_path.read_text() and "| x\\|y |" in md_path.read_text()
