"""The ``caresignal`` command line: thin commands over the library, rendered with rich.

Conventions (docs/cli.md): every command has ``--help``; commands that report results take
``--json`` for scripts; exit codes are 0 for success, 1 when a checked condition failed and 2 for
bad input or usage, with one clear line saying what was wrong and a hint saying what to try.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, cast

import typer
from rich.console import Console

from caresignal import __version__
from caresignal._cli_common import (
    EXIT_BAD_INPUT,
    DataDirOption,
    HostOption,
    PortOption,
    _day,
    _fail,
    _print_json,
    _require_data,
    _settings,
    _stdout,
    _translate_errors,
)
from caresignal._cli_serve import run_server, serve_demo
from caresignal.cli_actions import actions_app, for_the_data_directory, import_recommendations
from caresignal.cli_concerns import concerns_app, import_concerns
from caresignal.cli_escalation import board_app, escalate, outbox_app
from caresignal.cli_fhir import import_fhir_file
from caresignal.cli_report import report_app
from caresignal.cli_signals import merge_line, merge_scan, signals_app
from caresignal.cli_spark import BackendOption, DataUriOption, MasterOption, chosen_backend
from caresignal.cli_store import audit_app, store_app, user_app
from caresignal.cli_study import study
from caresignal.cli_urgent import urgent_app
from caresignal.data import public
from caresignal.errors import CaresignalError, ImportRejectedError

if TYPE_CHECKING:
    from caresignal.data.dataset import ImportResult
    from caresignal.data.synth import Scale
    from caresignal.monitor.catalogue import Catalogue
    from caresignal.workflow.service import MergeResult

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
app.add_typer(store_app, name="store")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(signals_app, name="signals")
app.add_typer(actions_app, name="actions")
app.add_typer(concerns_app, name="concerns")
app.add_typer(urgent_app, name="urgent")
app.add_typer(outbox_app, name="outbox")
app.add_typer(board_app, name="board")
app.add_typer(report_app, name="report")
app.command("escalate")(escalate)
app.command("study")(study)


@contextmanager
def _progress(description: str) -> Iterator[Callable[[str], None]]:
    """A spinner on standard error (when it is a terminal) that shows each stage of a long job."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(
        *columns, console=console, transient=True, disable=not console.is_terminal
    ) as bar:
        task = bar.add_task(description)
        yield lambda stage: bar.update(task, description=f"{description}: {stage}")


