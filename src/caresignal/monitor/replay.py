"""Replay: walk the history month by month as if caresignal had been running, and say when each
signal would first have fired — and, on the synthetic dataset, how soon each method found each
hidden problem and how often it cried wolf.

Replaying does not re-run the scan for every month. Every chart's history is computed once, as of
the replay's last day, with the risk models, reference rates and thresholds a scan uses (fitted or
designed on their baseline windows and then frozen, so a month's charts do not depend on later
months): a CUSUM path already holds every crossing day, and an SPC chart with its limits fixed on
its first points flags a month on the chart up to it only if the whole chart flags it (see
:mod:`._replay_charts`). The annual funnel is MBRRACE-UK's way: one funnel per calendar year,
published 18 months after the year ends.

When the data directory holds a ``truth.json`` (the synthetic dataset), each injected problem's
detection date and delay is reported for each method, with false alarms per unit-year on charts
no problem touched. See ``docs/replay.md``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from caresignal.clock import Clock
from caresignal.data.dataset import Dataset, Snapshot
from caresignal.data.imports import TRUTH
from caresignal.monitor._catalogue_types import Indicator, MethodSpec
from caresignal.monitor._replay_charts import (
    Fired,
    cusum_signals,
    replay_method,
    spc_signals,
)
from caresignal.monitor._replay_truth import (
    METHODS,
    Detection,
    ProblemDetections,
    counts,
    detect,
    family,
    method_family,
    touched,
)
from caresignal.monitor._scan_designs import DesignPool, designing
from caresignal.monitor._scan_funnel import funnel_findings
from caresignal.monitor._scan_tasks import (
    CaseArrays,
    case_cusum_tasks,
    monthly,
    period_cusum_tasks,
    spc_tasks,
)
from caresignal.monitor._scan_units import CusumTask, month_end
from caresignal.monitor.catalogue import Catalogue
from caresignal.monitor.scan import (
    Backend,
    LocalBackend,
    last_day,
    series_of,
)
from caresignal.monitor.series import CaseSeries, Series
from caresignal.monitor.thresholds import ThresholdCache

__all__ = [
    "FUNNEL_DELAY_MONTHS",
    "METHODS",
    "Detection",
    "Fired",
    "ProblemDetections",
    "ReplayResult",
    "replay",
]

#: Months after a calendar year ends that its funnel is published (MBRRACE-UK's timetable).
FUNNEL_DELAY_MONTHS = 18


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """Every signal fired between ``start`` and ``end``, and, with a truth file, the detections.

    Attributes
    ----------
    start, end : date
        The days replayed.
    signals : tuple of Fired
        Every signal fired in that time, by day fired, then unit and indicator.
    methods : tuple of str
        The methods compared (those some indicator runs): ``risk_adjusted_cusum``,
        ``moss_cusum``, ``poisson_cusum``, ``spc``, ``annual_funnel``.
    chart_years : mapping of str to float
        Years charted in ``start``–``end`` on charts no problem touched (all charts without a
        truth file), per method: the denominator of the false-alarm rates.
    false_alarms_per_unit_year : mapping of str to float
        Counted signals (red for CUSUMs and funnels, every signal for SPC) on untouched charts ÷
        their chart-years. Empty without a truth file.
    design_false_alarms_per_unit_year : mapping of str to float
        What the CUSUM thresholds were designed for: one red false alarm per chart in the red
        target's years.
    problems : tuple of ProblemDetections
        Each injected problem and each method's detection (empty without a truth file).
    charted : tuple of (unit, indicator, method, years)
        Every chart replayed and its years charted within ``start``–``end``.
    """

    start: dt.date
    end: dt.date
    signals: tuple[Fired, ...]
    methods: tuple[str, ...]
    chart_years: Mapping[str, float]
    false_alarms_per_unit_year: Mapping[str, float]
    design_false_alarms_per_unit_year: Mapping[str, float]
    problems: tuple[ProblemDetections, ...]
    charted: tuple[tuple[str, str, str, float], ...] = ()

    def months(self) -> list[tuple[str, list[Fired]]]:
        """The signals grouped by the month they fired (``"2024-03"``), oldest first."""
        grouped: dict[str, list[Fired]] = {}
        for signal in self.signals:
            grouped.setdefault(f"{signal.fired:%Y-%m}", []).append(signal)
        return list(grouped.items())

    def to_dict(self) -> dict[str, Any]:
        """``{"from", "to", "methods", "problems", "false_alarms_per_unit_year", ...}``."""
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "methods": list(self.methods),
            "problems": [problem.to_dict() for problem in self.problems],
            "false_alarms_per_unit_year": dict(self.false_alarms_per_unit_year),
            "design_false_alarms_per_unit_year": dict(self.design_false_alarms_per_unit_year),
            "chart_years": dict(self.chart_years),
            "months": [
                {"month": month, "signals": [_signal_dict(s) for s in fired]}
                for month, fired in self.months()
            ],
        }


def _signal_dict(signal: Fired) -> dict[str, Any]:
    return {
        "unit": signal.unit,
        "indicator": signal.indicator,
        "method": family(signal),
        "level": signal.level,
        "direction": signal.direction,
        "fired": signal.fired.isoformat(),
        "change_began": signal.change_began.isoformat(),
    }


def replay(
    dataset: Dataset | Snapshot,
    catalogue: Catalogue,
    *,
    clock: Clock,
    start: dt.date | None = None,
    end: dt.date | None = None,
    backend: Backend | None = None,
    cache: ThresholdCache | None = None,
    workers: int = 1,
) -> ReplayResult:
    """Replay the history from ``start`` to ``end`` (default: all of it).

    Parameters
    ----------
    dataset : Dataset or Snapshot
        The data directory; a ``truth.json`` in it adds the detections of each injected problem.
    catalogue : Catalogue
        The indicators.
    clock : Clock
        Dates a first fit of a risk model.
    start, end : date, optional
        The first and last day replayed; default the first and last day of the data.
    backend : Backend, optional
        Default :class:`caresignal.monitor.scan.LocalBackend`.
    cache : ThresholdCache, optional
        Threshold designs already made; default: those kept in the data directory (and the new
        ones written back to it, as a scan does).
    workers : int, default 1
        Processes that design missing thresholds, as in :func:`caresignal.monitor.scan.scan`.
    """
    snapshot = dataset.snapshot() if isinstance(dataset, Dataset) else dataset
    backend = LocalBackend() if backend is None else backend
    last = last_day(snapshot, catalogue)
    end = end if end is not None else (last or dt.date.today())
    built, _failed = series_of(backend, snapshot, catalogue, as_of=end, clock=clock)
    first = _first_day(built.values())
    start = start if start is not None else (first or end)
    signals: list[Fired] = []
    years: list[tuple[str, str, str, float]] = []  # (unit, indicator, method, chart-years)
    with designing(snapshot.directory, cache, workers) as designs:
        for indicator in catalogue:
            if indicator.id not in built:
                continue  # its risk model cannot be fitted: a scan lists it under skipped
            series = built[indicator.id]
            fired, charted = _indicator(indicator, series, start, end, backend, designs)
            signals += fired
            years += charted
    signals = sorted(
        (s for s in signals if start <= s.fired <= end),
        key=lambda s: (s.fired, s.unit, s.indicator, s.method, s.level),
    )
    present = tuple(method for method in METHODS if any(y[2] == method for y in years))
    truth = _truth(snapshot)
    problems = truth.get("problems", []) if truth else []
    skip = touched(problems)
    chart_years = {
        method: sum(y[3] for y in years if y[2] == method and (y[0], y[1]) not in skip)
        for method in present
    }
    rates: dict[str, float] = {}
    if truth:
        for method in present:
            false = [s for s in signals if family(s) == method and counts(s)]
            false = [s for s in false if (s.unit, s.indicator) not in skip]
            rates[method] = len(false) / chart_years[method] if chart_years[method] else 0.0
    better = {k: v.get("better", "lower") for k, v in (truth or {}).get("indicators", {}).items()}
    found = tuple(detect(problem, signals, better, present) for problem in problems)
    return ReplayResult(
        start=start,
        end=end,
        signals=tuple(signals),
        methods=present,
        chart_years=chart_years,
        false_alarms_per_unit_year=rates,
        design_false_alarms_per_unit_year=_design_rates(catalogue, present),
        problems=found,
        charted=tuple(years),
    )


def _first_day(series: Any) -> dt.date | None:
    days = []
    for one in series:
        column = "date" if isinstance(one, CaseSeries) else "period_start"
        first = one.frame.get_column(column).cast(pl.Date).min()
        if isinstance(first, dt.date):
            days.append(first)
    return min(days) if days else None


def _truth(snapshot: Snapshot) -> dict[str, Any] | None:
    path = snapshot.directory / TRUTH
    if not path.exists():
        return None
    truth: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return truth


def _design_rates(catalogue: Catalogue, present: tuple[str, ...]) -> dict[str, float]:
    """One red false alarm per chart every ``red_years`` (the CUSUM methods' design)."""
    rates: dict[str, float] = {}
    for method in ("risk_adjusted_cusum", "moss_cusum", "poisson_cusum"):
        if method not in present:
            continue
        years = {
            ind.false_alarms.red_years
            for ind in catalogue
            for spec in ind.methods
            if spec.method.endswith("cusum") and _family(spec) == method
        }
        if len(years) == 1:
            rates[method] = 1.0 / years.pop()
    return rates


def _family(spec: MethodSpec) -> str:
    return method_family(spec.method, spec.get("expected"))


def _indicator(
    indicator: Indicator,
    series: Series,
    start: dt.date,
    end: dt.date,
    backend: Backend,
    designs: DesignPool,
) -> tuple[list[Fired], list[tuple[str, str, str, float]]]:
    fired: list[Fired] = []
    years: list[tuple[str, str, str, float]] = []
    points = None
    cases = CaseArrays.of(series) if isinstance(series, CaseSeries) else None
    for spec in indicator.methods:
        if spec.method == "vlad":
            continue
        tasks: list[CusumTask]
        if spec.method == "bernoulli_cusum" and cases is not None:
            tasks = case_cusum_tasks(indicator, spec, cases, end)
            name = _family(spec)
        elif spec.method in ("bernoulli_cusum", "vlad"):
            continue
        else:
            points = monthly(cases or series, indicator, end) if points is None else points
            if spec.method == "funnel":
                found, charted = _annual_funnels(indicator, spec, points, start, end)
                fired += found
                years += [(unit, indicator.id, "annual_funnel", n) for unit, n in charted.items()]
                continue
            if spec.method == "poisson_cusum":
                tasks = period_cusum_tasks(indicator, spec, points, end)
                name = "poisson_cusum"
            else:
                charts = spc_tasks(indicator, replay_method(spec), points)
                work = functools.partial(spc_signals, start=start, end=end)
                for chart, (found, charted_years) in zip(
                    charts, backend.each(work, charts), strict=True
                ):
                    fired += found
                    years.append((chart.unit, indicator.id, "spc", charted_years))
                continue
        tasks = designs.ready(tasks)
        run = functools.partial(cusum_signals, cache=designs.cache, start=start, end=end)
        for task, (found, charted_years) in zip(tasks, backend.each(run, tasks), strict=True):
            fired += found
            years.append((task.unit, indicator.id, name, charted_years))
    return fired, years


def _annual_funnels(
    indicator: Indicator, spec: MethodSpec, points: pl.DataFrame, start: dt.date, end: dt.date
) -> tuple[list[Fired], dict[str, float]]:
    """One funnel per complete calendar year, each seen when published 18 months later."""
    yearly = replace(
        spec,
        parameters=tuple((k, 12 if k == "window_months" else v) for k, v in spec.parameters),
    )
    fired: list[Fired] = []
    charted: dict[str, float] = {}
    if points.height == 0:
        return fired, charted
    months = points.get_column("period_start")
    first, last = months.min(), months.max()
    assert isinstance(first, dt.date)
    assert isinstance(last, dt.date)
    for year in range(first.year, last.year + 1):
        published = _published(year)
        if not (start <= published <= end) or last < dt.date(year, 12, 1):
            continue
        in_year = points.filter(pl.col("period_start").dt.year() == year)
        findings, _ = funnel_findings(indicator, yearly, in_year)
        for unit in in_year.get_column("unit").unique(maintain_order=True).to_list():
            charted[unit] = charted.get(unit, 0.0) + 1.0
        fired += [
            Fired(
                f.unit,
                indicator.id,
                "funnel",
                str(spec.get("expected")),
                f.level,
                f.direction,
                published,
                f.change_began,
            )
            for f in findings
        ]
    return fired, charted


def _published(year: int) -> dt.date:
    """The day a calendar year's funnel is published: 18 months after the year ends."""
    index = year * 12 + 11 + FUNNEL_DELAY_MONTHS  # December of the year, then the delay
    return month_end(dt.date(index // 12, index % 12 + 1, 1))
