"""Many units' CUSUM charts carried on together (private; see :mod:`caresignal.monitor.scan`).

A rescan after one more month carries thousands of charts on by a few steps each: a month of
births at a site, or one month's count on a ward. One call of
:func:`~caresignal.monitor._scan_carry.carry_cusum` per chart then costs far more than the steps
themselves. :func:`carry_batch` carries a batch of one indicator's charts (one method) on at once,
with the units' new steps laid out as the rows of a table padded with zeros:

* each row's running sum and its running minimum are taken along the row by ``numpy.cumsum`` and
  ``numpy.minimum.accumulate``, from the row's kept running sum and minimum, exactly as
  :func:`~caresignal.stats._cusum_path.resume_path` takes them on one unit (the same additions in
  the same order, so the same numbers to the last bit);
* the episodes are found on the table: where the statistic stood at zero, where it first reached
  amber in the latest episode.

A row is carried here only when nothing rare happens in its new steps: no signal, no end of the
path's window, no step at or above red, and no ended episode that had reached red. Every other
chart (and every chart without a kept state or a kept design) goes through ``carry_cusum`` as
before. The tests compare the two on every chart of the synthetic dataset and on random charts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from caresignal.monitor._scan_carry import Carried, carry_cusum, finish
from caresignal.monitor._scan_cusum import ChartState, Climb, reset_threshold
from caresignal.monitor._scan_units import HOLD_DAYS, CusumTask, chart_ratio
from caresignal.monitor.thresholds import ThresholdCache, ThresholdDesign
from caresignal.stats._cusum_checks import check_signal_rule
from caresignal.stats._cusum_path import PathState
from caresignal.stats._cusum_weights import (
    bernoulli_weights,
    poisson_weights,
    valid_bernoulli,
    valid_poisson,
)

__all__ = ["BATCH_UNITS", "CusumBatch", "carry_batch", "cusum_batches"]

#: Most charts in one batch (a cluster backend can still spread the batches out).
BATCH_UNITS = 512
#: Largest table of padded steps carried at once; a batch with more goes chart by chart.
MOST_CELLS = 1 << 22

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True, eq=False)
class CusumBatch:
    """Several units' :class:`CusumTask` of one indicator and method."""

    tasks: tuple[CusumTask, ...]

    @property
    def units(self) -> tuple[str, ...]:
        """The units of the batch, in order."""
        return tuple(task.unit for task in self.tasks)


def cusum_batches(tasks: Sequence[CusumTask], size: int = BATCH_UNITS) -> list[CusumBatch]:
    """``tasks`` (one indicator and method) in batches of at most ``size`` charts, in order."""
    return [CusumBatch(tuple(tasks[i : i + size])) for i in range(0, len(tasks), size)]


def carry_batch(batch: CusumBatch, cache: ThresholdCache | None = None) -> list[Carried]:
    """``[carry_cusum(task, cache) for task in batch.tasks]``, most charts carried together."""
    tasks = batch.tasks
    done: dict[int, Carried] = {}
    together = _together(tasks)
    if together:
        done = _carry_together([tasks[i] for i in together], together)
    return [done[i] if i in done else carry_cusum(task, cache) for i, task in enumerate(tasks)]


def _together(tasks: Sequence[CusumTask]) -> list[int]:
    """The positions of the charts that may be carried together: each has a kept state and
    design, and all share the first one's method and as-of date."""
    if not tasks:
        return []
    first = tasks[0]
    return [
        i
        for i, task in enumerate(tasks)
        if task.state is not None
        and task.design is not None
        and task.method == first.method
        and task.as_of == first.as_of
    ]


@dataclass(frozen=True, slots=True, eq=False)
class _Chart:
    """A chart carried here: its task, kept state and kept design."""

    task: CusumTask
    state: ChartState
    design: ThresholdDesign


@dataclass(frozen=True, slots=True, eq=False)
class _Table:
    """The new steps of several charts, one row each, padded with zeros to the longest."""

    sizes: IntArray
    weights: FloatArray  # (rows, longest)
    valid: BoolArray  # (rows, longest): a step, not padding


