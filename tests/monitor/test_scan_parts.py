"""The parts of a scan that need no data directory: CUSUM episodes, intervals and sentences."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from caresignal.monitor._scan_cusum import Episode, episodes, reset_threshold
from caresignal.monitor._scan_words import count, month, ratio_interval
from caresignal.stats import cusum

# Risk 0.2 and odds ratio 2: an event weighs log 2 − log 1.2 = 0.510826, a survivor −0.182322.
OUTCOMES = [0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]


def _chart(
    outcomes: list[int], *, amber: float, red: float, reset_after: str
) -> tuple[Episode, ...]:
    h = reset_threshold(amber=amber, red=red, reset_after=reset_after)
    chart = cusum.bernoulli(outcomes, 0.2, odds_ratio=2.0, h=h, reset=True)
    return episodes(chart, amber=amber, red=red, reset_after=reset_after)


def test_episodes_worked_by_hand_with_a_reset_after_red() -> None:
    # S: 0, .511, 1.022 (amber), .839, 1.350, 1.861 (red: reset), 0 …, .511, 1.022 (amber).
    assert _chart(OUTCOMES, amber=1.0, red=1.5, reset_after="red") == (
        Episode(began=1, amber=2, red=5, end=5, ongoing=False),
        Episode(began=15, amber=16, red=None, end=16, ongoing=True),
    )


def test_without_a_reset_the_climb_is_one_episode_until_it_returns_to_zero() -> None:
    # From 1.861 the survivors take the statistic down to 0.220, never to zero, then 1.242.
    assert _chart(OUTCOMES, amber=1.0, red=1.5, reset_after="none") == (
        Episode(began=1, amber=2, red=5, end=16, ongoing=True),
    )


def test_a_reset_after_amber_ends_each_episode_at_amber() -> None:
    found = _chart(OUTCOMES, amber=1.0, red=1.5, reset_after="amber")
    assert [(e.began, e.amber, e.red, e.end) for e in found] == [
        (1, 2, None, 2),
        (4, 5, None, 5),
        (15, 16, None, 16),
    ]
    # After the reset at step 2, step 3 stays at 0, so the second climb begins at step 4.
    assert {e.level for e in found} == {"amber"}


def _slow_episodes(
    weights: list[float], amber: float, red: float
) -> list[tuple[int, int, int | None, int]]:
    """A plain loop over the recursion, reset after red: the independent implementation."""
    found: list[list[int | None]] = []
    s, restart, current = 0.0, True, None
    began = 0
    for step, w in enumerate(weights):
        if restart:
            began, current = step, None
        s = max(0.0, s + w)
        if current is None and s >= amber:
            found.append([began, step, None, step])
            current = len(found) - 1
        if current is not None:
            found[current][3] = step
            if found[current][2] is None and s >= red:
                found[current][2] = step
        restart = s <= 0.0 or s >= red
        if s >= red:
            s = 0.0
    return [(int(b), int(a), r, int(e)) for b, a, r, e in found]  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=300), st.floats(0.02, 0.5))
def test_episodes_match_a_plain_loop(outcomes: list[bool], risk: float) -> None:
    amber, red = 1.2, 2.5
    chart = cusum.bernoulli(outcomes, risk, odds_ratio=2.0, h=red, reset=True)
    found = episodes(chart, amber=amber, red=red, reset_after="red")
    expected = _slow_episodes(list(chart.weights), amber, red)
    assert [(e.began, e.amber, e.red, e.end) for e in found] == expected


def test_ratio_interval_matches_r_poisson_test() -> None:
    # R 4.2.2: poisson.test(14)$conf.int, poisson.test(0)$conf.int, poisson.test(51, 30.1).
    assert ratio_interval(14, 1.0) == pytest.approx((7.653930276, 23.489621122), abs=1e-8)
    assert ratio_interval(0, 1.0) == pytest.approx((0.0, 3.688879454), abs=1e-8)
    assert ratio_interval(51, 30.1) == pytest.approx((1.261556473, 2.227760179), abs=1e-8)
    assert ratio_interval(3, 0.0) == (None, None)


@pytest.mark.parametrize("level", [0.95, 0.99, 0.998])
def test_ratio_interval_is_exactly_the_chi_squared_quantiles(level: float) -> None:
    """The Garwood limits taken from the gamma quantiles directly are scipy.stats.chi2.ppf's own
    numbers, to the last bit (the textbook formula χ²(α/2; 2O)/2 and χ²(1 − α/2; 2O + 2)/2)."""
    alpha = 1.0 - level
    for observed in [*range(200), 1000, 5000, 12345]:
        low = 0.0 if observed == 0 else float(stats.chi2.ppf(alpha / 2, 2 * observed)) / 2
        high = float(stats.chi2.ppf(1 - alpha / 2, 2 * observed + 2)) / 2
        assert ratio_interval(observed, 1.0, level) == (low, high)


def test_words() -> None:
    assert month(dt.date(2021, 3, 9)) == "March 2021"
    assert count(14.0) == "14"
    assert count(6.2449) == "6.2"
    assert count(1234.0) == "1,234"
    assert math.isclose(float(np.float64(1.0)), 1.0)


def test_the_cusum_sentence_reads_as_the_issue_asks() -> None:
    from caresignal.monitor._scan_words import cusum_sentence
    from caresignal.monitor.catalogue import load_catalogue

    deaths = load_catalogue().get("extended_perinatal_mortality")
    sentence = cusum_sentence(
        deaths,
        began=dt.date(2021, 3, 14),
        observed=14,
        expected=6.2,
        expected_from="risk_model",
        direction="concern",
        years_between=50.3,
        ratio=(14 / 6.2, *ratio_interval(14, 6.2)),  # R: poisson.test(14, 6.2): 1.2345, 3.7886
    )
    assert sentence == (
        "Since March 2021, 14 deaths where 6.2 were expected for these patients' risks "
        "(observed ÷ expected 2.26, 95 % interval 1.23 to 3.79). A rise this large happens by "
        "chance about once every 50 years at a unit of this size."
    )


def test_sentences_follow_the_indicators_direction_and_words() -> None:
    from caresignal.monitor._scan_words import cusum_sentence, funnel_sentence, spc_sentence
    from caresignal.monitor.catalogue import load_catalogue

    catalogue = load_catalogue()
    screening = catalogue.get("sepsis_screen_1h")  # worse is lower
    fall = cusum_sentence(
        catalogue.get("complaints"),
        began=dt.date(2024, 1, 1),
        observed=1,
        expected=1.0,
        expected_from="reference",
        direction="improvement",
        years_between=0.5,
        ratio=(1.0, None, None),
    )
    assert fall == (
        "Since January 2024, 1 complaint where 1 was expected at the reference rate. A fall this "
        "large happens by chance about 2 times a year at a unit of this size."
    )
    assert spc_sentence(
        screening,
        rule="outside_limits",
        began=dt.date(2024, 12, 1),
        latest_day=dt.date(2025, 12, 1),
        points=13,
        latest=50.0,
        centre=74.19,
        unit=" %",
        direction="concern",
    ) == (
        "Sepsis screening within 1 hour in December 2025 was 50 % against the usual 74.19 %, "
        "below the process limits: chance alone would very rarely give it. Every month since "
        "December 2024 (13 months) has been below the usual level by more than chance explains."
    )
    assert "one of 7 months in a row above the usual level" in spc_sentence(
        catalogue.get("complaints"),
        rule="shift",
        began=dt.date(2025, 6, 1),
        latest_day=dt.date(2025, 12, 1),
        points=7,
        latest=6.1,
        centre=3.9,
        unit=" per 1,000",
        direction="concern",
    )
    funnel = funnel_sentence(
        catalogue.get("tear_3rd_4th"),
        start=dt.date(2025, 1, 1),
        end=dt.date(2025, 12, 31),
        observed=39,
        expected=65.0,
        level=0.95,
        direction="improvement",
        ratio=(0.6, 0.43, 0.82),
        proportion=False,
    )
    assert funnel == (
        "From January 2025 to December 2025, 39 third- or fourth-degree tears where 65 were "
        "expected (observed ÷ expected 0.60, 95 % interval 0.43 to 0.82): lower than 95 % of "
        "units of this size would show by chance."
    )
