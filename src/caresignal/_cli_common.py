"""What every ``caresignal`` command shares: the ``--data-dir`` option, settings, output, and
turning project errors into one line, a hint and exit code 2 (docs/cli.md)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console

from caresignal.errors import CaresignalError
from caresignal.settings import Settings

if TYPE_CHECKING:
    from caresignal.workflow.rules import Rules

EXIT_BAD_INPUT = 2

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="The data directory [default: $CARESIGNAL_DATA_DIR, else ./caresignal-data].",
        show_default=False,
    ),
]
HostOption = Annotated[str, typer.Option("--host", help="The address to listen on.")]
PortOption = Annotated[int, typer.Option("--port", min=1, max=65535, help="The port to listen on.")]
P = ParamSpec("P")
R = TypeVar("R")


def _stdout() -> Console:
    return Console(highlight=False)


def _fail(message: str, hint: str | None = None) -> NoReturn:
    """Print one clear error line (and a hint) to standard error and exit with code 2."""
    console = Console(stderr=True, highlight=False)
    console.print(f"[bold red]Error:[/] {message}", markup=True, soft_wrap=True)
    if hint:
        console.print(f"[dim]Hint:[/] {hint}", soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _translate_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn a project error raised by ``command`` into one line, a hint and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except CaresignalError as error:
            _fail(error.message, error.hint)

    return wrapper


def _settings(data_dir: Path | None) -> Settings:
    return Settings() if data_dir is None else Settings(data_dir=data_dir)


def _print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, allow_nan=False) + "\n")


def _require_data(directory: Path) -> None:
    """Fail (exit 2) unless ``directory`` holds imported data."""
    if not (directory / "ledger.json").exists():
        _fail(
            f"{directory} holds no imported data",
            "import files with `caresignal import`, or run `caresignal demo` first",
        )


def _day(option: str, text: str) -> date:
    """``text`` as a day, or one clear error naming ``option`` (exit 2)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"{option} {text!r} is not a date", "write it as YYYY-MM-DD, e.g. 2025-12-31")


def _rules(data_dir: Path | None) -> Rules:
    """The accountability rules the settings name (``CARESIGNAL_WORKFLOW_RULES``) or the shipped
    ones."""
    from caresignal.workflow.rules import load_rules

    return load_rules(_settings(data_dir).workflow_rules)
