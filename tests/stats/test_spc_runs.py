"""Run charts and Anhøj's runs rules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from caresignal.stats.spc import anhoej_thresholds, run_chart, runs_analysis

TABLE = Path(__file__).parent.parent / "data" / "spc" / "expected_anhoej_rules_thresholds.csv"


def test_thresholds_match_anhoejs_table_for_n_10_to_100() -> None:
    # expected_anhoej_rules_thresholds.csv: Anhøj's published limits (longest run, minimum
    # number of crossings) for n = 10..100 useful observations.
    table = pl.read_csv(TABLE)
    assert table["n"].to_list() == list(range(10, 101))
    longest, crossings = anhoej_thresholds(table["n"].to_numpy())
    np.testing.assert_array_equal(longest, table["longest_run_max"].to_numpy())
    np.testing.assert_array_equal(crossings, table["crossings_min"].to_numpy())


def test_threshold_of_a_single_n() -> None:
    # R: round(log2(24)) + 3 = 8; qbinom(0.05, 23, 0.5) = 8.
    longest, crossings = anhoej_thresholds(24)
    assert (longest.tolist(), crossings.tolist()) == ([8], [8])


def test_thresholds_reject_bad_n() -> None:
    with pytest.raises(ValueError, match="n"):
        anhoej_thresholds([0, 10])
    with pytest.raises(ValueError, match="whole"):
        anhoej_thresholds([10.5])


def test_runs_and_crossings_by_hand() -> None:
    # Sides about 5: - + - + + + - - (5 on the line dropped): runs 1,1,1,3,2 -> longest 3,
    # crossings 4 with 8 useful points.
    r = runs_analysis([4, 6, 3, 5, 7, 8, 6, 2, 1], centre=5)
    assert (r.n_obs, r.n_useful, r.longest_run, r.crossings) == (9, 8, 3, 4)
    # R: round(log2(8)) + 3 = 6; qbinom(0.05, 7, 0.5) = 1.
    assert (r.longest_run_max, r.crossings_min) == (6, 1)
    assert not r.signal


def test_a_long_run_signals() -> None:
    # About a fixed centre of 0: 8 above then 2 below, so the longest run is 8 > 6
    # (R: round(log2(10)) + 3) and there is 1 crossing < 2 (R: qbinom(0.05, 9, 0.5)).
    r = runs_analysis([1, 2, 1, 3, 1, 2, 1, 2, -1, -2], centre=0)
    assert (r.longest_run, r.crossings, r.signal) == (8, 1, True)


def test_no_useful_points() -> None:
    r = runs_analysis([3.0, 3.0, 3.0])
    assert (r.n_obs, r.n_useful, r.longest_run, r.crossings, r.signal) == (3, 0, 0, 0, False)


def test_centre_per_point_and_length_check() -> None:
    r = runs_analysis([1, 3, 1, 3], centre=[2, 2, 2, 2])
    assert r.crossings == 3
    with pytest.raises(ValueError, match="centre has 3"):
        runs_analysis([1, 3, 1, 3], centre=[2, 2, 2])


def test_run_chart_median_groups_and_exclusions() -> None:
    values = [3, 5, 4, 6, 5, 7, 2, 8, 5, 6, 4, 5, 20, 21, 22, 19, 20]
    chart = run_chart(values, rebase_at=[12], exclude=[3])
    # Group 0 without the excluded 6: median of 3,5,4,5,7,2,8,5,6,4,5 = 5; group 1: 20.
    assert chart.median.tolist() == [5.0] * 12 + [20.0] * 5
    assert chart.excluded[3]
    assert len(chart.runs) == 2
    assert chart.runs[0].n_obs == 11
    assert chart.runs[1].n_useful == 3  # 20 and 20 are on the median
    assert chart.signal.tolist() == [False] * 17


def test_run_chart_with_a_fixed_baseline_signals_a_later_shift() -> None:
    # Median of the first 12 (alternating 1, 3) is 2; then 10 points at 4: a run of 11 (the last
    # baseline 3 and the ten 4s) > round(log2(22)) + 3 = 7.
    chart = run_chart([1, 3] * 6 + [4] * 10, baseline_points=12)
    assert chart.median[0] == 2.0
    assert chart.runs[0].longest_run == 11
    assert chart.signal.all()


def test_run_chart_results_are_read_only() -> None:
    chart = run_chart([1, 2, 3])
    with pytest.raises(ValueError, match="read-only"):
        chart.median[0] = 0.0