@contextmanager
def _bar(description: str, total: int) -> Iterator[Callable[[int, str], None]]:
    """A progress bar on standard error (when it is a terminal): ``advance(done, what)``."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(stderr=True)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[what]}"),
        TimeElapsedColumn(),
    )
    with Progress(
        *columns, console=console, transient=True, disable=not console.is_terminal
    ) as bar:
        task = bar.add_task(description, total=total, what="building the series")
        yield lambda done, what: bar.update(task, completed=done, what=what)


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
    data_dir: DataDirOption = None,
    scale: Annotated[
        str,
        typer.Option("--scale", help="Scale of the synthetic dataset loaded on the first run."),
    ] = "national",
    seed: Annotated[int, typer.Option("--seed", min=0, help="Its seed.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve", help="Then serve the web app, with a new sign-in for each role printed."
        ),
    ] = False,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
) -> None:
    """Analyse the bundled real datasets, and load and summarise the synthetic national dataset."""
    from caresignal.clock import SystemClock
    from caresignal.data.synth import SCALES
    from caresignal.demo import render, run_demo  # imported here: the statistics load on demand

    if scale not in SCALES:
        _fail(f"there is no synthetic scale called {scale!r}", f"choose {_or(SCALES)}")
    directory = _settings(data_dir).data_dir
    with _progress(f"Loading the {scale} synthetic dataset into {directory}") as stage:
        report = run_demo(
            directory,
            clock=SystemClock(),
            scale=cast("Scale", scale),
            seed=seed,
            exposure_indicators=_exposures(directory),
            on_stage=stage,
            workers=os.cpu_count() or 1,
        )
    if as_json:
        _print_json(report.to_dict())
    else:
        render(report, _stdout())
    if serve:
        serve_demo(_settings(data_dir), report.accountability.example_trust, host, port)


@app.command("import")
@_translate_errors
def import_(
    table: Annotated[
        str,
        typer.Argument(
            help="The table the files hold, e.g. organisations or births; or fhir for a FHIR "
            "Bundle or NDJSON file of stays, observations and responses."
        ),
    ],
    files: Annotated[
        list[Path], typer.Argument(help="One or more CSV, Parquet or Excel (.xlsx) files.")
    ],
    data_dir: DataDirOption = None,
    correction: Annotated[
        bool,
        typer.Option(
            "--correction", help="The records correct ones already loaded, and replace them."
        ),
    ] = False,
    by: Annotated[
        str | None, typer.Option("--by", help="Who is importing [default: your user name].")
    ] = None,
    exposure: Annotated[
        list[str] | None,
        typer.Option(
            "--exposure",
            help="For counts: an indicator whose denominator is an exposure such as bed days, "
            "so the numerator may exceed it (repeat for several).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
) -> None:
    """Check files against a table's schema and load them all, or refuse them all."""
    from caresignal.clock import SystemClock
    from caresignal.data.dataset import Dataset
    from caresignal.data.imports import import_files
    from caresignal.data.schema import SCHEMAS

    if table == "recommendations" and not for_the_data_directory(files):
        try:  # recommendations and their actions go into the store (docs/recommendations.md)
            import_recommendations(
                files, data_dir=data_dir, by=by, correction=correction, as_json=as_json
            )
        except ImportRejectedError as error:
            _reject(error, as_json)
        return
    if table == "concerns":
        try:  # historical concerns go into the store (docs/concerns.md)
            import_concerns(files, data_dir=data_dir, by=by, as_json=as_json)
        except ImportRejectedError as error:
            _reject(error, as_json)
        return
    if table == "fhir":
        try:  # encounters, observations and responses from FHIR resources (docs/fhir.md)
            import_fhir_file(files, data_dir=data_dir, by=by, as_json=as_json)
        except ImportRejectedError as error:
            _reject(error, as_json)
        return
    if table not in SCHEMAS:
        _fail(f"there is no table called {table!r}", f"choose one of: {', '.join(SCHEMAS)}")
    directory = _settings(data_dir).data_dir
    exposures = _exposures(directory, exposure)
    dataset = Dataset(directory)
    try:
        with _progress(f"Importing {table}") as stage:
            result = import_files(
                dataset,
                table,
                files,
                clock=SystemClock(),
                imported_by=by or getpass.getuser(),
                correction=correction,
                exposure_indicators=exposures,
                on_stage=stage,
            )
    except ImportRejectedError as error:
        _reject(error, as_json)
    if as_json:
        _print_json(
            {
                "status": "loaded" if result.added else "already_loaded",
                "batch": result.batch.to_dict(),
            }
        )
    else:
        _stdout().print(_sentence(result.describe()))


@app.command()
@_translate_errors
def history(
    table: Annotated[
        str | None, typer.Argument(help="Only this table's batches [default: every table].")
    ] = None,
    data_dir: DataDirOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the batches as JSON.")] = False,
) -> None:
    """List the batches loaded into the data directory: what, when, by whom, from which files."""
    from rich import box
    from rich.table import Table

    from caresignal.data.dataset import Dataset
    from caresignal.data.schema import SCHEMAS

    if table is not None and table not in SCHEMAS:
        _fail(f"there is no table called {table!r}", f"choose one of: {', '.join(SCHEMAS)}")
    directory = _settings(data_dir).data_dir
    _require_data(directory)
    batches = Dataset(directory).history(table)
    if as_json:
        _print_json([batch.to_dict() for batch in batches])
        return
    listing = Table(title=f"Batches loaded into {directory}", box=box.SIMPLE_HEAD)
    for column in ("batch", "table", "records", "loaded (UTC)"):
        listing.add_column(column, justify="right" if column == "records" else "left", no_wrap=True)
    listing.add_column("by", overflow="fold")
    listing.add_column("from", overflow="fold")
    for batch in batches:
        correction = f" (correction: replaces {batch.superseded_records:,})"
        listing.add_row(
            batch.batch_id,
            batch.table,
            f"{batch.rows:,}",
            f"{batch.imported_at:%Y-%m-%d %H:%M}",
            batch.imported_by,
            ", ".join(batch.sources) + (correction if batch.correction else ""),
        )
    _stdout().print(listing)


