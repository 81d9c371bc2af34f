"""TODO: models (stub)."""

from __future__ import annotations

from hivcli.common import guarded

NAME = "models"


@guarded
def command() -> None:
    raise NotImplementedError
