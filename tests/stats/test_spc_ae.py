"""XmR charts of real A&E data: monthly 4-hour breaches at type-1 departments, lower is better.

Expected values come from tests/data/r/spc_ae.R, a base-R computation written independently of
the Python code (limits from ``mean(x)`` and ``mean(abs(diff(x)))`` screened once at 3.267·MR̄;
the MDC rules as plain loops and ``rle``), stored in tests/data/spc/ae_breaches_xmr.csv. The data
are NHSRdatasets' ae_attendances as bundled with caresignal.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from caresignal.data.public import ae_attendances
from caresignal.stats.spc import xmr

EXPECTED = Path(__file__).parent.parent / "data" / "spc" / "ae_breaches_xmr.csv"
CASES = [("RJZ", ""), ("RL4", ""), ("RWF", ""), ("R1H", ""), ("RRK", ""), ("RRK", "27")]


@pytest.fixture(scope="module")
def expected() -> pl.DataFrame:
    return pl.read_csv(EXPECTED, schema_overrides={"rebase_at": pl.String})


@pytest.fixture(scope="module")
def type1() -> pl.DataFrame:
    return ae_attendances().filter(pl.col("type") == "1")


@pytest.mark.parametrize(("org", "rebase"), CASES)
def test_limits_and_rules_match_base_r(
    org: str, rebase: str, expected: pl.DataFrame, type1: pl.DataFrame
) -> None:
    want = expected.filter(
        (pl.col("org_code") == org) & (pl.col("rebase_at").fill_null("") == rebase)
    )
    breaches = type1.filter(pl.col("org_code") == org).sort("period")["breaches"]
    assert breaches.to_list() == want["breaches"].to_list()
    chart = xmr(breaches, improvement="decrease", rebase_at=[int(rebase)] if rebase else [])
    for name in ("mean", "mr_bar", "lpl", "upl", "near_lpl", "near_upl"):
        np.testing.assert_allclose(getattr(chart, name), want[name].to_numpy(), rtol=1e-12)
    assert chart.rule.tolist() == want["rule"].to_list()
    assert chart.point_type.tolist() == want["point_type"].to_list()
    unscreened = xmr(breaches, screen_outliers=False, rebase_at=[int(rebase)] if rebase else [])
    np.testing.assert_allclose(unscreened.mr_bar, want["mr_bar_unscreened"].to_numpy(), rtol=1e-12)


def test_pinned_trust_rjz(type1: pl.DataFrame) -> None:
    # From ae_breaches_xmr.csv (spc_ae.R): mean 4423.278, MR-bar 592.914, limits 2846.126 and
    # 6000.430. Below the lower limit in Aug 2016 and Jul 2017 (improvement); above the upper
    # limit in Mar 2018 and Dec 2018 - Feb 2019 (concern); the latest point, Mar 2019, is
    # two-in-three high. Aug-Oct 2017 rise in a trend (a concern) while also ending a 7-month
    # run below the mean (an improvement): improvement wins, as in MDC.
    breaches = type1.filter(pl.col("org_code") == "RJZ").sort("period")["breaches"]
    chart = xmr(breaches, improvement="decrease")
    assert chart.mean[0] == pytest.approx(4423.27777777778)
    assert chart.upl[0] == pytest.approx(6000.42977777778)
    assert chart.lpl[0] == pytest.approx(2846.12577777778)
    assert np.flatnonzero(chart.rule == "outside_limits").tolist() == [4, 15, 23, 32, 33, 34]
    assert chart.rule[-1] == "two_in_three"
    assert chart.rule[16:23].tolist() == ["trend"] * 7
    assert chart.point_type[16:19].tolist() == ["special_cause_improvement"] * 3
    assert chart.point_type[19:23].tolist() == ["special_cause_concern"] * 4
    assert chart.variation == "special_cause_concern_high"
    assert not chart.trial_limits.any()


def test_rebasing_rrk_at_its_step(type1: pl.DataFrame) -> None:
    # RRK's type-1 breaches jump from about 1,500 to 6,500 a month in Jul 2018 (position 27).
    # One set of limits puts 35 of 36 months outside them; rebased at Jul 2018 each period gets
    # its own mean (1702.6 and 8646.6, by hand from the data) and only 2 months are outside.
    # The 9-month second group has trial limits.
    breaches = type1.filter(pl.col("org_code") == "RRK").sort("period")["breaches"]
    single = xmr(breaches, improvement="decrease")
    rebased = xmr(breaches, improvement="decrease", rebase_at=[27])
    assert (single.rule == "outside_limits").sum() == 35
    assert np.flatnonzero(rebased.rule == "outside_limits").tolist() == [9, 33]
    assert rebased.mean[0] == pytest.approx(45969 / 27)
    assert rebased.mean[-1] == pytest.approx(77819 / 9)
    assert rebased.trial_limits.tolist() == [False] * 27 + [True] * 9
    assert rebased.variation == "special_cause_concern_high"
