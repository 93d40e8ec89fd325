"""The false-alarm and detection-delay study: each method replayed over many synthetic seeds.

For each seed, :func:`study_seed` generates the synthetic dataset of the study's scale in a
temporary data directory of its own, imports it through the validated path, replays the whole
history (:func:`caresignal.monitor.replay.replay`), scores the signals against the seed's
``truth.json`` and deletes the directory. It depends only on the seed and the
:class:`StudySettings`, so the seeds can run anywhere, in any order: :func:`run_study` runs them
with a backend's ``each`` (one after another in this process with
:class:`~caresignal.monitor.scan.LocalBackend`, on Spark's executors with
:class:`~caresignal.monitor.spark.SparkBackend`), and :func:`summarise` pools the seeds. Both
paths call the same two functions. See ``docs/replay.md`` for what is counted and
``docs/spark.md`` for running the study on a cluster.
"""

from __future__ import annotations

import functools
import json
import statistics
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.data.imports import TRUTH, import_synthetic
from caresignal.data.synth import SCALES, Scale
from caresignal.monitor._replay_truth import METHODS
from caresignal.monitor._study_score import IN_CONTROL, InControl, in_control_counts
from caresignal.monitor.catalogue import load_catalogue
from caresignal.monitor.replay import ReplayResult, replay
from caresignal.monitor.scan import LocalBackend

__all__ = [
    "IN_CONTROL",
    "InControl",
    "Runner",
    "SeedResult",
    "StudySettings",
    "StudySummary",
    "run_study",
    "score",
    "study_seed",
    "summarise",
]

Task = TypeVar("Task")
Result = TypeVar("Result")
#: The day every seed's import and first risk-model fit are dated (fixed, so runs repeat).
IMPORTED_AT = datetime(2026, 11, 23, tzinfo=UTC)
#: Delays by problem, then method, in days (None: not detected).
Delays = Mapping[str, Mapping[str, int | None]]


class Runner(Protocol):
    """Anything that runs ``[work(task) for task in tasks]`` in order: a scan backend."""

    def each(self, work: Callable[[Task], Result], tasks: Sequence[Task]) -> list[Result]:
        """Each task's result, in order."""
        ...


@dataclass(frozen=True, slots=True)
class StudySettings:
    """What every seed of a study shares.

    Attributes
    ----------
    scale : str
        The synthetic scale (``small``, ``medium``, ``national`` or ``huge``).
    in_control : float, default 0.05
        A chart is in control when its true effect is within this of zero (log-odds).
    workers : int, default 1
        Processes that design a seed's missing thresholds where the seed runs (as in
        :func:`~caresignal.monitor.replay.replay`); 1 on Spark, whose cores run seeds.
    scratch : Path, optional
        Where each seed's temporary data directory is made; default the temporary directory of
        the machine the seed runs on.
    """

    scale: Scale
    in_control: float = IN_CONTROL
    workers: int = 1
    scratch: Path | None = None

    def __post_init__(self) -> None:
        if self.scale not in SCALES:
            raise ValueError(f"scale must be one of {', '.join(SCALES)}, not {self.scale!r}")
        if not self.in_control >= 0:
            raise ValueError(f"in_control must be at least 0, not {self.in_control!r}")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, not {self.workers!r}")


