"""The one rules engine behind every SPC chart: Making Data Count rules, point types and icons.

Every chart (XmR, p, u, c and Laney's p′/u′) hands this module the same thing: the plotted values,
the centre line, the process limits and the near (2σ) limits per point, the limit group of each
point and which points are excluded. The engine then applies the NHS "Making Data Count" (MDC)
rules in the same way for all of them. See ``docs/methods/spc.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from caresignal.stats._checks import check_choice, check_int, readonly

__all__ = [
    "IMPROVEMENT_DIRECTIONS",
    "POINT_TYPES",
    "RULES",
    "TWO_IN_THREE_LOGICS",
    "VARIATION_ICONS",
    "ChartLines",
    "RuleOutcome",
    "RuleSettings",
    "above",
    "apply_rules",
    "assurance_icon",
    "group_starts",
    "point_types",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Rule names, highest precedence first.
RULES = ("outside_limits", "trend", "two_in_three", "shift")
POINT_TYPES = (
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neither",
)
VARIATION_ICONS = (
    "common_cause",
    "special_cause_improvement_high",
    "special_cause_improvement_low",
    "special_cause_concern_high",
    "special_cause_concern_low",
    "special_cause_neither_high",
    "special_cause_neither_low",
)
#: Improvement direction and its sign: +1 when higher values are better.
IMPROVEMENT_DIRECTIONS = {"neutral": 0, "increase": 1, "decrease": -1}
TWO_IN_THREE_LOGICS = ("current", "legacy")
#: Differences smaller than this, relative to the values compared, are floating-point rounding.
ROUNDING = 1e-12


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """The rule options shared by every chart, validated once (see :func:`apply_rules`)."""

    improvement: str = "neutral"
    trend_points: int = 7
    shift_points: int = 7
    two_in_three: str = "current"

    def __post_init__(self) -> None:
        check_choice("improvement", self.improvement, IMPROVEMENT_DIRECTIONS)
        check_int("trend_points", self.trend_points, minimum=3)
        check_int("shift_points", self.shift_points, minimum=3)
        check_choice("two_in_three", self.two_in_three, TWO_IN_THREE_LOGICS)


@dataclass(frozen=True, slots=True)
class ChartLines:
    """Per-point values and lines of a chart, as the rules engine reads them."""

    values: FloatArray
    centre: FloatArray
    lpl: FloatArray
    upl: FloatArray
    near_lpl: FloatArray
    near_upl: FloatArray
    group: NDArray[np.int64]
    included: BoolArray


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """Per-point rule labels and point types, and the latest point's variation icon."""

    rule: NDArray[np.object_]
    point_type: NDArray[np.object_]
    variation: str


def apply_rules(lines: ChartLines, settings: RuleSettings) -> RuleOutcome:
    """Apply the MDC rules to ``lines`` and classify every point.

    Each rule gives two boolean arrays: points it flags on the high side (above the centre, or in
    an increasing trend) and on the low side. The label of a point is the highest-precedence rule
    that flags it; its type weighs every rule that flags it, improvement winning over concern.
    """
    fired = _fire_rules(lines, settings)
    labels = np.full(len(lines.values), None, dtype=object)
    for name in reversed(RULES):  # lower precedence first, so higher precedence overwrites
        high, low = fired[name]
        labels[high | low] = name
    any_high = np.logical_or.reduce([fired[name][0] for name in RULES])
    any_low = np.logical_or.reduce([fired[name][1] for name in RULES])
    types = point_types(any_high, any_low, IMPROVEMENT_DIRECTIONS[settings.improvement])
    variation = _variation_icon(types[-1], bool(any_high[-1]), settings.improvement)
    return RuleOutcome(rule=readonly(labels), point_type=readonly(types), variation=variation)


def _fire_rules(
    lines: ChartLines, settings: RuleSettings
) -> dict[str, tuple[BoolArray, BoolArray]]:
    """Return, per rule, the points it flags high and low (excluded points: limits rule only)."""
    v = lines.values
    fired = {"outside_limits": (above(v, lines.upl), above(lines.lpl, v))}
    keep = np.flatnonzero(lines.included)
    kept = {f.name: getattr(lines, f.name)[keep] for f in fields(ChartLines)}
    side = above(kept["values"], kept["centre"]).astype(np.int64)
    side -= above(kept["centre"], kept["values"])
    starts = group_starts(kept["group"])
    compact = {
        "trend": _trend(kept["values"], starts, settings.trend_points),
        "two_in_three": _two_in_three(kept, side, starts, settings.two_in_three),
        "shift": _shift(side, starts, settings.shift_points),
    }
    for name, (high, low) in compact.items():
        full_high = np.zeros(len(v), dtype=np.bool_)
        full_low = np.zeros(len(v), dtype=np.bool_)
        full_high[keep] = high
        full_low[keep] = low
        fired[name] = (full_high, full_low)
    return fired


def above(a: FloatArray, b: FloatArray) -> BoolArray:
    """``a > b`` by more than floating-point rounding (a relative 1e-12).

    The centre of a constant series can differ from its values in the last bit (a mean of
    equal numbers is not always exactly that number); such a point is on the line, not beyond it.
    """
    above: BoolArray = a - b > ROUNDING * np.maximum(np.abs(a), np.abs(b))
    return above


