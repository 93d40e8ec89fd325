"""Carrying a scan on from the state the last scan kept, reading only the batches imported
since (private; see :mod:`caresignal.monitor.scan` and ``docs/scan.md``).

An indicator is carried on when everything its charts were computed from is unchanged and the
new rows can only follow the old ones: the same catalogue definition, units, recorded fit and
organisations; its table's batches are the kept ones followed by new batches, none of them a
correction; the last scan covered every row of the kept batches and ended on a month's last
day (its state is kept only then, and only when every baseline window, of the thresholds and of
the reference rate, had ended); and every new row is dated after the last scan's as-of date and
on or before this one's. Each unit's new cases (or periods) then come after all its old ones, so
its series is the old series followed by the new rows, and carrying each chart on over them
gives exactly what the whole series gives. Any other indicator is scanned from its whole series.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np
import polars as pl

from caresignal.data.dataset import BatchEntry, Snapshot
from caresignal.monitor import _series_cache
from caresignal.monitor import _series_frames as frames
from caresignal.monitor._catalogue_types import CASE_TABLES, Indicator, MethodSpec
from caresignal.monitor._scan_designs import DesignPool
from caresignal.monitor._scan_indicator import (
    IndicatorResult,
    Runner,
    needs_points,
    run_methods,
    state_key,
)
from caresignal.monitor._scan_state import IndicatorState, ScanState
from caresignal.monitor._scan_tasks import (
    CaseArrays,
    case_cusum_tasks,
    monthly,
    period_cusum_tasks,
)
from caresignal.monitor._scan_units import CusumTask, month_end
from caresignal.monitor._series_models import FitRecord, ModelRecordError
from caresignal.monitor._series_risk import recorded_fit
from caresignal.monitor.catalogue import Catalogue
from caresignal.monitor.series import CaseSeries, PeriodSeries

__all__ = ["ResumeBackend", "resume_all"]


class ResumeBackend(Runner, Protocol):
    """Runs per-series tasks and reads the new batches' cases (what a scan's
    :class:`~caresignal.monitor.scan.Backend` offers a scan that carries its charts on)."""

    def new_case_rows(
        self,
        snapshot: Snapshot,
        indicators: Sequence[Indicator],
        units: Mapping[str, Sequence[str]],
        new: tuple[BatchEntry, ...],
        fits: Mapping[str, FitRecord | None],
    ) -> dict[str, pl.DataFrame]:
        """The indicators' cases in the batches ``new`` alone (none a correction), with their
        predicted risks, by id (:func:`caresignal.monitor._series_build.new_case_rows`)."""
        ...


class _NotResumableError(Exception):
    """The indicator cannot be carried on (a unit without a chart has new steps, ...)."""


@dataclass(frozen=True, slots=True, eq=False)
class _Plan:
    """A kept indicator that may be carried on: its state, the batches since, fit and units."""

    indicator: Indicator
    kept: IndicatorState
    new: tuple[BatchEntry, ...]
    fit: FitRecord | None
    units: list[str]


def resume_all(
    snapshot: Snapshot,
    catalogue: Catalogue,
    as_of: dt.date,
    kept: ScanState | None,
    runner: ResumeBackend,
    designs: DesignPool,
) -> dict[str, IndicatorResult]:
    """The results of every indicator that can be carried on from ``kept``, by id."""
    if kept is None or as_of < kept.as_of:
        return {}
    if _pairs(snapshot.history("organisations")) != kept.organisations:
        return {}
    organisations = snapshot.table("organisations").collect()
    plans = [
        plan
        for indicator in catalogue
        if (plan := _plan(snapshot, indicator, kept, organisations)) is not None
    ]
    results: dict[str, IndicatorResult] = {}
    for group in _groups(plans).values():
        if not _new_rows_follow(snapshot, group[0], kept.as_of, as_of):
            continue
        cases = group[0].indicator.table in CASE_TABLES
        rows = _case_rows(snapshot, group, runner) if cases else {}
        for plan in group:
            try:
                results[plan.indicator.id] = _resume(
                    snapshot, plan, rows.get(plan.indicator.id), as_of, runner, designs
                )
            except _NotResumableError:
                continue
    return results


def _pairs(entries: Sequence[BatchEntry]) -> tuple[tuple[str, str], ...]:
    return tuple((entry.batch_id, entry.content_hash) for entry in entries)


def _plan(
    snapshot: Snapshot, indicator: Indicator, kept: ScanState, organisations: pl.DataFrame
) -> _Plan | None:
    entry = kept.indicators.get(indicator.id)
    if entry is None:
        return None
    units = frames.indicator_units(organisations, indicator)
    try:
        fit = recorded_fit(snapshot.directory, indicator, False)
    except ModelRecordError:
        return None
    if indicator.risk_model is not None and fit is None:
        return None
    if _normal(state_key(indicator, units, fit)) != _normal(entry.key):
        return None
    history = snapshot.history(indicator.table)
    if _pairs(history[: len(entry.batches)]) != entry.batches:
        return None
    new = history[len(entry.batches) :]
    if any(batch.correction for batch in new):
        return None
    return _Plan(indicator, entry, new, fit, units)


def _normal(value: Mapping[str, Any]) -> Any:
    """``value`` as JSON reads it back (tuples as lists)."""
    return json.loads(json.dumps(value))


def _groups(plans: list[_Plan]) -> dict[tuple[Any, ...], list[_Plan]]:
    """Plans that read the same new rows: one table, unit and date column, and new batches."""
    groups: dict[tuple[Any, ...], list[_Plan]] = {}
    for plan in plans:
        item = plan.indicator
        key = (item.table, item.unit_column, item.definition.date_column, _pairs(plan.new))
        groups.setdefault(key, []).append(plan)
    return groups


def _new_rows_follow(snapshot: Snapshot, plan: _Plan, before: dt.date, as_of: dt.date) -> bool:
    """Whether every row of the new batches is dated after ``before`` and ends by ``as_of``."""
    if not plan.new:
        return True
    column = plan.indicator.definition.date_column
    day = pl.col(column).cast(pl.Date)
    rows = pl.concat([snapshot.scan(entry).select(column) for entry in plan.new])
    first, last = rows.select(day.min(), day.max().alias("last")).collect().row(0)
    if first is None or last is None:
        return True
    if plan.indicator.table not in CASE_TABLES:
        last = month_end(last)
    return bool(first > before and last <= as_of)


def _case_rows(
    snapshot: Snapshot, group: list[_Plan], backend: ResumeBackend
) -> dict[str, pl.DataFrame]:
    """The new cases of each indicator of ``group`` (one table, the same new batches)."""
    if not group[0].new:
        return {}
    indicators = [plan.indicator for plan in group]
    units = {plan.indicator.id: plan.units for plan in group}
    fits = {plan.indicator.id: plan.fit for plan in group}
    return backend.new_case_rows(snapshot, indicators, units, group[0].new, fits)


def _resume(
    snapshot: Snapshot,
    plan: _Plan,
    rows: pl.DataFrame | None,
    as_of: dt.date,
    runner: Runner,
    designs: DesignPool,
) -> IndicatorResult:
    """One indicator carried on over its new rows."""
    indicator, kept = plan.indicator, plan.kept
    series = _new_series(snapshot, plan, rows, as_of)
    cases = CaseArrays.of(series) if isinstance(series, CaseSeries) else None
    points = kept.points
    if needs_points(indicator):
        points = _merged(points, monthly(cases or series, indicator, as_of))

    def tasks_of(index: int, spec: MethodSpec, points: pl.DataFrame) -> list[CusumTask]:
        if cases is not None:
            fresh = case_cusum_tasks(indicator, spec, cases, as_of)
        else:
            fresh = period_cusum_tasks(indicator, spec, _after(points, kept.points), as_of)
        return _carried_tasks(plan, index, spec, fresh, as_of)

    outcomes, extra, skipped, charts, _ = run_methods(
        indicator, points, tasks_of, runner, designs, resumed=True
    )
    batches = kept.batches + _pairs(plan.new)
    state = replace(kept, batches=batches, points=points, charts=tuple(charts))
    return IndicatorResult(outcomes, extra, skipped, len(kept.units), state)


def _new_series(
    snapshot: Snapshot, plan: _Plan, rows: pl.DataFrame | None, as_of: dt.date
) -> CaseSeries | PeriodSeries:
    """The indicator's new rows as a series (cases, or periods of the new batches)."""
    indicator, kept = plan.indicator, plan.kept
    if indicator.table in CASE_TABLES:
        frame = (_empty_cases() if rows is None else rows).with_columns(_reference(kept))
        return CaseSeries(indicator.id, frame, *_offsets(frame, kept), fit=plan.fit)
    if indicator.table == "observations":
        periods = _bedside_new(snapshot, plan, as_of)
    elif plan.new:
        source = pl.concat([snapshot.scan(entry) for entry in plan.new])
        periods = frames.periods(snapshot, indicator, plan.units, as_of, source=source)
    else:
        empty = snapshot.table(indicator.table).head(0)
        periods = frames.periods(snapshot, indicator, plan.units, as_of, source=empty)
    frame = periods.with_columns(_reference(kept))
    return PeriodSeries(indicator.id, frame, *_offsets(frame, kept))


