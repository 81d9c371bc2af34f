"""Write RUN_DIR/report.html (one self-contained page) and report.md for a `hiv cv` run: leaderboard with
bootstrap 95% CIs, training curves, ROC/PR, confusion, calibration, attributions, config and versions."""

from __future__ import annotations

from pathlib import Path

import typer

from hivcli.common import console, err_console, guarded

NAME = "report"


@guarded
def command(
    run_dir: Path = typer.Argument(..., metavar="RUN_DIR", help="A run directory written by `hiv cv --out`."),
    bootstrap: int = typer.Option(1000, "--bootstrap", min=100,
                                  help="Bootstrap resamples for the 95% CIs of the leaderboard."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap resampling."),
) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from hivcli.pages.report_page import build_report_page, check_run
    from hivcli.pages.tables import consensus_by_position, drm_table
    from zoo.bootstrap import bootstrap_oof
    from zoo.rundir import load_run

    run = load_run(run_dir)
    check_run(run)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=err_console, transient=True,
                  disable=not err_console.is_terminal) as bar:
        task = bar.add_task("bootstrap CIs", total=None)
        ci = bootstrap_oof(run.oof, n_boot=bootstrap, seed=seed,
                           progress=lambda done, total: bar.update(task, completed=done, total=total))
        bar.update(task, description="figures", completed=0, total=None)
        page = build_report_page(run, ci, drm_table(), consensus=consensus_by_position(), n_boot=bootstrap)
        html_path, md_path = page.write(run.path, "report")
    console.print(f"report of {len(run.models)} model(s), {len(page.figures)} figures in "
                  f"{html_path.parent / 'report_figures'}", soft_wrap=True)
    # the path on its own line, unwrapped: `make demo` ends with it and scripts may read it
    print(html_path)
    print(md_path)
