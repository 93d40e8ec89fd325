"""The Making Data Count rules, on small hand-checked series.

To make the reasoning easy to follow, most series are judged against fixed lines through the
rules engine that every chart uses: centre 0, near limits ±2 and process limits ±3 (the engine
gets the same lines from xmr, p, u and c). The expected flags are worked out by hand beside
each case. The cases marked "NHSRplotthedots" reproduce expectations of that package's own
tests (tests/testthat/test-ptd_calculate_point_type.R and test-ptd_spc_standard.R).
"""

from __future__ import annotations

import numpy as np
import pytest

from caresignal.stats._spc_rules import ChartLines, RuleSettings, apply_rules
from caresignal.stats.spc import xmr


def _judge(
    values: list[float],
    *,
    group: list[int] | None = None,
    excluded: list[int] = (),  # type: ignore[assignment]
    **settings: object,
) -> tuple[list[str | None], list[str], str]:
    """Rules against centre 0, near limits ±2, process limits ±3."""
    v = np.asarray(values, dtype=float)
    n = len(v)
    included = np.ones(n, dtype=bool)
    included[list(excluded)] = False
    lines = ChartLines(
        values=v,
        centre=np.zeros(n),
        lpl=np.full(n, -3.0),
        upl=np.full(n, 3.0),
        near_lpl=np.full(n, -2.0),
        near_upl=np.full(n, 2.0),
        group=np.zeros(n, dtype=np.int64) if group is None else np.asarray(group),
        included=included,
    )
    outcome = apply_rules(lines, RuleSettings(**settings))  # type: ignore[arg-type]
    return list(outcome.rule), list(outcome.point_type), outcome.variation


def _flagged(rules: list[str | None], name: str) -> list[int]:
    return [i for i, r in enumerate(rules) if r == name]


# --- trend -------------------------------------------------------------------------------------


def test_seven_rising_points_are_a_trend_even_across_the_mean() -> None:
    # Steps: down, down, then six rises from -1.5 (index 2) to 1.5 (index 8), then a fall.
    # Seven rising points 2..8, three below and four above the mean: a trend, not a shift.
    series = [0.5, -0.5, -1.5, -1.0, -0.5, 0.1, 0.5, 1.0, 1.5, 0.2, -0.3]
    rules, types, _ = _judge(series, improvement="increase")
    assert _flagged(rules, "trend") == [2, 3, 4, 5, 6, 7, 8]
    # A rising trend is an improvement when higher is better, on either side of the mean.
    assert types[2] == types[8] == "special_cause_improvement"
    rules, types, _ = _judge(series, improvement="decrease")
    assert types[2] == "special_cause_concern"


def test_six_rising_points_need_trend_points_6() -> None:
    series = [0.5, -1.5, -1.0, -0.5, 0.1, 0.5, 1.0, 0.2]  # rises from index 1 to 6: 6 points
    assert _flagged(_judge(series)[0], "trend") == []
    assert _flagged(_judge(series, trend_points=6)[0], "trend") == [1, 2, 3, 4, 5, 6]


def test_an_equal_value_breaks_a_trend() -> None:
    # -1.5, -1, -0.5 | -0.5, 0.1, 0.5, 1, 1.5: the repeated -0.5 splits 8 points into 3 and 5.
    series = [-1.5, -1.0, -0.5, -0.5, 0.1, 0.5, 1.0, 1.5]
    assert _flagged(_judge(series)[0], "trend") == []


def test_falling_trend_nhsrplotthedots() -> None:
    # NHSRplotthedots ptd_seven_point_trend(c(2, 7:1, 3)) ends a falling trend at R position 8:
    # the points 7, 6, ..., 1 (0-based 1..7) are the trend. Values scaled to stay inside ±2.
    series = [x / 4 for x in [2, 7, 6, 5, 4, 3, 2, 1, 3]]
    rules, _, _ = _judge(series)
    assert _flagged(rules, "trend") == [1, 2, 3, 4, 5, 6, 7]
    # ... and ptd_seven_point_trend(c(2, 1:7, 3)) likewise for a rising one.
    series = [x / 4 for x in [2, 1, 2, 3, 4, 5, 6, 7, 3]]
    assert _flagged(_judge(series)[0], "trend") == [1, 2, 3, 4, 5, 6, 7]


