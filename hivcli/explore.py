"""Explore a cohort: one self-contained HTML page (DIR/explore.html, plus PNGs and explore.md) on response
balance, VL-t0 and CD4-t0, correlations, sequence coverage, missing genes, mutations (odds ratio, Fisher p,
known DRMs marked) and DRM counts per drug class vs response."""

from __future__ import annotations

from pathlib import Path

import typer

from hivcli.common import console, err_console, guarded

NAME = "explore"


@guarded
def command(
    out: Path = typer.Option(..., "--out", "-o",
                             help="Directory for explore.html, explore.md and explore_figures/."),
    data: Path | None = typer.Option(None, "--data", help="Kaggle-format CSV(.gz) or features directory; "
                                     "default: the bundled simulated cohort."),
    top: int = typer.Option(25, "--top", min=1, help="Most prevalent mutations to plot and tabulate."),
    min_carriers: int = typer.Option(5, "--min-carriers", min=1,
                                     help="Test only mutations carried by at least this many patients."),
    rt_end: int = typer.Option(320, "--rt-end", help="Last RT codon featurized (CSV input only)."),
) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from features.api import load_or_featurize
    from features.cohort_stats import cohort_stats, read_mutation_calls
    from features.errors import InputError
    from hivcli.pages.document import atomic_write
    from hivcli.pages.explore_page import build_explore_page
    from hivcli.pages.tables import drm_table

    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a directory", path=str(out))
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=err_console, transient=True,
                  disable=not err_console.is_terminal) as bar:
        task = bar.add_task("featurizing", total=None)
        fs, source = load_or_featurize(
            data, rt_end=rt_end, progress=lambda done, total: bar.update(task, completed=done, total=total))
        if fs.labels is None:
            raise InputError("explore compares responders with non-responders and needs the Resp column",
                             path=str(data) if data else None)
        console.print(source, soft_wrap=True)
        bar.update(task, description="statistics", completed=0, total=None)
        calls = read_mutation_calls(fs.manifest.get("features_dir", ""))
        stats = cohort_stats(fs, calls, drm_table(), min_carriers=min_carriers)
        bar.update(task, description="figures")
        page = build_explore_page(stats, source, top=top, min_carriers=min_carriers)
        out.mkdir(parents=True, exist_ok=True)
        html_path, _ = page.write(out, "explore")
        atomic_write(out / "mutation_prevalence.csv", stats.prevalence.to_csv(index=False).encode("utf-8"))
    console.print(f"{stats.n} patients, {100 * stats.response_rate:.1f}% responders, "
                  f"{len(stats.prevalence)} mutations tested; {len(page.figures)} figures")
    print(html_path)
