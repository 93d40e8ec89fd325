"""Cutting each indicator's series into per-unit tasks (private; see
:mod:`caresignal.monitor.scan`).

Case series become one :class:`CusumTask` per unit and CUSUM method, and monthly points for
the SPC charts and funnels; period series become monthly points directly. Only complete months
(the whole month on or before the as-of date) are charted monthly.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from numpy.typing import NDArray

from caresignal.monitor import _series_frames as frames
from caresignal.monitor._catalogue_types import Indicator, MethodSpec, Window
from caresignal.monitor._scan_units import CusumTask, SpcTask
from caresignal.monitor.series import CaseSeries, PeriodSeries

__all__ = ["MONTHLY_COLUMNS", "case_cusum_tasks", "monthly", "period_cusum_tasks", "spc_tasks"]

#: Columns of the monthly frame every monthly chart reads.
MONTHLY_COLUMNS = ("unit", "period_start", "numerator", "denominator", "risk_model", "reference")


def _days(column: pl.Series) -> NDArray[np.datetime64]:
    return column.cast(pl.Date).to_numpy().astype("datetime64[D]")


def _floats(column: pl.Series) -> NDArray[np.float64]:
    return column.cast(pl.Float64).to_numpy().astype(np.float64, copy=False)


def _window(series: CaseSeries, source: str) -> tuple[dt.date, dt.date] | None:
    if source == "risk_model":
        return None if series.fit is None else (series.fit.start, series.fit.end)
    return series.reference_window


def case_cusum_tasks(
    indicator: Indicator, spec: MethodSpec, series: CaseSeries, as_of: dt.date
) -> list[CusumTask]:
    """One Bernoulli CUSUM task per unit, each case a step."""
    frame = series.frame
    source = str(spec.get("expected"))
    days = _days(frame.get_column("date"))
    observed = _floats(frame.get_column("outcome"))
    expected = _floats(frame.get_column(source))
    window = _window(series, source)
    return _cusum_tasks(
        indicator, spec, series.units, series.offsets, days, observed, expected, window, as_of,
        source,
    )  # fmt: skip


def _cusum_tasks(
    indicator: Indicator,
    spec: MethodSpec,
    units: tuple[str, ...],
    offsets: NDArray[np.int64],
    days: NDArray[np.datetime64],
    observed: NDArray[np.float64],
    expected: NDArray[np.float64],
    window: tuple[dt.date, dt.date] | None,
    as_of: dt.date,
    source: str,
) -> list[CusumTask]:
    if window is None:
        baseline = np.zeros(days.size, dtype=bool)
        start = end = np.datetime64(as_of, "D")
    else:
        start = np.datetime64(window[0], "D")
        end = np.datetime64(min(window[1], as_of), "D")
        baseline = (days >= start) & (days <= end)
    tasks = []
    for index, unit in enumerate(units):
        rows = slice(int(offsets[index]), int(offsets[index + 1]))
        unit_days = days[rows]
        unit_baseline = baseline[rows]
        years = 0.0
        if unit_baseline.any():
            first = max(start, unit_days[0])
            years = float((end - first).astype(np.int64) + 1) / 365.25
        tasks.append(
            CusumTask(
                indicator=indicator,
                method=spec,
                unit=unit,
                days=unit_days,
                observed=observed[rows],
                expected=expected[rows],
                baseline=unit_baseline,
                years=years,
                as_of=as_of,
                expected_from=source,
            )
        )
    return tasks


def _complete(frame: pl.DataFrame, period: str, as_of: dt.date) -> pl.DataFrame:
    start = pl.col("period_start").cast(pl.Date)
    last = start.dt.month_end() if period == "month" else start + pl.duration(days=6)
    return frame.filter(last <= as_of)


def monthly(
    series: CaseSeries | PeriodSeries, indicator: Indicator, as_of: dt.date
) -> pl.DataFrame:
    """Every unit's complete periods: :data:`MONTHLY_COLUMNS`, sorted by unit and period.

    For a case series, cases are counted by calendar month: numerator the cases with the
    outcome, denominator all cases, ``risk_model`` and ``reference`` the sums of each case's
    expected risk. For a period series, ``risk_model`` is the counts table's ``expected``
    column and ``reference`` the reference rate times the denominator.
    """
    frame = series.frame
    if isinstance(series, CaseSeries):
        grouped = (
            frame.group_by(
                "unit", pl.col("date").cast(pl.Date).dt.truncate("1mo").alias("period_start")
            )
            .agg(
                pl.col("outcome").cast(pl.Float64).sum().alias("numerator"),
                pl.len().cast(pl.Float64).alias("denominator"),
                pl.col("risk_model").sum().alias("risk_model"),
                pl.col("reference").sum().alias("reference"),
            )
            .with_columns(
                pl.when(pl.col(name).is_finite() & (pl.col(name) > 0)).then(pl.col(name))
                for name in ("risk_model", "reference")
            )
        )
        period = "month"
    else:
        reference = (
            pl.col("reference") * pl.col("denominator")
            if "reference" in frame.columns
            else pl.lit(None, dtype=pl.Float64)
        )
        grouped = frame.select(
            "unit",
            pl.col("period_start").cast(pl.Date),
            "numerator",
            "denominator",
            pl.col("expected").alias("risk_model"),
            reference.cast(pl.Float64).alias("reference"),
        )
        period = indicator.period
    return _complete(grouped, period, as_of).sort("unit", "period_start")


def spc_tasks(indicator: Indicator, spec: MethodSpec, points: pl.DataFrame) -> list[SpcTask]:
    """One SPC task per unit, from :func:`monthly` (periods with a positive denominator)."""
    usable = points.filter(pl.col("denominator") > 0)
    units, offsets = frames.offsets(usable.get_column("unit"))
    periods = _days(usable.get_column("period_start"))
    numerator = _floats(usable.get_column("numerator"))
    denominator = _floats(usable.get_column("denominator"))
    tasks = []
    for index, unit in enumerate(units):
        rows = slice(int(offsets[index]), int(offsets[index + 1]))
        tasks.append(
            SpcTask(indicator, spec, unit, periods[rows], numerator[rows], denominator[rows])
        )
    return tasks


def period_cusum_tasks(
    indicator: Indicator, spec: MethodSpec, points: pl.DataFrame, as_of: dt.date
) -> list[CusumTask]:
    """One Poisson CUSUM task per unit, each complete period a step.

    ``expected`` ``reference`` charts the reference rate times the denominator, ``provided``
    (or ``risk_model``) the expected count; periods without one are left out. Thresholds are
    designed on the reference's baseline window (else on the unit's first 12 periods).
    """
    source = str(spec.get("expected"))
    column = "reference" if source == "reference" else "risk_model"
    usable = points.filter(pl.col(column).is_not_null() & (pl.col(column) > 0))
    units, offsets = frames.offsets(usable.get_column("unit"))
    days = _days(usable.get_column("period_start"))
    observed = _floats(usable.get_column("numerator"))
    expected = _floats(usable.get_column(column))
    window = None
    if indicator.reference is not None and days.size:
        first = dt.date.fromisoformat(str(days.min()))
        window = frames.resolve_window(indicator.reference.baseline, first, as_of)
    if window is None and days.size:
        first = dt.date.fromisoformat(str(days.min()))
        window = frames.resolve_window(Window(first_months=12), first, as_of)
    return _cusum_tasks(
        indicator, spec, units, offsets, days, observed, expected, window, as_of, source
    )