# --- shift -------------------------------------------------------------------------------------


def test_seven_points_above_the_mean_are_a_shift() -> None:
    # Indices 1..7 are above 0 and zig-zag (no trend); 0 and 8 are below.
    series = [-0.5, 0.5, 0.6, 0.4, 0.7, 0.3, 0.8, 0.2, -0.1]
    rules, types, _ = _judge(series, improvement="decrease")
    assert _flagged(rules, "shift") == [1, 2, 3, 4, 5, 6, 7]
    assert types[1] == "special_cause_concern"  # above the mean, lower is better
    assert types[0] == "common_cause"


def test_a_point_on_the_mean_breaks_a_shift() -> None:
    # Above, above, above, ON the mean, then five above: runs of 3 and 5, no shift.
    series = [0.5, 0.6, 0.4, 0.0, 0.7, 0.3, 0.8, 0.2, 0.9]
    assert _flagged(_judge(series)[0], "shift") == []


def test_eight_on_one_side_flags_all_eight_nhsrplotthedots() -> None:
    # NHSRplotthedots ptd_seven_point_one_side_mean(c(rep(-1, 8), 1)) marks a run of 8 below the
    # mean; every point of the run is part of the shift (ptd_part_of_seven_trend).
    series = [-0.5, -0.6, -0.4, -0.7, -0.3, -0.8, -0.2, -0.9, 0.5]
    rules, types, _ = _judge(series, improvement="decrease")
    assert _flagged(rules, "shift") == list(range(8))
    assert types[:8] == ["special_cause_improvement"] * 8


def test_shift_points_6() -> None:
    series = [-0.5, 0.5, 0.6, 0.4, 0.7, 0.3, 0.8, -0.2]  # six above the mean
    assert _flagged(_judge(series)[0], "shift") == []
    assert _flagged(_judge(series, shift_points=6)[0], "shift") == [1, 2, 3, 4, 5, 6]


# --- two in three ------------------------------------------------------------------------------


def test_two_of_three_beyond_the_near_line_flags_the_two() -> None:
    # 2.5 and 2.2 are beyond +2 and 0.5 between them is above the mean: flag 1 and 3, not 2.
    rules, _, _ = _judge([0.0, 2.5, 0.5, 2.2, 0.0])
    assert _flagged(rules, "two_in_three") == [1, 3]


def test_two_in_three_needs_all_three_on_one_side() -> None:
    assert _flagged(_judge([0.0, 2.5, -0.5, 2.2, 0.0])[0], "two_in_three") == []
    assert _flagged(_judge([0.0, 2.5, -2.5, 2.5, -2.5])[0], "two_in_three") == []


def test_two_in_three_windows_nhsrplotthedots() -> None:
    # NHSRplotthedots ptd_part_of_two_in_three for close_to_limits c(1, 0, 0, 1, 1) -> c(0, 0, 0,
    # 1, 1) and c(0, 0, 1, 0, 1, 0, 0) -> c(0, 0, 1, 0, 1, 0, 0), all points above the mean.
    assert _flagged(_judge([2.5, 0.5, 0.5, 2.5, 2.5])[0], "two_in_three") == [3, 4]
    series = [0.5, 0.5, 2.5, 0.5, 2.5, 0.5, 0.5]
    assert _flagged(_judge(series)[0], "two_in_three") == [2, 4]


def test_two_in_three_current_counts_points_beyond_the_process_limit() -> None:
    # 3.5 is outside the limits (rule 1 wins for it) and 2.5 is in the near band.
    series = [0.0, 3.5, 0.5, 2.5, 0.0]
    rules, _, _ = _judge(series, two_in_three="current")
    assert rules[1] == "outside_limits"
    assert rules[3] == "two_in_three"  # 3.5 counts as beyond 2σ: two of three
    rules, _, _ = _judge(series, two_in_three="legacy")
    assert rules[1] == "outside_limits"
    assert rules[3] is None  # legacy: only the 2σ-3σ band counts, so only one of three


def test_legacy_two_in_three_still_flags_two_in_the_band() -> None:
    assert _flagged(_judge([0.0, 2.5, 0.5, 2.2], two_in_three="legacy")[0], "two_in_three") == [
        1,
        3,
    ]


