"""The scan and the replay on Spark (``local[2]``) give the local backend's findings and signals
(docs/spark.md).

PySpark is an optional extra. Outside CI these tests are skipped when it is not installed; in CI
(the environment variable ``CI`` set, as ``.ci/run`` does) its absence is a failure, so the
parity cannot go unchecked there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import operator
import pickle
import shutil
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from caresignal.cli import app
from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.monitor._scan_designs import THRESHOLD_CACHE
from caresignal.monitor._scan_tasks import CaseArrays, case_cusum_tasks
from caresignal.monitor.catalogue import load_catalogue
from caresignal.monitor.replay import ReplayResult, replay
from caresignal.monitor.scan import FINDINGS, Finding, ScanResult, findings_frame, scan
from caresignal.monitor.series import CaseSeries, build_series
from caresignal.monitor.thresholds import ThresholdCache, design_bernoulli

CLOCK = FixedClock(datetime(2026, 11, 23, tzinfo=UTC))
AS_OF = dt.date(2025, 12, 31)
CATALOGUE = load_catalogue()
#: Numbers of the two backends must agree to this (they are computed by the same functions).
TOLERANCE = 1e-9
NUMBERS = ("observed", "expected", "ratio", "ratio_low", "ratio_high", "threshold")


@pytest.fixture(scope="module")
def copies(small_copy: Callable[[], Path]) -> tuple[Path, Path]:
    """Two copies of the ``small`` dataset: one for the local backend, one for Spark."""
    return small_copy(), small_copy()


@pytest.fixture(scope="module")
def scans(session: Any, copies: tuple[Path, Path]) -> tuple[ScanResult, ScanResult, int]:
    """The local scan, the Spark scan and the number of Spark jobs. Both are first scans of
    their copies; the Spark one is given the local one's threshold designs, to keep the test
    short (designs made on the executors are tested on their own below)."""
    from caresignal.monitor.spark import SparkBackend

    here, there = copies
    local = scan(Dataset(here), CATALOGUE, as_of=AS_OF, clock=CLOCK)
    (there / THRESHOLD_CACHE).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(here / THRESHOLD_CACHE, there / THRESHOLD_CACHE)
    backend = SparkBackend(session)
    spark = scan(Dataset(there), CATALOGUE, as_of=AS_OF, clock=CLOCK, backend=backend)
    return local, spark, backend.jobs


def _same_numbers(left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return left is right
    return math.isclose(left, right, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def _assert_same_finding(local: Finding, spark: Finding) -> None:
    for field in dataclasses.fields(Finding):
        name = field.name
        mine, theirs = getattr(local, name), getattr(spark, name)
        if name in NUMBERS:
            assert _same_numbers(mine, theirs), (local.unit, local.indicator, name, mine, theirs)
        else:
            assert mine == theirs, (local.unit, local.indicator, name, mine, theirs)


def test_the_spark_scan_gives_the_local_findings(
    scans: tuple[ScanResult, ScanResult, int],
) -> None:
    local, spark, jobs = scans
    assert jobs > 0  # the charts were computed on Spark
    assert len(local.findings) >= 10  # the small dataset's hidden problems are found
    assert [(f.unit, f.indicator, f.method, f.level) for f in spark.findings] == [
        (f.unit, f.indicator, f.method, f.level) for f in local.findings
    ]
    for mine, theirs in zip(local.findings, spark.findings, strict=True):
        _assert_same_finding(mine, theirs)
    assert spark.as_of == local.as_of
    assert spark.skipped == local.skipped
    assert [s.indicator for s in spark.indicators] == [s.indicator for s in local.indicators]
    for mine, theirs in zip(local.indicators, spark.indicators, strict=True):
        assert (mine.units, mine.findings, mine.false_alarms) == (
            theirs.units,
            theirs.findings,
            theirs.false_alarms,
        )
        assert _same_numbers(mine.amber_per_year, theirs.amber_per_year)
        assert _same_numbers(mine.red_per_year, theirs.red_per_year)


def test_designs_made_on_the_executors_come_back_to_the_drivers_cache(session: Any) -> None:
    from caresignal.monitor.spark import SparkBackend

    cache = ThresholdCache()
    risks = [0.004, 0.005, 0.006, 0.007, 0.008]
    design = functools.partial(design_bernoulli, cases_per_year=3000, cache=cache)
    found = SparkBackend(session).each(design, risks)
    assert found == [design_bernoulli(r, cases_per_year=3000) for r in risks]  # in order
    assert len(cache) == len(risks)
    assert [design(risk) for risk in risks] == found
    assert (cache.hits, cache.misses) == (len(risks), 0)  # every design came back


def test_batches_of_charts_are_cut_for_the_cores_and_joined_in_order(session: Any) -> None:
    from caresignal.monitor._scan_carry_batch import CusumBatch
    from caresignal.monitor.spark import SparkBackend

    backend = SparkBackend(session)
    batches = [
        CusumBatch(tuple(SimpleNamespace(unit=f"U{i}{j}") for j in range(7)))  # type: ignore[misc]
        for i in range(3)
    ]
    found = backend.each(operator.attrgetter("units"), batches)
    assert [list(part) for part in found] == [list(batch.units) for batch in batches]


def test_the_spark_replay_gives_the_local_signals(
    scans: tuple[ScanResult, ScanResult, int], session: Any, copies: tuple[Path, Path]
) -> None:
    from caresignal.monitor.spark import SparkBackend

    here, there = copies
    local = replay(Dataset(here), CATALOGUE, clock=CLOCK)
    spark = replay(Dataset(there), CATALOGUE, clock=CLOCK, backend=SparkBackend(session))
    assert len(local.signals) >= 50
    assert spark.signals == local.signals  # units, indicators, levels, directions, days
    assert spark.problems == local.problems  # each hidden problem's detections
    assert (spark.start, spark.end, spark.methods) == (local.start, local.end, local.methods)
    _assert_same_rates(local, spark)
    # The replay lists the annual funnels' charts in no fixed order (in either backend).
    assert sorted(spark.charted) == sorted(local.charted)


def _assert_same_rates(local: ReplayResult, spark: ReplayResult) -> None:
    for name in ("chart_years", "false_alarms_per_unit_year", "design_false_alarms_per_unit_year"):
        mine, theirs = getattr(local, name), getattr(spark, name)
        assert set(mine) == set(theirs), name
        assert all(_same_numbers(mine[key], theirs[key]) for key in mine), name


def test_the_tasks_sent_to_spark_pickle(copies: tuple[Path, Path]) -> None:
    """PySpark pickles every task it sends: a unit's chart task comes back as it went."""
    indicator = CATALOGUE.get("extended_perinatal_mortality")
    series = build_series(Dataset(copies[0]), CATALOGUE, indicator.id, as_of=AS_OF, clock=CLOCK)
    assert isinstance(series, CaseSeries)
    (spec,) = indicator.method("bernoulli_cusum")[:1]
    task = case_cusum_tasks(indicator, spec, CaseArrays.of(series), AS_OF)[0]
    back = pickle.loads(pickle.dumps(task))
    assert (back.unit, back.method, back.as_of) == (task.unit, task.method, task.as_of)
    assert (back.days == task.days).all()
    assert (back.expected == task.expected).all()


