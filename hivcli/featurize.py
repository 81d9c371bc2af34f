"""Map PR/RT sequences onto consensus-B codon positions; write codon tensors and mutation calls.

Input: a Kaggle-format CSV (--data; default: the bundled simulated cohort),
or FASTA files matched by ID to a clinical CSV (--pr-fasta/--rt-fasta with --clinical).

Writes OUT/features.npz, mutations.csv, frameshifts.csv, manifest.json (and rejected.csv with --skip-invalid).
A second run on the same input reuses OUT unless --force.
Bad input stops with one error line (exit code 2) before anything is written.
"""

from __future__ import annotations

import time
from pathlib import Path

import typer

from hivcli.common import console, err_console, guarded

NAME = "featurize"


class _LazyProgress:
    """A rich progress bar that only appears once the work has taken more than a moment."""

    def __init__(self, description: str, delay: float = 0.5):
        self.description, self.delay, self.start = description, delay, time.monotonic()
        self.bar = self.task = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if time.monotonic() - self.start < self.delay or done >= total:
                return
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            self.bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                                TimeRemainingColumn(), console=err_console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.description, total=total)
        self.bar.update(self.task, completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@guarded
def command(
    out: Path = typer.Option(..., "--out", help="Output directory."),
    data: Path = typer.Option(None, "--data",
                              help="Kaggle-format CSV (.csv/.csv.gz). Default: the bundled cohort."),
    pr_fasta: Path = typer.Option(None, "--pr-fasta", help="PR sequences (FASTA, ids = PatientID)."),
    rt_fasta: Path = typer.Option(None, "--rt-fasta", help="RT sequences (FASTA, ids = PatientID)."),
    clinical: Path = typer.Option(None, "--clinical",
                                  help="With FASTA input: CSV of PatientID, VL-t0, CD4-t0 [, Resp]."),
    rt_end: int = typer.Option(320, "--rt-end", help="Last RT codon featurized (1-490)."),
    force: bool = typer.Option(False, "--force", help="Redo even if OUT holds features of this input."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid",
                                      help="Drop bad rows into OUT/rejected.csv instead of stopping."),
) -> None:
    from features.errors import InputError
    from features.reference import check_rt_end

    check_rt_end(rt_end)
    fasta = pr_fasta is not None or rt_fasta is not None or clinical is not None
    if fasta and data is not None:
        raise InputError("give either --data or --pr-fasta/--rt-fasta with --clinical, not both")
    if fasta and clinical is None:
        raise InputError("FASTA input needs --clinical (CSV of PatientID, VL-t0, CD4-t0 and optionally Resp)")
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a directory", path=str(out))

    from features.api import BUNDLED_NOTE, bundled_cohort_path
    from features.featurize import featurize_to_dir
    from features.reader import read_csv, read_fasta_inputs

    description = None
    if fasta:
        cohort = read_fasta_inputs(pr_fasta, rt_fasta, clinical, skip_invalid=skip_invalid)
    else:
        if data is None:
            console.print(f"using {BUNDLED_NOTE}", highlight=False, soft_wrap=True)
            description = BUNDLED_NOTE
        cohort = read_csv(data if data is not None else bundled_cohort_path(), skip_invalid=skip_invalid)
    for note in cohort.notes:
        console.print(f"note: {note}", highlight=False, soft_wrap=True)
    progress = _LazyProgress("mapping sequences")
    try:
        manifest, reused = featurize_to_dir(cohort, out, rt_end=rt_end, skip_invalid=skip_invalid,
                                            force=force, progress=progress, description=description)
    finally:
        progress.close()
    if reused:
        console.print(f"{out} already holds features of this input (sha256 {cohort.sha256[:12]}); reusing it "
                      "(--force to redo)", highlight=False, soft_wrap=True)
    _summary(manifest, out)


def _summary(manifest: dict, out: Path) -> None:
    from rich.table import Table

    c = manifest["counts"]
    table = Table(title=f"featurized → {out}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    resp = f" ({c['responders']} responders)" if c.get("responders") is not None else ""
    table.add_row("patients", f"{c['patients']}{resp}")
    rejected = f" → {out / 'rejected.csv'}" if c["rejected"] else ""
    table.add_row("skipped rows", f"{c['rejected']}{rejected}")
    mean = c["mean_covered_positions"]
    rt_end = manifest["options"]["rt_end"]
    table.add_row("PR coverage", f"{c['with_pr']} patients, mean {mean['PR']} of 99 positions")
    table.add_row("RT coverage", f"{c['with_rt']} patients, mean {mean['RT']} of {rt_end} positions")
    table.add_row("no sequence at all", str(c["without_sequence"]))
    table.add_row("fast path / aligned", f"PR {c['fast_path']['PR']} / {c['aligned']['PR']}, "
                                         f"RT {c['fast_path']['RT']} / {c['aligned']['RT']}")
    table.add_row("frameshifts", str(c["frameshifts"]) + (f" → {out / 'frameshifts.csv'}" if c["frameshifts"]
                                                          else ""))
    table.add_row("mutation calls", str(c["mutations"]))
    top = ", ".join(f"{m} ({k})" for m, k in manifest.get("top_mutations", []))
    table.add_row("top 10 mutations", top or "none")
    console.print(table)
