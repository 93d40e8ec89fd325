"""Cutting each indicator's series into per-unit tasks (private; see
:mod:`caresignal.monitor.scan`).

Case series become one :class:`CusumTask` per unit and CUSUM method, and monthly points for
the SPC charts and funnels; period series become monthly points directly. Only complete months
(the whole month on or before the as-of date) are charted monthly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import polars as pl
from numpy.typing import NDArray

from caresignal.monitor import _series_frames as frames
from caresignal.monitor._catalogue_types import Indicator, MethodSpec, Window
from caresignal.monitor._scan_units import CusumTask, SpcTask
from caresignal.monitor.series import CaseSeries, PeriodSeries

__all__ = [
    "MONTHLY_COLUMNS",
    "CaseArrays",
    "case_cusum_tasks",
    "empty_points",
    "monthly",
    "nominal_end",
    "period_cusum_tasks",
    "spc_tasks",
]

#: Columns of the monthly frame every monthly chart reads.
MONTHLY_COLUMNS = ("unit", "period_start", "numerator", "denominator", "risk_model", "reference")


def _days(column: pl.Series) -> NDArray[np.datetime64]:
    """Days since 1970 of a date or date-time column, as ``datetime64[D]`` (no copy of text)."""
    days = column.dt.epoch("d") if column.dtype != pl.Date else column.to_physical()
    return days.to_numpy().astype(np.int64).view("datetime64[D]")


def _floats(column: pl.Series) -> NDArray[np.float64]:
    """The column as float64, nulls as NaN (a column of nulls only is not converted)."""
    if column.null_count() == column.len():
        return np.full(column.len(), np.nan)
    return column.cast(pl.Float64).to_numpy().astype(np.float64, copy=False)


def _window(series: CaseSeries, source: str) -> tuple[dt.date, dt.date] | None:
    if source == "risk_model":
        return None if series.fit is None else (series.fit.start, series.fit.end)
    return series.reference_window


@dataclass(frozen=True, slots=True, eq=False)
class CaseArrays:
    """A case series' columns as numpy arrays, converted once for all of an indicator's methods.

    ``days`` are the cases' days; ``outcome`` 0/1; ``risk_model`` and ``reference`` the
    expected risks (NaN where null); ``units`` and ``offsets`` as in the series.
    """

    series: CaseSeries
    days: NDArray[np.datetime64]
    outcome: NDArray[np.float64]
    risk_model: NDArray[np.float64]
    reference: NDArray[np.float64]

    @classmethod
    def of(cls, series: CaseSeries) -> CaseArrays:
        """Convert ``series``' columns."""
        frame = series.frame
        return cls(
            series,
            _days(frame.get_column("date")),
            _floats(frame.get_column("outcome")),
            _floats(frame.get_column("risk_model")),
            _floats(frame.get_column("reference")),
        )


def case_cusum_tasks(
    indicator: Indicator, spec: MethodSpec, cases: CaseArrays, as_of: dt.date
) -> list[CusumTask]:
    """One Bernoulli CUSUM task per unit, each case a step."""
    series = cases.series
    source = str(spec.get("expected"))
    expected = cases.risk_model if source == "risk_model" else cases.reference
    window = _window(series, source)
    ends = None
    if window is not None:
        ends = window[1]  # a fit's window is recorded whole
        if source != "risk_model" and indicator.reference is not None:
            ends = nominal_end(indicator.reference.baseline, window[0])
    where = (series.units, series.offsets, cases.days)
    tasks = _cusum_tasks(indicator, spec, *where, cases.outcome, expected, window, as_of, source)
    return _settled(tasks, ends, as_of)


def nominal_end(window: Window, start: dt.date) -> dt.date:
    """The last day of a baseline window that starts on ``start``, whatever the as-of date."""
    return frames.resolve_window(window, start, dt.date.max)[1]


