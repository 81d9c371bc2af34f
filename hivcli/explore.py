"""TODO: explore (stub)."""

from __future__ import annotations

from hivcli.common import guarded

NAME = "explore"


@guarded
def command() -> None:
    raise NotImplementedError
