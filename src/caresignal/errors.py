"""Domain exceptions: what went wrong, in the project's words, with no HTTP or CLI in them.

The command line and (later) the web app translate these at their edge. The statistics functions do
not use them: :mod:`caresignal.stats` imports nothing of the project and raises builtin
``ValueError``/``TypeError`` naming the bad argument.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for the annotation: errors.py imports nothing of the project at run time
    from caresignal.data._load_problems import Problem


class CaresignalError(Exception):
    """Base class of every error caresignal raises on purpose; ``hint`` says what to try next."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class DatasetNotFoundError(CaresignalError, LookupError):
    """A bundled dataset was asked for by a name that does not exist."""


class ImportRejectedError(CaresignalError, ValueError):
    """A file was refused: nothing in it was loaded, and ``problems`` says why.

    ``problems`` holds the first problems found (each a
    :class:`caresignal.data.load.Problem`: file, row or rows, column, value, what was expected),
    in file order, up to the loader's limit; ``total`` counts every problem, shown or not, and
    ``rows`` the data rows they touch. :func:`caresignal.data.load.format_problems` gives the
    lines to show a person; ``Problem.to_dict`` the objects for ``--json``.
    """

    def __init__(
        self,
        message: str,
        problems: tuple[Problem, ...],
        *,
        total: int | None = None,
        rows: int = 0,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.problems = problems
        self.total = len(problems) if total is None else total
        self.rows = rows