@dataclass(frozen=True, slots=True)
class SeedResult:
    """One seed's false alarms and detection delays. Two results are equal when everything but
    their timings is equal.

    Attributes
    ----------
    seed : int
        The synthetic seed.
    false_alarms_per_chart_year : mapping of str to float
        Each method's counted signals on charts no problem touched ÷ their chart-years.
    design : mapping of str to float
        The rate the CUSUM thresholds were designed for (one red signal per chart in 50 years).
    chart_years : mapping of str to float
        Each method's chart-years on untouched charts.
    in_control : mapping of str to InControl
        Each method's signals and chart-years on the in-control charts.
    delays_days, amber_delays_days : mapping
        Each problem's delay to its first counted (and first amber) signal, by method.
    failure : str or None
        Why the seed could not be scored (the error and where it was raised), with every mapping
        empty; None when it was scored.
    load_seconds, replay_seconds : float
        Time to generate and import, and to replay (not compared).
    """

    seed: int
    false_alarms_per_chart_year: Mapping[str, float]
    design: Mapping[str, float]
    chart_years: Mapping[str, float]
    in_control: Mapping[str, InControl]
    delays_days: Delays
    amber_delays_days: Delays
    failure: str | None = None
    load_seconds: float = field(default=0.0, compare=False)
    replay_seconds: float = field(default=0.0, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "seed": self.seed,
            "load_seconds": round(self.load_seconds, 2),
            "replay_seconds": round(self.replay_seconds, 2),
            "false_alarms_per_chart_year": dict(self.false_alarms_per_chart_year),
            "design": dict(self.design),
            "chart_years": dict(self.chart_years),
            "in_control": {m: c.to_dict() for m, c in self.in_control.items()},
            "delays_days": {p: dict(d) for p, d in self.delays_days.items()},
            "amber_delays_days": {p: dict(d) for p, d in self.amber_delays_days.items()},
            "failure": self.failure,
        }


def study_seed(seed: int, settings: StudySettings) -> SeedResult:
    """Generate, import, replay and score one seed in a temporary data directory of its own,
    made where the call runs and deleted afterwards.

    A seed that raises an error is returned as a result with its ``failure`` (the error and the
    line that raised it) rather than ending the whole study: a study of thousands of seeds on a
    cluster then still reports every other seed, and names each seed that failed, to be run again
    with ``study_seed`` alone.
    """
    try:
        return _study_seed(seed, settings)
    except Exception as error:  # any error of one seed: recorded, and the study goes on
        return SeedResult(seed, {}, {}, {}, {}, {}, {}, failure=_failure(error))


def _failure(error: Exception) -> str:
    """The error, and the innermost line of the traceback (file, line and function)."""
    where = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    place = (
        "" if where is None else f" ({Path(where.filename).name}:{where.lineno} in {where.name})"
    )
    return f"{type(error).__name__}: {error}{place}"


def _study_seed(seed: int, settings: StudySettings) -> SeedResult:
    catalogue = load_catalogue()
    clock = FixedClock(IMPORTED_AT)
    prefix = f"caresignal-study-{seed}-"
    with tempfile.TemporaryDirectory(prefix=prefix, dir=settings.scratch) as directory:
        started = time.perf_counter()
        dataset = Dataset(Path(directory))
        import_synthetic(
            dataset,
            settings.scale,
            seed,
            clock=clock,
            exposure_indicators=catalogue.exposure_indicators(),
        )
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        result = replay(dataset, catalogue, clock=clock, workers=settings.workers)
        replayed = time.perf_counter() - started
        truth = json.loads((Path(directory) / TRUTH).read_text("utf-8"))
    return score(result, truth, seed, settings, seconds=(loaded, replayed))


def score(
    result: ReplayResult,
    truth: Mapping[str, Any],
    seed: int,
    settings: StudySettings,
    *,
    seconds: tuple[float, float] = (0.0, 0.0),
) -> SeedResult:
    """One seed's replay scored against its truth (see :mod:`._study_score`)."""
    return SeedResult(
        seed=seed,
        false_alarms_per_chart_year=dict(result.false_alarms_per_unit_year),
        design=dict(result.design_false_alarms_per_unit_year),
        chart_years=dict(result.chart_years),
        in_control=in_control_counts(result, truth, settings.in_control),
        delays_days={
            p.id: {m: d.delay_days for m, d in p.detections.items()} for p in result.problems
        },
        amber_delays_days={
            p.id: {m: d.amber_delay_days for m, d in p.detections.items()} for p in result.problems
        },
        load_seconds=seconds[0],
        replay_seconds=seconds[1],
    )


def run_study(
    seeds: Iterable[int], settings: StudySettings, runner: Runner | None = None
) -> list[SeedResult]:
    """Each seed's result, in the order given, computed by ``runner`` (default in this process,
    one seed after another; a :class:`~caresignal.monitor.spark.SparkBackend` spreads the seeds
    over Spark's executors)."""
    runner = LocalBackend() if runner is None else runner
    return runner.each(functools.partial(study_seed, settings=settings), list(seeds))