def test_a_rescan_on_spark_from_the_command_line_carries_the_charts_on_as_the_local_one(
    scans: tuple[ScanResult, ScanResult, int], copies: tuple[Path, Path]
) -> None:
    here, there = copies
    later = dt.date(2026, 1, 31)  # no new rows: each kept chart is carried on to the later day
    local = findings_frame(scan(Dataset(here), CATALOGUE, as_of=later, clock=CLOCK))
    command = ["scan", "--data-dir", str(there), "--as-of", later.isoformat()]
    result = CliRunner().invoke(app, [*command, "--backend", "spark", "--master", "local[2]"])
    assert result.exit_code == 0, result.output
    spark = pl.read_parquet(there / FINDINGS)
    assert local.height >= 10
    words = [name for name in local.columns if name not in NUMBERS]
    assert spark.select(words).equals(local.select(words))
    for name in NUMBERS:
        pairs = zip(local.get_column(name), spark.get_column(name), strict=True)
        assert all(_same_numbers(mine, theirs) for mine, theirs in pairs), name


def test_without_pyspark_the_command_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch, small_copy: Callable[[], Path]
) -> None:
    for name in [name for name in sys.modules if name.split(".")[0] == "pyspark"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyspark", None)
    data = small_copy()
    result = CliRunner().invoke(app, ["replay", "--data-dir", str(data), "--backend", "spark"])
    assert result.exit_code == 2
    assert "needs PySpark, which is not installed" in result.output
    assert "pip install 'caresignal[spark]'" in result.output
