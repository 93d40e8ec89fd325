"""Where every unit stands on every indicator as of a day: the overview's table and funnels
(docs/web.md).

For each indicator and each unit it watches, :func:`overview` gives the Making Data Count icons
of the unit's monthly SPC chart (the first ``p_chart``, ``u_chart`` or ``xmr`` of the
indicator's methods), computed by :mod:`caresignal.stats.spc` on exactly the points the scan
charts (:func:`~caresignal.monitor._scan_tasks.spc_tasks`, each unit alone), the observed and
case-mix-adjusted expected events of its last :data:`WINDOW_MONTHS` complete months, and the
indicator's funnel as the scan runs it. The scan keeps no icons, so they are computed here.

The monthly points come from the state the scan kept in the data directory when it is the
state of this very data (same as-of day, organisations, batches, definition and recorded fit);
otherwise from the indicator's series, built as the scan builds it (slower). Nothing is written.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from caresignal.clock import Clock, SystemClock
from caresignal.data.dataset import Dataset, Snapshot
from caresignal.monitor import _series_frames as frames
from caresignal.monitor._catalogue_types import Indicator, MethodSpec
from caresignal.monitor._scan_funnel import FunnelRun, funnel_window, run_funnel
from caresignal.monitor._scan_indicator import state_key
from caresignal.monitor._scan_state import ScanState, definition_key, read_state
from caresignal.monitor._scan_tasks import empty_points, monthly, spc_tasks
from caresignal.monitor._scan_units import MIN_POINTS, day_of, spc_chart
from caresignal.monitor._series_models import ModelRecordError
from caresignal.monitor._series_risk import recorded_fit
from caresignal.monitor.catalogue import Catalogue
from caresignal.monitor.scan import LocalBackend, series_of
from caresignal.stats.funnel import FunnelResult, funnel

__all__ = [
    "SPC_METHODS",
    "WINDOW_MONTHS",
    "IndicatorStandings",
    "Overview",
    "Standing",
    "overview",
]

#: Months (complete ones) over which observed and expected events are summed.
WINDOW_MONTHS = 12
#: The monthly charts whose icons stand for a unit's current variation and assurance.
SPC_METHODS = ("p_chart", "u_chart", "xmr")


@dataclass(frozen=True, slots=True)
class Standing:
    """One unit on one indicator.

    ``method`` is the SPC chart the icons come from (None: the indicator has none, or the unit
    has fewer than ``MIN_POINTS`` months); ``variation`` and ``assurance`` are its Making Data
    Count icons; ``month``, ``value`` and ``centre`` the latest complete month, its value on
    the chart and the centre line. ``observed``, ``cases`` and ``expected`` are summed over
    the window's months (``expected`` from the risk model, else the reference rate:
    ``expected_from``; None when neither gives every month one).
    """

    indicator: str
    unit: str
    method: str | None
    variation: str | None
    assurance: str | None
    month: dt.date | None
    value: float | None
    centre: float | None
    observed: float | None
    cases: float | None
    expected: float | None
    expected_from: str | None

    @property
    def ratio(self) -> float | None:
        """Observed over expected, when there is an expected."""
        if self.observed is None or not self.expected:
            return None
        return self.observed / self.expected

    def to_dict(self) -> dict[str, Any]:
        """The fields by name (dates as ISO text), with ``ratio``."""
        return {
            "indicator": self.indicator,
            "unit": self.unit,
            "method": self.method,
            "variation": self.variation,
            "assurance": self.assurance,
            "month": None if self.month is None else self.month.isoformat(),
            "value": self.value,
            "centre": self.centre,
            "observed": self.observed,
            "cases": self.cases,
            "expected": self.expected,
            "expected_from": self.expected_from,
            "ratio": self.ratio,
        }


@dataclass(frozen=True, slots=True, eq=False)
class IndicatorStandings:
    """One indicator: each unit's :class:`Standing` (by unit), the window ``start``–``end``
    (None without complete months), its funnel as the scan runs it with the same units' exact
    funnel beside it when the limits were widened (``unadjusted``), and ``note``: why there is
    no funnel, or no data at all. ``points`` are every unit's complete months
    (:data:`~caresignal.monitor._scan_tasks.MONTHLY_COLUMNS`: ``numerator`` the events,
    ``denominator`` the cases, ``risk_model`` and ``reference`` the expected events)."""

    indicator: Indicator
    points: pl.DataFrame
    standings: tuple[Standing, ...]
    start: dt.date | None
    end: dt.date | None
    funnel: FunnelRun | None
    unadjusted: FunnelResult | None
    note: str | None


@dataclass(frozen=True, slots=True, eq=False)
class Overview:
    """Every indicator's standings as of ``as_of``, in catalogue order; ``kept`` names the
    indicators whose points were read from the scan's kept state."""

    as_of: dt.date
    indicators: tuple[IndicatorStandings, ...]
    kept: frozenset[str]


