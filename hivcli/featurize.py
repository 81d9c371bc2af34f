"""TODO: featurize (stub)."""

from __future__ import annotations

from hivcli.common import guarded

NAME = "featurize"


@guarded
def command() -> None:
    raise NotImplementedError
