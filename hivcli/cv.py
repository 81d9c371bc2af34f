"""Cross-validate zoo models on the same stratified folds and write a run directory for `hiv report`.

Everything learned (clinical scaling, class balance, early stopping, decision threshold) is decided inside
each training part; the test fold is used once, for scoring. Prints a leaderboard (mean ± sd per metric,
best marked ★).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from hivcli.common import console, guarded, load_with_progress, split_names
from hivcli.options import BalanceOpt, DataOpt, DeviceOpt, EpochsOpt, LossOpt, TargetOpt, model_options

NAME = "cv"


@guarded
def command(
    model: Annotated[str, typer.Option("--model", "-m", help="NAME[,NAME…] from `hiv models`, or 'all'.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Run directory to write (must be new or empty).")],
    data: DataOpt = None,
    folds: Annotated[int, typer.Option(help="Number of folds.")] = 5,
    repeats: Annotated[int, typer.Option(help="Repeats of the K-fold split, each reshuffled.")] = 1,
    seed: Annotated[int, typer.Option(help="Seed of the folds and of every fit.")] = 0,
    epochs: EpochsOpt = None,
    loss: LossOpt = None,
    balance: BalanceOpt = None,
    target: TargetOpt = None,
    device: DeviceOpt = None,
    jobs: Annotated[int, typer.Option(help="Fits run in parallel (joblib processes).")] = 1,
    force: Annotated[bool, typer.Option("--force", help="Replace run files in a non-empty --out.")] = False,
) -> None:
    from features.api import load_or_featurize
    from zoo.cv import run_cv
    from zoo.registry import list_models
    from zoo.rundir import prepare_run_dir

    names = list_models() if model.strip() == "all" else split_names(model)
    if not names:
        raise typer.BadParameter("give at least one model name", param_hint="--model")
    known = list_models()
    unknown = [n for n in names if n not in known]
    if unknown:
        from features.errors import ModelError

        listed = ", ".join(repr(u) for u in unknown)
        raise ModelError(f"unknown model {listed}; choose from: {', '.join(known)}")
    out = prepare_run_dir(out, force=force)

    features, description = load_with_progress(data, load_or_featurize)
    console.print(description)
    features_dir = _features_dir(data, features)
    options = model_options(epochs, loss, balance, device)

    start = time.perf_counter()
    with _CvProgress() as progress:
        result = run_cv(features, names, folds=folds, repeats=repeats, seed=seed,
                        targets=split_names(target) or None, model_kwargs=options, jobs=jobs,
                        progress=progress, out_dir=out,
                        data={"description": description, "source": str(data) if data else "bundled",
                              "features": features_dir})
    for name, spec in result.config["models"].items():
        if spec["ignored_options"]:
            console.print(f"[dim]{name} has no option {', '.join(spec['ignored_options'])}; ignored[/dim]")
    for table in leaderboard_tables(result.models, console.width):
        console.print(table)
    seconds = time.perf_counter() - start
    console.print(f"{len(names)} model(s) × {repeats} × {folds} folds in {seconds:.0f} s; "
                  f"run written to {out}  (next: hiv report {out})")


def _features_dir(data: Path | None, features) -> str | None:
    """The features directory the run used: --data itself, or where the featurizer cached it."""
    if data is not None and data.is_dir():
        return str(data.resolve())
    manifest = getattr(features, "manifest", None) or {}
    for key in ("features_dir", "cache_dir", "path"):
        if manifest.get(key):
            return str(manifest[key])
    return None


class _CvProgress:
    """Renders the engine's progress events as one rich bar: model, repeat/fold, epoch and losses."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), console=console, transient=False)
        self._task = None

    def __enter__(self):
        self._bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._bar.__exit__(*exc)

    def __call__(self, event) -> None:
        if event.kind == "start":
            self._task = self._bar.add_task("cross-validating", total=event.total)
            return
        where = f"{event.model} · repeat {event.repeat + 1} · fold {event.fold + 1}"
        if event.kind == "fit":
            self._bar.update(self._task, description=where)
        elif event.kind == "epoch":
            losses = " / ".join(f"{v:.3f}" for v in (event.train_loss, event.valid_loss) if v is not None)
            epochs = f"/{event.epochs}" if event.epochs else ""
            self._bar.update(self._task, description=f"{where} · epoch {event.epoch}{epochs} · loss {losses}")
        elif event.kind == "done":
            self._bar.update(self._task, completed=event.done, description=f"{where} · done")


def leaderboard_tables(models: dict[str, dict], width: int) -> list:
    """Rich tables of mean ± sd per metric (best mean per column bold ★), split to fit `width` columns."""
    from rich import box
    from rich.table import Table

    from zoo.metrics import best_by_metric, format_mean_sd, leaderboard_metrics

    metrics = leaderboard_metrics(models)
    best = best_by_metric(models, metrics)
    first = metrics[0]

    def order(name: str) -> float:
        v = models[name]["mean"].get(first)
        return -v if v is not None and v == v else float("inf")

    rows = sorted(models, key=order)
    cells = {(name, metric): format_mean_sd(models[name]["mean"].get(metric), models[name]["sd"].get(metric))
             + (" ★" if name in best.get(metric, ()) else "") for name in rows for metric in metrics}
    name_width = max(len("model"), *map(len, rows)) + 3
    groups: list[list[str]] = [[]]
    used = name_width
    for metric in metrics:
        need = max(len(metric), *(len(cells[n, metric]) for n in rows)) + 3
        if groups[-1] and used + need > width:
            groups.append([])
            used = name_width
        groups[-1].append(metric)
        used += need
    tables = []
    for k, group in enumerate(groups):
        title = "Cross-validation leaderboard (mean ± sd over folds; ★ best)" if k == 0 else None
        table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
        table.add_column("model", style="bold", no_wrap=True)
        for metric in group:
            table.add_column(metric, justify="right", no_wrap=True)
        for name in rows:
            table.add_row(name, *(f"[bold green]{cells[name, m]}[/]" if name in best.get(m, ())
                                  else cells[name, m] for m in group))
        tables.append(table)
    return tables
