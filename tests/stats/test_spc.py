"""XmR and attribute charts: limits worked out by hand, options, references and argument errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from caresignal.stats.spc import (
    AttributeChart,
    ControlChart,
    XmRChart,
    c_chart,
    p_chart,
    u_chart,
    xmr,
)

DATA = Path(__file__).parent.parent / "data"

# 13 points: 10, 12 alternating, then 30. MRs: twelve... eleven of 2 and one of 18, so MR-bar =
# 40/12 = 3.333; 18 >= 3.267 x 3.333 = 10.89 is screened out, leaving MR-bar = 2.
# Mean = (6 x 10 + 6 x 12 + 30) / 13 = 162/13 = 12.4615.
SPIKE = [10.0, 12.0] * 6 + [30.0]


def test_xmr_limits_by_hand_with_screening() -> None:
    chart = xmr(SPIKE)
    mean = 162 / 13
    assert chart.mean[0] == pytest.approx(mean)
    assert chart.mr_bar[0] == pytest.approx(2.0)
    assert chart.upl[0] == pytest.approx(mean + 2.66 * 2)
    assert chart.lpl[0] == pytest.approx(mean - 2.66 * 2)
    assert chart.near_upl[0] == pytest.approx(mean + 2 / 3 * 2.66 * 2)
    assert chart.near_lpl[0] == pytest.approx(mean - 2 / 3 * 2.66 * 2)
    assert chart.rule[-1] == "outside_limits"
    assert chart.moving_range[0] != chart.moving_range[0]  # NaN: no point before the first
    assert chart.moving_range[-1] == 18


def test_xmr_without_screening_keeps_the_large_moving_range() -> None:
    chart = xmr(SPIKE, screen_outliers=False)
    assert chart.mr_bar[0] == pytest.approx(40 / 12)
    assert chart.upl[0] == pytest.approx(162 / 13 + 2.66 * 40 / 12)


def test_screening_is_one_pass() -> None:
    # MRs 1 x 10, 30: MR-bar 4; 30 >= 13.07 dropped -> MR-bar 1. A second pass would not change
    # anything here, but with MRs 1 x 10, 5, 30: MR-bar 45/12 = 3.75, only 30 >= 12.25 is
    # dropped -> 15/11 = 1.364, although 5 >= 3.267 x 1.364 = 4.455: one pass keeps it.
    values = np.cumsum([0.0] + [1.0] * 10 + [5.0, 30.0])
    assert xmr(values).mr_bar[0] == pytest.approx(15 / 11)


def test_fixed_baseline_judges_later_points_against_the_first_twelve() -> None:
    # Baseline 10, 12 x 6: mean 11, MR-bar 2, near upper 11 + 3.547 = 14.547, upper 16.32.
    # Then seven points at 14: above the mean but not beyond the near line. With the last
    # baseline point (12, also above 11) they make a run of 8 above the mean -> a shift.
    chart = xmr([10.0, 12.0] * 6 + [14.0] * 7, baseline_points=12, improvement="increase")
    assert chart.mean[-1] == pytest.approx(11.0)
    assert chart.upl[-1] == pytest.approx(11 + 2.66 * 2)
    assert list(chart.rule[11:]) == ["shift"] * 8
    assert list(chart.rule[:11]) == [None] * 11
    assert chart.variation == "special_cause_improvement_high"
    assert not chart.trial_limits.any()  # the group has 19 points


def test_trial_limits_below_13_points() -> None:
    assert xmr([10.0, 12.0] * 6).trial_limits.all()  # 12 points
    assert not xmr([*([10.0, 12.0] * 6), 11.0]).trial_limits.any()  # 13 points
    assert not xmr([10.0, 12.0] * 6, trial_points=12).trial_limits.any()


def test_rebase_gives_each_group_its_own_limits_and_drops_the_crossing_moving_range() -> None:
    values = [10.0, 12.0] * 6 + [20.0, 22.0] * 6
    chart = xmr(values, rebase_at=[12])
    # Group 0: mean 11, MR-bar 2; group 1: mean 21, MR-bar 2 (the 12 -> 20 range is not used).
    assert chart.group.tolist() == [0] * 12 + [1] * 12
    assert chart.mean[0] == pytest.approx(11.0)
    assert chart.mean[-1] == pytest.approx(21.0)
    assert chart.mr_bar[-1] == pytest.approx(2.0)
    assert np.isnan(chart.moving_range[12])
    assert all(r is None for r in chart.rule)
    # Without the rebase: mean 16, MRs 22 x 2 and one 8 (screened out) -> limits 16 ± 5.32,
    # so every 10 and every 22 is outside them, and the 12s and 20s make two-in-threes.
    rules = xmr(values).rule
    assert (rules == "outside_limits").sum() == 12
    assert (rules == "two_in_three").sum() == 12


def test_rebase_with_a_fixed_baseline_per_group() -> None:
    values = [10.0, 12.0] * 6 + [13.0] * 3 + [20.0, 22.0] * 6 + [30.0]
    chart = xmr(values, rebase_at=[15], baseline_points=12)
    assert chart.mean[14] == pytest.approx(11.0)  # first 12 of group 0
    assert chart.mean[15] == pytest.approx(21.0)  # first 12 of group 1, not the 30
    assert chart.mr_bar[15] == pytest.approx(2.0)
    assert chart.rule[-1] == "outside_limits"  # 30 > 21 + 5.32


def test_exclude_leaves_points_out_of_the_limits() -> None:
    values = [*([10.0, 12.0] * 6), 40.0, 10.0]
    chart = xmr(values, exclude=[12])
    # Mean over the 13 other points: (6 x 10 + 6 x 12 + 10)/13; MRs skip the excluded point.
    assert chart.mean[0] == pytest.approx(142 / 13)
    assert chart.mr_bar[0] == pytest.approx(2.0)
    assert chart.excluded.tolist() == [False] * 12 + [True, False]
    assert chart.rule[12] == "outside_limits"


@pytest.mark.parametrize(
    ("improvement", "target", "icon"),
    [
        # Limits 11 ± 5.32 = [5.68, 16.32] (10, 12 alternating).
        ("increase", 20.0, "consistently_fail"),
        ("increase", 5.0, "consistently_pass"),
        ("increase", 11.0, "hit_or_miss"),
        ("decrease", 20.0, "consistently_pass"),
        ("decrease", 5.0, "consistently_fail"),
        ("decrease", 16.0, "hit_or_miss"),
        ("neutral", 20.0, None),
        ("increase", None, None),
    ],
)
def test_assurance_icon(improvement: str, target: float | None, icon: str | None) -> None:
    chart = xmr([10.0, 12.0] * 7, improvement=improvement, target=target)
    assert chart.assurance == icon


def test_assurance_uses_the_latest_limit_group() -> None:
    values = [10.0, 12.0] * 6 + [20.0, 22.0] * 6
    chart = xmr(values, rebase_at=[12], improvement="increase", target=17.0)
    assert chart.assurance == "hit_or_miss"  # 17 is inside [15.68, 26.32], not group 0's


def test_nhsrplotthedots_snapshot_limits() -> None:
    # NHSRplotthedots tests/testthat/_snaps/ptd_spc_standard.md: set.seed(123); rnorm(20) gives
    # mean 0.142, lpl -3.01, upl 3.29 (3 s.f.) and 20 common-cause points (_snaps/ptd_spc.md).
    y = pl.read_csv(DATA / "spc" / "nhsr_rnorm20.csv")["y"]
    chart = xmr(y, improvement="increase")
    assert chart.mean[0] == pytest.approx(0.142, abs=5e-4)
    assert chart.lpl[0] == pytest.approx(-3.01, abs=5e-3)
    assert chart.upl[0] == pytest.approx(3.29, abs=5e-3)
    assert (chart.point_type == "common_cause").all()
    assert chart.variation == "common_cause"


def test_mean_is_the_centre_line() -> None:
    chart = xmr(SPIKE)
    assert isinstance(chart, ControlChart)
    assert chart.mean is chart.centre


# --- attribute charts -------------------------------------------------------------------------


def test_nhs_accidents_p_chart_flags_almost_everything_and_laney_nothing() -> None:
    # qicharts2 nhs_accidents: 20 weekly proportions with denominators near 280,000. Expected
    # values from base R in tests/data/r/spc_nhs_accidents.R (p-bar, sigma_z = mean |diff z|/1.128).
    data = pl.read_csv(DATA / "qicharts2" / "qicharts2_nhs_accidents.csv")
    expected = pl.read_csv(DATA / "spc" / "nhs_accidents_p_laney.csv")
    p = p_chart(data["r"], data["n"])
    np.testing.assert_allclose(p.centre, expected["cl"], rtol=1e-12)
    np.testing.assert_allclose(p.lpl, expected["lcl_p"], rtol=1e-12)
    np.testing.assert_allclose(p.upl, expected["ucl_p"], rtol=1e-12)
    outside = p.rule == "outside_limits"
    np.testing.assert_array_equal(outside, expected["outside_p"])
    assert outside.sum() == 16  # of 20
    prime = p_chart(data["r"], data["n"], laney=True)
    assert prime.chart == "p_prime"
    np.testing.assert_allclose(prime.sigma_z, expected["sigma_z"], rtol=1e-12)
    np.testing.assert_allclose(prime.lpl, expected["lcl_pprime"], rtol=1e-12)
    np.testing.assert_allclose(prime.upl, expected["ucl_pprime"], rtol=1e-12)
    assert not expected["outside_pprime"].any()
    assert (prime.point_type == "common_cause").all()


def test_p_chart_by_hand_and_truncation() -> None:
    # p-bar = 2/40 = 0.05; sigma_i = sqrt(0.05 x 0.95 / 10) = 0.0689: lower limit cut at 0.
    chart = p_chart([0, 1, 0, 1], [10, 10, 10, 10])
    sigma = np.sqrt(0.05 * 0.95 / 10)
    assert chart.centre[0] == pytest.approx(0.05)
    assert chart.upl[0] == pytest.approx(0.05 + 3 * sigma)
    assert chart.lpl[0] == 0.0
    assert chart.near_lpl[0] == 0.0
    # Upper limit cut at 1: p-bar 0.9 with n = 2, 0.9 + 3 x 0.212 > 1.
    assert p_chart([2, 1, 2, 2, 2], [2, 2, 2, 2, 2]).upl[0] == 1.0


def test_p_chart_multiplier_gives_percentages() -> None:
    plain = p_chart([12, 15, 8], [50, 50, 50])
    percent = p_chart([12, 15, 8], [50, 50, 50], multiplier=100)
    np.testing.assert_allclose(percent.upl, plain.upl * 100)
    np.testing.assert_allclose(percent.values, [24, 30, 16])


def test_u_chart_by_hand() -> None:
    # u-bar = 14/400 = 0.035; sigma_i = sqrt(0.035 / e_i).
    chart = u_chart([4, 6, 2, 2], [100, 200, 50, 50])
    assert chart.centre[0] == pytest.approx(0.035)
    np.testing.assert_allclose(chart.upl, 0.035 + 3 * np.sqrt(0.035 / np.array([100, 200, 50, 50])))
    assert (chart.lpl == 0).all()  # 0.035 - 3 x 0.0187 < 0


def test_c_chart_by_hand() -> None:
    chart = c_chart([4, 9, 5, 6], improvement="decrease")
    assert chart.centre[0] == pytest.approx(6.0)
    assert chart.upl[0] == pytest.approx(6 + 3 * np.sqrt(6))
    assert chart.lpl[0] == 0.0  # 6 - 7.35 < 0
    assert chart.near_upl[0] == pytest.approx(6 + 2 * np.sqrt(6))
    assert isinstance(chart, AttributeChart)
    assert chart.chart == "c"


def test_laney_u_prime_by_hand() -> None:
    counts, exposure = np.array([10.0, 30, 12, 40]), np.array([100.0, 100, 100, 100])
    chart = u_chart(counts, exposure, laney=True)
    u_bar = 92 / 400
    z = (counts / exposure - u_bar) / np.sqrt(u_bar / exposure)
    sigma_z = np.mean(np.abs(np.diff(z))) / 1.128
    assert chart.sigma_z[0] == pytest.approx(sigma_z)
    assert chart.upl[0] == pytest.approx(u_bar + 3 * np.sqrt(u_bar / 100) * sigma_z)


def test_attribute_charts_share_the_rules() -> None:
    # c-bar = 222/14 = 15.857, limits 15.857 ± 3 x 3.982 = [3.91, 27.80], near [7.89, 23.82]:
    # nothing beyond them, but seven counts above the mean and then seven below are two shifts.
    counts = [20, 21, 22, 20, 23, 21, 22, 10, 11, 12, 10, 9, 11, 10]
    chart = c_chart(counts, improvement="decrease")
    assert list(chart.rule) == ["shift"] * 14
    assert list(chart.point_type[:7]) == ["special_cause_concern"] * 7
    assert list(chart.point_type[7:]) == ["special_cause_improvement"] * 7
    assert chart.variation == "special_cause_improvement_low"


# --- argument errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: xmr(SPIKE, improvement="up"), "improvement"),
        (lambda: xmr(SPIKE, two_in_three="new"), "two_in_three"),
        (lambda: xmr(SPIKE, baseline_points=11), "baseline_points"),
        (lambda: xmr(SPIKE, rebase_at=[13]), "rebase_at"),
        (lambda: xmr(SPIKE, rebase_at=[-1]), "rebase_at"),
        (lambda: xmr(SPIKE, rebase_at=[12]), "rebase_at"),  # leaves a 1-point group
        (lambda: xmr(SPIKE, exclude=[20]), "exclude"),
        (lambda: xmr(SPIKE, trend_points=2), "trend_points"),
        (lambda: xmr(SPIKE, shift_points=1), "shift_points"),
        (lambda: xmr(SPIKE, target=float("nan")), "target"),
        (lambda: xmr(SPIKE, limit_factor=0), "limit_factor"),
        (lambda: xmr([1.0, np.nan, 2.0]), "values"),
        (lambda: xmr([]), "values"),
        (lambda: xmr([1.0]), "values, after rebase_at"),
        (lambda: xmr(SPIKE, exclude=range(1, 13)), "exclude"),
        (lambda: p_chart([1], [10], laney=True), "at least 2"),
        (lambda: p_chart([1, 2], [10, 10, 10]), "numerator has 2"),
        (lambda: p_chart([1, 2], [10, -10]), "denominator"),
        (lambda: p_chart([1, 2], [10, 0]), "denominator"),
        (lambda: p_chart([1, 12], [10, 10]), "numerator"),
        (lambda: p_chart([-1, 2], [10, 10]), "numerator"),
        (lambda: p_chart([1, 2], [10, 10], multiplier=-1), "multiplier"),
        (lambda: u_chart([1, 2], [10]), "count has 2"),
        (lambda: u_chart([1, 2], [10, -1]), "exposure"),
        (lambda: c_chart([1, -2]), "count"),
        (lambda: c_chart([1, 2, 3], improvement="better"), "improvement"),
    ],
)
def test_argument_errors_name_the_argument(call: object, name: str) -> None:
    with pytest.raises((ValueError, TypeError), match=name):
        call()  # type: ignore[operator]


def test_numerator_above_denominator_message() -> None:
    with pytest.raises(ValueError, match=r"numerator\[1\] is 12.0, more than denominator\[1\]"):
        p_chart([1, 12], [10, 10])


def test_results_are_read_only() -> None:
    chart: XmRChart = xmr(SPIKE)
    with pytest.raises(ValueError, match="read-only"):
        chart.upl[0] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        chart.rule[0] = "shift"
    with pytest.raises(AttributeError):
        chart.variation = "common_cause"  # type: ignore[misc]
