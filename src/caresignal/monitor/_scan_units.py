"""The per-series work of a scan: each function reads one (unit, indicator, method) series
alone (private; see :mod:`caresignal.monitor.scan`).

A task holds one unit's arrays and everything the chart needs; its function returns that
unit's :class:`Outcome`. Nothing here reads another unit or the data directory, so a backend
may run the tasks anywhere (a loop here, ``applyInPandas`` on a cluster).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from caresignal.monitor import _scan_words as words
from caresignal.monitor._catalogue_types import Indicator, MethodSpec
from caresignal.monitor._scan_cusum import ChartState, Episode, episodes, reset_threshold
from caresignal.monitor._scan_types import Finding, Skipped
from caresignal.monitor.thresholds import (
    FalseAlarmTargets,
    LevelDesign,
    ThresholdCache,
    ThresholdDesign,
    design_bernoulli,
    design_key,
    design_poisson,
)
from caresignal.stats import cusum, spc
from caresignal.stats.design import CaseMix, Chart, case_mix, expected_mix

__all__ = [
    "HOLD_DAYS",
    "MIN_BASELINE_STEPS",
    "MIN_POINTS",
    "ChartPoints",
    "CusumTask",
    "DesignInput",
    "EpisodeSums",
    "Outcome",
    "SpcTask",
    "chart_direction",
    "chart_episodes",
    "chart_ratio",
    "chart_words",
    "cusum_chart",
    "cusum_finding",
    "day_of",
    "design_input",
    "design_settled",
    "month_end",
    "run_cusum",
    "run_spc",
    "spc_options",
]

FloatArray = NDArray[np.float64]
Days = NDArray[np.datetime64]
IntArray = NDArray[np.int64]

#: A red signal stays a finding for this many days after it fired (the chart has reset).
HOLD_DAYS = 365
#: Fewest baseline steps (cases or periods) a unit needs for its own threshold design.
MIN_BASELINE_STEPS = 12
#: Fewest monthly points an SPC chart needs before its rules are read.
MIN_POINTS = 12


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one unit's chart gave: a finding (or None), a reason it was skipped, its design."""

    finding: Finding | None = None
    skipped: Skipped | None = None
    design: ThresholdDesign | None = None


@dataclass(frozen=True, slots=True, eq=False)
class CusumTask:
    """One unit's CUSUM: its steps' days, observed counts and expected values, in time order.

    For a Bernoulli chart each step is a case (``observed`` 0/1, ``expected`` its risk); for a
    Poisson chart each step is a period (counts and expected counts). ``baseline`` is the run
    of steps in the baseline window the thresholds are designed on, and ``years`` the length of
    the unit's part of that window in years. ``given`` is :func:`design_input`'s answer when it
    was worked out already (by :class:`~caresignal.monitor._scan_designs.DesignPool`). ``state``
    is the chart after the steps before these, when it is carried on from an earlier scan
    (:mod:`caresignal.monitor._scan_carry`); the steps are then only the new ones. ``settled``
    says that the baseline window ended before the as-of date, so later steps cannot fall in it;
    ``design`` is the chart's design when it is known already (kept with the state).
    """

    indicator: Indicator
    method: MethodSpec
    unit: str
    days: Days
    observed: FloatArray
    expected: FloatArray
    baseline: slice
    years: float
    as_of: dt.date
    expected_from: str
    given: DesignInput | str | None = None
    state: ChartState | None = None
    settled: bool = False
    design: ThresholdDesign | None = None


def _skip(task: CusumTask | SpcTask, reason: str) -> Outcome:
    return Outcome(skipped=Skipped(task.unit, task.indicator.id, task.method.method, reason))


def day_of(value: np.datetime64) -> dt.date:
    """A numpy day (or time) as a date."""
    return dt.date.fromisoformat(str(value.astype("datetime64[D]")))


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    following = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class DesignInput:
    """What a unit's threshold design is computed from: the chart, the case-mix summary of its
    baseline steps, the ratio to detect, its steps a year and the false-alarm targets."""

    chart: Chart
    mix: CaseMix
    ratio: float
    per_year: float
    targets: FalseAlarmTargets

    @property
    def key(self) -> tuple[Any, ...]:
        """The design's key in a :class:`ThresholdCache`."""
        return design_key(self.chart, self.mix, self.ratio, self.per_year, self.targets)


