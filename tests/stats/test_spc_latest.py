"""``as_latest`` gives each point the type it had on the chart cut just after it.

The reference is the definition itself: every chart cut after each point, computed by the chart
functions (which are checked against qicharts2 and NHSRplotthedots elsewhere).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from caresignal.stats import spc
from caresignal.stats._spc_latest import chart_lines, group_latest_types
from caresignal.stats._spc_rules import RuleSettings

BASELINE = 12


def _series(seed: int, n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Counts and sizes that wander, shift and trend, so every rule fires somewhere."""
    rng = np.random.default_rng(seed)
    size = rng.integers(40, 400, n).astype(float)
    rate = 0.2 + 0.05 * np.sin(np.arange(n) / 4.0)
    rate[30:40] += 0.08  # a shift
    rate[45:53] += np.linspace(0.0, 0.15, 8)[: max(0, min(n, 53) - 45)]  # a trend
    count = rng.binomial(size.astype(int), np.clip(rate, 0.01, 0.99)).astype(float)
    return count, size


Chart = Callable[..., spc.ControlChart]


def _xmr(count: np.ndarray, size: np.ndarray, **options: Any) -> spc.ControlChart:
    return spc.xmr(count / size * 100.0, **options)


def _p(count: np.ndarray, size: np.ndarray, **options: Any) -> spc.ControlChart:
    return spc.p_chart(count, size, multiplier=100.0, **options)


def _p_laney(count: np.ndarray, size: np.ndarray, **options: Any) -> spc.ControlChart:
    return spc.p_chart(count, size, laney=True, **options)


def _u(count: np.ndarray, size: np.ndarray, **options: Any) -> spc.ControlChart:
    return spc.u_chart(count, size, multiplier=1000.0, **options)


@pytest.mark.parametrize("make", [_xmr, _p, _p_laney, _u])
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"improvement": "increase", "two_in_three": "legacy"},
        {"improvement": "decrease", "trend_points": 5, "shift_points": 6},
        {"improvement": "increase", "exclude": [3, 20, 41]},
    ],
)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_each_point_has_the_type_of_the_latest_point_of_its_cut_chart(
    make: Chart, options: dict[str, Any], seed: int
) -> None:
    count, size = _series(seed)
    whole = make(count, size, baseline_points=BASELINE, **options)
    rules = {k: v for k, v in options.items() if k in ("trend_points", "shift_points")}
    if "two_in_three" in options:
        rules["two_in_three"] = options["two_in_three"]
    latest = spc.as_latest(whole, **rules)
    special = 0
    for m in range(BASELINE, count.size):
        cut_options = dict(options)
        if "exclude" in options:
            cut_options["exclude"] = [e for e in options["exclude"] if e <= m]
        cut = make(count[: m + 1], size[: m + 1], baseline_points=BASELINE, **cut_options)
        assert latest[m] == cut.point_type[-1], m
        special += latest[m] != "common_cause"
    assert special >= 3
    # Flagged as the latest point means flagged on the whole chart; the whole chart sees more.
    after = slice(BASELINE, None)
    assert set(np.flatnonzero(latest[after] != "common_cause")) <= set(
        np.flatnonzero(whole.point_type[after] != "common_cause")
    )


def test_a_run_flags_only_the_point_that_completes_it() -> None:
    # Twelve baseline points around 10, then seven points above the centre but inside the near
    # limits: the whole chart flags all seven as a shift, the monthly look only the seventh.
    values = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 11, 9] + [11.5, 12] * 3 + [11.5]
    chart = spc.xmr(values, baseline_points=12)
    assert list(chart.rule[12:]) == ["shift"] * 7
    assert list(spc.as_latest(chart)[12:]) == ["common_cause"] * 6 + ["special_cause_neither"]


@pytest.mark.parametrize("make", [_xmr, _p, _u])
@pytest.mark.parametrize("shift_points", [6, 7, 9])
def test_the_latest_point_of_each_group_reads_only_the_last_months(
    make: Chart, shift_points: int
) -> None:
    """Many series laid end to end as limit groups: the type of each group's last point, read
    from its last few points, is the whole chart's type of that point."""
    lengths = np.tile([14, 30, 60, 8], 10)
    pieces = [_series(seed, n=int(n)) for seed, n in enumerate(lengths)]
    for count, size in pieces[::3]:  # a third of the series end on a rise
        count[-9:] = np.minimum(size[-9:], np.round(count[-9:] + 0.1 * size[-9:]))
    count = np.concatenate([c for c, _ in pieces])
    size = np.concatenate([s for _, s in pieces])
    ends = np.cumsum([c.size for c, _ in pieces]).astype(np.int64)
    options = {"improvement": "increase", "shift_points": shift_points, "trend_points": 6}
    whole = make(count, size, rebase_at=ends[:-1], **options)
    settings = RuleSettings("increase", 6, shift_points, "current")
    latest = group_latest_types(chart_lines(whole), settings, ends)
    assert list(latest) == list(whole.point_type[ends - 1])
    assert (latest != "common_cause").sum() >= 5
