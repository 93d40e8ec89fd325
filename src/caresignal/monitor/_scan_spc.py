"""Many units' monthly SPC charts computed as one chart (private; see
:mod:`caresignal.monitor.scan`).

The SPC functions of :mod:`caresignal.stats.spc` compute their limits and rules per **limit
group** (sums with ``numpy.bincount``, runs that never cross a group boundary). Laid end to end
with a rebase at each unit's first month, many units' points therefore give each unit exactly
the chart it would have alone: the same sums, added in the same order, and the same rules. An
:class:`SpcBatch` is such a set of units; :func:`run_spc_batch` returns each unit's
:class:`Outcome`, equal to :func:`run_spc` of its task (the tests check this on every chart), in
a fraction of the time: the per-chart Python work is paid once per batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from caresignal.monitor._scan_units import MIN_POINTS, Outcome, SpcTask, run_spc, spc_chart
from caresignal.stats import spc

__all__ = ["BATCH_UNITS", "SpcBatch", "run_spc_batch", "spc_batches"]

#: Most units in one batch (a cluster backend can still spread the batches out).
BATCH_UNITS = 512


@dataclass(frozen=True, slots=True, eq=False)
class SpcBatch:
    """Several units' :class:`SpcTask` of one indicator and method, run as one chart."""

    tasks: tuple[SpcTask, ...]

    @property
    def units(self) -> tuple[str, ...]:
        """The units of the batch, in order."""
        return tuple(task.unit for task in self.tasks)


def spc_batches(tasks: Sequence[SpcTask], size: int = BATCH_UNITS) -> list[SpcBatch]:
    """``tasks`` (one indicator and method) in batches of at most ``size`` units, in order."""
    return [SpcBatch(tuple(tasks[i : i + size])) for i in range(0, len(tasks), size)]


@dataclass(frozen=True, slots=True)
class _UnitChart:
    """One unit's part of the combined chart: what :func:`run_spc` reads of a chart."""

    values: NDArray[np.float64]
    centre: NDArray[np.float64]
    point_type: NDArray[np.object_]
    rule: NDArray[np.object_]


def run_spc_batch(batch: SpcBatch) -> list[Outcome]:
    """Each unit's :func:`run_spc` outcome, from one chart of every unit with enough months."""
    charted = [task for task in batch.tasks if task.periods.size >= MIN_POINTS]
    if not charted:
        return [run_spc(task) for task in batch.tasks]
    lengths = np.array([task.periods.size for task in charted], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    first = charted[0]
    joined = SpcTask(
        first.indicator,
        first.method,
        first.unit,
        np.concatenate([task.periods for task in charted]),
        np.concatenate([task.numerator for task in charted]),
        np.concatenate([task.denominator for task in charted]),
    )
    whole = spc_chart(joined, rebase_at=offsets[1:-1])
    last = np.asarray(whole.point_type)[offsets[1:] - 1]
    special = (last == "special_cause_concern") | (last == "special_cause_improvement")
    parts = {
        id(task): _part(whole, int(offsets[i]), int(offsets[i + 1]))
        for i, task in enumerate(charted)
        if special[i]
    }
    quiet = {id(task) for i, task in enumerate(charted) if not special[i]}
    # A unit whose latest month is common cause has no finding (run_spc returns Outcome()).
    return [
        Outcome() if id(task) in quiet else run_spc(task, parts.get(id(task)))
        for task in batch.tasks
    ]


def _part(whole: spc.ControlChart, start: int, end: int) -> _UnitChart:
    return _UnitChart(
        values=np.asarray(whole.values[start:end]),
        centre=np.asarray(whole.centre[start:end]),
        point_type=np.asarray(whole.point_type[start:end]),
        rule=np.asarray(whole.rule[start:end]),
    )
