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

console = Console(stderr=False)
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
