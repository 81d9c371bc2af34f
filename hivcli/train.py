"""TODO: train (stub)."""

from __future__ import annotations

from hivcli.common import guarded

NAME = "train"


@guarded
def command() -> None:
    raise NotImplementedError