def design_input(task: CusumTask) -> DesignInput | str:
    """What the unit's design is computed from, or why it has none."""
    if task.given is not None:
        return task.given
    method = task.method
    steps = task.expected[task.baseline]  # a slice: the unit's steps are in time order
    if steps.size < MIN_BASELINE_STEPS or not task.years > 0:
        steps = task.expected
        years = _span_years(task.days)
    else:
        years = task.years
    if steps.size < MIN_BASELINE_STEPS or not years > 0:
        return f"fewer than {MIN_BASELINE_STEPS} steps to design thresholds on"
    if not (np.all(np.isfinite(steps)) and np.all(steps > 0)):
        return "no expected value for some steps (no baseline rate)"
    per_year = steps.size / years
    targets = task.indicator.false_alarms
    if method.method == "bernoulli_cusum":
        if not np.all(steps < 1.0):
            return "expected risks must be below 1"
        ratio = float(method.get("odds_ratio"))  # type: ignore[arg-type]
        return DesignInput("bernoulli", case_mix(steps), ratio, per_year, targets)
    ratio = float(method.get("rate_ratio"))  # type: ignore[arg-type]
    return DesignInput("poisson", expected_mix(steps), ratio, per_year, targets)


def design_settled(task: CusumTask) -> bool:
    """Whether the unit's design input can no longer change as steps are added: it comes from
    the baseline window's steps (enough of them) and that window ended before the as-of date."""
    steps = task.baseline.stop - task.baseline.start
    return task.settled and steps >= MIN_BASELINE_STEPS and task.years > 0


def design_for(task: CusumTask, cache: ThresholdCache | None) -> ThresholdDesign | str:
    """The unit's amber and red thresholds from its baseline steps, or why there are none."""
    if task.design is not None:
        return task.design
    given = design_input(task)
    if isinstance(given, str):
        return given
    if given.chart == "bernoulli":
        return design_bernoulli(
            given.mix,
            odds_ratio=given.ratio,
            cases_per_year=given.per_year,
            targets=given.targets,
            cache=cache,
        )
    return design_poisson(
        given.mix,
        rate_ratio=given.ratio,
        periods_per_year=given.per_year,
        targets=given.targets,
        cache=cache,
    )


def _span_years(days: Days) -> float:
    if days.size == 0:
        return 0.0
    span = (days[-1] - days[0]).astype("timedelta64[D]").astype(np.int64) + 1
    return float(span) / 365.25


def cusum_chart(task: CusumTask, design: ThresholdDesign) -> tuple[cusum.CusumResult, float]:
    """The unit's chart, run to reset where the method says, and the h it was run with."""
    method = task.method
    reset_after = str(method.get("reset_after"))
    h = reset_threshold(amber=design.amber.h, red=design.red.h, reset_after=reset_after)
    rule = str(method.get("signal_rule"))
    if method.method == "bernoulli_cusum":
        ratio = float(method.get("odds_ratio"))  # type: ignore[arg-type]
        chart = cusum.bernoulli(
            task.observed, task.expected, odds_ratio=ratio, h=h, reset=True, signal_rule=rule
        )
    else:
        ratio = float(method.get("rate_ratio"))  # type: ignore[arg-type]
        chart = cusum.poisson(
            task.observed, task.expected, rate_ratio=ratio, h=h, reset=True, signal_rule=rule
        )
    return chart, h


def chart_episodes(
    task: CusumTask, cache: ThresholdCache | None
) -> tuple[ThresholdDesign, tuple[Episode, ...]] | str:
    """The unit's thresholds and every episode of its chart that reached amber, or why it has
    no chart (no cases, no design)."""
    if task.days.size == 0:
        return "no cases"
    design = design_for(task, cache)
    if isinstance(design, str):
        return design
    chart, _ = cusum_chart(task, design)
    found = episodes(
        chart,
        amber=design.amber.h,
        red=design.red.h,
        reset_after=str(task.method.get("reset_after")),
    )
    return design, found


def chart_ratio(task: CusumTask) -> float:
    """The odds ratio (Bernoulli) or rate ratio (Poisson) the unit's chart watches for."""
    name = "odds_ratio" if task.method.method == "bernoulli_cusum" else "rate_ratio"
    return float(task.method.get(name))  # type: ignore[arg-type]


def chart_direction(task: CusumTask) -> str:
    """``concern`` when the chart watches for a change the indicator calls worse."""
    worse = (chart_ratio(task) > 1.0) == (task.indicator.worse == "higher")
    return "concern" if worse else "improvement"