def overview(
    dataset: Dataset | Snapshot,
    catalogue: Catalogue,
    as_of: dt.date,
    *,
    clock: Clock | None = None,
) -> Overview:
    """Every unit's standing on every indicator of ``catalogue`` as of ``as_of``.

    Parameters
    ----------
    dataset : Dataset or Snapshot
        The data directory.
    catalogue : Catalogue
        The indicators (the one the scan ran with).
    as_of : date
        Data after this day are left out; only complete months are charted, as in the scan.
    clock : Clock, optional
        Dates a first fit of a risk model when none is recorded (default: the system clock).

    Returns
    -------
    Overview
        An indicator whose series cannot be built (its risk model cannot be fitted) has no
        standings and a ``note`` saying why.
    """
    snapshot = dataset.snapshot() if isinstance(dataset, Dataset) else dataset
    points, kept = _kept_points(snapshot, catalogue, as_of)
    missing = Catalogue(tuple(item for item in catalogue if item.id not in points))
    failed: dict[str, str] = {}
    if missing.ids:
        built, failed = series_of(
            LocalBackend(), snapshot, missing, as_of=as_of, clock=clock or SystemClock()
        )
        for item in missing:
            if item.id in built:
                points[item.id] = monthly(built[item.id], item, as_of)
    indicators = tuple(
        _standings(item, points[item.id])
        if item.id in points
        else IndicatorStandings(
            item, empty_points(), (), None, None, None, None, failed.get(item.id)
        )
        for item in catalogue
    )
    return Overview(as_of, indicators, frozenset(kept))


def _kept_points(
    snapshot: Snapshot, catalogue: Catalogue, as_of: dt.date
) -> tuple[dict[str, pl.DataFrame], set[str]]:
    """The monthly points the scan kept of each indicator, when they are this data's."""
    state = read_state(snapshot.directory)
    pairs = tuple((e.batch_id, e.content_hash) for e in snapshot.history("organisations"))
    if state is None or state.as_of != as_of or state.organisations != pairs:
        return {}, set()
    organisations = snapshot.table("organisations").collect()
    found = {
        item.id: state.indicators[item.id].points
        for item in catalogue
        if _still_current(snapshot, state, item, organisations)
    }
    return found, set(found)


def _still_current(
    snapshot: Snapshot, state: ScanState, indicator: Indicator, organisations: pl.DataFrame
) -> bool:
    """Whether the kept points of ``indicator`` are what its series gives now."""
    entry = state.indicators.get(indicator.id)
    if entry is None or entry.points.height == 0:
        return False  # an indicator without monthly charts keeps no points
    if entry.key.get("definition") != definition_key(indicator):
        return False
    try:
        fit = recorded_fit(snapshot.directory, indicator, False)
    except ModelRecordError:
        return False
    units = frames.indicator_units(organisations, indicator)
    key = json.loads(json.dumps(state_key(indicator, units, fit)))
    batches = tuple((e.batch_id, e.content_hash) for e in snapshot.history(indicator.table))
    return bool(key == json.loads(json.dumps(entry.key)) and batches == entry.batches)


