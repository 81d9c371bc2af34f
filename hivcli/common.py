"""What every command shares: the error boundary, the console, and the default data notice.

Keep this module light: it is imported at start-up by every command.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console

from features.errors import HivError

F = TypeVar("F", bound=Callable)

console = Console(stderr=False, soft_wrap=True)
err_console = Console(stderr=True)


def fail(message: str) -> typer.Exit:
    """Print one line on stderr and return the exit (code 2) to raise."""
    # plain print: rich would wrap long lines and mark up brackets in file names
    print(f"error: {message}", file=sys.stderr)
    return typer.Exit(code=2)


def guarded(fn: F) -> F:
    """Turn library errors into one stderr line and exit code 2, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except HivError as exc:
            raise fail(str(exc)) from None
        except FileNotFoundError as exc:
            raise fail(f"{exc.filename}: no such file") from None
        except KeyboardInterrupt:
            raise fail("interrupted") from None

    return wrapper  # type: ignore[return-value]


def split_names(value: str | None) -> list[str]:
    """'a, b,c' -> ['a', 'b', 'c'] (comma-separated option values)."""
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def load_with_progress(data, load_or_featurize, **kwargs):
    """Features from --data, with a progress bar while sequences are featurized (cache misses only)."""
    from rich.progress import Progress

    with Progress(console=err_console, transient=True, disable=not err_console.is_terminal) as bar:
        task = bar.add_task("featurizing", total=None)
        return load_or_featurize(data, progress=lambda done, total: bar.update(task, completed=done,
                                                                                 total=total), **kwargs)