def run_cusum(task: CusumTask, cache: ThresholdCache | None = None) -> Outcome:
    """The unit's current CUSUM finding, if any (see :func:`current_episode`)."""
    charted = chart_episodes(task, cache)
    if isinstance(charted, str):
        return _skip(task, charted)
    design, found = charted
    episode, signals = current_episode(found, task.days, task.as_of)
    if episode is None:
        return Outcome(design=design)
    return Outcome(finding=_cusum_finding(task, design, episode, signals), design=design)


def current_episode(
    found: tuple[Episode, ...], days: Days, as_of: dt.date
) -> tuple[Episode | None, int]:
    """The episode a scan reports, and the red signals of the last :data:`HOLD_DAYS` days.

    The latest red episode that crossed red within the hold period; else the ongoing episode if
    it has crossed amber; else none.
    """
    since = np.datetime64(as_of - dt.timedelta(days=HOLD_DAYS - 1), "D")
    recent_red = [e for e in found if e.red is not None and days[e.red] >= since]
    if recent_red:
        return recent_red[-1], len(recent_red)
    if found and found[-1].ongoing:
        return found[-1], 0
    return None, 0


def _cusum_finding(
    task: CusumTask, design: ThresholdDesign, episode: Episode, signals: int
) -> Finding:
    window = slice(episode.began, episode.end + 1)
    return cusum_finding(
        task,
        design,
        EpisodeSums(
            began=task.days[episode.began],
            crossed=task.days[episode.crossed],
            red=episode.red is not None,
            observed=float(task.observed[window].sum()),
            expected=float(task.expected[window].sum()),
        ),
        signals,
    )


@dataclass(frozen=True, slots=True)
class EpisodeSums:
    """What a finding says of an episode: its first day, the day it crossed its highest level,
    whether that was red, and its events observed and expected."""

    began: np.datetime64
    crossed: np.datetime64
    red: bool
    observed: float
    expected: float


def cusum_finding(
    task: CusumTask, design: ThresholdDesign, episode: EpisodeSums, signals: int
) -> Finding:
    """The finding of the unit's chart for ``episode`` (with ``signals`` recent red signals)."""
    method = task.method
    ratio = chart_ratio(task)
    direction = chart_direction(task)
    observed, expected = episode.observed, episode.expected
    interval = words.ratio_interval(observed, expected)
    oe = observed / expected if expected > 0 else None
    level: LevelDesign = design.red if episode.red else design.amber
    began = day_of(episode.began)
    return Finding(
        unit=task.unit,
        indicator=task.indicator.id,
        title=task.indicator.title,
        method=method.method,
        chart=chart_words(method.method, ratio, task.expected_from),
        level="red" if episode.red else "amber",
        direction=direction,
        first_crossed=day_of(episode.crossed),
        change_began=began,
        observed=observed,
        expected=expected,
        ratio=oe,
        ratio_low=interval[0],
        ratio_high=interval[1],
        threshold=level.h,
        false_alarm=level.sentence,
        signals=signals,
        explanation=words.cusum_sentence(
            task.indicator,
            began=began,
            observed=observed,
            expected=expected,
            expected_from=task.expected_from,
            direction=direction,
            years_between=level.years_between,
            ratio=(oe, *interval),
        ),
    )


def chart_words(method: str, ratio: float, expected_from: str) -> str:
    """The CUSUM in words, as findings name it: "risk-adjusted Bernoulli CUSUM for a doubling
    of the odds"."""
    kind = {
        "risk_model": "risk-adjusted",
        "reference": "unadjusted",
        "provided": "expected-count",
    }[expected_from]
    what = "odds" if method == "bernoulli_cusum" else "rate"
    change = {2.0: "a doubling", 0.5: "a halving"}.get(ratio, f"a change of {ratio:g} times")
    chart = "Bernoulli" if method == "bernoulli_cusum" else "Poisson"
    return f"{kind} {chart} CUSUM for {change} of the {what}"


@dataclass(frozen=True, slots=True, eq=False)
class SpcTask:
    """One unit's monthly points: period starts, numerators and denominators (complete months)."""

    indicator: Indicator
    method: MethodSpec
    unit: str
    periods: Days
    numerator: FloatArray
    denominator: FloatArray


def spc_options(indicator: Indicator, method: MethodSpec) -> dict[str, Any]:
    """The keyword arguments of the :mod:`caresignal.stats.spc` chart that ``method`` gives.

    ``improvement`` defaults to the opposite of the indicator's ``worse``; the target is in the
    chart's units (times the multiplier). The multiplier and Laney's option are left to the
    caller (an XmR chart takes values already multiplied).
    """
    improvement = method.get("improvement")
    if improvement is None:
        improvement = "decrease" if indicator.worse == "higher" else "increase"
    names = ("target", "trend_points", "shift_points", "two_in_three", "baseline_points")
    options: dict[str, Any] = {"improvement": improvement}
    options |= {name: method.get(name) for name in (*names, "screen_outliers")}
    return options


