"""Risk-adjusted CUSUMs per surgeon on the real cardiac surgery data (Steiner et al. 2000 design).

The expected values come from an independent base-R implementation,
tests/data/r/cusum_cardiac.R: glm(died_30d ~ Parsonnet, binomial) on phase I (date < 730),
predicted for phase II, and a plain-loop CUSUM per surgeon for odds ratio 2 with h = 4.5 and odds
ratio 1/2 with h = 4, signalling at S >= h and restarting from 0. Each row of the CSV carries the R
call that produced it.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from caresignal.data.public import cardiac_surgery
from caresignal.stats import cusum
from caresignal.stats.riskmodel import fit_logistic

REFERENCE = pl.read_csv(
    Path(__file__).parent.parent / "data" / "cusum" / "cardiac_surgeon_cusum.csv",
    schema_overrides={"signal_days": pl.String},
)


@pytest.fixture(scope="module")
def phase_two() -> pl.DataFrame:
    surgery = cardiac_surgery()
    model = fit_logistic(
        surgery.filter(pl.col("phase") == "I"), outcome="died_30d", covariates=["Parsonnet"]
    )
    later = surgery.filter(pl.col("phase") == "II").sort("date", maintain_order=True)
    return later.with_columns(risk=pl.Series(model.predict(later)))


@pytest.mark.parametrize(
    "row",
    list(REFERENCE.iter_rows(named=True)),
    ids=lambda row: f"surgeon{row['surgeon']}-or{row['odds_ratio']}",
)
def test_surgeon_cusum_matches_r(phase_two: pl.DataFrame, row: dict) -> None:
    cases = phase_two.filter(pl.col("surgeon") == row["surgeon"])
    chart = cusum.bernoulli(
        cases["died_30d"], cases["risk"], odds_ratio=row["odds_ratio"], h=row["h"]
    )
    days = cases["date"].gather(chart.signals).to_list()
    expected_days = [int(day) for day in (row["signal_days"] or "").split()]
    assert days == expected_days
    assert cases.height == row["operations"]
    assert cases["risk"].sum() == pytest.approx(row["expected"], rel=1e-9)
    assert chart.statistic.max() == pytest.approx(row["max_statistic"], rel=1e-9)
    assert chart.statistic[-1] == pytest.approx(row["final_statistic"], abs=1e-9)


def test_the_published_designs_signal_for_two_surgeons_each_way() -> None:
    # From the R reference: surgeons 1 and 2 signal deterioration, surgeons 3 and 6 improvement.
    signalled = REFERENCE.filter(pl.col("signal_days").fill_null("") != "")
    worse = signalled.filter(pl.col("odds_ratio") == 2)["surgeon"].to_list()
    better = signalled.filter(pl.col("odds_ratio") == 0.5)["surgeon"].to_list()
    assert (worse, better) == ([1, 2], [3, 6])
