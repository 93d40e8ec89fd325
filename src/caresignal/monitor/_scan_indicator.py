"""Every method of one indicator, from its whole series, with the state a later scan carries on
from (private; see :mod:`caresignal.monitor.scan`).

:func:`run_methods` runs an indicator's methods given its CUSUM tasks and monthly points; the
whole-series scan (:func:`full_indicator`) and the carried-on scan
(:mod:`caresignal.monitor._scan_resume`) both use it, so the two differ only in the steps each
CUSUM task holds.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

import numpy as np
import polars as pl

from caresignal.data.dataset import Snapshot
from caresignal.monitor import _series_cache
from caresignal.monitor._catalogue_types import CASE_TABLES, Indicator, MethodSpec
from caresignal.monitor._scan_carry import Carried
from caresignal.monitor._scan_carry_batch import carry_batch, cusum_batches
from caresignal.monitor._scan_designs import DesignPool
from caresignal.monitor._scan_funnel import funnel_findings
from caresignal.monitor._scan_spc import run_spc_batch, spc_batches
from caresignal.monitor._scan_state import ChartEntry, IndicatorState, definition_key
from caresignal.monitor._scan_tasks import (
    CaseArrays,
    case_cusum_tasks,
    empty_points,
    monthly,
    nominal_end,
    period_cusum_tasks,
    spc_tasks,
)
from caresignal.monitor._scan_types import Finding, Skipped
from caresignal.monitor._scan_units import (
    CusumTask,
    Outcome,
    SpcTask,
    design_input,
    design_settled,
    month_end,
)
from caresignal.monitor._series_models import FitRecord
from caresignal.monitor.series import CaseSeries, Series

__all__ = [
    "CUSUMS",
    "IndicatorResult",
    "TaskSource",
    "full_indicator",
    "needs_points",
    "run_methods",
    "state_key",
]

Task = TypeVar("Task")
Result = TypeVar("Result")


class Runner(Protocol):
    """Runs per-series tasks (a scan's :class:`~caresignal.monitor.scan.Backend`)."""

    def each(self, work: Callable[[Task], Result], tasks: Sequence[Task]) -> list[Result]:
        """``[work(task) for task in tasks]``, in order."""
        ...


#: The methods whose charts carry a state.
CUSUMS = ("bernoulli_cusum", "poisson_cusum")
#: Gives an indicator's CUSUM tasks for (method's position, method, monthly points).
TaskSource = Callable[[int, MethodSpec, pl.DataFrame], list[CusumTask]]


@dataclass(frozen=True, slots=True, eq=False)
class IndicatorResult:
    """One indicator's outcomes, funnel findings and skips, its number of units, and the state
    to keep for the next scan (None when a later scan could not carry it on)."""

    outcomes: list[Outcome]
    extra: list[Finding]
    skipped: list[Skipped]
    units: int
    state: IndicatorState | None


def needs_points(indicator: Indicator) -> bool:
    """Whether a method of ``indicator`` reads monthly points (every one but the case CUSUM)."""
    case = indicator.table in CASE_TABLES
    return any(
        not (case and spec.method == "bernoulli_cusum") and spec.method != "vlad"
        for spec in indicator.methods
    )


def state_key(indicator: Indicator, units: list[str], fit: FitRecord | None) -> dict[str, object]:
    """What an indicator's state depends on besides its table's batches."""
    return {
        "definition": definition_key(indicator),
        "series": _series_cache.key_of(indicator, units, fit),
    }


def run_methods(
    indicator: Indicator,
    points: pl.DataFrame,
    tasks_of: TaskSource,
    runner: Runner,
    designs: DesignPool,
    resumed: bool = False,
) -> tuple[list[Outcome], list[Finding], list[Skipped], list[ChartEntry], bool]:
    """Every method of ``indicator``: per-unit outcomes, funnel findings, other skips, the
    CUSUM charts' entries for the state, and whether every chart's design is settled (always,
    when the tasks are ``resumed`` from an earlier scan's settled state)."""
    outcomes: list[Outcome] = []
    extra: list[Finding] = []
    skipped: list[Skipped] = []
    charts: list[ChartEntry] = []
    settled = True
    for index, spec in enumerate(indicator.methods):
        if spec.method == "vlad":
            continue  # a display of the CUSUM's evidence: it has no threshold of its own
        if spec.method in CUSUMS:
            tasks = [
                task if task.given is not None else replace(task, given=design_input(task))
                for task in tasks_of(index, spec, points)
            ]
            if all(task.design is not None or task.state is None for task in tasks) and resumed:
                run = functools.partial(carry_batch, cache=None)  # every design is kept
            else:
                tasks = designs.ready(tasks)
                run = functools.partial(carry_batch, cache=designs.cache)
            parts: list[list[Carried]] = runner.each(run, cusum_batches(tasks))
            carried = [one for part in parts for one in part]
            outcomes += [c.outcome for c in carried]
            for task, result in zip(tasks, carried, strict=True):
                assert task.given is not None
                entry = ChartEntry(
                    index, task.unit, task.given, result.state, result.outcome.design
                )
                charts.append(entry)
                settled &= resumed or design_settled(task)
            if spec.method == "poisson_cusum":
                skipped += _no_expected(indicator, spec.method, points, tasks)
        elif spec.method == "funnel":
            found, skips = funnel_findings(indicator, spec, points)
            extra += found
            skipped += skips
        else:
            spc: list[SpcTask] = spc_tasks(indicator, spec, points)
            batches = spc_batches(spc)
            charted = runner.each(run_spc_batch, batches)
            outcomes += [outcome for part in charted for outcome in part]
    return outcomes, extra, skipped, charts, settled


def _no_expected(
    indicator: Indicator, method: str, points: pl.DataFrame, tasks: list[CusumTask]
) -> list[Skipped]:
    """The units with periods but no expected count for any of them."""
    charted = {task.unit for task in tasks}
    return [
        Skipped(unit, indicator.id, method, "no expected count for any period")
        for unit in points.get_column("unit").unique(maintain_order=True).to_list()
        if unit not in charted
    ]


def full_indicator(
    indicator: Indicator,
    series: Series,
    as_of: dt.date,
    runner: Runner,
    designs: DesignPool,
    context: tuple[Snapshot, list[str], dt.date],
) -> IndicatorResult:
    """Every method of one indicator on its whole series, and its state for a later scan.

    ``context`` is the snapshot, the indicator's units (its candidates) and the last day of its
    table's rows.
    """
    snapshot, units, last = context
    cases = CaseArrays.of(series) if isinstance(series, CaseSeries) else None
    points = monthly(cases or series, indicator, as_of) if needs_points(indicator) else None

    def tasks_of(_: int, spec: MethodSpec, points: pl.DataFrame) -> list[CusumTask]:
        if cases is not None:
            return case_cusum_tasks(indicator, spec, cases, as_of)
        return period_cusum_tasks(indicator, spec, points, as_of)

    every = empty_points() if points is None else points
    outcomes, extra, skipped, charts, settled = run_methods(
        indicator, every, tasks_of, runner, designs
    )
    window = series.reference_window
    settled &= (
        as_of == month_end(as_of)
        and last <= as_of
        and (cases is not None or indicator.period == "month")
        and (window is None or _reference_settled(indicator, window, as_of))
    )
    state = None
    if settled:
        fit = series.fit if isinstance(series, CaseSeries) else None
        state = IndicatorState(
            key=state_key(indicator, units, fit),
            batches=tuple((e.batch_id, e.content_hash) for e in snapshot.history(indicator.table)),
            units=series.units,
            reference=_references(series),
            points=every,
            charts=tuple(charts),
        )
    return IndicatorResult(outcomes, extra, skipped, len(series.units), state)


def _reference_settled(
    indicator: Indicator, window: tuple[dt.date, dt.date], as_of: dt.date
) -> bool:
    """Whether the reference rate's baseline window ended on or before ``as_of``."""
    if indicator.reference is None:
        return True
    return nominal_end(indicator.reference.baseline, window[0]) <= as_of


def _references(series: Series) -> dict[str, float | None]:
    """Each unit's reference rate (the same on every row of the unit)."""
    starts = np.asarray(series.offsets[:-1], dtype=np.int64)
    values = series.frame.get_column("reference").gather(starts).to_list()
    return {
        unit: None if value is None else float(value)
        for unit, value in zip(series.units, values, strict=True)
    }