def group_starts(group: NDArray[np.int64]) -> BoolArray:
    """True where a point starts a new limit group (runs never cross a group boundary)."""
    starts = np.ones(len(group), dtype=np.bool_)
    starts[1:] = group[1:] != group[:-1]
    return starts


def _run_lengths(keys: NDArray[np.int64], breaks: BoolArray) -> NDArray[np.int64]:
    """Length of the run of equal consecutive ``keys`` that each element belongs to.

    A run also ends where ``breaks`` is True (the element starts a new run).
    """
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = breaks.copy()
    starts[0] = True
    starts[1:] |= keys[1:] != keys[:-1]
    run_id = np.cumsum(starts) - 1
    lengths: NDArray[np.int64] = np.bincount(run_id)[run_id]
    return lengths


def _shift(side: NDArray[np.int64], starts: BoolArray, points: int) -> tuple[BoolArray, BoolArray]:
    """Points in a run of ``points`` or more on one side of the centre (a point on it breaks)."""
    long_run = _run_lengths(side, starts) >= points
    return long_run & (side == 1), long_run & (side == -1)


def _trend(values: FloatArray, starts: BoolArray, points: int) -> tuple[BoolArray, BoolArray]:
    """Points in ``points`` or more consecutive values all rising or all falling.

    An equal value breaks the trend. Step ``j`` joins point ``j`` to ``j + 1``; a step that
    crosses into a new group is 0, so a trend never spans a rebase.
    """
    n = len(values)
    if n < 2:
        empty = np.zeros(n, dtype=np.bool_)
        return empty, empty.copy()
    step = np.sign(np.diff(values)).astype(np.int64)
    step[starts[1:]] = 0
    long_run = _run_lengths(step, np.zeros(n - 1, dtype=np.bool_)) >= points - 1
    return _steps_to_points(long_run & (step == 1)), _steps_to_points(long_run & (step == -1))


def _steps_to_points(flagged_steps: BoolArray) -> BoolArray:
    """A point is in a flagged run of steps if the step into it or out of it is flagged."""
    points = np.zeros(len(flagged_steps) + 1, dtype=np.bool_)
    points[:-1] |= flagged_steps
    points[1:] |= flagged_steps
    return points


def _two_in_three(
    kept: dict[str, Any], side: NDArray[np.int64], starts: BoolArray, logic: str
) -> tuple[BoolArray, BoolArray]:
    """Points beyond a near line in a window of three with two beyond it, all on one side.

    Only the points beyond the near line are flagged (the point between them is not). The
    ``"current"`` logic counts points beyond the process limit too; ``"legacy"`` counts only
    points between the near line and the process limit.
    """
    v = kept["values"]
    beyond_high = above(v, kept["near_upl"])
    beyond_low = above(kept["near_lpl"], v)
    if logic == "legacy":
        beyond_high &= ~above(v, kept["upl"])
        beyond_low &= ~above(kept["lpl"], v)
    return (
        _in_flagged_window(beyond_high, side == 1, starts),
        _in_flagged_window(beyond_low, side == -1, starts),
    )


def _in_flagged_window(beyond: BoolArray, on_side: BoolArray, starts: BoolArray) -> BoolArray:
    """Flag ``beyond`` points that sit in a 3-window with >= 2 beyond and all 3 ``on_side``."""
    n = len(beyond)
    if n < 3:
        return np.zeros(n, dtype=np.bool_)
    group_id = np.cumsum(starts)
    same_group = group_id[:-2] == group_id[2:]
    all_side = on_side[:-2] & on_side[1:-1] & on_side[2:]
    count = beyond[:-2].astype(np.int64) + beyond[1:-1] + beyond[2:]
    window = same_group & all_side & (count >= 2)  # window j covers points j, j+1, j+2
    in_window = np.zeros(n, dtype=np.bool_)
    for offset in range(3):
        in_window[offset : n - 2 + offset] |= window
    return in_window & beyond


def point_types(high: BoolArray, low: BoolArray, direction: int) -> NDArray[np.object_]:
    """Classify points: improvement wins when a point is flagged both ways."""
    types = np.full(len(high), "common_cause", dtype=object)
    if direction == 0:
        types[high | low] = "special_cause_neither"
        return types
    better, worse = (high, low) if direction == 1 else (low, high)
    types[worse] = "special_cause_concern"
    types[better] = "special_cause_improvement"
    return types


def _variation_icon(point_type: str, flagged_high: bool, improvement: str) -> str:
    """The MDC variation icon for the latest point."""
    if point_type == "common_cause":
        return "common_cause"
    if point_type == "special_cause_neither":
        return "special_cause_neither_" + ("high" if flagged_high else "low")
    higher_is_better = improvement == "increase"
    is_improvement = point_type == "special_cause_improvement"
    high = is_improvement == higher_is_better
    return point_type + ("_high" if high else "_low")


def assurance_icon(target: float | None, lpl: float, upl: float, improvement: str) -> str | None:
    """The MDC assurance icon: can the process be relied on to meet ``target``?

    With higher values better, a target above the upper limit is consistently failed and one
    below the lower limit consistently passed (mirrored when lower is better); otherwise the
    target is hit or missed at random. ``None`` without a target or with neutral improvement.
    """
    if target is None or improvement == "neutral":
        return None
    if target > upl:
        return "consistently_fail" if improvement == "increase" else "consistently_pass"
    if target < lpl:
        return "consistently_pass" if improvement == "increase" else "consistently_fail"
    return "hit_or_miss"
