"""The ``caresignal`` command line: thin commands over the library, rendered with rich.

Conventions (docs/cli.md): every command has ``--help``; commands that report results take
``--json`` for scripts; exit codes are 0 for success, 1 when a checked condition failed and 2 for
bad input or usage, with one clear line saying what was wrong and a hint saying what to try.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console

from caresignal import __version__
from caresignal.data import public
from caresignal.errors import CaresignalError

app = typer.Typer(
    name="caresignal",
    help="Find signals of harm among noise in hospital data, and make sure someone acts on them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
datasets_app = typer.Typer(
    help="The real public datasets bundled with caresignal.", no_args_is_help=True
)
app.add_typer(datasets_app, name="datasets")

EXIT_BAD_INPUT = 2
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


def _print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, allow_nan=False) + "\n")


def _version(value: bool) -> None:
    if value:
        _stdout().print(f"caresignal {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Find signals of harm among noise in hospital data, and make sure someone acts on them."""


@app.command()
@_translate_errors
def demo(
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Analyse the bundled real datasets and show what caresignal finds in them."""
    from caresignal.demo import render, run_demo  # imported here: the statistics load on demand

    report = run_demo()
    if as_json:
        _print_json(report.to_dict())
    else:
        render(report, _stdout())


@datasets_app.command("list")
@_translate_errors
def datasets_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
) -> None:
    """List the bundled datasets with their size and origin."""
    from rich.table import Table

    frames = {name: loader() for name, loader in public.DATASETS.items()}
    rows = [
        {
            "name": name,
            "rows": frame.height,
            "columns": frame.width,
            "about": _first_line(public.DATASETS[name]),
        }
        for name, frame in frames.items()
    ]
    if as_json:
        _print_json(rows)
        return
    table = Table(title="Bundled real datasets")
    for column in ("name", "rows", "columns", "about"):
        table.add_column(column, justify="right" if column in {"rows", "columns"} else "left")
    for row in rows:
        table.add_row(str(row["name"]), f"{row['rows']:,}", str(row["columns"]), str(row["about"]))
    _stdout().print(table)


@datasets_app.command("show")
@_translate_errors
def datasets_show(
    name: Annotated[
        str, typer.Argument(help="The dataset's name, as `caresignal datasets list` shows.")
    ],
    rows: Annotated[int, typer.Option("--rows", min=1, help="How many rows to show.")] = 10,
    csv: Annotated[bool, typer.Option("--csv", help="Write the whole dataset as CSV.")] = False,
) -> None:
    """Show the first rows of a bundled dataset, or write all of it as CSV."""
    frame = public.load(name)
    if csv:
        sys.stdout.write(frame.write_csv())
        return
    console = _stdout()
    console.print(public.DATASETS[name].__doc__ or "", soft_wrap=True)
    console.print(str(frame.head(rows)))


def _first_line(loader: Any) -> str:
    doc: str = loader.__doc__ or ""
    return doc.strip().splitlines()[0]


def main() -> None:
    """Entry point of the ``caresignal`` command."""
    app()
