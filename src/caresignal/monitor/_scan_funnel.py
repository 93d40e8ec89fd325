"""The funnel of the last months across every unit of an indicator (private; see
:mod:`caresignal.monitor.scan`).

A funnel compares units with each other, so unlike the per-unit charts it reads every unit's
totals over the window; those totals are each a function of one unit's series.

On the log (SHMI) scale a unit with no events has a z-score of −∞. Its 10 % truncation usually
drops such units from the estimate of over-dispersion, but where more units than that have none
(a rare outcome, a year at small units) a −∞ would remain and :func:`caresignal.stats.funnel`
refuses it; the funnel is then drawn on the square-root (CQC) scale, which handles a zero count,
and its result says so (``method`` "CQC").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray
from scipy import stats

from caresignal.monitor import _scan_words as words
from caresignal.monitor._catalogue_types import Indicator, MethodSpec
from caresignal.monitor._scan_types import Finding, Skipped
from caresignal.monitor._scan_units import month_end
from caresignal.stats.funnel import FunnelResult, funnel

__all__ = ["MIN_UNITS", "FunnelRun", "funnel_findings", "funnel_window", "run_funnel"]

#: Fewest units a funnel needs (its over-dispersion estimate needs several).
MIN_UNITS = 5


def funnel_window(points: pl.DataFrame, months: int) -> tuple[dt.date, dt.date] | None:
    """The first and last day of the last ``months`` complete months in ``points``."""
    if points.height == 0:
        return None
    last = points.get_column("period_start").max()
    assert isinstance(last, dt.date)
    index = last.year * 12 + last.month - 1 - (months - 1)
    start = dt.date(index // 12, index % 12 + 1, 1)
    return start, month_end(last)


@dataclass(frozen=True, slots=True, eq=False)
class FunnelRun:
    """The funnel of every unit's last ``months`` complete months, from ``start`` to ``end``:
    each unit's ``observed`` events and ``size`` (expected events for a ratio, cases for a
    proportion), in the order of ``result``'s labels; ``levels`` as the method gives them."""

    result: FunnelResult
    start: dt.date
    end: dt.date
    months: int
    proportion: bool
    levels: tuple[float, ...]
    observed: NDArray[np.float64]
    size: NDArray[np.float64]


def run_funnel(spec: MethodSpec, points: pl.DataFrame) -> FunnelRun | str:
    """The funnel of the last ``window_months`` complete months of ``points``, or why there is
    none (no complete months, fewer than :data:`MIN_UNITS` units with data)."""
    months = int(spec.get("window_months"))  # type: ignore[arg-type]
    window = funnel_window(points, months)
    if window is None:
        return "no complete months"
    start, end = window
    proportion = spec.get("kind") == "proportion"
    size_column = "denominator" if proportion else str(spec.get("expected"))
    totals = _totals(points.filter(pl.col("period_start").is_between(start, end)), size_column)
    if totals.height < MIN_UNITS:
        return f"fewer than {MIN_UNITS} units with data in {start} to {end}"
    observed = totals.get_column("numerator").to_numpy()
    size = totals.get_column("size").to_numpy()
    levels = tuple(float(v) for v in spec.get("levels"))  # type: ignore[union-attr]
    overdispersion = str(spec.get("overdispersion"))
    method = str(spec.get("limit_method"))

    def drawn(scale: str) -> FunnelResult:
        return funnel(
            observed,
            size,
            kind="proportion" if proportion else "ratio",
            method=scale,  # type: ignore[arg-type]
            levels=levels,
            overdispersion=None if overdispersion == "none" else overdispersion,  # type: ignore[arg-type]
            trim=float(spec.get("trim")),  # type: ignore[arg-type]
            labels=totals.get_column("unit").to_list(),
        )

    try:
        result = drawn(method)
    except ValueError:
        if method != "SHMI" or not bool(np.any(observed == 0)):
            raise
        result = drawn("CQC")  # a unit with no events kept on the log scale (module notes)
    return FunnelRun(result, start, end, months, proportion, levels, observed, size)


