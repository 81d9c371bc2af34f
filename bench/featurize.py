"""Fast path vs aligning everything: featurize the 800 shared Kaggle patients twice, each in a fresh
process (cold: imports, reading, mapping, writing), and compare the outputs.

    python bench/featurize.py [--data CSV] [--rt-end 320]

Prints both wall-clock times and their ratio (target: fast path >= 15x faster) and checks that the
mutation calls and the codon tensors are identical; exits 1 if they are not. Data: $HIV_REAL_DATA, default
../shared/data/training_data.csv.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = os.environ.get("HIV_REAL_DATA", str(REPO.parent / "shared" / "data" / "training_data.csv"))
TARGET = 15.0


def child(mode: str, data: str, out: str, rt_end: int) -> None:
    """What one timed process does: exactly `hiv featurize --force`, with or without the fast path."""
    from features.featurize import featurize_to_dir
    from features.reader import read_csv

    featurize_to_dir(read_csv(data), out, rt_end=rt_end, force=True, align_all=mode == "align")


def timed(mode: str, data: str, out: Path, rt_end: int) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--child", mode, "--data", data, "--out", str(out),
                    "--rt-end", str(rt_end)], check=True, cwd=REPO)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--rt-end", type=int, default=320)
    ap.add_argument("--child", choices=["fast", "align"])
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.data, args.out, args.rt_end)
        return 0
    if not Path(args.data).exists():
        print(f"bench/featurize: no data at {args.data} (set HIV_REAL_DATA)", file=sys.stderr)
        return 2
    import json

    import numpy as np

    with tempfile.TemporaryDirectory() as tmp:
        fast_dir, align_dir = Path(tmp) / "fast", Path(tmp) / "align"
        t_fast = timed("fast", args.data, fast_dir, args.rt_end)
        t_align = timed("align", args.data, align_dir, args.rt_end)
        manifest = json.loads((fast_dir / "manifest.json").read_text())
        calls_fast = (fast_dir / "mutations.csv").read_text()
        calls_align = (align_dir / "mutations.csv").read_text()
        same_calls = calls_fast == calls_align
        shifts = [(d / "frameshifts.csv").read_text() for d in (fast_dir, align_dir)]
        same_frameshifts = shifts[0] == shifts[1]
        from features.store import load_features

        same_tensor = np.array_equal(load_features(fast_dir).codons, load_features(align_dir).codons)
    c = manifest["counts"]
    n_seq = c["with_pr"] + c["with_rt"]
    n_fast = c["fast_path"]["PR"] + c["fast_path"]["RT"]
    ratio = t_align / t_fast
    print(f"featurize {c['patients']} patients ({n_seq} sequences, RT window 1-{args.rt_end}), "
          "whole process, cold")
    print(f"  fast path (+ aligner for {n_seq - n_fast} sequences): {t_fast:7.2f} s")
    print(f"  aligning every sequence (PairwiseAligner):      {t_align:7.2f} s")
    print(f"  ratio: {ratio:.1f}x (target >= {TARGET:g}x: {'met' if ratio >= TARGET else 'NOT met'})")
    yes = {True: "yes", False: "NO"}
    print(f"  identical calls: {yes[same_calls]} ({calls_fast.count(chr(10)) - 1} calls), "
          f"frameshifts: {yes[same_frameshifts]}, codon tensors: {yes[same_tensor]}")
    return 0 if same_calls and same_frameshifts and same_tensor else 1


if __name__ == "__main__":
    sys.exit(main())
