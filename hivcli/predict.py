"""TODO: predict (stub)."""

from __future__ import annotations

from hivcli.common import guarded

NAME = "predict"


@guarded
def command() -> None:
    raise NotImplementedError