def _standings(indicator: Indicator, points: pl.DataFrame) -> IndicatorStandings:
    """Each unit's standing on ``indicator`` from its monthly ``points``."""
    window = funnel_window(points, WINDOW_MONTHS)
    start, end = window if window is not None else (None, None)
    sums = _window_sums(points, start, end)
    icons = _icons(indicator, points)
    units = points.get_column("unit").unique().sort().to_list()
    standings = tuple(
        Standing(indicator.id, unit, *icons.get(unit, _NO_ICONS), *sums.get(unit, _NO_SUMS))
        for unit in units
    )
    spec = next((m for m in indicator.methods if m.method == "funnel"), None)
    run: FunnelRun | str = "the indicator has no funnel in the catalogue"
    if spec is not None:
        run = run_funnel(spec, points)
    if isinstance(run, str):
        note = run if units else "no complete months in the data"
        return IndicatorStandings(indicator, points, standings, start, end, None, None, note)
    return IndicatorStandings(indicator, points, standings, start, end, run, _unadjusted(run), None)


_NO_ICONS: tuple[None, None, None, None, None, None] = (None,) * 6
_NO_SUMS: tuple[None, None, None, None] = (None,) * 4
Icons = tuple[str | None, str | None, str | None, dt.date | None, float | None, float | None]


def _icons(indicator: Indicator, points: pl.DataFrame) -> dict[str, Icons]:
    """Each unit's latest month on the indicator's first SPC chart, with its icons."""
    spec: MethodSpec | None = next((m for m in indicator.methods if m.method in SPC_METHODS), None)
    if spec is None:
        return {}
    found: dict[str, Icons] = {}
    for task in spc_tasks(indicator, spec, points):
        if task.periods.size < MIN_POINTS:
            continue
        chart = spc_chart(task)
        found[task.unit] = (
            spec.method,
            chart.variation,
            chart.assurance,
            day_of(task.periods[-1]),
            _finite(chart.values[-1]),
            _finite(chart.centre[-1]),
        )
    return found


def _window_sums(
    points: pl.DataFrame, start: dt.date | None, end: dt.date | None
) -> dict[str, tuple[float | None, float | None, float | None, str | None]]:
    """Each unit's events, cases and expected events over ``start``–``end``: expected from the
    risk model when every month has one, else from the reference rate, else None."""
    if start is None or end is None:
        return {}
    rows = points.filter(pl.col("period_start").is_between(start, end))
    totals = rows.group_by("unit").agg(
        pl.col("numerator").cast(pl.Float64).sum().alias("observed"),
        pl.col("denominator").cast(pl.Float64).sum().alias("cases"),
        pl.col("risk_model").cast(pl.Float64).sum().alias("risk_model"),
        pl.col("risk_model").is_null().any().alias("no_model"),
        pl.col("reference").cast(pl.Float64).sum().alias("reference"),
        pl.col("reference").is_null().any().alias("no_reference"),
    )
    found: dict[str, tuple[float | None, float | None, float | None, str | None]] = {}
    for row in totals.iter_rows(named=True):
        expected: float | None = None
        source: str | None = None
        if not row["no_model"]:
            expected, source = row["risk_model"], "risk_model"
        elif not row["no_reference"]:
            expected, source = row["reference"], "reference"
        found[row["unit"]] = (row["observed"], row["cases"], expected, source)
    return found


def _unadjusted(run: FunnelRun) -> FunnelResult | None:
    """The same units' exact funnel, when ``run``'s limits were widened for over-dispersion."""
    result = run.result
    if not result.adjusted:
        return None
    return funnel(
        run.observed,
        run.size,
        kind=result.kind,
        method=result.method,
        levels=run.levels,
        overdispersion=None,
        labels=list(result.labels or ()),
    )


def _finite(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return number if np.isfinite(number) else None
