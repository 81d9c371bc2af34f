"""Benchmark: `cbam-resnet` 5-fold cross-validation on the 800 shared real patients.

Prints featurization and cross-validation wall time, peak RSS (this process and its largest child) and the
targets (≤ 3 min on 2 CPU cores, ≤ 1.5 GB). Data: env HIV_REAL_DATA, default ../shared/data/training_data.csv.
Usage: python bench/cv.py [--model NAME] [--folds 5] [--jobs 1] [--epochs N]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_SECONDS, TARGET_MB = 180, 1536


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children: a load-independent figure."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def peak_rss_mb() -> tuple[float, float]:
    """(this process, largest child) peak resident set size in MB (Linux reports KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, child


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="cbam-resnet")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=None)
    args = parser.parse_args()
    data = Path(os.environ.get("HIV_REAL_DATA", REPO.parent / "shared" / "data" / "training_data.csv"))
    if not data.is_file():
        print(f"no real data at {data}; set HIV_REAL_DATA", file=sys.stderr)
        return 1

    from features.api import load_or_featurize
    from zoo.cv import run_cv

    t0 = time.perf_counter()
    features, description = load_or_featurize(data)
    t_feat = time.perf_counter() - t0
    print(description)
    print(f"featurize/load: {t_feat:.1f} s  ({len(features.patient_id)} patients, "
          f"{len(features.positions)} positions)")
    epochs_seen: list[int] = []

    def progress(event) -> None:
        if event.kind == "epoch" and event.epoch:
            epochs_seen.append(event.epoch)
        if event.kind == "done":
            print(f"  fit {event.done}/{event.total} done at {time.perf_counter() - t1:.0f} s "
                  f"({len(epochs_seen)} epochs so far)", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        t1, c1 = time.perf_counter(), cpu_seconds()
        result = run_cv(features, [args.model], folds=args.folds, seed=0, jobs=args.jobs, progress=progress,
                        model_kwargs={"epochs": args.epochs, "device": "cpu"}, out_dir=tmp)
        t_cv, c_cv = time.perf_counter() - t1, cpu_seconds() - c1
    own, child = peak_rss_mb()
    mean, sd = result.models[args.model]["mean"], result.models[args.model]["sd"]
    print(f"{args.model} {args.folds}-fold, jobs={args.jobs}, {os.cpu_count()} CPU cores: "
          f"AUC {mean['auc']:.3f} ± {sd['auc']:.3f}, F1 {mean['f1']:.3f} ± {sd['f1']:.3f}")
    print(f"cross-validation wall time: {t_cv:.1f} s (target ≤ {TARGET_SECONDS} s; "
          f"ratio {t_cv / TARGET_SECONDS:.2f}); {len(epochs_seen)} epochs trained in all")
    print(f"cross-validation CPU time: {c_cv:.0f} s (÷ 2 cores = {c_cv / 2:.0f} s: the wall time on two idle "
          f"cores if both are busy; the machine's load average was {os.getloadavg()[0]:.1f})")
    print(f"total incl. featurize: {t_feat + t_cv:.1f} s")
    print(f"peak RSS: {own:.0f} MB this process, {child:.0f} MB largest child "
          f"(target ≤ {TARGET_MB} MB; ratio {max(own, child) / TARGET_MB:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