def _settled(tasks: list[CusumTask], ends: dt.date | None, as_of: dt.date) -> list[CusumTask]:
    """``tasks``, marked settled when their baseline window ``ends`` on or before ``as_of``."""
    if ends is None or ends > as_of:
        return tasks
    return [replace(task, settled=True) for task in tasks]


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
        start = end = np.datetime64(as_of, "D")
        empty = True
    else:
        start = np.datetime64(window[0], "D")
        end = np.datetime64(min(window[1], as_of), "D")
        empty = False
    tasks = []
    for index, unit in enumerate(units):
        rows = slice(int(offsets[index]), int(offsets[index + 1]))
        unit_days = days[rows]
        # Each unit's days are in order, so its baseline window is one run of its steps.
        first_step = 0 if empty else int(np.searchsorted(unit_days, start, side="left"))
        last_step = 0 if empty else int(np.searchsorted(unit_days, end, side="right"))
        years = 0.0
        if last_step > first_step:
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
                baseline=slice(first_step, max(first_step, last_step)),
                years=years,
                as_of=as_of,
                expected_from=source,
            )
        )
    return tasks


def empty_points() -> pl.DataFrame:
    """A monthly frame with no rows."""
    schema = dict.fromkeys(MONTHLY_COLUMNS, pl.Float64)
    return pl.DataFrame(schema=schema | {"unit": pl.String, "period_start": pl.Date})


def _complete(frame: pl.DataFrame, period: str, as_of: dt.date) -> pl.DataFrame:
    start = pl.col("period_start").cast(pl.Date)
    last = start.dt.month_end() if period == "month" else start + pl.duration(days=6)
    return frame.filter(last <= as_of)


def monthly(
    series: CaseArrays | CaseSeries | PeriodSeries, indicator: Indicator, as_of: dt.date
) -> pl.DataFrame:
    """Every unit's complete periods: :data:`MONTHLY_COLUMNS`, sorted by unit and period.

    For a case series, cases are counted by calendar month: numerator the cases with the
    outcome, denominator all cases, ``risk_model`` and ``reference`` the sums of each case's
    expected risk (null unless positive). For a period series, ``risk_model`` is the counts
    table's ``expected`` column and ``reference`` the reference rate times the denominator.
    """
    if isinstance(series, CaseSeries):
        series = CaseArrays.of(series)
    if isinstance(series, CaseArrays):
        return _complete(_case_months(series), "month", as_of)
    frame = series.frame
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
    return _complete(grouped, indicator.period, as_of).sort("unit", "period_start")


def _case_months(cases: CaseArrays) -> pl.DataFrame:
    """Sums by unit and calendar month, from the series' order (unit, then date): each
    (unit, month) is a run of consecutive rows, summed with ``numpy.add.reduceat``."""
    series = cases.series
    size = cases.days.size
    lengths = np.diff(series.offsets)
    unit = np.repeat(np.arange(len(series.units)), lengths)
    month = cases.days.astype("datetime64[M]")
    if size == 0:
        starts = np.zeros(0, dtype=np.int64)
    else:
        change = (unit[1:] != unit[:-1]) | (month[1:] != month[:-1])
        starts = np.flatnonzero(np.concatenate([[True], change]))
    counts = np.diff(np.append(starts, size)).astype(np.float64)

    def sums(values: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.add.reduceat(values, starts) if size else np.zeros(0)

    frame = pl.DataFrame(
        {
            "unit": np.asarray(series.units, dtype=object)[unit[starts]].tolist(),
            "period_start": month[starts].astype("datetime64[D]"),
            "numerator": sums(cases.outcome),
            "denominator": counts,
            "risk_model": sums(cases.risk_model),
            "reference": sums(cases.reference),
        },
        schema={
            "unit": pl.String,
            "period_start": pl.Date,
            "numerator": pl.Float64,
            "denominator": pl.Float64,
            "risk_model": pl.Float64,
            "reference": pl.Float64,
        },
    )
    return frame.with_columns(
        pl.when(pl.col(name).is_finite() & (pl.col(name) > 0)).then(pl.col(name)).alias(name)
        for name in ("risk_model", "reference")
    )


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
    window = ends = None
    if days.size:
        first = dt.date.fromisoformat(str(days.min()))
        baseline = Window(first_months=12)
        if indicator.reference is not None:
            baseline = indicator.reference.baseline
        window = frames.resolve_window(baseline, first, as_of)
        ends = nominal_end(baseline, first)
    tasks = _cusum_tasks(
        indicator, spec, units, offsets, days, observed, expected, window, as_of, source
    )
    return _settled(tasks, ends, as_of)
