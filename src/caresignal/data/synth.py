"""A synthetic national dataset with known truth, for demonstrations, tests and benchmarks.

:func:`generate` draws every input table of :mod:`caresignal.data.schema` for a fictional country:
trusts, maternity sites and their units, births with outcomes from documented logistic models,
adult ward stays, monthly ward and emergency department counts, staffing, concerns,
recommendations, and stays with their bedside observations and responses on paediatric and adult
wards. Five problems are injected (a slow decline, a sudden failure, a hard case mix with good care,
a Kettering-like paediatric ward and a recovery), and ``truth`` records each of them with the
models, their coefficients and every site's random effect, so that a monitoring method can be
scored against what really happened. The same scale and seed always give the same tables, whatever
the day: the data end on :data:`END_DATE`.

>>> truth = generate_truth("small", seed=1)
>>> [problem["id"] for problem in truth["problems"]]
['slow_decline', 'sudden_failure', 'hard_case_mix', 'recovery', 'ward_decline']
>>> truth["generator"]["start_date"], truth["generator"]["end_date"]
('2023-01-01', '2025-12-31')

``docs/synthetic-data.md`` describes each scale, model, rate and problem.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import polars as pl

from caresignal.data._synth_admissions import admissions_table
from caresignal.data._synth_births import births_table
from caresignal.data._synth_concerns import concerns_table, recommendations_table
from caresignal.data._synth_observations import (
    encounters_table,
    observations_table,
    responses_table,
)
from caresignal.data._synth_organisations import organisations_table
from caresignal.data._synth_plan import Plan, build_plan
from caresignal.data._synth_scales import END_DATE, SCALES, Scale
from caresignal.data._synth_staffing import staffing_table
from caresignal.data._synth_truth import build_truth, true_risk
from caresignal.data._synth_wards import counts_table
from caresignal.data.schema import SCHEMAS
from caresignal.errors import CaresignalError

__all__ = [
    "END_DATE",
    "FORMATS",
    "SCALES",
    "TABLES",
    "WARD_CARE_TABLES",
    "Format",
    "Scale",
    "SynthError",
    "SyntheticDataset",
    "generate",
    "generate_truth",
    "iter_tables",
    "true_risk",
    "write_raw",
    "write_table",
]

Format = Literal["csv", "parquet"]
FORMATS: tuple[Format, ...] = ("csv", "parquet")

_BUILDERS: dict[str, Callable[[Plan], pl.DataFrame]] = {
    "organisations": organisations_table,
    "births": births_table,
    "admissions": admissions_table,
    "counts": counts_table,
    "staffing": staffing_table,
    "recommendations": recommendations_table,
    "concerns": concerns_table,
    "encounters": encounters_table,
    "observations": observations_table,
    "responses": responses_table,
}
#: The ward-care tables, which name each other's stays and are imported together.
WARD_CARE_TABLES: tuple[str, ...] = ("encounters", "observations", "responses")
#: The tables generated, in the order of :data:`caresignal.data.schema.SCHEMAS`.
TABLES: tuple[str, ...] = tuple(name for name in SCHEMAS if name in _BUILDERS)


class SynthError(CaresignalError, ValueError):
    """A synthetic dataset was asked for with a bad scale, seed, table or format."""


@dataclass(frozen=True, slots=True, eq=False)
class SyntheticDataset:
    """Every input table of one synthetic dataset, and the truth behind it.

    Attributes
    ----------
    scale : str
        ``small``, ``medium``, ``national`` or ``huge``.
    seed : int
        The seed it was drawn from.
    tables : dict of str to DataFrame
        One table per schema in :data:`TABLES`, with exactly the schema's columns and types.
    truth : dict
        JSON-ready: the models and coefficients, case mix, every site's and ward's random effect,
        and each injected problem (see ``docs/synthetic-data.md``).
    """

    scale: str
    seed: int
    tables: dict[str, pl.DataFrame]
    truth: dict[str, Any]


def _plan(scale: str, seed: int) -> Plan:
    if scale not in SCALES:
        raise SynthError(
            f"there is no synthetic scale called {scale!r}",
            hint=f"choose one of: {', '.join(SCALES)}",
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SynthError(
            f"the seed must be a whole number 0 or more, not {seed!r}", hint="try --seed 1"
        )
    return build_plan(SCALES[scale], seed)


def _check_tables(tables: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(tables)
    unknown = [name for name in chosen if name not in _BUILDERS]
    if unknown:
        raise SynthError(
            f"there is no table called {unknown[0]!r}", hint=f"choose from: {', '.join(TABLES)}"
        )
    return chosen


def iter_tables(
    scale: Scale = "small", seed: int = 0, *, tables: Iterable[str] = TABLES
) -> Iterator[tuple[str, pl.DataFrame]]:
    """Generate the tables one at a time (only one is held in memory), as (name, table) pairs.

    Each table is drawn from its own random streams, so asking for fewer tables, or in another
    order, gives the same tables as :func:`generate`.
    """
    chosen = _check_tables(tables)
    plan = _plan(scale, seed)
    for name in chosen:
        yield name, _BUILDERS[name](plan)


def generate_truth(scale: Scale = "small", seed: int = 0) -> dict[str, Any]:
    """The truth of a dataset (models, effects, problems) without generating its tables."""
    return build_truth(_plan(scale, seed))


def generate(scale: Scale = "small", seed: int = 0) -> SyntheticDataset:
    """Generate every input table of a synthetic dataset, and its truth.

    Parameters
    ----------
    scale : {"small", "medium", "national", "huge"}
        ``small`` (tests): 3 trusts, 6 maternity sites, 2023–2025, about 100,000 births, every
        problem at full size over a shorter time. ``medium``: 43 trusts, 64 sites, 2023–2025,
        about 600,000 births. ``national`` (the demo): 130 trusts, 190 sites and about 600,000
        births a year, 2016–2025. ``huge`` (benchmarks): ``national`` with paediatric wards and
        emergency departments at every trust and six adult wards per trust (20 million stays).
    seed : int
        Any whole number 0 or more; the same scale and seed always give the same dataset.

    Returns
    -------
    SyntheticDataset
        The tables (columns exactly as :mod:`caresignal.data.schema` declares) and the truth.

    Raises
    ------
    SynthError
        If the scale is unknown or the seed is not a whole number 0 or more.
    """
    plan = _plan(scale, seed)
    tables = {name: build(plan) for name, build in _BUILDERS.items()}
    return SyntheticDataset(scale, seed, tables, build_truth(plan))


def write_table(frame: pl.DataFrame, path: Path, *, format: Format = "csv") -> Path:
    """Write one table as a plain file a user could import; return its path.

    CSV holds ISO dates (``2024-03-07``) and date-times (``2024-03-07T14:25``), ``true``/``false``
    and an empty field for a missing value. Parquet keeps the types.
    """
    if format not in FORMATS:
        raise SynthError(f"cannot write {format!r} files", hint="choose csv or parquet")
    if format == "csv":
        frame.write_csv(
            path, date_format="%Y-%m-%d", datetime_format="%Y-%m-%dT%H:%M", null_value=""
        )
    else:
        frame.write_parquet(path)
    return path


def write_raw(
    dataset: SyntheticDataset,
    directory: str | Path,
    *,
    format: Format = "csv",
    overwrite: bool = False,
) -> list[Path]:
    """Write each table as ``<table>.csv`` (or ``.parquet``) and the truth as ``truth.json``.

    The directory is created if needed. Existing files are replaced only with ``overwrite``;
    otherwise a :class:`SynthError` names the first one and nothing is written.
    """
    if format not in FORMATS:
        raise SynthError(f"cannot write {format!r} files", hint="choose csv or parquet")
    folder = Path(directory)
    paths = [folder / f"{name}.{format}" for name in dataset.tables]
    truth_path = folder / "truth.json"
    existing = [path for path in (*paths, truth_path) if path.exists()]
    if existing and not overwrite:
        raise SynthError(
            f"{existing[0]} already exists", hint="choose an empty directory or overwrite"
        )
    folder.mkdir(parents=True, exist_ok=True)
    for path, frame in zip(paths, dataset.tables.values(), strict=True):
        write_table(frame, path, format=format)
    truth_path.write_text(_truth_json(dataset.truth), encoding="utf-8")
    return [*paths, truth_path]


def _truth_json(truth: Mapping[str, Any]) -> str:
    return json.dumps(truth, indent=2, allow_nan=False, ensure_ascii=False) + "\n"
