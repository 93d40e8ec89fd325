"""Domain exceptions: what went wrong, in the project's words, with no HTTP or CLI in them.

The command line and (later) the web app translate these at their edge. The statistics functions do
not use them: :mod:`caresignal.stats` imports nothing of the project and raises builtin
``ValueError``/``TypeError`` naming the bad argument.
"""

from __future__ import annotations


class CaresignalError(Exception):
    """Base class of every error caresignal raises on purpose; ``hint`` says what to try next."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class DatasetNotFoundError(CaresignalError, LookupError):
    """A bundled dataset was asked for by a name that does not exist."""
