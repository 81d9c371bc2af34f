"""Benchmark: `hiv predict` memory stays flat as the input grows (10,000 vs 100,000 simulated patients).

Trains a small model on the bundled cohort, writes two inputs by tiling a 5,000-patient simulated cohort
under new PatientIDs (every row is still featurized from scratch), then runs `hiv predict` on each in a fresh
process and prints wall time, rows/s and peak RSS, and the RSS ratio 100k / 10k (flat ≈ 1.0).
Usage: python bench/predict.py [--model logreg] [--n 100000] [--chunk-size 2048]
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HIV = [sys.executable, "-c", "from hivcli.app import main; main()"]


def run(args: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MB) of one `hiv` command in its own process."""
    start = time.perf_counter()
    proc = subprocess.Popen(HIV + args, cwd=REPO, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"hiv {' '.join(args)} failed")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def tiled_cohort(base: list[str], header: str, n: int, path: Path) -> None:
    """n rows cycling through `base` with fresh PatientIDs 1..n (gzip, like a large export)."""
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as fh:
        fh.write(header)
        for i in range(n):
            row = base[i % len(base)]
            fh.write(f"{i + 1},{row.split(',', 1)[1]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="logreg")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--chunk-size", type=int, default=2048)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from features.simulate import simulate_cohort

    with tempfile.TemporaryDirectory(prefix="hiv-bench-predict-") as tmp:
        tmp = Path(tmp)
        secs, _ = run(["train", "--model", args.model, "--out", str(tmp / "model"), "--epochs", "5"])
        print(f"trained {args.model} on the bundled cohort in {secs:.1f} s")
        df = simulate_cohort(n=5000, seed=7)
        text = df.to_csv(index=False, lineterminator="\n")
        header, *rows = text.splitlines(keepends=True)
        results = {}
        for n in (args.n // 10, args.n):
            path = tmp / f"cohort_{n}.csv.gz"
            tiled_cohort(rows, header, n, path)
            secs, rss = run(["predict", "--model-dir", str(tmp / "model"), "--data", str(path),
                             "--out", str(tmp / f"pred_{n}.csv"), "--chunk-size", str(args.chunk_size)])
            with open(tmp / f"pred_{n}.csv") as fh:
                lines = sum(1 for _ in fh) - 1
            assert lines == n, (lines, n)
            results[n] = (secs, rss)
            print(f"predict {n:>7,} patients: {secs:7.1f} s, {n / secs:8.0f} rows/s, peak RSS {rss:7.0f} MB")
        small, large = results[args.n // 10], results[args.n]
        print(f"peak RSS ratio {args.n:,} / {args.n // 10:,} patients: {large[1] / small[1]:.2f} "
              f"(time ratio {large[0] / small[0]:.1f}; chunk size {args.chunk_size})")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this driver process: peak RSS {own:.0f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