def spc_chart(task: SpcTask, rebase_at: Sequence[int] | IntArray = ()) -> spc.ControlChart:
    """The unit's Making Data Count chart of the method (p, u or XmR).

    ``rebase_at`` starts a new limit group at those points (several units' points laid end to
    end, see :mod:`caresignal.monitor._scan_spc`).
    """
    method = task.method
    options = spc_options(task.indicator, method) | {"rebase_at": rebase_at}
    multiplier = float(method.get("multiplier"))  # type: ignore[arg-type]
    if method.method == "xmr":
        values = task.numerator / task.denominator * multiplier
        return spc.xmr(values, **options)
    chart = spc.p_chart if method.method == "p_chart" else spc.u_chart
    laney = bool(method.get("laney"))
    return chart(task.numerator, task.denominator, laney=laney, multiplier=multiplier, **options)


class ChartPoints(Protocol):
    """What :func:`run_spc` reads of a chart: its values, centre, point types and rules."""

    @property
    def values(self) -> FloatArray: ...

    @property
    def centre(self) -> FloatArray: ...

    @property
    def point_type(self) -> NDArray[np.object_]: ...

    @property
    def rule(self) -> NDArray[np.object_]: ...


#: Points a rule needs before it flags, by rule (``None``: read from the method).
_RULE_POINTS = {"outside_limits": 1, "two_in_three": 2}


def run_spc(task: SpcTask, chart: ChartPoints | None = None) -> Outcome:
    """The unit's finding if its latest month is a special cause (Making Data Count).

    ``chart`` is the unit's chart when it was computed already (with other units' charts).
    """
    if task.periods.size < MIN_POINTS:
        return _skip(task, f"fewer than {MIN_POINTS} complete months")
    if chart is None:
        chart = spc_chart(task)
    kind = str(chart.point_type[-1])
    if kind not in ("special_cause_concern", "special_cause_improvement"):
        return Outcome()
    last = task.periods.size - 1
    first = last
    while first > 0 and chart.point_type[first - 1] == kind:
        first -= 1
    rule = str(chart.rule[last])
    need = _RULE_POINTS.get(rule) or int(task.method.get(f"{rule}_points"))  # type: ignore[arg-type]
    crossed = min(first + need - 1, last)
    return Outcome(finding=_spc_finding(task, chart, rule, first, crossed, kind))


def _spc_finding(
    task: SpcTask, chart: ChartPoints, rule: str, first: int, crossed: int, kind: str
) -> Finding:
    direction = "concern" if kind == "special_cause_concern" else "improvement"
    run = slice(first, task.periods.size)
    multiplier = float(task.method.get("multiplier"))  # type: ignore[arg-type]
    centre = float(chart.centre[-1])
    if task.method.method == "xmr":
        observed = float(np.mean(chart.values[run]))
        expected: float | None = centre
        oe: float | None = None
        interval: tuple[float | None, float | None] = (None, None)
    else:
        observed = float(task.numerator[run].sum())
        expected = float((task.denominator[run] * centre / multiplier).sum())
        oe = observed / expected if expected > 0 else None
        interval = words.ratio_interval(observed, expected)
    unit = " %" if multiplier == 100.0 else (f" per {multiplier:,g}" if multiplier > 1 else "")
    began = day_of(task.periods[first])
    return Finding(
        unit=task.unit,
        indicator=task.indicator.id,
        title=task.indicator.title,
        method=task.method.method,
        chart=_SPC_WORDS[task.method.method],
        level=rule,
        direction=direction,
        first_crossed=day_of(task.periods[crossed]),
        change_began=began,
        observed=observed,
        expected=expected,
        ratio=oe,
        ratio_low=interval[0],
        ratio_high=interval[1],
        threshold=None,
        false_alarm=None,
        signals=0,
        explanation=words.spc_sentence(
            task.indicator,
            rule=rule,
            began=began,
            latest_day=day_of(task.periods[-1]),
            points=task.periods.size - first,
            latest=float(chart.values[-1]),
            centre=centre,
            unit=unit,
            direction=direction,
        ),
    )


_SPC_WORDS = {
    "p_chart": "monthly p chart (Making Data Count rules)",
    "u_chart": "monthly u chart (Making Data Count rules)",
    "xmr": "monthly XmR chart (Making Data Count rules)",
}
