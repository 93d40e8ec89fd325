"""Every signal one unit's chart would have fired, from one pass over its history (private; see
:mod:`caresignal.monitor.replay`).

- A **CUSUM** path already holds every crossing: each episode that reached amber fires an amber
  signal on the day it crossed amber and, if it went on to red, a red signal on that day.
- An **SPC chart** is replayed with its limits fixed on its first points (the catalogue's
  ``baseline_points``, else :data:`SPC_BASELINE_POINTS`), as Making Data Count advises for
  monitoring: then the limits never depend on later months, so the chart of the months up to any
  month has the whole chart's lines, and the rules read back from that month give its type as the
  latest point (:func:`caresignal.stats.spc.as_latest`, one pass over the chart). Each run of
  flagged months is one signal, fired when the first of them was charted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np

from caresignal.monitor._catalogue_types import MethodSpec
from caresignal.monitor._scan_units import (
    CusumTask,
    SpcTask,
    chart_direction,
    chart_episodes,
    day_of,
    month_end,
    spc_chart,
    spc_options,
)
from caresignal.monitor.thresholds import ThresholdCache
from caresignal.stats import spc

__all__ = [
    "SPC_BASELINE_POINTS",
    "Fired",
    "cusum_signals",
    "overlap_years",
    "replay_method",
    "spc_signals",
]

#: Points an SPC chart's limits are fixed on in a replay, unless the catalogue says otherwise
#: (Making Data Count: at least 20).
SPC_BASELINE_POINTS = 20


@dataclass(frozen=True, slots=True)
class Fired:
    """One signal a chart fired: when, at which level, which way, and since when."""

    unit: str
    indicator: str
    method: str
    expected: str | None
    level: str
    direction: str
    fired: dt.date
    change_began: dt.date


def overlap_years(first: dt.date, last: dt.date, start: dt.date, end: dt.date) -> float:
    """Years of ``first``–``last`` (inclusive days) that fall within ``start``–``end``."""
    days = (min(last, end) - max(first, start)).days + 1
    return max(days, 0) / 365.25


def cusum_signals(
    task: CusumTask, cache: ThresholdCache | None, start: dt.date, end: dt.date
) -> tuple[list[Fired], float]:
    """Every amber and red signal of the unit's CUSUM, and its years charted in start–end.

    A CUSUM over periods fires on the last day of the period that crossed (when its count was
    known).
    """
    charted = chart_episodes(task, cache)
    if isinstance(charted, str):
        return [], 0.0
    _, found = charted
    direction = chart_direction(task)
    periods = task.method.method == "poisson_cusum"
    fired = []
    for episode in found:
        began = day_of(task.days[episode.began])
        for level, step in (("amber", episode.amber), ("red", episode.red)):
            if step is None:
                continue
            day = day_of(task.days[step])
            fired.append(
                Fired(
                    task.unit,
                    task.indicator.id,
                    task.method.method,
                    task.expected_from,
                    level,
                    direction,
                    month_end(day) if periods else day,
                    began,
                )
            )
    last = day_of(task.days[-1])
    last = month_end(last) if periods else last
    return fired, overlap_years(day_of(task.days[0]), last, start, end)


def replay_method(spec: MethodSpec) -> MethodSpec:
    """The SPC method with its limits fixed on its baseline points (see the module notes)."""
    if spec.get("baseline_points") is not None:
        return spec
    values = tuple(
        (key, SPC_BASELINE_POINTS if key == "baseline_points" else value)
        for key, value in spec.parameters
    )
    return replace(spec, parameters=values)


def spc_signals(task: SpcTask, start: dt.date, end: dt.date) -> tuple[list[Fired], float]:
    """Every signal the unit's monthly chart fired, each on the last day of its first month.

    The task's method must have its limits fixed (:func:`replay_method`), so that the chart as
    it stood in any month after the baseline had the whole chart's lines; each month's type is
    then the one it had as the latest point (:func:`caresignal.stats.spc.as_latest`). A unit is
    charted from the month its baseline is complete.
    """
    need = int(task.method.get("baseline_points"))  # type: ignore[arg-type]
    if task.periods.size <= need:
        return [], 0.0
    whole = spc_chart(task)
    options = spc_options(task.indicator, task.method)
    kinds = spc.as_latest(
        whole,
        trend_points=options["trend_points"],
        shift_points=options["shift_points"],
        two_in_three=options["two_in_three"],
    )
    fired: list[Fired] = []
    previous: tuple[int, str] | None = None
    for month in np.flatnonzero(kinds != "common_cause"):
        if month < need:
            continue
        kind = str(kinds[month])
        if previous is None or previous != (int(month) - 1, kind):
            direction = "concern" if kind == "special_cause_concern" else "improvement"
            day = month_end(day_of(task.periods[month]))
            fired.append(
                Fired(
                    task.unit,
                    task.indicator.id,
                    task.method.method,
                    None,
                    "special_cause",
                    direction,
                    day,
                    day_of(task.periods[month]),
                )
            )
        previous = (int(month), kind)
    first = day_of(task.periods[need])
    return fired, overlap_years(first, month_end(day_of(task.periods[-1])), start, end)
