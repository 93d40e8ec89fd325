"""What each point of a chart looked like when it was the latest point (private; see
:func:`caresignal.stats.spc.as_latest`).

The rules of :mod:`caresignal.stats._spc_rules` read a whole chart: a run of seven on one side
flags its first points too, once the seventh arrives. A monitor that looked at the chart every
month saw each point only with the points before it. When a chart's limits are fixed on its
first points (``baseline_points``), every shorter chart that still holds those points has the
same lines, so the rules on the chart cut just after point ``m`` differ from the rules on the
whole chart only in looking ahead. This module applies the same rules looking back only:

* outside the limits: the point itself;
* a shift: the run on one side of the centre that ends at the point;
* a trend: the run of rising (or falling) steps that ends with the step into the point;
* two in three: the window of the point and the two before it.

Each point's type is then weighed as :func:`~caresignal.stats._spc_rules.apply_rules` weighs it.
The tests compare the result with the charts cut after every point.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from caresignal.stats._checks import readonly
from caresignal.stats._spc_results import ControlChart
from caresignal.stats._spc_rules import (
    IMPROVEMENT_DIRECTIONS,
    BoolArray,
    ChartLines,
    FloatArray,
    RuleSettings,
    above,
    group_starts,
    point_types,
)

__all__ = ["as_latest", "chart_lines", "group_latest_types", "latest_types"]


def as_latest(
    chart: ControlChart,
    *,
    trend_points: int = 7,
    shift_points: int = 7,
    two_in_three: str = "current",
) -> NDArray[np.object_]:
    """The type each point had when it was the chart's latest point.

    A monitor that looks at a chart every month sees each point with the points before it only;
    the chart's ``point_type`` reads the whole chart, where a run of seven flags its first
    points too once the seventh arrives. This gives each point's type on the chart cut just
    after it, without computing those charts.

    Parameters
    ----------
    chart : ControlChart
        A chart whose limits every cut chart shares: limits fixed on its first points
        (``baseline_points``), and only points after those are read. (Points within the
        baseline are judged against the whole chart's lines, which their cut charts did not have.)
    trend_points, shift_points, two_in_three
        The rule options the chart was made with (as in :func:`caresignal.stats.spc.xmr`).

    Returns
    -------
    numpy.ndarray of object
        One of ``"common_cause"``, ``"special_cause_improvement"``, ``"special_cause_concern"``
        or ``"special_cause_neither"`` per point. A point flagged here is flagged on the whole
        chart too; the whole chart may flag more.

    Examples
    --------
    The seventh point above the centre ends a shift; the six before it were not yet one:

    >>> from caresignal.stats.spc import as_latest, xmr
    >>> values = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 11, 9] + [11.5, 12] * 3 + [11.5]
    >>> chart = xmr(values, baseline_points=12)
    >>> list(chart.point_type[12:]).count("special_cause_neither")
    7
    >>> list(as_latest(chart)[12:]).count("special_cause_neither")
    1

    References
    ----------
    NHS England / Improvement. Making Data Count (2019; updated 2023): limits fixed on a baseline
    once a chart is used to monitor.
    NHS-R Community. NHSRplotthedots R package: the rules this reads back.
    """
    settings = RuleSettings(chart.improvement, trend_points, shift_points, two_in_three)
    return readonly(latest_types(chart_lines(chart), settings))


def chart_lines(chart: ControlChart) -> ChartLines:
    """The lines the rules engine read to make ``chart`` (its values, centre, limits, groups and
    the points it included), from the chart itself."""
    return ChartLines(
        values=np.asarray(chart.values),
        centre=np.asarray(chart.centre),
        lpl=np.asarray(chart.lpl),
        upl=np.asarray(chart.upl),
        near_lpl=np.asarray(chart.near_lpl),
        near_upl=np.asarray(chart.near_upl),
        group=np.asarray(chart.group),
        included=~np.asarray(chart.excluded),
    )


def latest_types(lines: ChartLines, settings: RuleSettings) -> NDArray[np.object_]:
    """The type each point would have had as the latest point of the chart cut just after it,
    for a chart whose lines every such cut chart shares (see the module notes)."""
    v = lines.values
    high, low = above(v, lines.upl), above(lines.lpl, v)
    keep = np.flatnonzero(lines.included)
    values, centre = v[keep], lines.centre[keep]
    side = above(values, centre).astype(np.int64) - above(centre, values)
    starts = group_starts(lines.group[keep])
    near_high, near_low = above(values, lines.near_upl[keep]), above(lines.near_lpl[keep], values)
    if settings.two_in_three == "legacy":
        near_high &= ~above(values, lines.upl[keep])
        near_low &= ~above(lines.lpl[keep], values)
    for rule_high, rule_low in (
        _trend(values, starts, settings.trend_points),
        (_window(near_high, side == 1, starts), _window(near_low, side == -1, starts)),
        _shift(side, starts, settings.shift_points),
    ):
        high[keep] |= rule_high
        low[keep] |= rule_low
    return point_types(high, low, IMPROVEMENT_DIRECTIONS[settings.improvement])


def _so_far(keys: NDArray[np.int64], breaks: BoolArray) -> NDArray[np.int64]:
    """How many elements the run of equal consecutive ``keys`` holds up to and including each
    element (a run also ends where ``breaks`` is True: that element starts a new one)."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = breaks.copy()
    starts[0] = True
    starts[1:] |= keys[1:] != keys[:-1]
    index = np.arange(n, dtype=np.int64)
    first = np.maximum.accumulate(np.where(starts, index, 0))
    counted: NDArray[np.int64] = index - first + 1
    return counted