@dataclass(frozen=True, slots=True, eq=False)
class _Rows:
    """What the table gives each row: running sums and minima, the statistic, the rows that must
    go chart by chart, and (as steps of the row, -1 for none) where the latest episode began
    among the new steps and where it first reached amber."""

    total: FloatArray
    low: FloatArray
    statistic: FloatArray
    rare: BoolArray
    last_start: IntArray
    first_amber: IntArray


def _carry_together(tasks: list[CusumTask], positions: list[int]) -> dict[int, Carried]:
    """The charts carried here, by position in the batch (the rest are left out)."""
    first = tasks[0]
    since = np.datetime64(first.as_of - dt.timedelta(days=HOLD_DAYS - 1), "D")
    reset_after = str(first.method.get("reset_after"))
    done: dict[int, Carried] = {}
    stepped: list[tuple[int, _Chart]] = []
    for position, task in zip(positions, tasks, strict=True):
        assert task.state is not None
        assert task.design is not None
        if task.days.size == 0:  # the chart is only brought to the as-of date
            done[position] = finish(task, task.design, task.state, since, reset_after)
        else:
            stepped.append((position, _Chart(task, task.state, task.design)))
    if stepped:
        moved = _moved([chart for _, chart in stepped])
        for (position, chart), state in zip(stepped, moved, strict=True):
            if state is not None:
                done[position] = finish(chart.task, chart.design, state, since, reset_after)
    return done


def _moved(charts: list[_Chart]) -> list[ChartState | None]:
    """Each chart's state after its new steps, or None where it must go chart by chart."""
    table = _table([chart.task for chart in charts])
    if table is None:
        return [None] * len(charts)
    rows = _rows(table, charts)
    moved: list[ChartState | None] = []
    for row, chart in enumerate(charts):
        if rows.rare[row]:
            moved.append(None)
            continue
        size, path = int(table.sizes[row]), chart.state.path
        after = PathState(
            path.steps + size,
            path.position,
            path.window,
            path.level,
            float(rows.total[row, size - 1]),
            float(rows.low[row, size - 1]),
            path.last_signal,
        )
        climb = _climb(chart, int(rows.last_start[row]), int(rows.first_amber[row]))
        statistic = float(rows.statistic[row, size - 1])
        moved.append(ChartState(after, statistic, False, climb, chart.state.held))
    return moved


def _rows(table: _Table, charts: list[_Chart]) -> _Rows:
    """The statistic of every row and its episodes (see :class:`_Rows`)."""
    method = charts[0].task.method
    reset_after = str(method.get("reset_after"))
    strict = check_signal_rule(str(method.get("signal_rule")))
    amber = np.array([chart.design.amber.h for chart in charts])
    red = np.array([chart.design.red.h for chart in charts])
    h = np.array(
        [
            reset_threshold(amber=a, red=r, reset_after=reset_after)
            for a, r in zip(amber, red, strict=True)
        ]
    )
    paths = [chart.state.path for chart in charts]
    total, low, statistic = _statistic(table, paths)
    valid, steps = table.valid, np.arange(table.valid.shape[1])
    rare = (_reaches(statistic, h, strict) & valid).any(axis=1)
    rare |= (_reaches(statistic, red, strict) & valid).any(axis=1)
    ends = np.array([path.position + path.window - path.steps for path in paths])
    rare |= ends <= table.sizes  # the path's window ends among the new steps
    begins = _episode_starts(statistic, [chart.state for chart in charts], valid)
    last_start = np.where(begins, steps, -1).max(axis=1)
    held_red = np.array([chart.state.climb.red is not None for chart in charts])
    rare |= held_red & (last_start >= 0)  # an episode that reached red ends here
    latest = steps >= np.maximum(last_start, 0)[:, None]
    ambers = _reaches(statistic, amber, strict) & valid & latest
    first_amber = np.where(ambers.any(axis=1), ambers.argmax(axis=1), -1)
    return _Rows(total, low, statistic, rare, last_start, first_amber)


