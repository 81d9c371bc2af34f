"""Options that `hiv cv` and `hiv train` share, declared once so their help and choices cannot drift."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer


class Loss(enum.StrEnum):
    focal = "focal"
    bce = "bce"


class Balance(enum.StrEnum):
    none = "none"
    weights = "weights"
    oversample = "oversample"


class Device(enum.StrEnum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


DataOpt = Annotated[Path | None, typer.Option(
    "--data", help="Input CSV(.gz) or features directory; default: bundled simulated cohort.")]
EpochsOpt = Annotated[int | None, typer.Option(help="Max epochs, deep models (default: model's).")]
LossOpt = Annotated[Loss | None, typer.Option(help="Loss of deep models (default: model's).")]
BalanceOpt = Annotated[Balance | None, typer.Option(help="Class balance (default: model's).")]
TargetOpt = Annotated[str | None, typer.Option(
    help="Label column(s) COL[,COL…]; several train a multi-label head. Default: Resp.")]
DeviceOpt = Annotated[Device | None, typer.Option(help="auto: CUDA when present (default: model's).")]


def model_options(epochs, loss, balance, device) -> dict:
    """The shared model options as create_model kwargs; None means "the model's default"."""
    return {"epochs": epochs, "loss": loss and loss.value, "balance": balance and balance.value,
            "device": device and device.value}
