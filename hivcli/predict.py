"""Score patients with a model directory from `hiv train`.

Featurizes the input with the model's own featurizer settings, chunk by chunk (memory does not grow with
the file), and writes PatientID, probability, prediction (probability ≥ the model's stored threshold) and
note (patients without a PR or RT sequence are still scored, from what is known). `--kaggle` writes the
competition's submission format (PatientID, Resp). When the input has Resp, the metrics are printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hivcli.common import console, err_console, guarded

NAME = "predict"


@guarded
def command(
    model_dir: Annotated[Path, typer.Option("--model-dir", help="Directory written by `hiv train`.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Predictions CSV to write.")],
    data: Annotated[Path | None, typer.Option(
        "--data", help="Kaggle-format CSV(.gz), Resp optional; default: bundled simulated cohort.")] = None,
    kaggle: Annotated[bool, typer.Option(
        "--kaggle", help="Write the competition submission format: PatientID, Resp.")] = False,
    chunk_size: Annotated[int, typer.Option(help="Patients featurized and scored at a time.", min=1)] = 2048,
) -> None:
    import numpy as np

    from features.api import BUNDLED_NOTE, iter_feature_chunks
    from features.errors import InputError
    from features.store import atomic_write_path
    from zoo.persist import load_model
    from zoo.scoring import check_compatible, score_chunks

    if out.is_dir():
        raise InputError("is a directory, expected a CSV file name", path=str(out))
    model, meta = load_model(model_dir)
    feat = check_compatible(meta)
    targets = meta.get("targets") or ["Resp"]
    console.print(f"using {BUNDLED_NOTE}" if data is None else f"scoring {data}")
    notes: list[str] = []
    chunks = iter_feature_chunks(data, rt_end=int(feat["rt_end"]), chunk_size=chunk_size, notes=notes)
    labels, probas, n, n_notes = [], [], 0, 0
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with atomic_write_path(out) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh, Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err_console,
            transient=True, disable=not err_console.is_terminal) as bar:
        task = bar.add_task("scoring", total=None)
        fh.write(_header(kaggle, targets))
        for part in score_chunks(model, chunks, int(feat["n_positions"])):
            fh.write(_rows(part, kaggle, targets))
            n += len(part["patient_id"])
            n_notes += sum(1 for note in part["note"] if note)
            if part["label"] is not None:
                labels.append(part["label"])
                probas.append(part["probability"])
            bar.update(task, description=f"scored {n} patients")
    for note in notes:
        console.print(f"[dim]{note}[/dim]")
    console.print(f"{n} patients scored ({n_notes} without PR or RT sequence, see the note column); "
                  f"written to {out}")
    if labels and len(targets) == 1:
        from rich.table import Table

        from zoo.metrics import binary_metrics

        y, p = np.concatenate(labels), np.concatenate(probas)
        metrics = binary_metrics(y, p, float(np.asarray(model.threshold_)))
        table = Table(title=f"The input has Resp: metrics of {meta.get('model', 'the model')} on it")
        table.add_column("metric")
        table.add_column("value", justify="right")
        for key, value in metrics.items():
            table.add_row(key, f"{value:.3f}")
        console.print(table)


def _header(kaggle: bool, targets: list[str]) -> str:
    if kaggle:
        return "PatientID,Resp\n"
    if len(targets) == 1:
        return "PatientID,probability,prediction,note\n"
    cols = [f"probability_{t}" for t in targets] + [f"prediction_{t}" for t in targets]
    return ",".join(["PatientID", *cols, "note"]) + "\n"


def _rows(part: dict, kaggle: bool, targets: list[str]) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for i, pid in enumerate(part["patient_id"]):
        proba, pred = part["probability"][i], part["prediction"][i]
        if kaggle:
            w.writerow([pid, int(pred) if len(targets) == 1 else int(pred[0])])
        elif len(targets) == 1:
            w.writerow([pid, repr(float(proba)), int(pred), part["note"][i]])
        else:
            w.writerow([pid, *(repr(float(v)) for v in proba), *(int(v) for v in pred), part["note"][i]])
    return buf.getvalue()
