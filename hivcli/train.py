"""Train one zoo model on every given patient and save a model directory for `hiv predict`.

The same in-training choices as `hiv cv` (clinical scaler, class balance, inner validation split for early
stopping and the decision threshold) are made on the given data. Writes MODEL_DIR/model.json plus the
weights (safetensors for deep models, skops for classical ones).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hivcli.common import console, guarded, load_with_progress, split_names
from hivcli.options import BalanceOpt, DataOpt, DeviceOpt, EpochsOpt, LossOpt, TargetOpt, model_options

NAME = "train"


@guarded
def command(
    model: Annotated[str, typer.Option("--model", "-m", help="Model name from `hiv models`.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Model directory to write.")],
    data: DataOpt = None,
    seed: Annotated[int, typer.Option(help="Seed of the inner split and of the weights.")] = 0,
    epochs: EpochsOpt = None,
    loss: LossOpt = None,
    balance: BalanceOpt = None,
    target: TargetOpt = None,
    device: DeviceOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing model directory.")] = False,
) -> None:
    from features.api import load_or_featurize
    from features.errors import ModelError
    from zoo.persist import save_model
    from zoo.registry import list_models
    from zoo.training import train_model

    if model not in list_models():
        raise ModelError(f"unknown model '{model}'; choose from: {', '.join(list_models())}")
    if out.exists() and any(out.iterdir()) and not force:
        raise ModelError(f"{out}: model directory exists and is not empty (use --force to replace it)")
    features, description = load_with_progress(data, load_or_featurize)
    console.print(description)
    options = model_options(epochs, loss, balance, device)

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task(f"training {model}", total=None)

        def on_epoch(epoch: int, epochs_max: int, info: dict) -> None:
            bar.update(task, completed=epoch, total=epochs_max,
                       description=f"training {model} · epoch {epoch}/{epochs_max} · "
                                   f"loss {info.get('train_loss', float('nan')):.3f} / "
                                   f"{info.get('valid_loss', float('nan')):.3f}")

        fitted, meta = train_model(features, model, targets=split_names(target) or None, seed=seed,
                                   model_kwargs=options, progress=on_epoch)
    if meta["ignored_options"]:
        console.print(f"[dim]{model} has no option {', '.join(meta['ignored_options'])}; ignored[/dim]")
    save_model(fitted, model, out, meta)
    inner = meta.get("inner_metrics") or {}
    shown = ", ".join(f"{k} {v:.3f}" for k, v in inner.items() if isinstance(v, float))
    console.print(f"trained {model} on {len(features)} patients in {meta['fit_seconds']:.1f} s"
                  + (f"; inner validation: {shown}" if shown else ""))
    console.print(f"model written to {out}  "
                  f"(next: hiv predict --model-dir {out} --data FILE --out predictions.csv)")