FAIL_LEVELS = ("red", "amber", "none")


@app.command()
@_translate_errors
def serve(
    data_dir: DataDirOption = None,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            help="How many server processes answer (each keeps its own copy of the standings).",
        ),
    ] = 1,
) -> None:
    """Run the web app on the data directory's store (CARESIGNAL_SECRET_KEY must be set, or
    CARESIGNAL_DEVELOPMENT on your own machine)."""
    run_server(_settings(data_dir), host, port, workers)


@app.command()
@_translate_errors
def scan(
    data_dir: DataDirOption = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Scan as of this day (YYYY-MM-DD) [default: the last day the data covers].",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a concern at this level or worse is found: red, amber or none.",
        ),
    ] = "none",
    by: Annotated[
        str | None,
        typer.Option("--by", help="Who is scanning, for the audit log [default: your user name]."),
    ] = None,
    backend: BackendOption = "local",
    master: MasterOption = None,
    data_uri: DataUriOption = None,
) -> None:
    """Scan every unit and indicator for signals; write findings.parquet to the data directory
    and merge the findings into the store's signal episodes."""
    from caresignal.clock import SystemClock
    from caresignal.data.dataset import Dataset
    from caresignal.monitor.report import render_scan
    from caresignal.monitor.scan import last_day, write_findings
    from caresignal.monitor.scan import scan as run_scan

    if fail_on not in FAIL_LEVELS:
        _fail(f"--fail-on {fail_on!r} is not a level", f"choose {_or(FAIL_LEVELS)}")
    directory = _settings(data_dir).data_dir
    _require_data(directory)
    dataset = Dataset(directory)
    catalogue = _catalogue(directory)
    day = _day("--as-of", as_of) if as_of is not None else last_day(dataset.snapshot(), catalogue)
    if day is None:
        _fail(f"{directory} holds no rows for any indicator", "import births, counts or staffing")
    with (
        chosen_backend(backend, master, data_uri) as (runner, workers),
        _bar(f"Scanning as of {day}", len(catalogue.ids)) as advance,
    ):
        result = run_scan(
            dataset,
            catalogue,
            as_of=day,
            clock=SystemClock(),
            backend=runner,
            on_progress=lambda done, _total, name: advance(done, name),
            workers=workers,
        )
        path = write_findings(result, directory)
    merged: MergeResult | None = None
    problem: CaresignalError | None = None
    try:
        merged = merge_scan(data_dir, result, by)
    except CaresignalError as error:  # the findings stand: show them, then say what failed
        problem = error
    if as_json:
        episodes = None if merged is None else merged.to_dict()
        _print_json({**result.to_dict(), "episodes": episodes})
    else:
        render_scan(result, _stdout(), path)
        if merged is not None:
            _stdout().print(merge_line(merged), soft_wrap=True)
    if problem is not None:
        _fail(
            f"the findings were written to {path} but not merged into signal episodes: "
            f"{problem.message}",
            problem.hint,
        )
    if fail_on != "none" and any(_fails(finding, fail_on) for finding in result.findings):
        raise typer.Exit(1)


@app.command()
@_translate_errors
def replay(
    data_dir: DataDirOption = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="First day replayed [default: the first day of the data].",
            show_default=False,
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Last day replayed [default: the last day of the data].",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the replay as JSON.")] = False,
    backend: BackendOption = "local",
    master: MasterOption = None,
    data_uri: DataUriOption = None,
) -> None:
    """Replay the history month by month: when each signal would have fired, and (on synthetic
    data) how soon each method found each hidden problem."""
    from caresignal.clock import SystemClock
    from caresignal.data.dataset import Dataset
    from caresignal.monitor.replay import replay as run_replay
    from caresignal.monitor.report import render_replay

    directory = _settings(data_dir).data_dir
    _require_data(directory)
    first = _day("--from", start) if start is not None else None
    last = _day("--to", end) if end is not None else None
    if first is not None and last is not None and first > last:
        _fail(f"--from {first} is after --to {last}", "give --from a day before --to")
    with (
        chosen_backend(backend, master, data_uri) as (runner, workers),
        _progress(f"Replaying {directory}") as stage,
    ):
        stage("building each indicator's series and charts")
        result = run_replay(
            Dataset(directory),
            _catalogue(directory),
            clock=SystemClock(),
            start=first,
            end=last,
            backend=runner,
            workers=workers,
        )
    if as_json:
        _print_json(result.to_dict())
    else:
        render_replay(result, _stdout())