def funnel_findings(
    indicator: Indicator, spec: MethodSpec, points: pl.DataFrame
) -> tuple[list[Finding], list[Skipped]]:
    """Units outside the funnel of the last ``window_months`` complete months.

    Outside the outermost limits is ``red``, outside only the inner ones ``amber``. ``kind``
    ``ratio`` compares observed with expected events (O/E); ``proportion`` the share of cases.
    """
    run = run_funnel(spec, points)
    if isinstance(run, str):
        return [], [Skipped("*", indicator.id, "funnel", run)]
    result, start, end = run.result, run.start, run.end
    months, proportion = run.months, run.proportion
    observed, size, levels = run.observed, run.size, run.levels
    assert result.labels is not None
    found = []
    for index, unit in enumerate(result.labels):
        level, side = _outside(result.value[index], result, index, levels)
        if level is None:
            continue
        o, e = float(observed[index]), float(size[index])
        if proportion:
            e = e * result.target
        worse = (side == "high") == (indicator.worse == "higher")
        direction = "concern" if worse else "improvement"
        ratio = words.ratio_interval(o, e)
        oe = o / e if e > 0 else None
        found.append(
            Finding(
                unit=unit,
                indicator=indicator.id,
                title=indicator.title,
                method="funnel",
                chart=f"funnel of the last {months} months",
                level="red" if level == levels[-1] else "amber",
                direction=direction,
                first_crossed=end,
                change_began=start,
                observed=o,
                expected=e,
                ratio=oe,
                ratio_low=ratio[0],
                ratio_high=ratio[1],
                threshold=None,
                false_alarm=f"outside the {level * 100:g} % limits",
                signals=0,
                explanation=words.funnel_sentence(
                    indicator,
                    start=start,
                    end=end,
                    observed=o,
                    expected=e,
                    level=level,
                    direction=direction,
                    ratio=(oe, *ratio),
                    proportion=proportion,
                ),
            )
        )
    return found, []


def _totals(window: pl.DataFrame, size_column: str) -> pl.DataFrame:
    """Each unit's numerator and size summed over ``window``, units with a positive size, sorted.

    The sums run over each unit's months in date order (``numpy.add.reduceat``), so they are
    the same however the points were read or laid out in memory.
    """
    rows = window.sort("unit", "period_start")
    units = rows.get_column("unit")
    if rows.height == 0:
        return pl.DataFrame(schema={"unit": pl.String, "numerator": pl.Float64, "size": pl.Float64})
    starts = np.flatnonzero((units != units.shift(1)).fill_null(True).to_numpy())
    numerator = rows.get_column("numerator").cast(pl.Float64).fill_null(0.0).to_numpy()
    size = rows.get_column(size_column).cast(pl.Float64).fill_null(0.0).to_numpy()
    totals = pl.DataFrame(
        {
            "unit": units.gather(starts),
            "numerator": np.add.reduceat(numerator, starts),
            "size": np.add.reduceat(size, starts),
        }
    )
    return totals.filter(pl.col("size") > 0)


def _outside(
    value: float, result: FunnelResult, index: int, levels: tuple[float, ...]
) -> tuple[float | None, str | None]:
    """The outermost level whose limits the unit lies strictly outside, and on which side.

    A unit must also be outside that level's exact limits (Poisson for a ratio, binomial for a
    proportion): the funnel's limits come from a normal approximation on the log, square-root or
    arcsine scale, which for a handful of expected events flags a unit with none (O/E = 0 on a
    log scale is infinitely far below 1) although no events happen by chance every few years.
    """
    observed = float(result.numerator[index])
    size = float(result.denominator[index])
    for level in sorted(levels, reverse=True):
        tail = (1.0 - level) / 2.0
        if value > result.upper[level][index] and _high_tail(result, observed, size) < tail:
            return level, "high"
        if value < result.lower[level][index] and _low_tail(result, observed, size) < tail:
            return level, "low"
    return None, None


def _high_tail(result: FunnelResult, observed: float, size: float) -> float:
    """P(X >= observed) if the unit were on target (Poisson mean target·E, or binomial)."""
    if result.kind == "ratio":
        return float(stats.poisson.sf(observed - 1, result.target * size))
    return float(stats.binom.sf(observed - 1, round(size), result.target))


def _low_tail(result: FunnelResult, observed: float, size: float) -> float:
    """P(X <= observed) if the unit were on target."""
    if result.kind == "ratio":
        return float(stats.poisson.cdf(observed, result.target * size))
    return float(stats.binom.cdf(observed, round(size), result.target))
