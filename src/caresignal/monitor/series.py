"""Each indicator's series, built from the data directory and the catalogue.

A scan is a pure function of (data, catalogue, as-of date); it reads one series per indicator,
laid out so that each (unit, indicator) series is a contiguous slice of one frame, and works on
each slice alone (so a Spark backend can run the same per-series functions).

- **Case tables** (``births``, ``admissions``) give a :class:`CaseSeries`: one row per case of
  the indicator's population up to the as-of date, sorted by unit, date and record, with the
  outcome (0/1) and the expected risk from the indicator's frozen **risk model** (column
  ``risk_model``) and/or its **reference** rate (column ``reference``).
- **Period tables** (``counts``, ``staffing``) give a :class:`PeriodSeries`: numerator,
  denominator, (where the counts table gives it) expected and the reference rate per unit and
  period.

Only organisations at the indicator's level with a unit of its ``unit_types`` (from the
``organisations`` table) are included. A risk model is fitted once, recorded in
``<data-dir>/models/<indicator>.json`` and reused; it is refitted only when asked
(``refit=True``), keeping the old fit in the file's history.

The indicators of one case table are read in one pass, and each one's rows of every batch are
kept in the series cache (``<data-dir>/cache/series/``), so that a rescan reads them back and
computes only the batches imported since. See ``docs/monitor-series.md``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from caresignal.clock import Clock
from caresignal.data.dataset import Dataset, Snapshot
from caresignal.errors import CaresignalError
from caresignal.monitor import _series_frames as frames
from caresignal.monitor._catalogue_types import CASE_TABLES, Indicator
from caresignal.monitor._series_build import CaseRows, build_cases
from caresignal.monitor._series_models import FitRecord, ModelRecordError, model_path
from caresignal.monitor._series_risk import ModelFitError
from caresignal.monitor.catalogue import Catalogue

__all__ = [
    "CaseSeries",
    "FitRecord",
    "ModelFitError",
    "ModelRecordError",
    "PeriodSeries",
    "Series",
    "UnknownIndicatorError",
    "build_all",
    "build_series",
    "model_path",
]


class UnknownIndicatorError(CaresignalError, LookupError):
    """A series was asked for an indicator id that the catalogue does not hold."""


@dataclass(frozen=True, slots=True, eq=False)
class CaseSeries:
    """One indicator's cases, every unit's series a contiguous slice of one frame.

    Attributes
    ----------
    indicator : str
        The indicator's id.
    frame : polars.DataFrame
        Columns ``unit``, ``date``, ``record_id``, ``outcome`` (0/1, Int8), ``risk_model``
        (predicted risk from the frozen fit; null if the indicator has no risk model) and
        ``reference`` (the reference rate; null if it has none), sorted by unit, date and
        record: the stable case order.
    units : tuple of str
        The units with cases, in order; unit ``units[i]`` is rows ``offsets[i]:offsets[i+1]``.
    offsets : ndarray of int64
        Start of each unit's rows, and the frame's height last.
    fit : FitRecord or None
        The recorded risk-model fit used (None without a risk model).
    refitted : bool
        Whether this call fitted the model (first fit, or ``refit=True``).
    baseline_changed : bool
        The data in the recorded fit's baseline window no longer hash to what was fitted: the
        recorded fit was still used; a person decides whether to refit.
    reference_window : tuple of date or None
        The reference rate's baseline window actually used.
    baseline_checked : bool
        False when the recorded fit's baseline hash is of an older definition (version 1) and
        cannot be compared; ``baseline_changed`` is then false. Refitting records a new hash.
    """

    indicator: str
    frame: pl.DataFrame
    units: tuple[str, ...]
    offsets: NDArray[np.int64]
    fit: FitRecord | None = None
    refitted: bool = False
    baseline_changed: bool = False
    reference_window: tuple[dt.date, dt.date] | None = None
    baseline_checked: bool = True

    def unit(self, code: str) -> pl.DataFrame:
        """The rows of unit ``code`` (a zero-copy slice; empty if it has no cases)."""
        return _slice(self.frame, self.units, self.offsets, code)


@dataclass(frozen=True, slots=True, eq=False)
class PeriodSeries:
    """One indicator's periods: ``unit``, ``period_start``, ``numerator``, ``denominator``,
    ``expected`` (null unless the counts table gives it) and ``reference`` (numerator ÷
    denominator over the reference's baseline window, pooled over its scope; null without a
    reference), sorted by unit and period start.

    ``units`` and ``offsets`` slice it per unit as in :class:`CaseSeries`;
    ``reference_window`` is the reference rate's baseline window actually used.
    """

    indicator: str
    frame: pl.DataFrame
    units: tuple[str, ...]
    offsets: NDArray[np.int64]
    reference_window: tuple[dt.date, dt.date] | None = None

    def unit(self, code: str) -> pl.DataFrame:
        """The periods of unit ``code`` (empty if it has none)."""
        return _slice(self.frame, self.units, self.offsets, code)


Series = CaseSeries | PeriodSeries


def _slice(
    frame: pl.DataFrame, units: tuple[str, ...], offsets: NDArray[np.int64], code: str
) -> pl.DataFrame:
    if code not in units:
        return frame.clear()
    i = units.index(code)
    return frame.slice(int(offsets[i]), int(offsets[i + 1] - offsets[i]))


def build_series(
    dataset: Dataset | Snapshot,
    catalogue: Catalogue,
    indicator_id: str,
    *,
    as_of: dt.date,
    clock: Clock,
    refit: bool = False,
) -> Series:
    """Build one indicator's series from the data directory, up to ``as_of`` (inclusive).

    Parameters
    ----------
    dataset : Dataset or Snapshot
        The data directory (a snapshot keeps several calls on the same data).
    catalogue : Catalogue
        The indicators.
    indicator_id : str
        The indicator's id.
    as_of : date
        Cases dated (and periods starting) after this day are left out.
    clock : Clock
        Dates a new fit of a risk model.
    refit : bool, default False
        Fit the risk model again on its baseline window and record it, keeping the old fit in
        the file's history. Without it, the recorded fit is used (fitted first if none).

    Raises
    ------
    UnknownIndicatorError
        ``indicator_id`` is not in the catalogue.
    ModelRecordError
        The recorded fit cannot be read or is of another definition (refit on purpose).
    """
    indicator = _indicator(catalogue, indicator_id)
    snapshot = dataset.snapshot() if isinstance(dataset, Dataset) else dataset
    organisations = snapshot.table("organisations").collect()
    built = _build(snapshot, [indicator], organisations, as_of, clock, refit)
    return built[indicator.id]


def build_all(
    dataset: Dataset | Snapshot,
    catalogue: Catalogue,
    *,
    as_of: dt.date,
    clock: Clock,
) -> dict[str, Series]:
    """Every indicator's series (one snapshot for all), by id in catalogue order.

    The indicators of each case table are read in one pass (see :func:`build_series`).
    """
    snapshot = dataset.snapshot() if isinstance(dataset, Dataset) else dataset
    organisations = snapshot.table("organisations").collect()
    built = _build(snapshot, list(catalogue), organisations, as_of, clock, False)
    return {indicator.id: built[indicator.id] for indicator in catalogue}


def _indicator(catalogue: Catalogue, indicator_id: str) -> Indicator:
    try:
        return catalogue.get(indicator_id)
    except KeyError as error:
        raise UnknownIndicatorError(
            f"no series for {indicator_id!r}: {error.args[0]}",
            hint="the indicators are: " + ", ".join(catalogue.ids),
        ) from None


def _build(
    snapshot: Snapshot,
    indicators: list[Indicator],
    organisations: pl.DataFrame,
    as_of: dt.date,
    clock: Clock,
    refit: bool,
) -> dict[str, Series]:
    """The indicators' series; case indicators sharing a table, unit and date in one pass."""
    units = {item.id: frames.indicator_units(organisations, item) for item in indicators}
    groups: dict[tuple[str, str, str], list[Indicator]] = {}
    built: dict[str, Series] = {}
    for item in indicators:
        if item.table in CASE_TABLES:
            group = (item.table, item.unit_column, item.definition.date_column)
            groups.setdefault(group, []).append(item)
        else:
            built[item.id] = _period_series(snapshot, item, organisations, units[item.id], as_of)
    for members in groups.values():
        rows = build_cases(snapshot, members, units, as_of, clock, refit)
        for item in members:
            built[item.id] = finish_cases(
                item, organisations, units[item.id], rows.pop(item.id), as_of
            )
    return built


