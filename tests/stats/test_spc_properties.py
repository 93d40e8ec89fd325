"""Property tests of the SPC charts (hypothesis): ordering of lines, input types, no mutation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from caresignal.stats.spc import ControlChart, c_chart, p_chart, run_chart, u_chart, xmr

FAST = settings(max_examples=60, deadline=None)

values = st.lists(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
    min_size=2,
    max_size=60,
)
improvements = st.sampled_from(["neutral", "increase", "decrease"])


@st.composite
def proportions(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    n = draw(st.integers(min_value=2, max_value=40))
    denominators = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n))
    numerators = [draw(st.integers(0, d)) for d in denominators]
    return numerators, denominators


@st.composite
def rates(draw: st.DrawFn) -> tuple[list[int], list[float]]:
    n = draw(st.integers(min_value=2, max_value=40))
    counts = draw(st.lists(st.integers(0, 500), min_size=n, max_size=n))
    exposure = draw(st.lists(st.floats(0.5, 1e5), min_size=n, max_size=n))
    return counts, exposure


def _assert_ordered(chart: ControlChart) -> None:
    # Allow for rounding where limits coincide (e.g. MR-bar = 0).
    tol = 1e-9 * (1.0 + np.abs(chart.centre))
    assert np.all(chart.lpl <= chart.near_lpl + tol)
    assert np.all(chart.near_lpl <= chart.centre + tol)
    assert np.all(chart.centre <= chart.near_upl + tol)
    assert np.all(chart.near_upl <= chart.upl + tol)


@FAST
@given(values, improvements)
def test_xmr_lines_are_ordered(series: list[float], improvement: str) -> None:
    _assert_ordered(xmr(series, improvement=improvement))


@FAST
@given(proportions(), st.booleans())
def test_p_chart_lines_are_ordered_and_within_0_1(
    data: tuple[list[int], list[int]], laney: bool
) -> None:
    chart = p_chart(*data, laney=laney)
    _assert_ordered(chart)
    assert np.all(chart.lpl >= 0)
    assert np.all(chart.upl <= 1)


@FAST
@given(rates(), st.booleans())
def test_u_and_c_chart_lines_are_ordered(data: tuple[list[int], list[float]], laney: bool) -> None:
    _assert_ordered(u_chart(*data, laney=laney))
    _assert_ordered(c_chart(data[0]))


@FAST
@given(st.floats(-1e6, 1e6), st.integers(2, 40), improvements)
def test_a_constant_series_gives_no_signals(level: float, n: int, improvement: str) -> None:
    chart = xmr([level] * n, improvement=improvement)
    assert all(r is None for r in chart.rule)
    assert chart.variation == "common_cause"
    counts = [round(abs(level)) % 50] * n
    assert all(r is None for r in c_chart(counts).rule)
    assert all(r is None for r in p_chart(counts, [100] * n).rule)


def _same(a: ControlChart, b: ControlChart) -> None:
    for name in ("values", "centre", "lpl", "upl", "near_lpl", "near_upl"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.rule.tolist() == b.rule.tolist()
    assert a.point_type.tolist() == b.point_type.tolist()
    assert (a.variation, a.assurance) == (b.variation, b.assurance)


CONVERTERS: list[Callable[[list[Any]], Any]] = [
    list,
    np.asarray,
    pl.Series,
    pd.Series,
]


@FAST
@given(values, proportions())
def test_list_numpy_polars_and_pandas_give_the_same_result(
    series: list[float], data: tuple[list[int], list[int]]
) -> None:
    reference_x = xmr(series, improvement="increase", target=0.0)
    reference_p = p_chart(*data, improvement="decrease")
    for convert in CONVERTERS[1:]:
        _same(reference_x, xmr(convert(series), improvement="increase", target=0.0))
        _same(reference_p, p_chart(convert(data[0]), convert(data[1]), improvement="decrease"))


@FAST
@given(values, proportions())
def test_inputs_are_not_mutated(series: list[float], data: tuple[list[int], list[int]]) -> None:
    array = np.asarray(series)
    frame = pd.Series(series)
    num, den = np.asarray(data[0], dtype=float), pl.Series(data[1])
    before = (array.copy(), frame.copy(), num.copy(), den.clone())
    xmr(array)
    xmr(frame)
    run_chart(array)
    p_chart(num, den, laney=True)
    np.testing.assert_array_equal(array, before[0])
    pd.testing.assert_series_equal(frame, before[1])
    np.testing.assert_array_equal(num, before[2])
    assert den.equals(before[3])
    assert array.flags.writeable  # the caller's array is not made read-only
