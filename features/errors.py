"""Typed errors: library code raises these; only `hivcli` turns them into one-line messages (exit 2)."""

from __future__ import annotations


class HivError(Exception):
    """Base of every error a user can cause and fix (bad input, bad option, bad model directory)."""


class InputError(HivError):
    """Bad input data; the message names the file, the row (PatientID or line) and the column."""

    def __init__(self, message: str, *, path: str | None = None, row: str | None = None,
                 column: str | None = None, line: int | None = None):
        self.path, self.row, self.column, self.reason, self.line = path, row, column, message, line
        if row is not None:
            place = f"row {row}" + (f" (line {line})" if line is not None else "")
        else:
            place = f"line {line}" if line is not None else None
        where = [p for p in (path, place, f"column '{column}'" if column is not None else None) if p]
        super().__init__(f"{': '.join([', '.join(where), message]) if where else message}")


class ReferenceError_(HivError):
    """The embedded consensus-B reference is missing or inconsistent (a packaging bug)."""


class ModelError(HivError):
    """Unknown model name, bad hyper-parameter, or an unusable model directory."""


class RunError(HivError):
    """A run directory that is missing, incomplete or from an incompatible version."""