def _bedside_new(snapshot: Snapshot, plan: _Plan, as_of: dt.date) -> pl.DataFrame:
    """A bedside series' months after the kept ones. It reads three tables whole (a response in
    a new batch can answer a trigger of a kept month), so it is computed whole, and carried on
    only when its kept months are exactly what the whole series gives now."""
    whole = frames.periods(snapshot, plan.indicator, plan.units, as_of)
    columns = ["unit", "period_start", "numerator", "denominator"]
    kept = plan.kept.points.select(columns).sort("unit", "period_start")
    last = kept.get_column("period_start").max()
    if not isinstance(last, dt.date):
        return whole
    old = whole.filter(pl.col("period_start") <= last).select(columns)
    if not old.sort("unit", "period_start").equals(kept):
        raise _NotResumableError
    return whole.filter(pl.col("period_start") > last)


def _merged(old: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """The kept months and the new ones in unit then month order: each unit's new months follow
    its kept ones, so each row's place is found by a binary search of the other frame's units."""
    if new.height == 0:
        return old
    before, after = old.get_column("unit"), new.get_column("unit")
    # The new rows of earlier units, found once per kept unit (the kept rows of a unit are
    # together) rather than once per kept row.
    runs = before.rle()
    firsts = runs.struct.field("value")
    ahead = np.repeat(
        after.search_sorted(firsts, side="left").to_numpy(), runs.struct.field("len").to_numpy()
    )
    behind = before.search_sorted(after, side="right").to_numpy()  # kept rows up to the unit
    order = np.empty(old.height + new.height, dtype=np.int64)
    order[np.arange(old.height) + ahead] = np.arange(old.height)
    order[np.arange(new.height) + behind] = np.arange(old.height, old.height + new.height)
    return pl.concat([old, new]).select(pl.all().gather(order))


def _reference(kept: IndicatorState) -> pl.Expr:
    """The kept reference rate of each unit, as the series' ``reference`` column."""
    return (
        pl.col("unit")
        .replace_strict(dict(kept.reference), default=None, return_dtype=pl.Float64)
        .alias("reference")
    )


def _offsets(frame: pl.DataFrame, kept: IndicatorState) -> tuple[tuple[str, ...], Any]:
    """The units of the new rows and their offsets; every one must be a kept unit."""
    try:
        return frames.offsets(frame.get_column("unit"), kept.units)
    except ValueError:
        raise _NotResumableError from None


def _after(points: pl.DataFrame, kept: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``points`` after the kept ones (the new complete months)."""
    return points.join(kept.select("unit", "period_start"), on=["unit", "period_start"], how="anti")


def _carried_tasks(
    plan: _Plan, index: int, spec: MethodSpec, fresh: list[CusumTask], as_of: dt.date
) -> list[CusumTask]:
    """One task per kept chart of the method: its new steps (maybe none) and its state."""
    indicator, kept = plan.indicator, plan.kept
    charts = [chart for chart in kept.charts if chart.method == index]
    by_unit = {task.unit: task for task in fresh}
    if set(by_unit) - {chart.unit for chart in charts}:
        raise _NotResumableError  # a unit without a chart has steps now
    tasks = []
    for chart in charts:
        task = by_unit.get(chart.unit)
        if task is None:
            task = _no_steps(indicator, spec, chart.unit, as_of)
        tasks.append(
            replace(
                task, unit=chart.unit, given=chart.given, state=chart.state, design=chart.design
            )
        )
    return tasks


def _no_steps(indicator: Indicator, spec: MethodSpec, unit: str, as_of: dt.date) -> CusumTask:
    """A task without new steps (the unit's chart is only brought to ``as_of``)."""
    return CusumTask(
        indicator=indicator,
        method=spec,
        unit=unit,
        days=np.zeros(0, dtype="datetime64[D]"),
        observed=np.zeros(0),
        expected=np.zeros(0),
        baseline=slice(0, 0),
        years=0.0,
        as_of=as_of,
        expected_from=str(spec.get("expected")),
    )


def _empty_cases() -> pl.DataFrame:
    """A case frame with no rows (no new batch)."""
    schema = {
        "unit": pl.String,
        "date": pl.Date,
        "record_id": pl.String,
        "outcome": pl.Int8,
        "risk_model": pl.Float64,
    }
    return pl.DataFrame(schema=schema).select(_series_cache.COLUMNS)
