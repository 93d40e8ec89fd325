"""FHIR R4 imports: bedside observations, stays and responses from a Bundle or an NDJSON file.

:func:`read_fhir` reads a file of FHIR resources, validates each with ``fhir.resources``
(its ``R4B`` models: FHIR 4.3, the release closest to R4 it ships) and turns Patient, Encounter,
Observation, Procedure and MedicationAdministration resources into the ``encounters``,
``observations`` and ``responses`` tables (:mod:`caresignal.data.schema`); :func:`import_fhir`
then loads them through the same checks as any other import, all three tables or none.
Resources, codes and statuses that are not used are counted in a :class:`Report`, by type and
code. docs/fhir.md gives the mapping, the units and an example.

For example, with ``dataset`` a :class:`~caresignal.data.dataset.Dataset`::

    outcome = import_fhir(dataset, "ward.ndjson", clock=SystemClock(), imported_by="ana")
    print(outcome.describe())
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from caresignal.clock import Clock
from caresignal.data._fhir_map import Converter, Report, Rows
from caresignal.data._fhir_observations import ObservationSets
from caresignal.data._fhir_pregnancy import PregnancyStatuses
from caresignal.data._fhir_read import Entry, read_entries
from caresignal.data._load_problems import Problem, rejection
from caresignal.data.dataset import Dataset, ImportResult
from caresignal.data.imports import import_together
from caresignal.data.schema import DTYPES, schema
from caresignal.errors import ImportRejectedError

__all__ = ["FhirImport", "FhirTables", "Report", "import_fhir", "read_fhir"]

#: Resource types read only to resolve references (a ward's Location or Organization).
_REFERENCED = ("Patient", "Location", "Organization")
_LIMIT = 200


@dataclass(frozen=True, slots=True)
class FhirTables:
    """The tables made from one FHIR file, the resource behind each row, and the report."""

    source: str
    frames: dict[str, pl.DataFrame]
    rows: dict[str, Rows]
    report: Report

    def explain(self, table: str, error: ImportRejectedError) -> ImportRejectedError:
        """The loader's rejection of ``table``, each problem naming the resource it came from."""
        problems = tuple(self._named(table, problem) for problem in error.problems)
        return rejection(self.source, list(problems), total=error.total, rows=0, limit=_LIMIT)

    def _named(self, table: str, problem: Problem) -> Problem:
        if problem.row is None:
            return problem
        single = problem.column if problem.column and ", " not in problem.column else None
        record = self.rows[table].record(problem.row - 2, single)
        if problem.count > 1:
            record += f" and the next {problem.count - 1:,} {table} rows"
        column = f"{table}.{single}" if single else problem.column
        return Problem(
            self.source,
            problem.check,
            problem.expected,
            column=column,
            value=problem.value,
            count=problem.count,
            other_values=problem.other_values,
            record=record,
        )


@dataclass(frozen=True, slots=True)
class FhirImport:
    """What an import of a FHIR file loaded (one result per table), and its report."""

    results: tuple[ImportResult, ...]
    report: Report

    def describe(self) -> str:
        """What happened, one clause per table."""
        return "; ".join(result.describe() for result in self.results)


def read_fhir(path: str | os.PathLike[str], *, source: str | None = None) -> FhirTables:
    """Read a FHIR Bundle (JSON) or NDJSON file into the ward-care tables, or refuse it.

    Raises
    ------
    ImportRejectedError
        If the file cannot be read, a resource is not valid FHIR R4, a value is in a unit that
        is not accepted, or a reference cannot be followed: every problem, each naming the line
        (NDJSON) or entry (Bundle), the resource's type and id, the field and what was expected.
    """
    path = Path(path)
    source = source or path.name
    entries, problems = read_entries(path, source)
    converter = Converter(entries, source)
    sets = ObservationSets(converter)
    pregnancies = PregnancyStatuses(converter)
    for entry in entries:
        _convert(entry, converter, pregnancies.add if pregnancies.reads(entry) else sets.add)
    pregnancies.fill(converter.encounters)
    problems += converter.problems
    rows = {
        "encounters": converter.encounters,
        "observations": sets.rows,
        "responses": converter.responses,
    }
    if not problems and not any(table.values for table in rows.values()):
        expected = "at least one Encounter, Observation, Procedure or MedicationAdministration"
        why = "nothing in it becomes a row: " + "; ".join(converter.report.lines())
        problems.append(Problem(source, "fhir", expected, value=why, record="the file"))
    if problems:
        raise rejection(source, problems, total=len(problems), rows=0, limit=_LIMIT)
    converter.report.rows = {name: len(table.values) for name, table in rows.items()}
    frames = {name: _frame(name, table) for name, table in rows.items()}
    return FhirTables(source, frames, rows, converter.report)


def _convert(entry: Entry, converter: Converter, observation: Callable[[Entry], None]) -> None:
    kind = entry.resource.get_resource_type()
    if kind == "Encounter":
        converter.add_encounter(entry)
    elif kind == "Observation":
        observation(entry)
    elif kind == "Procedure":
        converter.add_procedure(entry)
    elif kind == "MedicationAdministration":
        converter.add_medication(entry)
    elif kind not in _REFERENCED:
        converter.report.unknown_resources[kind] += 1


def _frame(table: str, rows: Rows) -> pl.DataFrame:
    """The rows as a frame; a whole-number column holding a fraction stays a number, which the
    loader refuses naming the value."""
    columns = schema(table).columns
    types = {
        column.name: pl.Float64() if column.kind == "integer" else DTYPES[column.kind]
        for column in columns
    }
    frame = pl.DataFrame(rows.values, schema=types, orient="row")
    whole = [
        column.name
        for column in columns
        if column.kind == "integer" and _whole(frame.get_column(column.name))
    ]
    return frame.with_columns(pl.col(whole).cast(pl.Int64))


def import_fhir(
    dataset: Dataset,
    path: str | os.PathLike[str],
    *,
    clock: Clock,
    imported_by: str,
) -> FhirImport:
    """Read a FHIR file (:func:`read_fhir`) and load its tables together, or refuse it whole.

    The encounters, observations and responses are checked as their files would be (the
    observations and responses against the encounters loaded and those in the file) and loaded
    with one ledger change. Importing the same file again changes nothing.

    Raises
    ------
    ImportRejectedError
        If the file or any row made from it has a problem; nothing is loaded.
    """
    tables = read_fhir(path)
    results = import_together(
        dataset,
        tables.frames,
        source=tables.source,
        clock=clock,
        imported_by=imported_by,
        explain=tables.explain,
    )
    return FhirImport(results, tables.report)


def _whole(values: pl.Series) -> bool:
    given = values.drop_nulls()
    return bool((given == given.floor()).all())
