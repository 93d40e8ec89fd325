"""Property tests of caresignal.stats.cusum (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from sequential_cusum import sequential_cusum

from caresignal.stats import cusum

risks = st.floats(min_value=1e-4, max_value=0.999, allow_nan=False)
ratios = st.one_of(
    st.floats(min_value=0.05, max_value=0.95), st.floats(min_value=1.05, max_value=20.0)
)
thresholds = st.one_of(st.floats(min_value=0.01, max_value=10.0), st.just(math.inf))


@st.composite
def cases(draw: st.DrawFn, max_size: int = 300) -> tuple[list[int], list[float]]:
    n = draw(st.integers(min_value=1, max_value=max_size))
    risk = draw(st.lists(risks, min_size=n, max_size=n))
    outcome = draw(st.lists(st.integers(min_value=0, max_value=1), min_size=n, max_size=n))
    return outcome, risk


@given(cases(), ratios, thresholds, st.booleans(), st.sampled_from([">=", ">"]))
def test_statistic_is_never_negative(data, odds_ratio, h, reset, rule) -> None:
    outcome, risk = data
    chart = cusum.bernoulli(
        outcome, risk, odds_ratio=odds_ratio, h=h, reset=reset, signal_rule=rule
    )
    assert (chart.statistic >= 0).all()
    assert chart.statistic.shape == chart.weights.shape == (len(outcome),)


@given(cases(), ratios, st.booleans())
def test_no_signal_when_h_is_infinite(data, odds_ratio, reset) -> None:
    outcome, risk = data
    chart = cusum.bernoulli(outcome, risk, odds_ratio=odds_ratio, h=math.inf, reset=reset)
    assert chart.signals.size == 0
    assert chart.last_reset is None


@given(st.lists(risks, min_size=2, max_size=50), ratios, st.integers(min_value=0, max_value=1))
def test_weights_are_monotone_in_risk(risk, odds_ratio, y) -> None:
    # For a fixed outcome, a higher risk lowers the weight when R_A > 1 and raises it when R_A < 1.
    ordered = np.sort(risk)
    w = cusum.weights([y] * len(ordered), ordered, odds_ratio=odds_ratio)
    steps = np.diff(w)
    assert (steps <= 1e-15).all() if odds_ratio > 1 else (steps >= -1e-15).all()


@given(cases(max_size=60), ratios, thresholds)
def test_list_numpy_polars_and_pandas_inputs_agree(data, odds_ratio, h) -> None:
    outcome, risk = data
    reference = cusum.bernoulli(outcome, risk, odds_ratio=odds_ratio, h=h)
    for convert in (np.asarray, pl.Series, pd.Series):
        other = cusum.bernoulli(convert(outcome), convert(risk), odds_ratio=odds_ratio, h=h)
        np.testing.assert_array_equal(other.statistic, reference.statistic)
        np.testing.assert_array_equal(other.signals, reference.signals)
        np.testing.assert_array_equal(other.weights, reference.weights)
    np.testing.assert_array_equal(
        cusum.vlad(pl.Series(outcome), pd.Series(risk)).statistic,
        cusum.vlad(outcome, risk).statistic,
    )


@given(cases(max_size=60), ratios, thresholds)
def test_inputs_are_not_mutated(data, odds_ratio, h) -> None:
    outcome, risk = data
    y, p = np.array(outcome), np.array(risk)
    y_copy, p_copy = y.copy(), p.copy()
    cusum.bernoulli(y, p, odds_ratio=odds_ratio, h=h)
    cusum.weights(y, p, odds_ratio=odds_ratio)
    cusum.vlad(y, p)
    counts, means = np.array(outcome) * 3, np.array(risk) * 2
    cusum.poisson(counts, means, h=h)
    np.testing.assert_array_equal(y, y_copy)
    np.testing.assert_array_equal(p, p_copy)
    np.testing.assert_array_equal(counts, np.array(outcome) * 3)
    np.testing.assert_array_equal(means, np.array(risk) * 2)


@given(cases(), ratios, st.floats(min_value=0.01, max_value=3.0), st.sampled_from([">=", ">"]))
def test_statistic_restarts_from_zero_after_each_signal(data, odds_ratio, h, rule) -> None:
    outcome, risk = data
    chart = cusum.bernoulli(outcome, risk, odds_ratio=odds_ratio, h=h, signal_rule=rule)
    after = chart.signals + 1
    after = after[after < chart.statistic.size]
    np.testing.assert_allclose(
        chart.statistic[after], np.maximum(0.0, chart.weights[after]), rtol=0, atol=1e-12
    )
    path, signals = sequential_cusum(chart.weights, h, strict=rule == ">", reset=True)
    np.testing.assert_allclose(chart.statistic, path, rtol=0, atol=1e-9)
    assert chart.signals.tolist() == signals


@settings(max_examples=50)
@given(cases(), ratios)
def test_both_signal_rules_at_the_edge_s_equals_h(data, odds_ratio) -> None:
    # Put h exactly on the largest value the chart reaches: ">=" signals there, ">" never does.
    outcome, risk = data
    free = cusum.bernoulli(outcome, risk, odds_ratio=odds_ratio, h=math.inf, reset=False)
    h = float(free.statistic.max())
    if h == 0.0:
        return
    at_least = cusum.bernoulli(outcome, risk, odds_ratio=odds_ratio, h=h, reset=False)
    above = cusum.bernoulli(outcome, risk, odds_ratio=odds_ratio, h=h, reset=False, signal_rule=">")
    assert at_least.signals.tolist() == np.flatnonzero(free.statistic == h).tolist()
    assert above.signals.size == 0
    first = int(np.argmax(free.statistic == h))
    if first < 256:  # the first window of the reset path repeats the same arithmetic exactly
        with_reset = cusum.bernoulli(outcome, risk, odds_ratio=odds_ratio, h=h)
        assert with_reset.signals[0] == first
        assert (
            cusum.bernoulli(outcome, risk, odds_ratio=odds_ratio, h=h, signal_rule=">").signals.size
            == 0
        )
