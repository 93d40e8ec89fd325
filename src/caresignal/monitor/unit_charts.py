"""One unit's charts of one indicator as of a day, for pages to draw (docs/web.md).

:func:`unit_charts` gives the statistics' result objects of every method the catalogue runs on
the indicator, for one unit, computed the way :func:`caresignal.monitor.scan.scan` computes them:
the same series (with the recorded risk model), the same per-unit tasks, the same threshold
designs (read from the scan's cache in the data directory, or designed as the scan designs them
when missing) and the same funnel of every unit's last complete months. So each chart shows
the numbers behind the scan's findings: a CUSUM's thresholds, its signals and the change-start
of the episode the scan reports. Nothing is written to the data directory.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from caresignal.clock import Clock, SystemClock
from caresignal.data.dataset import Dataset, Snapshot
from caresignal.monitor import _series_frames as frames
from caresignal.monitor._catalogue_types import Indicator, MethodSpec
from caresignal.monitor._scan_cusum import Episode, episodes
from caresignal.monitor._scan_designs import read_threshold_cache
from caresignal.monitor._scan_funnel import run_funnel
from caresignal.monitor._scan_indicator import CUSUMS, needs_points
from caresignal.monitor._scan_tasks import (
    CaseArrays,
    case_cusum_tasks,
    empty_points,
    monthly,
    period_cusum_tasks,
    spc_tasks,
)
from caresignal.monitor._scan_types import Skipped
from caresignal.monitor._scan_units import (
    MIN_POINTS,
    CusumTask,
    chart_direction,
    chart_ratio,
    chart_words,
    current_episode,
    cusum_chart,
    day_of,
    design_for,
    spc_chart,
)
from caresignal.monitor.catalogue import Catalogue
from caresignal.monitor.series import (
    CaseSeries,
    ModelFitError,
    Series,
    UnknownIndicatorError,
    build_series,
)
from caresignal.monitor.thresholds import ThresholdCache, ThresholdDesign
from caresignal.stats import cusum, spc
from caresignal.stats.funnel import FunnelResult, funnel
from caresignal.store.service import UnknownError

__all__ = [
    "Chart",
    "CusumChart",
    "FunnelChart",
    "SpcChart",
    "UnitCharts",
    "VladChart",
    "unit_charts",
]

Days = NDArray[np.datetime64]


@dataclass(frozen=True, slots=True, eq=False)
class CusumChart:
    """One CUSUM method's chart of the unit, as the scan ran it.

    ``position`` is the method's place in the indicator's methods; ``days`` the day of each step
    (a case, or a period's first day); ``result`` the chart, run with the scan's reset; ``design``
    its amber and red thresholds; ``episode`` the episode the scan reports (None when the chart
    is not a finding) and ``signals`` the red signals of the last 365 days; ``direction``
    ``concern`` or ``improvement``; ``expected_from`` where the expected values come from;
    ``words`` the chart in words, as the scan's findings name it.
    """

    method: MethodSpec
    position: int
    expected_from: str
    days: Days
    result: cusum.CusumResult
    design: ThresholdDesign
    episode: Episode | None
    signals: int
    direction: str
    words: str

    @property
    def amber(self) -> float:
        """The amber threshold."""
        return self.design.amber.h

    @property
    def red(self) -> float:
        """The red threshold."""
        return self.design.red.h

    @property
    def signal_days(self) -> list[dt.date]:
        """The day of each signal after which the chart restarted."""
        return [day_of(self.days[int(step)]) for step in self.result.signals]


@dataclass(frozen=True, slots=True, eq=False)
class VladChart:
    """The unit's variable life-adjusted display: ``result`` over the cases on ``days``."""

    method: MethodSpec
    position: int
    expected_from: str
    days: Days
    result: cusum.VladResult


@dataclass(frozen=True, slots=True, eq=False)
class SpcChart:
    """The unit's Making Data Count chart of its complete months (``periods``: first days)."""

    method: MethodSpec
    position: int
    periods: Days
    result: spc.ControlChart


@dataclass(frozen=True, slots=True, eq=False)
class FunnelChart:
    """Every unit's funnel over ``start``–``end`` (the last complete months), as the scan's.

    ``unadjusted`` is the same units' funnel without over-dispersion (None when ``result``'s
    limits were not widened); ``index`` the unit's position among ``result.labels`` (None when
    it has no data in the window).
    """

    method: MethodSpec
    position: int
    result: FunnelResult
    unadjusted: FunnelResult | None
    start: dt.date
    end: dt.date
    index: int | None


Chart = CusumChart | VladChart | SpcChart | FunnelChart


@dataclass(frozen=True, slots=True, eq=False)
class UnitCharts:
    """The charts of ``unit`` for ``indicator`` as of ``as_of``, in the order of the
    indicator's methods, and the methods that gave no chart for it (with why)."""

    unit: str
    indicator: Indicator
    as_of: dt.date
    charts: tuple[Chart, ...]
    skipped: tuple[Skipped, ...]


def unit_charts(
    dataset: Dataset | Snapshot,
    catalogue: Catalogue,
    unit: str,
    indicator: str,
    as_of: dt.date,
    *,
    cache_dir: Path | None = None,
    clock: Clock | None = None,
) -> UnitCharts:
    """The charts of one unit for one indicator, as of ``as_of``, with the scan's numbers.

    Parameters
    ----------
    dataset : Dataset or Snapshot
        The data directory.
    catalogue : Catalogue
        The indicators (the one the scan ran with).
    unit : str
        The organisation code of a unit the indicator watches (a site for site-level ones).
    indicator : str
        The indicator's id.
    as_of : date
        Data after this day are left out, as in the scan.
    cache_dir : Path, optional
        The directory whose ``cache/thresholds.json`` holds the threshold designs; default the
        data directory, where the scan keeps them. A design missing there is made here (as the
        scan makes it) and not written back.
    clock : Clock, optional
        Dates a first fit of a risk model, when the scan has not recorded one (default: the
        system clock).

    Raises
    ------
    UnknownIndicatorError
        The catalogue holds no such indicator.
    UnknownError
        The indicator does not watch ``unit`` (no such organisation, or not of its level and
        types).
    """
    snapshot = dataset.snapshot() if isinstance(dataset, Dataset) else dataset
    item = _indicator(catalogue, indicator)
    organisations = snapshot.table("organisations").collect()
    if unit not in frames.indicator_units(organisations, item):
        raise UnknownError(
            f"{item.title} does not watch {unit!r}",
            hint=f"it watches each {item.level} with a unit of type "
            + " or ".join(item.unit_types),
        )
    try:
        series = build_series(
            snapshot, catalogue, item.id, as_of=as_of, clock=clock or SystemClock()
        )
    except ModelFitError as error:
        why = Skipped(unit, item.id, "risk_model", error.message)
        return UnitCharts(unit, item, as_of, (), (why,))
    cache = read_threshold_cache(snapshot.directory if cache_dir is None else cache_dir)
    charts, skipped = _Charts(item, series, unit, as_of, cache).every()
    return UnitCharts(unit, item, as_of, tuple(charts), tuple(skipped))


def _indicator(catalogue: Catalogue, ident: str) -> Indicator:
    try:
        return catalogue.get(ident)
    except KeyError as error:
        raise UnknownIndicatorError(
            f"no indicator {ident!r}: {error.args[0]}",
            hint="the indicators are: " + ", ".join(catalogue.ids),
        ) from None


class _Charts:
    """Each method's chart of one unit, from the indicator's series (read once)."""

    def __init__(
        self, indicator: Indicator, series: Series, unit: str, as_of: dt.date, cache: ThresholdCache
    ) -> None:
        self.indicator = indicator
        self.unit = unit
        self.as_of = as_of
        self.cache = cache
        self.cases = CaseArrays.of(series) if isinstance(series, CaseSeries) else None
        self.points = (
            monthly(self.cases or series, indicator, as_of)
            if needs_points(indicator)
            else empty_points()
        )

    def every(self) -> tuple[list[Chart], list[Skipped]]:
        """Each method's chart, or why the unit has none."""
        charts: list[Chart] = []
        skipped: list[Skipped] = []
        for position, spec in enumerate(self.indicator.methods):
            made = self.chart(position, spec)
            if isinstance(made, str):
                skipped.append(Skipped(self.unit, self.indicator.id, spec.method, made))
            else:
                charts.append(made)
        return charts, skipped

    def chart(self, position: int, spec: MethodSpec) -> Chart | str:
        """One method's chart, or why there is none."""
        if spec.method in CUSUMS:
            return self.cusum(position, spec)
        if spec.method == "vlad":
            return self.vlad(position, spec)
        if spec.method == "funnel":
            return self.funnel(position, spec)
        return self.spc(position, spec)

    def task(self, spec: MethodSpec) -> CusumTask | None:
        """The unit's CUSUM task, as the scan cuts it (None when the unit has no steps)."""
        if self.cases is not None:
            tasks = case_cusum_tasks(self.indicator, spec, self.cases, self.as_of)
        else:
            tasks = period_cusum_tasks(self.indicator, spec, self.points, self.as_of)
        return next((task for task in tasks if task.unit == self.unit), None)

    def cusum(self, position: int, spec: MethodSpec) -> CusumChart | str:
        """The chart with the scan's design and reset, and the episode the scan reports."""
        task = self.task(spec)
        if task is None or task.days.size == 0:
            return "no cases" if self.cases is not None else "no expected count for any period"
        design = design_for(task, self.cache)
        if isinstance(design, str):
            return design
        result, _ = cusum_chart(task, design)
        found = episodes(
            result,
            amber=design.amber.h,
            red=design.red.h,
            reset_after=str(spec.get("reset_after")),
        )
        episode, signals = current_episode(found, task.days, self.as_of)
        return CusumChart(
            spec,
            position,
            task.expected_from,
            task.days,
            result,
            design,
            episode,
            signals,
            chart_direction(task),
            chart_words(spec.method, chart_ratio(task), task.expected_from),
        )

    def vlad(self, position: int, spec: MethodSpec) -> VladChart | str:
        """Expected minus observed events, case by case, with the CUSUM's expected risks."""
        task = self.task(spec)
        if task is None or task.days.size == 0:
            return "no cases"
        risk = task.expected
        if not (np.all(np.isfinite(risk)) and np.all((risk > 0.0) & (risk < 1.0))):
            return "no expected risk for some cases"
        result = cusum.vlad(task.observed, risk)
        return VladChart(spec, position, task.expected_from, task.days, result)

    def spc(self, position: int, spec: MethodSpec) -> SpcChart | str:
        """The unit's monthly chart, alone (the scan gives each unit exactly these limits)."""
        tasks = spc_tasks(self.indicator, spec, self.points)
        task = next((task for task in tasks if task.unit == self.unit), None)
        if task is None or task.periods.size < MIN_POINTS:
            return f"fewer than {MIN_POINTS} complete months"
        return SpcChart(spec, position, task.periods, spc_chart(task))

    def funnel(self, position: int, spec: MethodSpec) -> FunnelChart | str:
        """Every unit's funnel of the last complete months, as the scan's."""
        run = run_funnel(spec, self.points)
        if isinstance(run, str):
            return run
        result = run.result
        labels = result.labels or ()
        unadjusted = None
        if result.adjusted:
            unadjusted = funnel(
                run.observed,
                run.size,
                kind=result.kind,
                method=result.method,
                levels=run.levels,
                overdispersion=None,
                labels=list(labels),
            )
        index = labels.index(self.unit) if self.unit in labels else None
        return FunnelChart(spec, position, result, unadjusted, run.start, run.end, index)
