"""TODO: cv (stub)."""

from __future__ import annotations

from hivcli.common import guarded

NAME = "cv"


@guarded
def command() -> None:
    raise NotImplementedError
