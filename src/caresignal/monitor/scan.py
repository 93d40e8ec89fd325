"""The scan: every unit, every indicator, every method, as of one day → findings.

:func:`scan` is a pure function of (data, catalogue, as-of date): it builds each indicator's
series (:mod:`caresignal.monitor.series`), cuts it into one task per (unit, indicator, method)
and runs each task on that unit's series alone, through a small :class:`Backend` interface
(:class:`LocalBackend` runs them here with polars and numpy; a cluster backend can run the same
task functions elsewhere). Only the funnel, which compares units, reads every unit's totals.

- **CUSUMs** (``bernoulli_cusum``, ``poisson_cusum``) get amber and red thresholds designed for
  each unit from its false-alarm targets in years, on the unit's volume and case mix in the
  baseline window (:mod:`caresignal.monitor.thresholds`). A chart is a finding while its current
  climb is above amber, or for a year after a red signal (after which it restarted from zero).
- **SPC charts** (``p_chart``, ``u_chart``, ``xmr``) of complete months are findings when the
  latest month is a special cause by the Making Data Count rules.
- **Funnels** flag the units outside the limits over the last complete months.

Threshold designs are kept in ``<data-dir>/cache/thresholds.json`` between scans, and each
scan keeps its state in ``<data-dir>/cache/scan/`` (every chart where it left it, each unit's
months): a later scan reads only the batches imported since and carries each chart on over them,
finding exactly what a scan of the whole series finds (:mod:`._scan_resume`). Both are caches:
deleting them is safe. :func:`write_findings` writes a result to ``findings.parquet``. See
``docs/scan.md``.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

import polars as pl

from caresignal.clock import Clock
from caresignal.data.dataset import BatchEntry, Dataset, Snapshot, replace_file
from caresignal.monitor import _series_frames as frames
from caresignal.monitor._catalogue_types import CASE_TABLES, Indicator
from caresignal.monitor._scan_designs import (
    THRESHOLD_CACHE,
    designing,
    read_threshold_cache,
    write_threshold_cache,
)
from caresignal.monitor._scan_indicator import full_indicator
from caresignal.monitor._scan_resume import ResumeBackend, resume_all
from caresignal.monitor._scan_state import IndicatorState, ScanState, read_state, write_state
from caresignal.monitor._scan_types import (
    FINDING_COLUMNS,
    Finding,
    IndicatorSummary,
    ScanResult,
    Skipped,
    severity,
)
from caresignal.monitor._scan_units import month_end, spc_options
from caresignal.monitor._series_build import new_case_rows
from caresignal.monitor._series_models import FitRecord
from caresignal.monitor._thresholds_national import national_sentence
from caresignal.monitor.catalogue import Catalogue
from caresignal.monitor.series import ModelFitError, Series, build_all
from caresignal.monitor.thresholds import ThresholdCache, ThresholdDesign

__all__ = [
    "FINDINGS",
    "THRESHOLD_CACHE",
    "Backend",
    "Finding",
    "IndicatorSummary",
    "LocalBackend",
    "ScanResult",
    "Skipped",
    "findings_frame",
    "last_day",
    "read_threshold_cache",
    "scan",
    "series_of",
    "severity",
    "spc_options",
    "write_findings",
    "write_threshold_cache",
]

#: The findings file in the data directory.
FINDINGS = "findings.parquet"

Task = TypeVar("Task")
Result = TypeVar("Result")
#: Called after each indicator: (indicators done, indicators in all, the indicator's id).
OnProgress = Callable[[int, int, str], None]


class Backend(ResumeBackend, Protocol):
    """Where a scan's series are built and its per-series tasks run (``each``), and where a scan
    that carries its charts on reads the new batches' cases (``new_case_rows``)."""

    def series(
        self, snapshot: Snapshot, catalogue: Catalogue, *, as_of: dt.date, clock: Clock
    ) -> Mapping[str, Series]:
        """Every indicator's series, by id."""
        ...


class LocalBackend:
    """Builds series with polars in this process and runs tasks one after another."""

    def series(
        self, snapshot: Snapshot, catalogue: Catalogue, *, as_of: dt.date, clock: Clock
    ) -> Mapping[str, Series]:
        """Every indicator's series, by id (:func:`caresignal.monitor.series.build_all`)."""
        return build_all(snapshot, catalogue, as_of=as_of, clock=clock)

    def each(self, work: Callable[[Task], Result], tasks: Sequence[Task]) -> list[Result]:
        """Run the tasks here, in order."""
        return [work(task) for task in tasks]

    def new_case_rows(
        self,
        snapshot: Snapshot,
        indicators: Sequence[Indicator],
        units: Mapping[str, Sequence[str]],
        new: tuple[BatchEntry, ...],
        fits: Mapping[str, FitRecord | None],
    ) -> dict[str, pl.DataFrame]:
        """The new batches' cases, read here with polars
        (:func:`caresignal.monitor._series_build.new_case_rows`)."""
        return new_case_rows(snapshot, indicators, units, new, fits)