def _shift(side: NDArray[np.int64], starts: BoolArray, points: int) -> tuple[BoolArray, BoolArray]:
    """Points that end a run of ``points`` or more on one side of the centre."""
    long_run = _so_far(side, starts) >= points
    return long_run & (side == 1), long_run & (side == -1)


def _trend(values: FloatArray, starts: BoolArray, points: int) -> tuple[BoolArray, BoolArray]:
    """Points that end ``points`` or more consecutive values all rising or all falling (an
    equal value, or a new limit group, breaks the trend)."""
    n = len(values)
    rising = np.zeros(n, dtype=np.bool_)
    falling = np.zeros(n, dtype=np.bool_)
    if n < 2:
        return rising, falling
    step = np.sign(np.diff(values)).astype(np.int64)
    step[starts[1:]] = 0
    long_run = _so_far(step, np.zeros(n - 1, dtype=np.bool_)) >= points - 1
    rising[1:] = long_run & (step == 1)
    falling[1:] = long_run & (step == -1)
    return rising, falling


def _window(beyond: BoolArray, on_side: BoolArray, starts: BoolArray) -> BoolArray:
    """Points beyond a near line that end a window of three, within one limit group, all on
    ``on_side`` and at least two of them beyond it."""
    n = len(beyond)
    flagged = np.zeros(n, dtype=np.bool_)
    if n < 3:
        return flagged
    group_id = np.cumsum(starts)
    same_group = group_id[:-2] == group_id[2:]
    all_side = on_side[:-2] & on_side[1:-1] & on_side[2:]
    count = beyond[:-2].astype(np.int64) + beyond[1:-1] + beyond[2:]
    flagged[2:] = same_group & all_side & (count >= 2) & beyond[2:]
    return flagged


def group_latest_types(
    lines: ChartLines, settings: RuleSettings, ends: NDArray[np.int64]
) -> NDArray[np.object_]:
    """The type of the last point of each limit group (``ends`` are the groups' ends, as
    positions one past their last points), as the whole chart would give it.

    The last point of a group is the latest point of the group's part of the chart, so its type
    is the one :func:`latest_types` gives; those rules read back at most as many points as the
    longest rule's run, so only that many points of each group are read.
    """
    if not lines.included.all():  # excluded points leave the runs: read every point
        return latest_types(lines, settings)[ends - 1]
    reach = max(settings.shift_points, settings.trend_points, 3)
    starts = np.concatenate([[0], ends[:-1]]).astype(np.int64)
    first = np.maximum(starts, ends - reach)
    counts = ends - first
    at = np.repeat(first - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    picked = at + np.arange(int(counts.sum()))
    part = ChartLines(
        values=lines.values[picked],
        centre=lines.centre[picked],
        lpl=lines.lpl[picked],
        upl=lines.upl[picked],
        near_lpl=lines.near_lpl[picked],
        near_upl=lines.near_upl[picked],
        group=np.repeat(np.arange(ends.size, dtype=np.int64), counts),
        included=np.ones(picked.size, dtype=np.bool_),
    )
    latest: NDArray[np.object_] = latest_types(part, settings)[np.cumsum(counts) - 1]
    return latest