def _period_series(
    snapshot: Snapshot,
    indicator: Indicator,
    organisations: pl.DataFrame,
    units: list[str],
    as_of: dt.date,
) -> PeriodSeries:
    periods = frames.periods(snapshot, indicator, units, as_of)
    return finish_periods(indicator, organisations, units, periods, as_of)


def finish_periods(
    indicator: Indicator,
    organisations: pl.DataFrame,
    units: list[str],
    periods: pl.DataFrame,
    as_of: dt.date,
) -> PeriodSeries:
    """The period series of ``periods`` (every unit's, sorted by unit and period start): the
    reference rate added and each unit's slice found. Also used by the Spark backend
    (:mod:`caresignal.monitor._spark_series`), which builds the periods unit by unit."""
    reference, window = frames.reference_column(
        indicator, organisations, periods, "period_start", as_of
    )
    frame = periods.with_columns(reference)
    names, offsets = frames.offsets(frame.get_column("unit"), units)
    return PeriodSeries(indicator.id, frame, names, offsets, reference_window=window)


def finish_cases(
    indicator: Indicator,
    organisations: pl.DataFrame,
    units: list[str],
    rows: CaseRows,
    as_of: dt.date,
) -> CaseSeries:
    """The case series of ``rows`` (every unit's cases of every date, in the series order): the
    cases after ``as_of`` cut, the reference rate added and each unit's slice found. Also used by
    the Spark backend (:mod:`caresignal.monitor._spark_series`)."""
    every = rows.frame
    last = every.get_column("date").max()  # a date, or a date and time
    late = (
        isinstance(last, dt.date)
        and (last.date() if isinstance(last, dt.datetime) else last) > as_of
    )
    cut = every.filter(frames.on_or_before("date", as_of)) if late else every
    reference, window = frames.reference_column(indicator, organisations, cut, "date", as_of)
    frame = cut.with_columns(reference)
    names, offsets = frames.offsets(frame.get_column("unit"), units)
    return CaseSeries(
        indicator.id,
        frame,
        names,
        offsets,
        fit=rows.fit,
        refitted=rows.refitted,
        baseline_changed=rows.baseline_changed,
        reference_window=window,
        baseline_checked=rows.baseline_checked,
    )
