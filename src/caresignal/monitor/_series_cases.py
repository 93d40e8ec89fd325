"""Reading the cases of several indicators of one case table in one pass (private; see
:mod:`caresignal.monitor.series`).

The columns every indicator needs are read once, put once in the **series order** (unit, date,
record), and each indicator's cases are a filter of that frame (a filter keeps the order). The
order is found cheaply when the rows already come in date-then-record order, as batches usually
do: a stable partition by unit (a radix sort of one small integer per row) then gives it.
Otherwise the rows are sorted by all three keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl

from caresignal.monitor._catalogue_types import Indicator
from caresignal.monitor._series_frames import model_columns

#: The column naming each row's batch (a categorical), when asked for.
BATCH = "_batch_id"


def case_frames(
    source: pl.LazyFrame,
    indicators: Sequence[Indicator],
    units: Mapping[str, Sequence[str]],
    *,
    with_batch: bool = False,
) -> dict[str, pl.LazyFrame]:
    """Each indicator's cases in ``source`` (all dates), as lazy filters of one sorted frame.

    The indicators share ``source`` (one table), ``unit_column`` and ``date_column``. Each frame
    has ``unit``, ``date``, ``record_id``, ``outcome`` (Int8) and the risk model's covariates
    (derived columns computed), and ``_batch_id`` with ``with_batch``; sorted by unit, date and
    record. ``units`` gives each indicator's units (by id). Collect them one at a time: each holds
    its covariates.
    """
    first = indicators[0]
    unit, date = first.unit_column, first.definition.date_column
    names = source.collect_schema().names()
    columns = read_columns(indicators, names) | ({BATCH} if with_batch else set())
    every = sorted({code for indicator in indicators for code in units[indicator.id]})
    base = (
        source.select(sorted(columns))
        .filter(pl.col(unit).is_in(every))
        .with_columns(pl.col(BATCH).cast(pl.Categorical) if with_batch else [])
        .collect()
        .rechunk()
    )
    ordered = sort_cases(base, unit, date).lazy()
    return {
        indicator.id: _indicator_cases(ordered, indicator, units[indicator.id], names, with_batch)
        for indicator in indicators
    }


def sort_cases(frame: pl.DataFrame, unit: str, date: str) -> pl.DataFrame:
    """``frame`` sorted by ``unit``, ``date`` and ``record_id`` (nulls first, as polars sorts)."""
    if frame.height < 2:
        return frame
    codes = frame.get_column(unit).unique().sort()
    rank = pl.col(unit).replace_strict(
        codes, pl.int_range(codes.len(), eager=True), return_dtype=pl.UInt32
    )
    if _in_date_order(frame, date) and codes.null_count() == 0:
        ranks = frame.select(rank).to_series().to_numpy()
        if codes.len() <= np.iinfo(np.uint16).max:
            ranks = ranks.astype(np.uint16)  # numpy sorts 16-bit keys by radix
        order = pl.Series(np.argsort(ranks, kind="stable"))
    else:
        order = frame.select(pl.arg_sort_by(rank, date, "record_id")).to_series()
    return frame.select(pl.all().gather(order))


def _in_date_order(frame: pl.DataFrame, date: str) -> bool:
    """Whether the rows come in (date, record) order, with no missing date."""
    if frame.get_column(date).null_count():
        return False
    step = frame.select(
        pl.col(date).diff().slice(1).alias("step"),
        (pl.col("record_id") > pl.col("record_id").shift()).slice(1).alias("after"),
    )
    later = step.get_column("step").cast(pl.Int64)
    if (later < 0).any():
        return False
    ties = step.filter(pl.col("step").cast(pl.Int64) == 0).get_column("after")
    return bool(ties.fill_null(False).all())


def read_columns(indicators: Sequence[Indicator], names: Sequence[str]) -> set[str]:
    """The columns of the case table (columns ``names``) that :func:`case_frames` reads for
    ``indicators`` (one table, unit column and date column): the Spark backend reads no others."""
    first = indicators[0]
    columns = {first.unit_column, first.definition.date_column, "record_id"}
    for indicator in indicators:
        columns |= _source_columns(indicator, names)
    return columns & set(names)


def _source_columns(indicator: Indicator, names: Sequence[str]) -> set[str]:
    """The source table's columns that the indicator's definition and risk model read."""
    definition = indicator.definition
    exprs = [definition.population_expr(), definition.outcome_expr()]
    spec = indicator.risk_model
    if spec is not None:
        exprs.extend(spec.derived_exprs())
    roots = {root for expr in exprs for root in expr.meta.root_names()}
    roots |= set(model_columns(indicator))
    return roots & set(names)


def _indicator_cases(
    ordered: pl.LazyFrame,
    indicator: Indicator,
    units: Sequence[str],
    names: Sequence[str],
    with_batch: bool,
) -> pl.LazyFrame:
    definition = indicator.definition
    spec = indicator.risk_model
    derived = spec.derived_exprs() if spec is not None else ()
    known = set(names) | {name for name, _ in (spec.derived if spec else ())}
    covariates = [name for name in model_columns(indicator) if name in known]
    return (
        ordered.filter(definition.population_expr() & pl.col(indicator.unit_column).is_in(units))
        .with_columns(*derived)
        .select(
            pl.col(indicator.unit_column).alias("unit"),
            pl.col(definition.date_column).alias("date"),
            pl.col("record_id"),
            definition.outcome_expr().cast(pl.Int8).alias("outcome"),
            *(pl.col(name) for name in covariates),
            *([pl.col(BATCH)] if with_batch else []),
        )
        .with_columns(pl.col(pl.Decimal).cast(pl.Float64))  # SQL arithmetic may give decimals
    )