def scan(
    dataset: Dataset | Snapshot,
    catalogue: Catalogue,
    *,
    as_of: dt.date,
    clock: Clock,
    backend: Backend | None = None,
    cache: ThresholdCache | None = None,
    on_progress: OnProgress | None = None,
    workers: int = 1,
) -> ScanResult:
    """Find every signal in the data as of ``as_of``.

    Parameters
    ----------
    dataset : Dataset or Snapshot
        The data directory.
    catalogue : Catalogue
        The indicators and their methods.
    as_of : date
        Cases and periods after this day are left out; monthly charts use complete months only.
    clock : Clock
        Dates a first fit of a risk model.
    backend : Backend, optional
        Default :class:`LocalBackend`.
    cache : ThresholdCache, optional
        Threshold designs already made; default: read from the data directory (and new designs
        written back to it).
    on_progress : callable, optional
        Called after each indicator with (done, total, indicator id).
    workers : int, default 1
        Processes that design the thresholds the cache lacks when many are missing (a first
        scan); 1 designs them in this process. The findings do not depend on it. Worker processes
        are started with ``spawn``, which imports the calling script again: a script that passes
        more than one must keep its own work under ``if __name__ == "__main__":``. The command
        line uses one per CPU.

    Returns
    -------
    ScanResult
        Findings sorted by severity, a summary per indicator and the charts skipped.
    """
    snapshot = dataset.snapshot() if isinstance(dataset, Dataset) else dataset
    backend = LocalBackend() if backend is None else backend
    kept = read_state(snapshot.directory)
    findings: list[Finding] = []
    skipped: list[Skipped] = []
    summaries = []
    states: dict[str, IndicatorState] = {}
    with designing(snapshot.directory, cache, workers) as designs:
        resumed = resume_all(snapshot, catalogue, as_of, kept, backend, designs)
        whole = Catalogue(tuple(item for item in catalogue if item.id not in resumed))
        built, failed = (
            ({}, {})
            if not whole.ids
            else series_of(backend, snapshot, whole, as_of=as_of, clock=clock)
        )
        skipped += [Skipped("*", ident, "risk_model", reason) for ident, reason in failed.items()]
        context = _Context(snapshot, as_of)
        for done, indicator in enumerate(catalogue, start=1):
            if indicator.id in failed:
                summaries.append(
                    IndicatorSummary(indicator.id, indicator.title, 0, 0, None, None, None)
                )
                continue
            result = resumed.get(indicator.id) or full_indicator(
                indicator,
                built[indicator.id],
                as_of,
                backend,
                designs,
                context.of(indicator),
            )
            outcomes = result.outcomes
            found = [o.finding for o in outcomes if o.finding is not None] + result.extra
            findings += found
            skipped += [o.skipped for o in outcomes if o.skipped is not None] + result.skipped
            made = [o.design for o in outcomes if o.design is not None]
            summaries.append(_summary(indicator, result.units, found, made))
            if result.state is not None:
                states[indicator.id] = result.state
            if on_progress is not None:
                on_progress(done, len(catalogue.ids), indicator.id)
    findings.sort(key=lambda f: (f.severity, f.first_crossed, f.unit, f.indicator, f.method))
    _keep_state(snapshot, as_of, kept, states, set(resumed))
    return ScanResult(as_of, tuple(findings), tuple(summaries), tuple(skipped))


class _Context:
    """What a whole-series indicator's state needs besides its series: the snapshot, the
    indicator's units and the last day of its table's rows (read once per table)."""

    def __init__(self, snapshot: Snapshot, as_of: dt.date) -> None:
        self.snapshot = snapshot
        self.as_of = as_of
        self.organisations = snapshot.table("organisations").collect()
        self.days: dict[tuple[str, str, str], dt.date] = {}

    def of(self, indicator: Indicator) -> tuple[Snapshot, list[str], dt.date]:
        """The snapshot, the indicator's units and its table's last day."""
        where = (indicator.table, indicator.definition.date_column, indicator.period)
        if where not in self.days:
            latest = last_day(self.snapshot, Catalogue((indicator,)))
            self.days[where] = self.as_of if latest is None else latest
        units = frames.indicator_units(self.organisations, indicator)
        return self.snapshot, units, self.days[where]


