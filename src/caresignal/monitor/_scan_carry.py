"""A unit's CUSUM chart run, or carried on from an earlier scan, with its state kept (private;
see :mod:`caresignal.monitor.scan`).

:func:`carry_cusum` gives the same outcome as :func:`~caresignal.monitor._scan_units.run_cusum`
and also the chart's :class:`~caresignal.monitor._scan_cusum.ChartState`: where the statistic
stands, its latest episode and the red episodes still within the hold period. Given a task whose
``state`` is that of an earlier scan and whose steps are only the new ones, it carries the chart
on, and the outcome is exactly the one the whole chart would give: the statistic is carried to
the last bit (:func:`~caresignal.stats._cusum_path.resume_path`), and each finding's observed and
expected events are summed over the same steps. The state is a function of the unit's steps
alone, so the task still reads one unit's series only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from caresignal.monitor._scan_cusum import ChartState, carry, reset_threshold
from caresignal.monitor._scan_types import Skipped
from caresignal.monitor._scan_units import (
    HOLD_DAYS,
    CusumTask,
    EpisodeSums,
    Outcome,
    chart_ratio,
    cusum_finding,
    design_for,
)
from caresignal.monitor.thresholds import ThresholdCache, ThresholdDesign
from caresignal.stats import cusum
from caresignal.stats._cusum_checks import check_signal_rule
from caresignal.stats._cusum_weights import (
    bernoulli_weights,
    poisson_weights,
    valid_bernoulli,
    valid_poisson,
)

__all__ = ["Carried", "carry_cusum", "finish", "latest_episode"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True, eq=False)
class Carried:
    """A chart's outcome and its state after the task's steps (None when it has no chart)."""

    outcome: Outcome
    state: ChartState | None


def carry_cusum(task: CusumTask, cache: ThresholdCache | None = None) -> Carried:
    """The unit's current CUSUM finding, if any, and the chart's state (see module docs)."""
    if task.days.size == 0 and task.state is None:
        return Carried(_skip(task, "no cases"), None)
    design = design_for(task, cache)
    if isinstance(design, str):
        return Carried(_skip(task, design), None)
    method = task.method
    reset_after = str(method.get("reset_after"))
    ratio = chart_ratio(task)
    weights = _weights(task, ratio)
    state = carry(
        task.state,
        (task.days, task.observed, task.expected),
        weights,
        h=reset_threshold(amber=design.amber.h, red=design.red.h, reset_after=reset_after),
        strict=check_signal_rule(str(method.get("signal_rule"))),
        amber=design.amber.h,
        red=design.red.h,
    )
    assert state is not None  # a chart with steps
    since = np.datetime64(task.as_of - dt.timedelta(days=HOLD_DAYS - 1), "D")
    return finish(task, design, state, since, reset_after)


def finish(
    task: CusumTask,
    design: ThresholdDesign,
    state: ChartState,
    since: np.datetime64,
    reset_after: str,
) -> Carried:
    """The chart's outcome from its state after the task's steps: red episodes that ended
    before ``since`` (the start of the hold period) are dropped, and the episode a scan reports
    becomes the finding."""
    if any(held.red < since for held in state.held):
        state = replace(state, held=tuple(h for h in state.held if h.red >= since))
    found = latest_episode(state, since, reset_after)
    if found is None:
        return Carried(Outcome(design=design), state)
    episode, signals = found
    finding = cusum_finding(task, design, episode, signals)
    return Carried(Outcome(finding=finding, design=design), state)


def _weights(task: CusumTask, ratio: float) -> FloatArray:
    """The weights of the task's steps (by :mod:`caresignal.stats.cusum`'s own formulas; its
    checks, with their messages, run only when the quick check here finds a bad value)."""
    observed, expected = task.observed, task.expected
    if task.days.size == 0:
        return np.zeros(0)  # no new steps: the chart is only brought to the as-of date
    if task.method.method == "bernoulli_cusum":
        if valid_bernoulli(observed, expected):
            return bernoulli_weights(observed == 1.0, expected, float(ratio))
        return cusum.weights(observed, expected, odds_ratio=ratio)
    if valid_poisson(observed, expected):
        return poisson_weights(observed, expected, float(ratio))
    return cusum.poisson_weights(observed, expected, rate_ratio=ratio)


def latest_episode(
    state: ChartState, since: np.datetime64, reset_after: str
) -> tuple[EpisodeSums, int] | None:
    """The episode a scan reports, and the red signals on or after ``since``, as
    :func:`~caresignal.monitor._scan_units.current_episode` finds them on the whole chart."""
    climb = state.climb
    recent = [held for held in state.held if held.red >= since]
    sums = None
    if climb.crossed is not None:
        sums = EpisodeSums(
            began=climb.began,
            crossed=climb.crossed,
            red=climb.red is not None,
            observed=climb.observed,
            expected=float(climb.expected.sum()),
        )
    if sums is not None and sums.red and sums.crossed >= since:
        return sums, len(recent) + 1
    if recent:
        last = recent[-1]
        return EpisodeSums(last.began, last.red, True, last.observed, last.expected), len(recent)
    if sums is not None and not (reset_after != "none" and state.signalled):
        return sums, 0
    return None


def _skip(task: CusumTask, reason: str) -> Outcome:
    return Outcome(skipped=Skipped(task.unit, task.indicator.id, task.method.method, reason))
