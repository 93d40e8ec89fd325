"""Reading an indicator's rows from a snapshot (private; see :mod:`caresignal.monitor.series`).

Which organisations an indicator watches, its periods (period tables), baseline windows and
reference rates, all as polars expressions over whole columns. The cases of case tables are read
by :mod:`._series_cases`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import numpy as np
import polars as pl
from numpy.typing import NDArray

from caresignal.data.dataset import Snapshot
from caresignal.monitor._catalogue_types import Indicator, Window
from caresignal.monitor._series_bedside import bedside_periods
from caresignal.monitor._series_concerns import concern_periods

#: The columns of a case series, in order (``risk_model``/``reference`` may be all null).
CASE_COLUMNS = ("unit", "date", "record_id", "outcome", "risk_model", "reference")
#: The columns of a period series, in order.
PERIOD_COLUMNS = ("unit", "period_start", "numerator", "denominator", "expected", "reference")


def indicator_units(organisations: pl.DataFrame, indicator: Indicator) -> list[str]:
    """Codes of the organisations at the indicator's level that have a unit of its types.

    A unit-level indicator watches the units of its types; a site-level one the sites with such
    a unit; a trust-level one the trusts with such a site.
    """
    units = organisations.filter(
        (pl.col("level") == "unit") & pl.col("unit_type").is_in(list(indicator.unit_types))
    )
    codes = units.get_column("code")
    parents = organisations.select("code", "parent_code")
    for _ in range(("unit", "site", "trust").index(indicator.level)):
        codes = (
            parents.filter(pl.col("code").is_in(codes.to_list()))
            .get_column("parent_code")
            .drop_nulls()
        )
    return sorted(set(codes.to_list()))


def on_or_before(column: str, as_of: dt.date) -> pl.Expr:
    """Rows dated on or before ``as_of`` (a date, or a date and time on that day or earlier)."""
    return pl.col(column).cast(pl.Date) <= as_of


def first_day(cases: pl.DataFrame, as_of: dt.date) -> dt.date:
    """The day of the first case (``as_of`` when there is none)."""
    first = cases.get_column("date").cast(pl.Date).min()
    return first if isinstance(first, dt.date) else as_of


def model_columns(indicator: Indicator) -> tuple[str, ...]:
    """The columns the risk model reads: its covariates, or every column for a formula."""
    spec = indicator.risk_model
    if spec is None:
        return ()
    if spec.formula is None:
        return spec.covariates
    return tuple(name for name, _ in spec.derived) + _formula_columns(spec.formula)


def _formula_columns(formula: str) -> tuple[str, ...]:
    """Identifiers in a formula's text (the catalogue has checked each names a column)."""
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", formula)
    return tuple(dict.fromkeys(word for word in words if word not in ("C", "outcome")))


