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
from caresignal.monitor import _scan_carry_batch
from caresignal.monitor._catalogue_types import MethodSpec, ParameterValue
from caresignal.monitor._scan_carry import Carried, carry_cusum
from caresignal.monitor._scan_carry_batch import CusumBatch, carry_batch, cusum_batches
from caresignal.monitor._scan_cusum import ChartState
from caresignal.monitor._scan_spc import run_spc_batch, spc_batches
from caresignal.monitor._scan_tasks import (
    CaseArrays,
    case_cusum_tasks,
    monthly,
    period_cusum_tasks,
    spc_tasks,
)
from caresignal.monitor._scan_units import (
    CusumTask,
    SpcTask,
    design_for,
    design_input,
    run_cusum,
    run_spc,
)
from caresignal.monitor.catalogue import load_catalogue
from caresignal.monitor.series import CaseSeries, Series, build_all
from caresignal.monitor.thresholds import ThresholdCache, ThresholdDesign

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


def _same_state(one: ChartState | None, other: ChartState | None) -> bool:
    """Whether two chart states are equal to the last bit (arrays compared element by element)."""
    if one is None or other is None:
        return one is other
    a, b = one.climb, other.climb
    return (
        one.path == other.path
        and one.statistic == other.statistic
        and one.signalled == other.signalled
        and one.held == other.held
        and (a.first, a.amber, a.red, a.began, a.crossed, a.observed)
        == (b.first, b.amber, b.red, b.began, b.crossed, b.observed)
        and a.expected.dtype == b.expected.dtype
        and np.array_equal(a.expected, b.expected)
    )


def _with(spec: MethodSpec, **values: ParameterValue) -> MethodSpec:
    return replace(spec, parameters=tuple((k, values.get(k, v)) for k, v in spec.parameters))


def _lowered(design: ThresholdDesign, amber: float, red: float) -> ThresholdDesign:
    return replace(design, amber=replace(design.amber, h=amber), red=replace(design.red, h=red))


def _month_ends(tasks: list[CusumTask]) -> list[dt.date]:
    first = min(task.days[0] for task in tasks if task.days.size)
    last = max(task.days[-1] for task in tasks if task.days.size)
    months = np.arange(first.astype("datetime64[M]"), last.astype("datetime64[M]") + 1)
    ends = (months + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
    return [dt.date.fromisoformat(str(end)) for end in ends]


def _until(task: CusumTask, after: dt.date | None, day: dt.date) -> CusumTask:
    """The task's steps after ``after`` up to ``day``, as of ``day``."""
    low = 0 if after is None else int(np.searchsorted(task.days, np.datetime64(after), "right"))
    high = int(np.searchsorted(task.days, np.datetime64(day), "right"))
    return replace(
        task,
        days=task.days[low:high],
        observed=task.observed[low:high],
        expected=task.expected[low:high],
        as_of=day,
    )


@pytest.mark.parametrize(
    ("reset_after", "signal_rule", "scale"),
    [("red", ">=", 1.0), ("red", ">", 0.5), ("amber", ">=", 0.4), ("none", ">", 0.6)],
)
def test_charts_carried_on_together_give_what_each_chart_carried_alone_gives(
    built: dict[str, Series],
    reset_after: str,
    signal_rule: str,
    scale: float,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every unit's chart of every CUSUM indicator is carried on month by month, together and
    one by one, with thresholds lowered so that signals, red episodes, resets and held episodes
    happen often; each month's states and outcomes must agree to the last bit."""
    cache = ThresholdCache()
    one_by_one = []  # the charts the batch left to carry_cusum

    def alone_in_batch(task: CusumTask, cache: ThresholdCache | None = None) -> Carried:
        one_by_one.append(task)
        return carry_cusum(task, cache)

    monkeypatch.setattr(_scan_carry_batch, "carry_cusum", alone_in_batch)
    by_method: dict[tuple[str, int], list[CusumTask]] = {}
    for task in _cusum_tasks(built):
        by_method.setdefault((task.indicator.id, id(task.method)), []).append(task)
    compared = together = 0
    kinds: set[str] = set()
    for tasks in by_method.values():
        spec = _with(tasks[0].method, reset_after=reset_after, signal_rule=signal_rule)
        designed = []
        for task in tasks:
            design = design_for(task, cache)
            if isinstance(design, str):
                continue
            lowered = _lowered(design, design.amber.h * scale * 0.6, design.red.h * scale)
            designed.append(replace(task, method=spec, given=design_input(task), design=lowered))
        if not designed:
            continue
        states: list[ChartState | None] = [None] * len(designed)
        previous: dt.date | None = None
        for day in _month_ends(designed)[::2]:
            steps = [
                replace(_until(task, previous, day), state=state)
                for task, state in zip(designed, states, strict=True)
            ]
            alone = [carry_cusum(task) for task in steps]
            batched = [c for batch in cusum_batches(steps, size=7) for c in carry_batch(batch)]
            for one, other in zip(alone, batched, strict=True):
                assert one.outcome == other.outcome
                assert _same_state(one.state, other.state)
                compared += 1
                if one.outcome.finding is not None:
                    kinds.add(one.outcome.finding.level)
            together += sum(task.state is not None and task.days.size > 0 for task in steps)
            states = [
                one.state if one.state is not None else state
                for one, state in zip(alone, states, strict=True)
            ]
            previous = day
    assert compared > 1000
    stepped_alone = sum(task.state is not None and task.days.size > 0 for task in one_by_one)
    assert together > 500
    # Most charts were carried on as rows of the table; with thresholds set this low, signals
    # (which go one by one) are common.
    assert stepped_alone < together * (0.25 if scale == 1.0 else 0.9)
    assert kinds == ({"red"} if reset_after == "amber" else {"amber", "red"})


def test_charts_that_cannot_be_carried_together_go_one_by_one() -> None:
    """A batch with nothing in common (no state, no design) gives exactly the charts alone."""
    assert carry_batch(CusumBatch(())) == []
