"""Write a simulated Kaggle-format cohort with a known, planted signal.

Sequences: consensus B with background variation, resistance mutations at realistic prevalence,
IUPAC mixtures, a few RT 69 insertions and 67 deletions, missing PR and varying RT length.
Resp is drawn from a documented logistic model of VL-t0, CD4-t0 and resistance counts (features/simulate.py).
Same --n and --seed give the same file; a name ending in .gz is gzipped.
"""

from __future__ import annotations

from pathlib import Path

import typer

from hivcli.common import console, guarded

NAME = "simulate"


@guarded
def command(
    out: Path = typer.Option(..., "--out", help="Output CSV (.csv or .csv.gz)."),
    n: int = typer.Option(400, "--n", help="Number of patients."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    extra_target: list[str] = typer.Option(
        [], "--extra-target",
        help="Add a 0/1 label column for a multi-label cohort: Resp_NRTI, Resp_NNRTI or Resp_PI "
             "(repeatable)."),
) -> None:
    from features.errors import InputError
    from features.simulate import simulate_cohort, write_cohort

    if out.exists() and out.is_dir():
        raise InputError("is a directory, expected a file name", path=str(out))
    df = simulate_cohort(n, seed, extra_targets=tuple(extra_target))
    write_cohort(df, out)
    no_pr = int(df["PR Seq"].isna().sum())
    extra = f"; extra labels: {', '.join(extra_target)}" if extra_target else ""
    console.print(f"wrote {out}: {len(df)} simulated patients (seed {seed}), "
                  f"{df['Resp'].mean():.1%} responders, {no_pr} without PR{extra}",
                  highlight=False, soft_wrap=True)