def resolve_window(window: Window, first: dt.date, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The window's first and last days, cut at ``as_of``; ``first_months`` count from ``first``."""
    if window.first_months is not None:
        start = first.replace(day=1)
        months = start.month - 1 + window.first_months
        end = dt.date(start.year + months // 12, months % 12 + 1, 1) - dt.timedelta(days=1)
    else:
        assert window.start is not None
        assert window.end is not None
        start, end = window.start, window.end
    return start, min(end, as_of)


def in_window(frame: pl.DataFrame, start: dt.date, end: dt.date) -> pl.DataFrame:
    """The rows of ``frame`` whose ``date`` falls in ``start`` to ``end`` (inclusive)."""
    day = pl.col("date").cast(pl.Date)
    return frame.filter((day >= start) & (day <= end))


def reference_rates(
    baseline: pl.DataFrame,
    scope: str,
    groups: pl.DataFrame,
    events: pl.Expr,
    exposure: pl.Expr,
) -> pl.DataFrame:
    """Reference rate per unit: ``events`` ÷ ``exposure`` summed over the baseline, pooled over
    ``scope`` (cases: outcome ÷ cases; periods: numerator ÷ denominator).

    ``groups`` maps each ``unit`` to its ``group`` (its comparator group). Returns ``unit`` and
    ``reference`` for every unit in ``groups``; a unit whose pool has no baseline exposure gets
    null.
    """
    rate = (
        pl.when(exposure.sum() > 0)
        .then(events.cast(pl.Float64).sum() / exposure.cast(pl.Float64).sum())
        .cast(pl.Float64)
        .alias("reference")
    )
    if scope == "national":
        value = baseline.select(rate).item() if baseline.height else None
        return groups.select("unit", pl.lit(value, dtype=pl.Float64).alias("reference"))
    key = "unit" if scope == "unit" else "group"
    pooled = baseline.join(groups, on="unit", how="left").group_by(key).agg(rate)
    return groups.join(pooled, on=key, how="left").select("unit", "reference")


def reference_column(
    indicator: Indicator,
    organisations: pl.DataFrame,
    rows: pl.DataFrame,
    date: str,
    as_of: dt.date,
) -> tuple[pl.Expr, tuple[dt.date, dt.date] | None]:
    """The reference-rate column of ``rows`` (cases or periods, dated by ``date``), as a
    join-free expression, and the window used; null and None without a reference."""
    spec = indicator.reference
    if spec is None:
        return pl.lit(None, dtype=pl.Float64).alias("reference"), None
    first = rows.get_column(date).min()
    if isinstance(first, dt.datetime):
        first = first.date()
    start_day = first if isinstance(first, dt.date) else as_of
    start, end = resolve_window(spec.baseline, start_day, as_of)
    day = pl.col(date).cast(pl.Date)
    if date == "date":  # cases: events ÷ cases
        events, exposure, needed = pl.col("outcome"), pl.len(), ["unit", "outcome"]
    else:
        events, exposure, needed = (
            pl.col("numerator"),
            pl.col("denominator"),
            ["unit", "numerator", "denominator"],
        )
    # Only the columns the rate needs are read from the baseline's rows.
    baseline = rows.lazy().filter((day >= start) & (day <= end)).select(needed).collect()
    if spec.scope == "national":  # one rate for every unit: no need to map units
        national = reference_rates(baseline, "national", _ONE_GROUP, events, exposure)
        value = national.get_column("reference").item()
        return pl.lit(value, dtype=pl.Float64).alias("reference"), (start, end)
    units = rows.get_column("unit").unique().sort().to_list()
    groups = unit_groups(organisations, units)
    rates = reference_rates(baseline, spec.scope, groups, events, exposure)
    mapping = dict(zip(rates.get_column("unit"), rates.get_column("reference"), strict=True))
    expr = pl.col("unit").replace_strict(mapping, default=None, return_dtype=pl.Float64)
    return expr.alias("reference"), (start, end)


#: A stand-in for the unit groups when one national rate serves every unit.
_ONE_GROUP = pl.DataFrame(
    {"unit": [""], "group": [None]}, schema={"unit": pl.String, "group": pl.String}
)


def unit_groups(organisations: pl.DataFrame, units: list[str]) -> pl.DataFrame:
    """Each unit's comparator group (``unit``, ``group``) from the organisations table."""
    return (
        pl.DataFrame({"unit": units}, schema={"unit": pl.String})
        .join(
            organisations.select(pl.col("code").alias("unit"), pl.col("comparator_group")),
            on="unit",
            how="left",
        )
        .rename({"comparator_group": "group"})
    )


def offsets(
    units: pl.Series, candidates: Sequence[str] | None = None
) -> tuple[tuple[str, ...], NDArray[np.int64]]:
    """The values of a sorted ``units`` column and where each starts (plus the end).

    With ``candidates`` (every value of ``units`` must be among them), each candidate's rows are
    found by binary search, so a long column costs little; without, the column's runs are read.
    """
    if candidates is None:
        runs = units.rle()
        lengths = runs.struct.field("len").to_numpy().astype(np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        return tuple(runs.struct.field("value").to_list()), starts
    names = pl.Series(sorted(set(candidates)), dtype=pl.String)
    left = units.search_sorted(names, side="left").to_numpy().astype(np.int64)
    right = units.search_sorted(names, side="right").to_numpy().astype(np.int64)
    present = right > left
    if int((right - left).sum()) != units.len():
        raise ValueError("offsets: the units column holds a value outside the candidates")
    starts = np.append(left[present], units.len()).astype(np.int64)
    return tuple(names.filter(pl.Series(present)).to_list()), starts


def periods(
    snapshot: Snapshot,
    indicator: Indicator,
    units: list[str],
    as_of: dt.date,
    source: pl.LazyFrame | None = None,
) -> pl.DataFrame:
    """Numerator, denominator and expected per unit and period, up to ``as_of``.

    Columns :data:`PERIOD_COLUMNS` but ``reference`` (:func:`reference_column` adds it), sorted
    by unit and period start. ``expected`` is the sum of the counts table's ``expected`` column,
    null where no row gives one (always null otherwise). ``source`` reads those rows instead of
    the table's current records (some batches only).
    """
    if indicator.table == "observations":  # the ward care audit's measure, from three tables
        return bedside_periods(snapshot, indicator, units, as_of)
    table = snapshot.table(indicator.table) if source is None else source
    return source_periods(table, indicator, units, as_of)


def source_periods(
    table: pl.LazyFrame, indicator: Indicator, units: Sequence[str], as_of: dt.date
) -> pl.DataFrame:
    """:func:`periods` from the rows ``table`` of the indicator's table (some batches, or some
    units' rows), for every period table but the bedside ``observations``.

    A unit's periods depend on its own rows only, so the periods of some units' rows are those
    units' periods of the whole table (the Spark backend builds them unit by unit).
    """
    if indicator.table == "concerns":  # concerns of some HCAT categories a month
        return concern_periods(table, indicator, list(units), as_of)
    definition = indicator.definition
    date = definition.date_column
    rows = table.filter(
        definition.population_expr()
        & pl.col(indicator.unit_column).is_in(units)
        & on_or_before(date, as_of)
    )
    if indicator.table == "counts":
        rows = rows.filter(pl.col("period_type") == indicator.period)
        expected: pl.Expr = pl.when(pl.col("expected").is_not_null().any()).then(
            pl.col("expected").sum()
        )
    else:
        expected = pl.lit(None, dtype=pl.Float64)
    return (
        rows.group_by(
            pl.col(indicator.unit_column).alias("unit"), pl.col(date).alias("period_start")
        )
        .agg(
            definition.numerator_expr().cast(pl.Float64).alias("numerator"),
            definition.denominator_expr().cast(pl.Float64).alias("denominator"),
            expected.cast(pl.Float64).alias("expected"),
        )
        .sort("unit", "period_start")
        .collect()
    )