@dataclass(frozen=True, slots=True)
class StudySummary:
    """The seeds pooled.

    Attributes
    ----------
    seeds : int
        How many seeds were scored (the figures below pool them).
    failed : mapping of int to str
        Each seed that could not be scored, and why.
    false_alarms_per_chart_year : mapping of str to float
        Each method's mean over the seeds of its false-alarm rate on untouched charts.
    design : mapping of str to float
        The CUSUM thresholds' design rate.
    in_control_per_chart_year : mapping of str to float or None
        In-control signals ÷ in-control chart-years, pooled over the seeds.
    median_delay_days, median_amber_delay_days : mapping
        Each problem's median delay by method over the seeds that detected it (None: none did).
    detected_share : mapping
        Each problem's share of seeds in which each method detected it.
    """

    seeds: int
    failed: Mapping[int, str]
    false_alarms_per_chart_year: Mapping[str, float]
    design: Mapping[str, float]
    in_control_per_chart_year: Mapping[str, float | None]
    median_delay_days: Mapping[str, Mapping[str, float | None]]
    median_amber_delay_days: Mapping[str, Mapping[str, float | None]]
    detected_share: Mapping[str, Mapping[str, float]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "seeds": self.seeds,
            "failed": {str(seed): why for seed, why in self.failed.items()},
            "false_alarms_per_chart_year": dict(self.false_alarms_per_chart_year),
            "design": dict(self.design),
            "in_control_per_chart_year": dict(self.in_control_per_chart_year),
            "median_delay_days": {p: dict(d) for p, d in self.median_delay_days.items()},
            "median_amber_delay_days": {
                p: dict(d) for p, d in self.median_amber_delay_days.items()
            },
            "detected_share": {p: dict(d) for p, d in self.detected_share.items()},
        }


def summarise(results: Sequence[SeedResult]) -> StudySummary:
    """The seeds' results pooled: mean false-alarm rates, pooled in-control rates, median delays
    and the share of seeds that detected each problem, over the seeds that were scored; the
    seeds that failed are listed apart."""
    if not results:
        raise ValueError("results must hold at least one seed")
    failed = {r.seed: r.failure for r in results if r.failure is not None}
    results = [r for r in results if r.failure is None]
    present = {m for r in results for m in r.false_alarms_per_chart_year}
    methods = [m for m in METHODS if m in present]
    design: dict[str, float] = {}
    for r in results:
        design.update(r.design)
    return StudySummary(
        seeds=len(results),
        failed=failed,
        false_alarms_per_chart_year={
            m: statistics.fmean(
                r.false_alarms_per_chart_year[m]
                for r in results
                if m in r.false_alarms_per_chart_year
            )
            for m in methods
        },
        design=design,
        in_control_per_chart_year={m: _pooled(results, m) for m in methods},
        median_delay_days=_by_problem(results, "delays_days", _median),
        median_amber_delay_days=_by_problem(results, "amber_delays_days", _median),
        detected_share=_by_problem(results, "delays_days", _share),
    )


def _pooled(results: Sequence[SeedResult], method: str) -> float | None:
    """In-control signals ÷ in-control chart-years, pooled over the seeds."""
    counted = [r.in_control[method] for r in results if method in r.in_control]
    years = sum(c.chart_years for c in counted)
    return sum(c.signals for c in counted) / years if years else None


def _by_problem(
    results: Sequence[SeedResult], name: str, reduce: Callable[[list[int | None]], Result]
) -> dict[str, dict[str, Result]]:
    """``reduce`` of each problem's delays by method, over the seeds."""
    values: dict[str, dict[str, list[int | None]]] = {}
    for result in results:
        delays: Delays = getattr(result, name)
        for problem, found in delays.items():
            for method, days in found.items():
                values.setdefault(problem, {}).setdefault(method, []).append(days)
    return {p: {m: reduce(v) for m, v in by.items()} for p, by in values.items()}


def _median(values: list[int | None]) -> float | None:
    found = [v for v in values if v is not None]
    return statistics.median(found) if found else None


def _share(values: list[int | None]) -> float:
    return sum(v is not None for v in values) / len(values)