def _fails(finding: Any, fail_on: str) -> bool:
    """Whether a finding is a concern at ``fail_on`` or worse (SPC rules count as amber)."""
    if finding.direction != "concern":
        return False
    return fail_on == "amber" or finding.level == "red"


def _catalogue(directory: Path) -> Catalogue:
    """The shipped indicators and the data directory's own (``<data-dir>/catalogue/*.toml``)."""
    from caresignal.monitor.catalogue import load_catalogue

    own = directory / "catalogue"
    return load_catalogue(own) if own.is_dir() else load_catalogue()


@app.command()
@_translate_errors
def synth(
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="A data directory to import into, or with --raw a folder for the files."
        ),
    ],
    scale: Annotated[
        str, typer.Option("--scale", help="small (tests), medium, national (demo) or huge.")
    ] = "national",
    seed: Annotated[int, typer.Option("--seed", min=0, help="Same seed, same dataset.")] = 1,
    raw: Annotated[
        bool, typer.Option("--raw", help="Write only the plain files and truth.json.")
    ] = False,
    file_format: Annotated[
        str, typer.Option("--format", help="File format with --raw: csv or parquet.")
    ] = "csv",
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
) -> None:
    """Generate the synthetic national dataset, whose hidden problems are known (truth.json)."""
    from caresignal.clock import SystemClock
    from caresignal.data import synth as synthetic
    from caresignal.data.dataset import Dataset
    from caresignal.data.imports import import_synthetic

    if scale not in synthetic.SCALES:
        _fail(f"there is no synthetic scale called {scale!r}", f"choose {_or(synthetic.SCALES)}")
    chosen = cast("synthetic.Scale", scale)
    if raw:
        if file_format not in synthetic.FORMATS:
            _fail(f"cannot write {file_format!r} files", "choose --format csv or --format parquet")
        with _progress(f"Generating the {scale} dataset"):
            dataset = synthetic.generate(chosen, seed)
            paths = synthetic.write_raw(dataset, out, format=file_format)
        if as_json:
            _print_json({"files": [str(path) for path in paths]})
        else:
            _stdout().print(f"Wrote {len(paths)} files to {out}.")
        return
    with _progress(f"Generating and importing the {scale} dataset") as stage:
        results = import_synthetic(
            Dataset(out),
            chosen,
            seed,
            clock=SystemClock(),
            exposure_indicators=_exposures(out),
            on_stage=stage,
        )
    if as_json:
        _print_json([_result_json(result) for result in results])
        return
    for result in results:
        _stdout().print(_sentence(result.describe()))
    _stdout().print(f"The truth behind the data is in {out / 'truth.json'}.")


def _exposures(data_dir: Path, named: list[str] | None = None) -> tuple[str, ...]:
    """Counts indicators with an exposure denominator: the catalogue's, and any named."""
    catalogue = _catalogue(data_dir)
    return tuple(sorted({*catalogue.exposure_indicators(), *(named or ())}))


def _sentence(text: str) -> str:
    """``text`` with a capital first letter and a full stop; the rest as written (names too)."""
    return text[:1].upper() + text[1:] + "."


def _or(choices: Any) -> str:
    names = list(choices)
    return ", ".join(names[:-1]) + f" or {names[-1]}"


def _result_json(result: ImportResult) -> dict[str, Any]:
    return {
        "status": "loaded" if result.added else "already_loaded",
        "batch": result.batch.to_dict(),
    }


def _reject(error: ImportRejectedError, as_json: bool) -> NoReturn:
    """Show every problem of a refused import, then exit with code 2."""
    from caresignal.data.load import format_problems

    if as_json:
        _print_json(
            {
                "status": "rejected",
                "message": error.message,
                "total": error.total,
                "problems": [problem.to_dict() for problem in error.problems],
            }
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    console = Console(stderr=True, highlight=False)
    for line in format_problems(error):
        console.print(line, markup=False, soft_wrap=True)
    _fail(error.message, error.hint)


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
