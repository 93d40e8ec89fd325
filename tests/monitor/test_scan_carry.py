"""Each chart's state and the batched SPC charts give exactly what the per-unit charts give, on
every chart of the synthetic ``small`` dataset."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.monitor._scan_carry import carry_cusum
from caresignal.monitor._scan_spc import run_spc_batch, spc_batches
from caresignal.monitor._scan_tasks import (
    CaseArrays,
    case_cusum_tasks,
    monthly,
    period_cusum_tasks,
    spc_tasks,
)
from caresignal.monitor._scan_units import CusumTask, SpcTask, design_input, run_cusum, run_spc
from caresignal.monitor.catalogue import load_catalogue
from caresignal.monitor.series import CaseSeries, Series, build_all
from caresignal.monitor.thresholds import ThresholdCache

CLOCK = FixedClock(datetime(2026, 11, 23, tzinfo=UTC))
AS_OF = dt.date(2025, 12, 31)
CATALOGUE = load_catalogue()


@pytest.fixture(scope="module")
def built(small_copy: Callable[[], Path]) -> dict[str, Series]:
    return build_all(Dataset(small_copy()), CATALOGUE, as_of=AS_OF, clock=CLOCK)


def _cusum_tasks(built: dict[str, Series]) -> list[CusumTask]:
    tasks: list[CusumTask] = []
    for indicator in CATALOGUE:
        series = built[indicator.id]
        for spec in indicator.methods:
            if spec.method == "bernoulli_cusum" and isinstance(series, CaseSeries):
                tasks += case_cusum_tasks(indicator, spec, CaseArrays.of(series), AS_OF)
            elif spec.method == "poisson_cusum":
                points = monthly(series, indicator, AS_OF)
                tasks += period_cusum_tasks(indicator, spec, points, AS_OF)
    return tasks


def test_a_chart_with_its_state_gives_the_outcome_of_the_whole_chart(
    built: dict[str, Series],
) -> None:
    cache = ThresholdCache()
    tasks = _cusum_tasks(built)
    assert len(tasks) > 40
    for task in tasks:
        assert carry_cusum(task, cache).outcome == run_cusum(task, cache)


def test_a_chart_carried_on_from_any_day_gives_the_outcome_of_the_whole_chart(
    built: dict[str, Series],
) -> None:
    cache = ThresholdCache()
    found = 0
    for number, task in enumerate(_cusum_tasks(built)):
        whole = run_cusum(task, cache)
        found += whole.finding is not None
        given = design_input(task)  # the design is settled before the cut
        days = np.unique(task.days)
        if days.size < 2:
            continue
        picks = np.minimum(np.linspace(0, days.size - 2, 7).astype(int) + number % 3, days.size - 2)
        for cut_day in days[picks]:
            cut = int(np.searchsorted(task.days, cut_day, side="right"))
            first = replace(
                task,
                days=task.days[:cut],
                observed=task.observed[:cut],
                expected=task.expected[:cut],
                as_of=dt.date.fromisoformat(str(cut_day)),
                given=given,
            )
            state = carry_cusum(first, cache).state
            rest = replace(
                task,
                days=task.days[cut:],
                observed=task.observed[cut:],
                expected=task.expected[cut:],
                given=given,
                state=state,
            )
            assert carry_cusum(rest, cache).outcome == whole
    assert found > 5  # amber and red episodes, held and ongoing, are among them


def test_units_charted_together_give_each_unit_its_own_chart(built: dict[str, Series]) -> None:
    charts = 0
    for indicator in CATALOGUE:
        for spec in indicator.methods:
            if spec.method not in ("p_chart", "u_chart", "xmr"):
                continue
            tasks: list[SpcTask] = spc_tasks(
                indicator, spec, monthly(built[indicator.id], indicator, AS_OF)
            )
            together = [o for batch in spc_batches(tasks, size=4) for o in run_spc_batch(batch)]
            assert together == [run_spc(task) for task in tasks]
            charts += len(tasks)
    assert charts > 50