def test_two_in_three_on_opposite_sides_nhsrplotthedots() -> None:
    # NHSRplotthedots test-ptd_spc_standard.R: 16 points alternating 1, -1, then the last two
    # set to 5.5 and -5.5: both near the limits but on opposite sides, so common cause.
    data = [1.0, -1.0] * 8
    data[14], data[15] = 5.5, -5.5
    chart = xmr(data)
    # By hand: mean 0; MRs 13 x 2, 6.5, 11 -> MR-bar 2.9; 11 >= 3.267 x 2.9 is screened out,
    # MR-bar = 32.5 / 14 = 2.3214, near limits ±4.117, process limits ±6.175.
    assert chart.upl[0] == pytest.approx(2.66 * 32.5 / 14)
    assert list(chart.point_type[-2:]) == ["common_cause", "common_cause"]


# --- precedence, point types and icons ----------------------------------------------------------


def test_precedence_outside_limits_over_trend_over_shift() -> None:
    # Seven rising points all above the mean, the last beyond +3: trend, shift and outside.
    rules, _, _ = _judge([0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 3.5])
    assert rules == ["trend"] * 6 + ["outside_limits"]


def test_precedence_two_in_three_over_shift() -> None:
    # Seven zig-zag points above the mean (a shift); 2.5 and 2.6 make two of three.
    rules, _, _ = _judge([0.5, 0.6, 2.5, 0.7, 2.6, 0.4, 0.8])
    assert rules == ["shift", "shift", "two_in_three", "shift", "two_in_three", "shift", "shift"]


def test_a_point_both_improvement_and_concern_shows_improvement() -> None:
    # Index 0 is above +3 (a concern when lower is better) and starts a 7-point fall (an
    # improvement): MDC shows improvement. Its rule is still the highest-precedence one.
    rules, types, _ = _judge([3.5, 2.5, 1.5, 0.5, -0.5, -1.0, -1.5], improvement="decrease")
    assert rules[0] == "outside_limits"
    assert types[0] == "special_cause_improvement"


@pytest.mark.parametrize(
    ("series", "improvement", "icon"),
    [
        ([0.0, 0.5, 3.5], "increase", "special_cause_improvement_high"),
        ([0.0, 0.5, -3.5], "increase", "special_cause_concern_low"),
        ([0.0, 0.5, -3.5], "decrease", "special_cause_improvement_low"),
        ([0.0, 0.5, 3.5], "decrease", "special_cause_concern_high"),
        ([0.0, 0.5, 3.5], "neutral", "special_cause_neither_high"),
        ([0.0, 0.5, -3.5], "neutral", "special_cause_neither_low"),
        ([0.0, 0.5, 1.5], "increase", "common_cause"),
    ],
)
def test_variation_icon_of_the_latest_point(
    series: list[float], improvement: str, icon: str
) -> None:
    rules, types, variation = _judge(series, improvement=improvement)
    assert variation == icon
    if improvement == "neutral" and rules[-1]:
        assert types[-1] == "special_cause_neither"


# --- groups and exclusions ---------------------------------------------------------------------


def test_a_run_does_not_cross_a_rebase() -> None:
    # Eight points above the mean, but a new limit group starts at index 4: runs of 4 and 4.
    series = [0.5, 0.6, 0.4, 0.7, 0.3, 0.8, 0.2, 0.9]
    assert _flagged(_judge(series)[0], "shift") == list(range(8))
    assert _flagged(_judge(series, group=[0] * 4 + [1] * 4)[0], "shift") == []
    rising = [-1.5, -1.0, -0.5, 0.1, 0.5, 1.0, 1.5]
    assert _flagged(_judge(rising, group=[0, 0, 0, 1, 1, 1, 1])[0], "trend") == []
    # A two-in-three window cannot straddle the rebase either.
    assert _flagged(_judge([2.5, 0.5, 2.5], group=[0, 0, 1])[0], "two_in_three") == []


def test_excluded_points_are_skipped_by_run_rules_but_still_judged_by_the_limits() -> None:
    # Index 3 is excluded: the seven included points around it form one run above the mean.
    series = [0.5, 0.6, 0.4, -3.5, 0.7, 0.3, 0.8, 0.2]
    rules, _, _ = _judge(series, excluded=[3])
    assert _flagged(rules, "shift") == [0, 1, 2, 4, 5, 6, 7]
    assert rules[3] == "outside_limits"
