"""Hypothesis property tests of caresignal.stats.funnel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from caresignal.stats.funnel import FunnelResult, funnel

METHODS = st.sampled_from(
    [
        ("SHMI", "additive"),
        ("CQC", "additive"),
        ("CQC", "multiplicative"),
        ("SHMI", None),
        ("exact", None),
    ]
)


@st.composite
def ratio_units(draw: st.DrawFn) -> tuple[list[int], list[float]]:
    size = draw(st.integers(min_value=1, max_value=25))
    expected = draw(st.lists(st.floats(0.5, 500.0), min_size=size, max_size=size))
    observed = draw(st.lists(st.integers(1, 800), min_size=size, max_size=size))
    return observed, expected


@st.composite
def proportion_units(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    size = draw(st.integers(min_value=1, max_value=25))
    n = draw(st.lists(st.integers(1, 3000), min_size=size, max_size=size))
    n[0] = max(n[0], 2)  # so that 0 < Σr/Σn < 1 can always be arranged below
    r = [draw(st.integers(0, total)) for total in n]
    if sum(r) == 0:
        r[0] = 1
    if sum(r) == sum(n):
        r[0] -= 1
    return r, n


def _check_limits(result: FunnelResult) -> None:
    inner, outer = result.levels
    for lower, upper in ((result.lower, result.upper), (result.curves.lower, result.curves.upper)):
        tolerance = 1e-12
        assert np.all(lower[outer] <= lower[inner] + tolerance)
        assert np.all(lower[inner] <= result.target + tolerance)
        assert np.all(result.target <= upper[inner] + tolerance)
        assert np.all(upper[inner] <= upper[outer] + tolerance)
    assert result.tau2 >= 0.0
    assert result.phi >= 0.0
    kept = result.z[~result.trimmed]
    if np.any(kept != 0.0) or result.method == "exact":
        assert result.phi > 0.0


@settings(max_examples=60, deadline=None)
@given(units=ratio_units(), choice=METHODS)
def test_ratio_limits_are_nested_around_the_target(
    units: tuple[list[int], list[float]], choice: tuple[str, str | None]
) -> None:
    method, overdispersion = choice
    result = funnel(*units, method=method, overdispersion=overdispersion)  # type: ignore[arg-type]
    _check_limits(result)


@settings(max_examples=60, deadline=None)
@given(units=proportion_units(), choice=METHODS)
def test_proportion_limits_are_nested_around_the_target(
    units: tuple[list[int], list[int]], choice: tuple[str, str | None]
) -> None:
    method, overdispersion = choice
    result = funnel(*units, kind="proportion", method=method, overdispersion=overdispersion)  # type: ignore[arg-type]
    _check_limits(result)
    assert np.all((result.lower[0.998] >= 0.0) & (result.upper[0.998] <= 1.0))


def _same(a: FunnelResult, b: FunnelResult) -> None:
    for name in ("value", "z", "trimmed", "numerator", "denominator"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    for level in a.levels:
        np.testing.assert_array_equal(a.lower[level], b.lower[level])
        np.testing.assert_array_equal(a.upper[level], b.upper[level])
    assert (a.phi, a.tau2, a.outlier, a.labels) == (b.phi, b.tau2, b.outlier, b.labels)


@settings(max_examples=30, deadline=None)
@given(units=ratio_units())
def test_list_numpy_polars_pandas_inputs_give_identical_results(
    units: tuple[list[int], list[float]],
) -> None:
    observed, expected = units
    labels = [f"unit{i}" for i in range(len(observed))]
    reference = funnel(observed, expected, labels=labels)
    _same(reference, funnel(np.array(observed), np.array(expected), labels=np.array(labels)))
    _same(reference, funnel(pl.Series(observed), pl.Series(expected), labels=pl.Series(labels)))
    _same(reference, funnel(pd.Series(observed), pd.Series(expected), labels=pd.Series(labels)))


@settings(max_examples=30, deadline=None)
@given(units=proportion_units())
def test_inputs_are_not_mutated(units: tuple[list[int], list[int]]) -> None:
    r, n = np.array(units[0]), np.array(units[1])
    r_copy, n_copy = r.copy(), n.copy()
    frame = pl.DataFrame({"r": units[0], "n": units[1]})
    funnel(r, n, kind="proportion")
    funnel(frame["r"], frame["n"], kind="proportion", method="CQC")
    np.testing.assert_array_equal(r, r_copy)
    np.testing.assert_array_equal(n, n_copy)
    assert frame.equals(pl.DataFrame({"r": units[0], "n": units[1]}))
