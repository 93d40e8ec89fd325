"""Importing files into the data directory: validate every file, then load them as one batch.

This is the use case behind ``caresignal import TABLE FILE...`` and ``caresignal synth --out``:

1. take the data directory's write lock, so that what is checked is what is loaded;
2. check every file against the table's schema (:func:`caresignal.data.load.validate`), with the
   organisations and record keys already loaded; collect the problems of all the files;
3. if any file has a problem, refuse them all (:class:`~caresignal.errors.ImportRejectedError`)
   and change nothing;
4. otherwise load the files' records as one batch (:meth:`caresignal.data.dataset.Writer.add`):
   one immutable Parquet file and one ledger entry, or nothing if the same content is already
   loaded.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from caresignal.clock import Clock
from caresignal.data._rules_wardcare import STAY_COLUMNS
from caresignal.data.dataset import Dataset, ImportResult, Writer, replace_file
from caresignal.data.load import ValidatedTable, validate
from caresignal.errors import ImportRejectedError

if TYPE_CHECKING:
    from caresignal.data.synth import Scale

__all__ = ["TRUTH", "import_files", "import_synthetic", "import_together"]

#: Tables every other table's organisation codes refer to.
ORGANISATIONS = "organisations"
#: The table of stays, and the tables whose records name a stay and must fall within it.
ENCOUNTERS = "encounters"
STAY_TABLES = ("observations", "responses")


def import_files(
    dataset: Dataset,
    table: str,
    paths: Sequence[str | os.PathLike[str]],
    *,
    clock: Clock,
    imported_by: str,
    correction: bool = False,
    exposure_indicators: Collection[str] = (),
    on_stage: Callable[[str], None] | None = None,
) -> ImportResult:
    """Check ``paths`` as files of ``table`` and load them as one batch, or refuse them all.

    Parameters
    ----------
    dataset : Dataset
        The data directory to load into.
    table : str
        The input table the files hold (:data:`caresignal.data.schema.SCHEMAS`).
    paths : sequence of path-like
        One or more CSV, Parquet or Excel files; their records become one batch.
    clock : Clock
        Gives today's date (no record may be dated after it) and the import's time.
    imported_by : str
        Who is importing, for the ledger.
    correction : bool, default False
        False: the records are new, and a record already loaded is refused. True: the records
        correct ones already loaded, which they replace (matched by the table's key).
    exposure_indicators : collection of str, optional
        For ``counts``: indicators whose denominator is an exposure (bed days) rather than
        cases, so that the numerator may exceed it. Every other indicator with a denominator is
        a proportion.
    on_stage : callable, optional
        Called with a short description of each stage as it starts, for a progress display.

    Returns
    -------
    ImportResult
        The new batch, or the batch that already holds the same content.

    Raises
    ------
    ImportRejectedError
        If any file has any problem: the problems of every file, and nothing loaded.
    """
    if not paths:
        raise ValueError("paths must name at least one file to import")
    exposures = tuple(exposure_indicators)
    with dataset.writer() as writer:
        try:
            checked = _validate_all(writer, table, paths, clock, correction, exposures, on_stage)
        except ImportRejectedError as error:
            earlier = _same_content(writer, table, paths, clock, exposures, error)
            if earlier is None:
                raise
            return earlier
        if on_stage is not None:
            on_stage("loading")
        return _add(writer, table, checked, clock, imported_by, correction)


def _add(
    writer: Writer,
    table: str,
    checked: list[ValidatedTable],
    clock: Clock,
    imported_by: str,
    correction: bool,
) -> ImportResult:
    return writer.add(
        table,
        pl.concat([part.frame for part in checked], how="vertical"),
        sources=[part.source for part in checked],
        imported_by=imported_by,
        imported_at=clock.now(),
        correction=correction,
    )


def _same_content(
    writer: Writer,
    table: str,
    paths: Sequence[str | os.PathLike[str]],
    clock: Clock,
    exposures: tuple[str, ...],
    error: ImportRejectedError,
) -> ImportResult | None:
    """The batch already holding these files' content, if that is the only thing wrong.

    Files whose every record is already loaded are refused by the validator; but importing the
    same content twice is not an error (the ledger recognises it), so look again without the
    loaded keys. If the files are otherwise valid and their content is a loaded batch's, that
    batch is the answer; otherwise the validator's problems stand.
    """
    if error.total != len(error.problems):
        return None
    if not all(problem.check == "already_loaded" for problem in error.problems):
        return None
    try:
        checked = _validate_all(writer, table, paths, clock, True, exposures, None)
    except ImportRejectedError:
        return None
    frame = pl.concat([part.frame for part in checked], how="vertical")
    earlier = writer.loaded_as(table, frame)
    return None if earlier is None else ImportResult(False, earlier)


def _validate_all(
    writer: Writer,
    table: str,
    paths: Sequence[str | os.PathLike[str]],
    clock: Clock,
    correction: bool,
    exposures: tuple[str, ...],
    on_stage: Callable[[str], None] | None,
) -> list[ValidatedTable]:
    snapshot = writer.snapshot
    known = snapshot.table(ORGANISATIONS).select("code", "level").collect()
    existing = None if correction else snapshot.keys(table)
    stays = _stays(writer) if table in STAY_TABLES else None
    checked: list[ValidatedTable] = []
    rejected: list[ImportRejectedError] = []
    for path in paths:
        stage = None if on_stage is None else _named(on_stage, Path(path).name)
        try:
            part = validate(
                path,
                table,
                today=clock.today(),
                known_organisations=known,
                existing_keys=existing,
                exposure_indicators=exposures,
                encounters=stays,
                on_stage=stage,
            )
        except ImportRejectedError as error:
            rejected.append(error)
            continue
        checked.append(part)
        if table == ORGANISATIONS:  # later files may name parents from earlier ones
            known = pl.concat([known, part.frame.select("code", "level")], how="vertical")
    if rejected:
        raise _combined(rejected, len(paths))
    return checked


def _stays(writer: Writer, imported: pl.DataFrame | None = None) -> pl.DataFrame:
    """The stays observations and responses may name: those loaded, and any ``imported``."""
    loaded = writer.snapshot.table(ENCOUNTERS).select(STAY_COLUMNS).collect()
    if imported is None:
        return loaded
    return pl.concat([loaded, imported.select(STAY_COLUMNS)], how="vertical")


def _named(on_stage: Callable[[str], None], name: str) -> Callable[[str], None]:
    return lambda stage: on_stage(f"{name}: {stage}")


def _combined(errors: list[ImportRejectedError], files: int) -> ImportRejectedError:
    if len(errors) == 1 and files == 1:
        return errors[0]
    total = sum(error.total for error in errors)
    refused = f"{len(errors)} of {files} files" if files > 1 else "the file"
    return ImportRejectedError(
        f"nothing was imported: {refused} had {total:,} problem{'s' if total != 1 else ''}",
        tuple(problem for error in errors for problem in error.problems),
        total=total,
        rows=sum(error.rows for error in errors),
        hint=errors[0].hint or "correct the files and import them again",
    )


Explain = Callable[[str, ImportRejectedError], ImportRejectedError]


def import_together(
    dataset: Dataset,
    frames: Mapping[str, pl.DataFrame],
    *,
    source: str,
    clock: Clock,
    imported_by: str,
    explain: Explain | None = None,
) -> tuple[ImportResult, ...]:
    """Check frames of several tables read from one file, and load them all together, or none.

    This is how ``caresignal import fhir`` loads the encounters, observations and responses of
    one FHIR file: under the write lock, each frame is checked as :func:`import_files` checks a
    file of its table (observations and responses against the encounters loaded and those in
    ``frames``), and if all pass they are loaded as one batch per table with one ledger change
    (:meth:`~caresignal.data.dataset.Writer.add_together`). Frames with no rows are left out.

    Parameters
    ----------
    frames : mapping of str to polars.DataFrame
        Frames of input tables, typed as the tables' schemas say, in the order to check them.
    source : str
        The file they were read from, for the problems and the ledger.
    explain : callable, optional
        Turns the rejection of one table's frame into the error to report (for a FHIR file: the
        rows named by the resources they came from).

    Raises
    ------
    ImportRejectedError
        If any frame has any problem: the problems of every frame, and nothing loaded.
    """
    offered = {table: frame for table, frame in frames.items() if frame.height}
    if not offered:
        raise ValueError("frames hold no rows: there is nothing to import")
    with dataset.writer() as writer:
        try:
            checked = _check_frames(writer, offered, source, clock, explain, loaded=True)
        except ImportRejectedError as error:
            if not all(problem.check == "already_loaded" for problem in error.problems):
                raise
            if error.total != len(error.problems):
                raise
            checked = _check_frames(writer, offered, source, clock, explain, loaded=False)
            earlier = [writer.loaded_as(table, frame) for table, frame in checked.items()]
            if any(batch is None for batch in earlier):
                raise error from None
            return tuple(ImportResult(False, batch) for batch in earlier if batch is not None)
        return writer.add_together(
            list(checked.items()),
            sources=[source],
            imported_by=imported_by,
            imported_at=clock.now(),
        )


def _check_frames(
    writer: Writer,
    frames: Mapping[str, pl.DataFrame],
    source: str,
    clock: Clock,
    explain: Explain | None,
    *,
    loaded: bool,
) -> dict[str, pl.DataFrame]:
    """Each frame validated (against the loaded keys if ``loaded``); all problems, or none."""
    snapshot = writer.snapshot
    known = snapshot.table(ORGANISATIONS).select("code", "level").collect()
    imported = frames.get(ENCOUNTERS)
    stays = _stays(writer, imported)
    checked: dict[str, pl.DataFrame] = {}
    rejected: list[ImportRejectedError] = []
    for table, frame in frames.items():
        try:
            part = validate(
                frame,
                table,
                today=clock.today(),
                known_organisations=known,
                existing_keys=snapshot.keys(table) if loaded else None,
                encounters=stays if table in STAY_TABLES else None,
                source=source,
            )
        except ImportRejectedError as error:
            rejected.append(error if explain is None else explain(table, error))
            continue
        checked[table] = part.frame
    if rejected:
        raise _combined(rejected, 1) if len(rejected) == 1 else _together(rejected, source)
    return checked


def _together(errors: list[ImportRejectedError], source: str) -> ImportRejectedError:
    total = sum(error.total for error in errors)
    return ImportRejectedError(
        f"{source} was not imported: {total:,} problems",
        tuple(problem for error in errors for problem in error.problems),
        total=total,
        rows=sum(error.rows for error in errors),
        hint=errors[0].hint,
    )


def import_synthetic(
    dataset: Dataset,
    scale: Scale,
    seed: int,
    *,
    clock: Clock,
    imported_by: str = "caresignal synth",
    exposure_indicators: Collection[str] = (),
    on_stage: Callable[[str], None] | None = None,
) -> list[ImportResult]:
    """Generate a synthetic dataset and import every table through the validated path.

    Each table is generated (one at a time, to bound memory), written as a Parquet file in a
    scratch folder inside the data directory, imported with :func:`import_files` exactly as a
    user's file would be, and deleted. The ward-care tables (encounters, observations and
    responses, whose rows name each other's stays) are checked and loaded together with
    :func:`import_together`: all three, or none. Then ``truth.json`` is written beside the
    ledger. Running it again with the same scale and seed changes nothing (the content is
    already loaded).
    ``exposure_indicators`` are the counts indicators whose denominator is an exposure, as the
    indicator catalogue declares them (:meth:`Catalogue.exposure_indicators`).

    Returns
    -------
    list of ImportResult
        One per table, in the order of :data:`caresignal.data.schema.SCHEMAS`.
    """
    from caresignal.data.synth import (
        TABLES,
        WARD_CARE_TABLES,
        generate_truth,
        iter_tables,
        write_table,
    )

    truth = generate_truth(scale, seed)  # checks scale and seed before anything is written
    scratch = dataset.directory / ".synth"
    scratch.mkdir(exist_ok=True)
    results = []
    files = [name for name in TABLES if name not in WARD_CARE_TABLES]
    try:
        for name, frame in iter_tables(scale, seed, tables=files):
            if on_stage is not None:
                on_stage(f"{name}: generated {frame.height:,} rows")
            path = write_table(frame, scratch / f"{name}.parquet", format="parquet")
            del frame
            result = import_files(
                dataset,
                name,
                [path],
                clock=clock,
                imported_by=imported_by,
                exposure_indicators=exposure_indicators,
                on_stage=on_stage,
            )
            results.append(result)
            path.unlink()
        frames = dict(iter_tables(scale, seed, tables=WARD_CARE_TABLES))
        if on_stage is not None:
            rows = ", ".join(f"{name} {frame.height:,}" for name, frame in frames.items())
            on_stage(f"ward care: generated {rows} rows")
        results += import_together(
            dataset, frames, source=_WARD_CARE_SOURCE, clock=clock, imported_by=imported_by
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _write_truth(dataset.directory / TRUTH, truth)
    return results


#: The source the ledger names for the synthetic ward-care tables, which are loaded together.
_WARD_CARE_SOURCE = "synthetic ward care (encounters, observations and responses)"

#: The synthetic dataset's truth file, beside the ledger in the data directory.
TRUTH = "truth.json"


def _write_truth(path: Path, truth: dict[str, object]) -> None:
    """Write ``truth.json`` atomically, as the ledger is written."""
    text = json.dumps(truth, indent=2, allow_nan=False, ensure_ascii=False) + "\n"
    replace_file(path, text.encode("utf-8"))
