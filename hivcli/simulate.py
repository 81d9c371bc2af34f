"""TODO: simulate (stub)."""

from __future__ import annotations

from hivcli.common import guarded

NAME = "simulate"


@guarded
def command() -> None:
    raise NotImplementedError
