"""TODO: report (stub)."""

from __future__ import annotations

from hivcli.common import guarded

NAME = "report"


@guarded
def command() -> None:
    raise NotImplementedError
