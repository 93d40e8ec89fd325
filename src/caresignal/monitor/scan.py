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

Threshold designs are kept in ``<data-dir>/cache/thresholds.json`` between scans (a cache:
deleting it is safe). :func:`write_findings` writes a result to ``findings.parquet``. See
``docs/scan.md``.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

import polars as pl

from caresignal.clock import Clock
from caresignal.data.dataset import Dataset, Snapshot, replace_file
from caresignal.monitor._catalogue_types import CASE_TABLES, Indicator
from caresignal.monitor._scan_designs import (
    THRESHOLD_CACHE,
    DesignPool,
    designing,
    read_threshold_cache,
    write_threshold_cache,
)
from caresignal.monitor._scan_funnel import funnel_findings
from caresignal.monitor._scan_tasks import (
    CaseArrays,
    case_cusum_tasks,
    monthly,
    period_cusum_tasks,
    spc_tasks,
)
from caresignal.monitor._scan_types import (
    FINDING_COLUMNS,
    Finding,
    IndicatorSummary,
    ScanResult,
    Skipped,
    severity,
)
from caresignal.monitor._scan_units import (
    CusumTask,
    Outcome,
    SpcTask,
    month_end,
    run_cusum,
    run_spc,
    spc_options,
)
from caresignal.monitor._thresholds_national import national_sentence
from caresignal.monitor.catalogue import Catalogue
from caresignal.monitor.series import CaseSeries, ModelFitError, Series, build_all
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


class Backend(Protocol):
    """Where a scan's series are built and its per-series tasks run."""

    def series(
        self, snapshot: Snapshot, catalogue: Catalogue, *, as_of: dt.date, clock: Clock
    ) -> Mapping[str, Series]:
        """Every indicator's series, by id."""
        ...

    def each(self, work: Callable[[Task], Result], tasks: Sequence[Task]) -> list[Result]:
        """``[work(task) for task in tasks]``, in order; each task reads its own series only."""
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
    built, failed = series_of(backend, snapshot, catalogue, as_of=as_of, clock=clock)
    findings: list[Finding] = []
    skipped = [Skipped("*", ident, "risk_model", reason) for ident, reason in failed.items()]
    summaries = []
    with designing(snapshot.directory, cache, workers) as designs:
        for done, indicator in enumerate(catalogue, start=1):
            if indicator.id in failed:
                summaries.append(
                    IndicatorSummary(indicator.id, indicator.title, 0, 0, None, None, None)
                )
                continue
            outcomes, extra, extra_skipped = _indicator(
                indicator, built[indicator.id], as_of, backend, designs
            )
            found = [o.finding for o in outcomes if o.finding is not None] + extra
            findings += found
            skipped += [o.skipped for o in outcomes if o.skipped is not None] + extra_skipped
            made = [o.design for o in outcomes if o.design is not None]
            summaries.append(_summary(indicator, built[indicator.id], found, made))
            if on_progress is not None:
                on_progress(done, len(catalogue.ids), indicator.id)
    findings.sort(key=lambda f: (f.severity, f.first_crossed, f.unit, f.indicator, f.method))
    return ScanResult(as_of, tuple(findings), tuple(summaries), tuple(skipped))


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


def _indicator(
    indicator: Indicator, series: Series, as_of: dt.date, backend: Backend, designs: DesignPool
) -> tuple[list[Outcome], list[Finding], list[Skipped]]:
    """Every method of one indicator: per-unit outcomes, funnel findings and funnel skips."""
    outcomes: list[Outcome] = []
    extra: list[Finding] = []
    skipped: list[Skipped] = []
    points = None
    cases = CaseArrays.of(series) if isinstance(series, CaseSeries) else None
    run = functools.partial(run_cusum, cache=designs.cache)
    for spec in indicator.methods:
        if spec.method == "vlad":
            continue  # a display of the CUSUM's evidence: it has no threshold of its own
        if spec.method == "bernoulli_cusum" and cases is not None:
            tasks: list[CusumTask] = case_cusum_tasks(indicator, spec, cases, as_of)
            tasks = designs.ready(tasks)
            outcomes += backend.each(run, tasks)
            continue
        points = monthly(cases or series, indicator, as_of) if points is None else points
        if spec.method == "poisson_cusum":
            counted = period_cusum_tasks(indicator, spec, points, as_of)
            counted = designs.ready(counted)
            outcomes += backend.each(run, counted)
            skipped += _no_expected(indicator, spec.method, points, counted)
        elif spec.method == "funnel":
            found, skips = funnel_findings(indicator, spec, points)
            extra += found
            skipped += skips
        else:
            spc: list[SpcTask] = spc_tasks(indicator, spec, points)
            outcomes += backend.each(run_spc, spc)
    return outcomes, extra, skipped


def _no_expected(
    indicator: Indicator, method: str, points: pl.DataFrame, tasks: list[CusumTask]
) -> list[Skipped]:
    """The units with periods but no expected count for any of them."""
    charted = {task.unit for task in tasks}
    return [
        Skipped(unit, indicator.id, method, "no expected count for any period")
        for unit in points.get_column("unit").unique(maintain_order=True).to_list()
        if unit not in charted
    ]


def _summary(
    indicator: Indicator, series: Series, found: list[Finding], designs: list[ThresholdDesign]
) -> IndicatorSummary:
    sentence = amber = red = None
    if designs:
        # Every chart of every unit can raise a false alarm (an upper and a lower CUSUM are two).
        amber = math.fsum(d.steps_per_year / d.amber.arl for d in designs)
        red = math.fsum(d.steps_per_year / d.red.arl for d in designs)
        noun = {"site": "sites", "unit": "units", "trust": "trusts"}[indicator.level]
        sentence = national_sentence(len(series.units), amber, red, noun, None)
    return IndicatorSummary(
        indicator=indicator.id,
        title=indicator.title,
        units=len(series.units),
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