def _keep_state(
    snapshot: Snapshot,
    as_of: dt.date,
    kept: ScanState | None,
    states: dict[str, IndicatorState],
    resumed: set[str],
) -> None:
    """Keep the scan's state for the next scan, unless it is the kept one unchanged (a scan of
    the same data as of the same day writes nothing)."""
    organisations = tuple((e.batch_id, e.content_hash) for e in snapshot.history("organisations"))
    unchanged = (
        kept is not None
        and kept.as_of == as_of
        and kept.organisations == organisations
        and set(states) == set(kept.indicators)
        and resumed == set(states)
        and all(states[i].batches == kept.indicators[i].batches for i in states)
    )
    if unchanged:
        return
    # Carried-on charts keep their designs: the file of designs is then kept as it is.
    same = kept is not None and resumed == set(states) == set(kept.indicators)
    designs = kept.designs if kept is not None and same else None
    state = ScanState(as_of, organisations, states, designs)
    write_state(snapshot.directory, state, designs_kept=same)


def series_of(
    backend: Backend, snapshot: Snapshot, catalogue: Catalogue, *, as_of: dt.date, clock: Clock
) -> tuple[dict[str, Series], dict[str, str]]:
    """Every indicator's series, and for any whose risk model cannot be fitted on its baseline
    (too few cases, a category without cases) why not: the others are still built."""
    try:
        return dict(backend.series(snapshot, catalogue, as_of=as_of, clock=clock)), {}
    except ModelFitError:
        pass
    built: dict[str, Series] = {}
    failed: dict[str, str] = {}
    for indicator in catalogue:
        try:
            alone = Catalogue((indicator,))
            built.update(backend.series(snapshot, alone, as_of=as_of, clock=clock))
        except ModelFitError as error:
            failed[indicator.id] = error.message
    return built, failed


def _summary(
    indicator: Indicator, units: int, found: list[Finding], designs: list[ThresholdDesign]
) -> IndicatorSummary:
    sentence = amber = red = None
    if designs:
        # Every chart of every unit can raise a false alarm (an upper and a lower CUSUM are two).
        amber = math.fsum(d.steps_per_year / d.amber.arl for d in designs)
        red = math.fsum(d.steps_per_year / d.red.arl for d in designs)
        noun = {"site": "sites", "unit": "units", "trust": "trusts"}[indicator.level]
        sentence = national_sentence(units, amber, red, noun, None)
    return IndicatorSummary(
        indicator=indicator.id,
        title=indicator.title,
        units=units,
        findings=len(found),
        false_alarms=sentence,
        amber_per_year=amber,
        red_per_year=red,
    )


def last_day(snapshot: Snapshot, catalogue: Catalogue) -> dt.date | None:
    """The last day the data covers: the latest case date, or the end of the latest period,
    over the tables the catalogue's indicators read (None when they hold no rows)."""
    days: list[dt.date] = []
    tables = {(i.table, i.definition.date_column, i.period) for i in catalogue}
    for table, column, period in sorted(tables):
        latest = snapshot.table(table).select(pl.col(column).cast(pl.Date).max()).collect().item()
        if not isinstance(latest, dt.date):
            continue
        if table in CASE_TABLES:
            days.append(latest)
        elif period == "week":
            days.append(latest + dt.timedelta(days=6))
        else:
            days.append(month_end(latest))
    return max(days) if days else None


#: The type of each column of ``findings.parquet``.
_SCHEMA: dict[str, pl.DataType] = {
    "as_of": pl.Date(),
    **dict.fromkeys(FINDING_COLUMNS, pl.String()),
    "first_crossed": pl.Date(),
    "change_began": pl.Date(),
    **dict.fromkeys(
        ("observed", "expected", "ratio", "ratio_low", "ratio_high", "threshold"), pl.Float64()
    ),
    "signals": pl.Int64(),
}


def findings_frame(result: ScanResult) -> pl.DataFrame:
    """The findings as a polars frame: ``as_of`` and one column per :class:`Finding` field."""
    rows = [{"as_of": result.as_of, **_fields(f)} for f in result.findings]
    return pl.DataFrame(rows, schema=_SCHEMA, orient="row")


def _fields(finding: Finding) -> dict[str, object]:
    return {name: getattr(finding, name) for name in FINDING_COLUMNS}


def write_findings(result: ScanResult, directory: Path) -> Path:
    """Write the findings to ``<directory>/findings.parquet`` (atomically); return its path."""
    buffer = io.BytesIO()
    findings_frame(result).write_parquet(buffer)
    path = Path(directory) / FINDINGS
    replace_file(path, buffer.getvalue())
    return path
