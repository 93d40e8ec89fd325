"""Tests of caresignal.monitor.thresholds: designs from false-alarm targets in years.

Independent checks: the public ARL functions of caresignal.stats.arl on the full case-mix sample
(default grid), a seeded simulation, and arithmetic stated beside each expected value.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from caresignal.errors import CaresignalError
from caresignal.monitor.thresholds import (
    CaseMix,
    FalseAlarmTargets,
    ThresholdCache,
    ThresholdConfigError,
    case_mix,
    design_bernoulli,
    design_poisson,
    national_false_alarms,
)
from caresignal.stats.arl import bernoulli_cusum_arl, poisson_cusum_arl


def _case_mix_sample(cases: int, seed: int) -> np.ndarray:
    """Risks of term perinatal death per baby: Beta(3, 1000), mean about 0.3 %."""
    return np.random.default_rng(seed).beta(3.0, 1000.0, size=cases)


@pytest.fixture(scope="module")
def sample() -> np.ndarray:
    return _case_mix_sample(3000, seed=7)


@pytest.fixture(scope="module")
def design(sample: np.ndarray):  # type: ignore[no-untyped-def]
    return design_bernoulli(sample, odds_ratio=2.0, cases_per_year=3000)


def test_design_hits_its_targets_by_the_independent_markov_chain(sample, design) -> None:
    # Source: bernoulli_cusum_arl on the full (unbinned) sample with its default grid.
    for level, years in ((design.amber, 10.0), (design.red, 50.0)):
        assert level.arl0 == years * 3000
        assert level.arl == pytest.approx(level.arl0, rel=1e-3)
        check = bernoulli_cusum_arl(sample, odds_ratio=2.0, h=level.h).arl
        assert check == pytest.approx(level.arl0, rel=5e-3)
        assert level.years_between == pytest.approx(years, rel=1e-3)
    assert design.red.sentence == "about one false alarm every 50 years at this unit's volume"
    assert design.amber.sentence == "about one false alarm every 10 years at this unit's volume"


def test_histogram_changes_the_arl_by_far_less_than_one_percent(sample, design) -> None:
    # Source: the same chain (grid 4,000) on the exact sample and on the histogram's values and
    # shares, written out as a sample of 10^6 cases.
    mix = design.case_mix
    counts = np.rint(np.asarray(mix.shares) * 1_000_000).astype(int)
    binned = np.repeat(mix.values, counts)
    exact = bernoulli_cusum_arl(sample, h=design.red.h, grid=4000).arl
    approx = bernoulli_cusum_arl(binned, h=design.red.h, grid=4000).arl
    assert abs(approx / exact - 1.0) < 1e-3  # target < 1 %; measured about 0.01 %
    assert mix.mean == pytest.approx(float(sample.mean()), rel=1e-5)


def test_design_agrees_with_a_seeded_simulation() -> None:
    # Source: 4,000 simulated runs (seed 11); the design's ARL must lie within 3.5 standard errors.
    targets = FalseAlarmTargets(amber_years=1.0, red_years=2.0)
    made = design_bernoulli([0.04, 0.06, 0.1], cases_per_year=150, targets=targets)
    run = bernoulli_cusum_arl(
        [0.04, 0.06, 0.1], h=made.amber.h, method="simulate", runs=4000, seed=11
    )
    assert run.standard_error is not None
    assert abs(run.arl - made.amber.arl) < 3.5 * run.standard_error


def test_moss_style_scalar_risk() -> None:
    # Source: bernoulli_cusum_arl(0.003, h) with its default grid (8,000 cells for two steps).
    made = design_bernoulli(0.003, cases_per_year=4000)
    assert made.case_mix == CaseMix(values=(0.003,), shares=(1.0,), cases=1)
    for level in (made.amber, made.red):
        check = bernoulli_cusum_arl(0.003, h=level.h).arl
        assert check == pytest.approx(level.arl0, rel=5e-3)


def test_rarer_targets_and_more_cases_raise_the_threshold(sample, design) -> None:
    assert design.red.h > design.amber.h
    busier = design_bernoulli(sample, cases_per_year=6000)
    assert busier.amber.h > design.amber.h
    assert busier.red.h > design.red.h
    rarer = design_bernoulli(sample, cases_per_year=3000, targets=FalseAlarmTargets(20.0, 100.0))
    assert rarer.amber.h > design.amber.h


def test_poisson_design_hits_its_targets() -> None:
    # Source: poisson_cusum_arl with its default grid at the designed h.
    made = design_poisson(1.0, rate_ratio=2.0, periods_per_year=12)
    assert (made.amber.arl0, made.red.arl0) == (120.0, 600.0)  # 10 × 12 and 50 × 12 months
    for level in (made.amber, made.red):
        assert poisson_cusum_arl(1.0, h=level.h).arl == pytest.approx(level.arl0, rel=1e-2)
    assert made.red.sentence == "about one false alarm every 50 years at this unit's volume"


def test_poisson_design_of_a_ward_whose_arl_jumps_meets_its_targets() -> None:
    # A synthetic ward's baseline: about one complaint expected a month. The chart's statistic
    # moves in steps of log 2, so its ARL jumps as h grows and no h gives exactly 120 months; the
    # design is the smallest h that reaches each target. Source: poisson_cusum_arl (default grid)
    # at and just below the designed h, on the twelve months themselves.
    months = [1.271, 1.185, 1.191, 1.051, 1.055, 0.953, 0.925, 0.961, 0.949, 1.139, 1.143, 1.175]
    made = design_poisson(months, rate_ratio=2.0, periods_per_year=11.975)
    for level in (made.amber, made.red):
        assert level.arl >= level.arl0 * (1 - 1e-3)
        at = poisson_cusum_arl(np.array(months), h=level.h).arl
        below = poisson_cusum_arl(np.array(months), h=level.h - 0.05).arl
        assert at == pytest.approx(level.arl, rel=2e-2)
        assert below < level.arl0 * 1.02


def test_poisson_design_whose_first_step_overshoots_meets_its_targets() -> None:
    # Seed 14 of the small synthetic dataset: a ward's 36 baseline months, about half a complaint
    # expected a month. The first secant step went to h of about 5,000, where the chain's linear
    # system is ill-conditioned and gave a negative ARL, and the design failed. Source: 4,000
    # simulated runs of the chart (poisson_cusum_arl, seed 5) at each designed h; the design's
    # ARL must lie within 3.5 standard errors.
    counts = {0.232249: 9, 0.464497: 12, 0.696746: 8, 0.928994: 3, 1.16124: 2, 1.39349: 2}
    months = np.repeat(list(counts), list(counts.values()))
    made = design_poisson(months, rate_ratio=2.0, periods_per_year=11.997262773722626)
    assert made.amber.h < made.red.h < 10.0
    for level in (made.amber, made.red):
        assert abs(level.arl / level.arl0 - 1.0) < 1e-3
        run = poisson_cusum_arl(months, h=level.h, method="simulate", runs=4000, seed=5)
        assert run.standard_error is not None
        assert abs(run.arl - level.arl) < 3.5 * run.standard_error


def test_cache_returns_identical_designs_and_misses_on_a_new_key(sample, design) -> None:
    cache = ThresholdCache()
    first = design_bernoulli(sample, cases_per_year=3000, cache=cache)
    assert first == design
    assert design_bernoulli(sample, cases_per_year=3000, cache=cache) == first
    assert (cache.hits, cache.misses, len(cache)) == (1, 1, 1)
    design_bernoulli(sample, odds_ratio=1.5, cases_per_year=3000, cache=cache)
    design_bernoulli(_case_mix_sample(3000, seed=8), cases_per_year=3000, cache=cache)
    design_bernoulli(sample, cases_per_year=3500, cache=cache)
    assert (cache.hits, cache.misses, len(cache)) == (1, 4, 4)
    restored = ThresholdCache.from_json(cache.to_json())
    assert design_bernoulli(sample, cases_per_year=3000, cache=restored) == first
    assert (restored.hits, restored.misses) == (1, 0)


def test_same_arl0_targets_share_an_entry_but_keep_their_own_years(sample) -> None:
    # 5 years × 6,000 cases = 10 years × 3,000 cases: one search, two honest designs.
    cache = ThresholdCache()
    a = design_bernoulli(
        sample, cases_per_year=3000, targets=FalseAlarmTargets(10, 50), cache=cache
    )
    b = design_bernoulli(sample, cases_per_year=6000, targets=FalseAlarmTargets(5, 25), cache=cache)
    assert cache.hits == 1
    assert a.red.h == b.red.h
    assert (b.red.years, b.steps_per_year) == (25, 6000.0)


def test_national_rate_of_the_issue_example() -> None:
    # Issue 4: "with 190 sites, expect about 4 false red signals a year" (190 / 50 = 3.8).
    rate = national_false_alarms(190, area="England")
    assert rate.red_per_year == pytest.approx(3.8)
    assert rate.amber_per_year == pytest.approx(19.0)  # 190 / 10
    assert rate.sentence == (
        "with 190 sites, expect about 19 false amber signals a year and "
        "about 4 false red signals a year in England"
    )


def test_national_rate_from_designs_and_small_counts(design) -> None:
    rate = national_false_alarms([design, design], unit_noun="trusts")
    assert rate.red_per_year == pytest.approx(2 / 50, rel=1e-3)  # two units at 50 years each
    assert rate.sentence == (
        "with 2 trusts, expect about one false amber signal every 5 years and "
        "about one false red signal every 25 years"
    )
    assert "about one false red signal a year" in national_false_alarms(50).sentence  # 50/50


def test_case_mix_summary_is_a_key() -> None:
    assert case_mix([0.01, 0.01, 0.02]).key == ((0.01, 0.02), (0.666667, 0.333333))
    assert hash(case_mix(0.2).key) == hash(((0.2,), (1.0,)))


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: design_bernoulli(0.0, cases_per_year=100), "risk"),
        (lambda: design_bernoulli(0.01, odds_ratio=1.0, cases_per_year=100), "odds_ratio"),
        (lambda: design_bernoulli(0.01, cases_per_year=-1), "cases_per_year"),
        (lambda: design_poisson(-1.0), "expected_per_period"),
        (lambda: design_poisson(1.0, rate_ratio=0.0), "rate_ratio"),
        (lambda: design_poisson(1.0, periods_per_year=0), "periods_per_year"),
        (lambda: national_false_alarms([]), "designs"),
        (lambda: ThresholdCache.from_json("{}"), "text"),
    ],
)
def test_argument_errors_name_the_argument(call, name) -> None:
    with pytest.raises(ValueError, match=name):
        call()


@pytest.mark.parametrize(
    ("amber", "red", "name"),
    [(0.0, 50.0, "amber_years"), (10.0, math.inf, "red_years"), (10.0, 5.0, "red_years")],
)
def test_targets_are_checked(amber: float, red: float, name: str) -> None:
    with pytest.raises(ThresholdConfigError, match=name) as caught:
        FalseAlarmTargets(amber, red)
    assert isinstance(caught.value, CaresignalError)
