"""Leaderboard: every zoo model on the 800 shared real patients, same folds (default 5 folds × 3 repeats).

Writes docs/leaderboard.md (mean ± sd over folds of auc, pr_auc, f1, mcc, balanced_accuracy, brier; best in
bold) and prints it; the run directory (default runs/leaderboard) can be rendered with `hiv report`.
Data: env HIV_REAL_DATA, default ../shared/data/training_data.csv. Expensive: minutes per deep model.
Usage: python bench/leaderboard.py [--folds 5] [--repeats 3] [--jobs 1] [--models a,b] [--epochs N]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COLUMNS = ("auc", "pr_auc", "f1", "mcc", "balanced_accuracy", "brier")


def verdict(models: dict[str, dict]) -> str:
    """The issue's aim, stated from the numbers: cbam-resnet AUC at or above random-forest's."""
    if "cbam-resnet" not in models or "random-forest" not in models:
        return ""
    a, b = models["cbam-resnet"]["mean"]["auc"], models["random-forest"]["mean"]["auc"]
    if a >= b:
        return f"`cbam-resnet` mean AUC {a:.3f} is at or above `random-forest` ({b:.3f}) on the same folds.\n"
    return (f"`cbam-resnet` mean AUC {a:.3f} is **below** `random-forest` ({b:.3f}) on the same folds "
            f"(difference {b - a:.3f}).\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--models", default="all", help="comma-separated names, or all")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "leaderboard")
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "leaderboard.md")
    args = parser.parse_args()
    data = Path(os.environ.get("HIV_REAL_DATA", REPO.parent / "shared" / "data" / "training_data.csv"))
    if not data.is_file():
        print(f"no real data at {data}; set HIV_REAL_DATA", file=sys.stderr)
        return 1

    from features.api import load_or_featurize
    from zoo.cv import run_cv
    from zoo.metrics import leaderboard_markdown
    from zoo.registry import list_models
    from zoo.rundir import prepare_run_dir, write_json

    models = list_models() if args.models == "all" else [m for m in args.models.split(",") if m]
    features, description = load_or_featurize(data)
    print(description, flush=True)
    out = prepare_run_dir(args.out, force=True)
    start = time.perf_counter()

    def progress(event) -> None:
        if event.kind == "done":
            print(f"  {event.done}/{event.total} {event.model} repeat {event.repeat + 1} "
                  f"fold {event.fold + 1} ({time.perf_counter() - start:.0f} s)", flush=True)

    result = run_cv(features, models, folds=args.folds, repeats=args.repeats, seed=0, jobs=args.jobs,
                    model_kwargs={"epochs": args.epochs, "device": "cpu"}, progress=progress, out_dir=out,
                    data={"description": description, "source": str(data), "features": None})
    minutes = (time.perf_counter() - start) / 60
    shown = out.relative_to(REPO) if out.is_relative_to(REPO) else out
    full = args.folds == 5 and args.repeats == 3 and args.epochs is None and args.models == "all"
    scope = "" if full else (" **(reduced run: not the full 5 folds × 3 repeats with default settings; "
                             "see the options below)**")
    table = leaderboard_markdown(result.models, COLUMNS)
    n = len(features.patient_id)
    prevalence = float(features.label.mean())
    doc = (
        "# Leaderboard\n\n"
        f"Every zoo model on the {n} real patients of the shared Kaggle training file "
        f"({prevalence:.1%} responders), {args.folds} stratified folds × {args.repeats} "
        f"repeat{'s' if args.repeats > 1 else ''}, the same "
        f"folds for every model (seed 0){scope}. Mean ± sd over the {args.folds * args.repeats} test folds; "
        "best mean per column in bold (brier: lower is better). Thresholds for f1/mcc/balanced accuracy are "
        "chosen inside each training part.\n\n"
        + table + "\n" + verdict(result.models) + "\n"
        f"Produced by `python bench/leaderboard.py --folds {args.folds} --repeats {args.repeats} "
        f"--jobs {args.jobs}{f' --epochs {args.epochs}' if args.epochs else ''}"
        f"{'' if args.models == 'all' else f' --models {args.models}'}` on "
        f"{datetime.date.today().isoformat()} ({platform.machine()}, {os.cpu_count()} CPU cores, "
        f"{minutes:.0f} min, CPU only). Run directory: `{shown}` "
        "(`hiv report` renders it).\n"
    )
    args.doc.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.doc.with_suffix(".md.tmp")
    tmp.write_text(doc, encoding="utf-8")
    os.replace(tmp, args.doc)
    write_json(out / "leaderboard.json", {"columns": COLUMNS, "minutes": minutes})
    print(doc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