def _table(tasks: list[CusumTask]) -> _Table | None:
    """The charts' new steps and their weights as a table, or None when their values need the
    checks (and messages) of :mod:`caresignal.stats.cusum` or the table would be too large."""
    sizes = np.array([task.days.size for task in tasks], dtype=np.int64)
    longest = int(sizes.max())
    if longest * len(tasks) > MOST_CELLS:
        return None
    observed = np.concatenate([task.observed for task in tasks])
    expected = np.concatenate([task.expected for task in tasks])
    ratio = chart_ratio(tasks[0])
    if tasks[0].method.method == "bernoulli_cusum":
        if not valid_bernoulli(observed, expected):
            return None
        flat = bernoulli_weights(observed == 1.0, expected, float(ratio))
    else:
        if not valid_poisson(observed, expected):
            return None
        flat = poisson_weights(observed, expected, float(ratio))
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    rows = np.repeat(np.arange(len(tasks)), sizes)
    columns = np.arange(flat.size) - np.repeat(starts, sizes)
    weights = np.zeros((len(tasks), longest))
    weights[rows, columns] = flat
    valid = np.zeros((len(tasks), longest), dtype=bool)
    valid[rows, columns] = True
    return _Table(sizes, weights, valid)


def _statistic(table: _Table, paths: list[PathState]) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Each row's running sum, running minimum and statistic, carried on from its path's state
    as :func:`~caresignal.stats._cusum_path.resume_path` carries them (the window is not cut by
    a signal or its own end in these steps, or the row is left to go chart by chart)."""
    rows, longest = table.weights.shape
    total = np.empty((rows, longest))
    low = np.empty((rows, longest))
    fresh = np.array([path.total is None or path.floor is None for path in paths])
    if fresh.any():  # the window starts here: sums from zero, the minimum cut at -level
        level = np.array([path.level for path in paths])[fresh]
        sums = np.cumsum(table.weights[fresh], axis=1)
        lows = np.minimum.accumulate(sums, axis=1)
        np.minimum(lows, -level[:, None], out=lows)
        total[fresh], low[fresh] = sums, lows
    kept = ~fresh
    if kept.any():  # the window goes on: its running sum and minimum from where they stood
        before = np.array(
            [path.total for path in paths if path.total is not None and path.floor is not None]
        )
        floor = np.array(
            [path.floor for path in paths if path.total is not None and path.floor is not None]
        )
        sums = np.cumsum(np.hstack([before[:, None], table.weights[kept]]), axis=1)[:, 1:]
        lows = np.minimum.accumulate(np.hstack([floor[:, None], sums]), axis=1)[:, 1:]
        total[kept], low[kept] = sums, lows
    return total, low, total - low


def _reaches(statistic: FloatArray, h: FloatArray, strict: bool) -> BoolArray:
    """Where each row's statistic reaches its ``h`` (passes it, when ``strict``)."""
    column = h[:, None]
    return np.greater(statistic, column) if strict else np.greater_equal(statistic, column)


def _episode_starts(
    statistic: FloatArray, states: Sequence[ChartState], valid: BoolArray
) -> BoolArray:
    """Where an episode begins among the new steps: after a step at or below zero (the kept
    last step for the first one) or after a signal."""
    begins = np.zeros_like(valid)
    begins[:, 0] = [state.statistic <= 0.0 or state.signalled for state in states]
    np.less_equal(statistic[:, :-1], 0.0, out=begins[:, 1:])
    return begins & valid


def _climb(chart: _Chart, last_start: int, amber: int) -> Climb:
    """The chart's latest episode after its new steps (none of which reached red): the kept
    climb carried on when no episode began among them, else the one that began last."""
    task, base = chart.task, chart.state.path.steps
    amber_step = None if amber < 0 else base + amber
    if last_start < 0:
        old = chart.state.climb
        reached = old.amber if old.amber is not None else amber_step
        level = old.red if old.red is not None else reached
        crossed = old.crossed
        if level is not None and level >= base:
            crossed = np.datetime64(task.days[level - base], "D")
        return Climb(
            old.first,
            reached,
            old.red,
            old.began,
            crossed,
            old.observed + float(task.observed.sum()),
            np.concatenate([old.expected, task.expected]),
        )
    window = slice(last_start, None)
    return Climb(
        base + last_start,
        amber_step,
        None,
        np.datetime64(task.days[last_start], "D"),
        None if amber < 0 else np.datetime64(task.days[amber], "D"),
        float(task.observed[window].sum()),
        task.expected[window],
    )
