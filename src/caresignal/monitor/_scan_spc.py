"""Many units' monthly SPC charts computed as one chart (private; see
:mod:`caresignal.monitor.scan`).

The SPC functions of :mod:`caresignal.stats.spc` compute their limits and rules per **limit
group** (sums with ``numpy.bincount``, runs that never cross a group boundary). Laid end to end
with a rebase at each unit's first month, many units' points therefore give each unit exactly
the chart it would have alone: the same sums, added in the same order, and the same rules. An
:class:`SpcBatch` is such a set of units; :func:`run_spc_batch` returns each unit's
:class:`Outcome`, equal to :func:`run_spc` of its task (the tests check this on every chart), in
a fraction of the time: the per-chart Python work is paid once per batch.

Most units' latest month is common cause, and then a unit has no finding. So the batch first
computes only the lines of the combined chart (its centre and limits, one bincount each) and
judges each unit's latest month by the rules read back from it, which need its last few months
only (:func:`~caresignal.stats._spc_latest.group_latest_types`); the whole chart, with every
month's rule and type, is computed only for the units whose latest month is a special cause.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from caresignal.monitor._scan_units import (
    MIN_POINTS,
    Outcome,
    SpcTask,
    run_spc,
    spc_chart,
    spc_options,
)
from caresignal.stats import spc
from caresignal.stats._checks import as_float_array
from caresignal.stats._spc_build import ChartOptions, scaled_attribute_lines, xmr_chart_lines
from caresignal.stats._spc_latest import group_latest_types
from caresignal.stats._spc_limits import MDC_LIMIT_FACTOR
from caresignal.stats._spc_rules import ChartLines, RuleSettings

__all__ = ["BATCH_UNITS", "SpcBatch", "run_spc_batch", "spc_batches", "spc_lines"]

IntArray = NDArray[np.int64]

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
    """Each unit's :func:`run_spc` outcome: the latest month of every unit with enough months is
    judged on one set of lines, and only the units whose latest month is a special cause get
    their whole chart (the finding describes its run), again as one chart."""
    charted = [task for task in batch.tasks if task.periods.size >= MIN_POINTS]
    if not charted:
        return [run_spc(task) for task in batch.tasks]
    lines, settings = spc_lines(_joined(charted), rebase_at=_ends(charted)[:-1])
    last = group_latest_types(lines, settings, _ends(charted))
    special = (last == "special_cause_concern") | (last == "special_cause_improvement")
    flagged = [task for i, task in enumerate(charted) if special[i]]
    parts: dict[int, _UnitChart] = {}
    if flagged:
        ends = _ends(flagged)
        whole = spc_chart(_joined(flagged), rebase_at=ends[:-1])
        starts = np.concatenate([[0], ends[:-1]])
        parts = {
            id(task): _part(whole, int(start), int(end))
            for task, start, end in zip(flagged, starts, ends, strict=True)
        }
    quiet = {id(task) for i, task in enumerate(charted) if not special[i]}
    # A unit whose latest month is common cause has no finding (run_spc returns Outcome()).
    return [
        Outcome() if id(task) in quiet else run_spc(task, parts.get(id(task)))
        for task in batch.tasks
    ]


def spc_lines(task: SpcTask, rebase_at: IntArray) -> tuple[ChartLines, RuleSettings]:
    """The lines of :func:`~caresignal.monitor._scan_units.spc_chart`'s chart of ``task`` and its
    rule settings: what the rules read, without applying them."""
    method = task.method
    options = ChartOptions(**(spc_options(task.indicator, method) | {"rebase_at": rebase_at}))
    settings = options.rules()
    multiplier = float(method.get("multiplier"))  # type: ignore[arg-type]
    if method.method == "xmr":
        values = as_float_array("values", task.numerator / task.denominator * multiplier)
        lines, _, _ = xmr_chart_lines(values, options=options, limit_factor=MDC_LIMIT_FACTOR)
        return lines, settings
    lines, _, _ = scaled_attribute_lines(
        task.numerator,
        task.denominator,
        binomial=method.method == "p_chart",
        laney=bool(method.get("laney")),
        multiplier=multiplier,
        options=options,
    )
    return lines, settings


def _joined(tasks: Sequence[SpcTask]) -> SpcTask:
    """The tasks' points laid end to end, as one task of the first task's indicator and method."""
    first = tasks[0]
    return SpcTask(
        first.indicator,
        first.method,
        first.unit,
        np.concatenate([task.periods for task in tasks]),
        np.concatenate([task.numerator for task in tasks]),
        np.concatenate([task.denominator for task in tasks]),
    )


def _ends(tasks: Sequence[SpcTask]) -> IntArray:
    """Where each task's points end in :func:`_joined` (one past its last point)."""
    return np.cumsum([task.periods.size for task in tasks]).astype(np.int64)


def _part(whole: spc.ControlChart, start: int, end: int) -> _UnitChart:
    return _UnitChart(
        values=np.asarray(whole.values[start:end]),
        centre=np.asarray(whole.centre[start:end]),
        point_type=np.asarray(whole.point_type[start:end]),
        rule=np.asarray(whole.rule[start:end]),
    )
