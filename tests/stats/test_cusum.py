"""Tests of caresignal.stats.cusum against published weights, R (surveillance) and hand checks."""

from __future__ import annotations

import csv
import math
import pathlib

import numpy as np
import pytest
from sequential_cusum import sequential_cusum

from caresignal.data.public import cardiac_surgery, deleval
from caresignal.stats import cusum
from caresignal.stats._cusum_path import cusum_path

DATA = pathlib.Path(__file__).parent.parent / "data" / "cusum"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open() as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def _logistic(intercept: float, slope: float, score: float) -> float:
    return 1.0 / (1.0 + math.exp(-(intercept + slope * score)))


# ---- published weights -------------------------------------------------------------------------

# Source: expected_raCUSUM_llr_weights_published.csv (Steiner et al. 2000 p. 446; Steiner 2014
# p. 234; Rigdon & Fricker 2015 pp. 225-226), with the full-precision formula value `vlad_llr`.
WEIGHTS = _rows("expected_raCUSUM_llr_weights_published.csv")
# Rigdon & Fricker (2015) print -0.0954 where the formula gives -0.09451: two digits transposed.
TRANSPOSED = {("-3.67", "19", "0", "2", "-0.0954"): "-0.0945"}


@pytest.mark.parametrize("row", WEIGHTS, ids=lambda r: f"{r['source'][:14]}-P{r['parsonnet']}")
def test_weights_reproduce_published_values(row: dict[str, str]) -> None:
    p = _logistic(float(row["intercept"]), float(row["slope"]), float(row["parsonnet"]))
    (w,) = cusum.weights([int(row["y"])], [p], odds_ratio=float(row["RA"]))
    assert w == pytest.approx(float(row["vlad_llr"]), abs=1e-12)
    printed = row["published"]
    key = (row["intercept"], row["parsonnet"], row["y"], row["RA"], printed)
    expected = TRANSPOSED.get(key, printed)
    decimals = len(expected.split(".")[1])
    assert round(w, decimals) == pytest.approx(float(expected), abs=1e-12)


def test_steiner_worked_example_from_domain_notes() -> None:
    # DOMAIN.md 4.3 (Steiner et al. 2000, p. 446): Parsonnet 0: -0.024 / 0.669; 50: -0.433 / 0.26.
    risks = [_logistic(-3.68, 0.077, s) for s in (0, 0, 50, 50)]
    w = cusum.weights([0, 1, 0, 1], risks, odds_ratio=2.0)
    np.testing.assert_allclose(w, [-0.024, 0.669, -0.433, 0.26], atol=0.0005)


# ---- charts against the textbook recursion -----------------------------------------------------


@pytest.mark.parametrize("reset", [True, False])
@pytest.mark.parametrize("rule", [">=", ">"])
@pytest.mark.parametrize("odds_ratio", [2.0, 0.5])
def test_bernoulli_matches_sequential_recursion(reset: bool, rule: str, odds_ratio: float) -> None:
    rng = np.random.default_rng(1)
    risk = rng.uniform(0.01, 0.4, 3000)
    outcome = rng.random(3000) < risk * (1.6 if odds_ratio > 1 else 0.6)
    chart = cusum.bernoulli(
        outcome, risk, odds_ratio=odds_ratio, h=2.5, reset=reset, signal_rule=rule
    )
    path, signals = sequential_cusum(chart.weights, 2.5, strict=rule == ">", reset=reset)
    np.testing.assert_allclose(chart.statistic, path, rtol=0, atol=1e-9)
    assert chart.signals.tolist() == signals
    assert len(signals) > 3
    assert chart.last_reset == (signals[-1] if reset else None)
    assert chart.direction == ("deterioration" if odds_ratio > 1 else "improvement")


def test_many_resets_match_sequential_recursion() -> None:
    # Signals every few cases exercise the window logic after each reset.
    rng = np.random.default_rng(2)
    weights = rng.normal(0.2, 1.0, 20000)
    statistic, signals = cusum_path(weights, 1.0, strict=False, reset=True)
    path, expected = sequential_cusum(weights, 1.0, strict=False, reset=True)
    np.testing.assert_allclose(statistic, path, atol=1e-9)
    assert signals.tolist() == expected
    assert len(expected) > 2000


def test_signal_rule_at_the_edge_with_exact_weights() -> None:
    # Dyadic weights are exact in binary, so S reaches h = 1 exactly at case 1.
    weights = np.array([0.5, 0.5, 1.0, -0.25, 0.75])
    at_least, signals = cusum_path(weights, 1.0, strict=False, reset=True)
    assert signals.tolist() == [1, 2]
    assert at_least.tolist() == [0.5, 1.0, 1.0, 0.0, 0.75]
    above, signals = cusum_path(weights, 1.0, strict=True, reset=True)
    assert signals.tolist() == [2]
    assert above.tolist() == [0.5, 1.0, 2.0, 0.0, 0.75]


def test_lower_chart_accumulates_evidence_of_improvement() -> None:
    # Steiner (2014) p. 234: with R_A = 1/2 a survivor at Parsonnet 0 scores +0.012.
    p = _logistic(-3.68, 0.077, 0)
    chart = cusum.bernoulli([0] * 400, p, odds_ratio=0.5, h=4.0)
    assert chart.weights[0] == pytest.approx(0.0123775, abs=1e-7)
    assert chart.signals.tolist() == [323]  # ceil(4 / 0.0123775) = 324 survivors
    assert chart.direction == "improvement"
    assert (chart.statistic >= 0).all()


def test_scalar_risk_is_the_same_as_a_repeated_risk() -> None:
    outcome = [0, 1, 0, 0, 1, 1, 0]
    scalar = cusum.bernoulli(outcome, 0.1, h=1.0)
    repeated = cusum.bernoulli(outcome, [0.1] * 7, h=1.0)
    np.testing.assert_array_equal(scalar.statistic, repeated.statistic)
    np.testing.assert_array_equal(scalar.signals, repeated.signals)


def test_infinite_threshold_never_signals() -> None:
    chart = cusum.bernoulli([1] * 50, 0.01, h=math.inf)
    assert chart.signals.size == 0
    assert chart.last_reset is None
    assert chart.statistic[-1] == pytest.approx(50 * (math.log(2) - math.log(1.01)))


def test_results_are_read_only() -> None:
    chart = cusum.bernoulli([0, 1], 0.2, h=1.0)
    for array in (chart.weights, chart.statistic, chart.signals):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 1


def test_poisson_weights_and_lucas_scale() -> None:
    observed = np.array([0, 2, 5, 1, 7])
    expected = np.array([1.0, 1.5, 2.0, 2.0, 3.0])
    chart = cusum.poisson(observed, expected, rate_ratio=2.0, h=2.0)
    # W = y log 2 - (2 - 1) λ0, and W / log 2 = y - k with k = λ0 / log 2 (Lucas 1985).
    np.testing.assert_allclose(chart.weights, observed * math.log(2) - expected, atol=1e-12)
    np.testing.assert_allclose(chart.weights / math.log(2), observed - expected / math.log(2))
    path, signals = sequential_cusum(chart.weights, 2.0, strict=False, reset=True)
    np.testing.assert_allclose(chart.statistic, path, atol=1e-12)
    assert chart.signals.tolist() == signals == [4]
    lower = cusum.poisson([0, 0, 0], 3.0, rate_ratio=0.5, h=4.0)
    np.testing.assert_allclose(lower.weights, [1.5, 1.5, 1.5])
    assert lower.signals.tolist() == [2]


def test_vlad_is_cumulative_expected_minus_observed() -> None:
    result = cusum.vlad([0, 1, 0, 1], [0.2, 0.3, 0.1, 0.5])
    np.testing.assert_allclose(result.expected, [0.2, 0.5, 0.6, 1.1])
    np.testing.assert_allclose(result.observed, [0, 1, 1, 2])
    np.testing.assert_allclose(result.statistic, [0.2, -0.5, -0.4, -0.9])


# ---- real data -------------------------------------------------------------------------------

DELEVAL = _rows("deleval_surveillance.csv")


def _column(name: str) -> np.ndarray:
    return np.array([float(row[name]) for row in DELEVAL])


def test_deleval_data_match_surveillance() -> None:
    babies = deleval()
    assert babies["death"].to_list() == [int(r["death"]) for r in DELEVAL]
    assert babies["nearmiss"].to_list() == [int(r["nearmiss"]) for r in DELEVAL]


def test_deleval_surveillance_example_paths() -> None:
    # Run a of cusum_deleval.R: surveillance's own example, h = Inf.
    babies = deleval()
    nearmiss = babies["nearmiss"].to_numpy()
    near = cusum.bernoulli(nearmiss, _logistic(-2.3, 0, 0), odds_ratio=math.exp(0.6), h=math.inf)
    np.testing.assert_allclose(near.statistic, _column("a_nearmiss_S"), atol=1e-12)
    # The death chart is risk-adjusted on the near miss: logit p = -4.5 + 2.5 nearmiss, R_A = e^1.6.
    risk = 1.0 / (1.0 + np.exp(-(-4.5 + 2.5 * nearmiss)))
    death = cusum.bernoulli(babies["death"], risk, odds_ratio=math.exp(1.6), h=math.inf)
    np.testing.assert_allclose(death.statistic, _column("a_death_S"), atol=1e-12)


def test_deleval_deaths_against_a_fixed_risk_with_resets() -> None:
    # Run b of cusum_deleval.R: p0 = 0.0208479031018715, R_A = 2, h = 2, alarm at S > h.
    chart = cusum.bernoulli(
        deleval()["death"], 0.0208479031018715, odds_ratio=2.0, h=2.0, signal_rule=">"
    )
    np.testing.assert_allclose(chart.statistic, _column("b_death_S"), atol=1e-12)
    assert chart.signals.tolist() == np.flatnonzero(_column("b_death_alarm")).tolist()
    assert chart.signals.tolist() == [58, 67]  # babies 59 and 68


def test_deleval_risk_adjusted_deaths_with_resets() -> None:
    # Run c of cusum_deleval.R: h = 1.5, alarm at S > h, restart after each alarm.
    babies = deleval()
    risk = 1.0 / (1.0 + np.exp(-(-4.5 + 2.5 * babies["nearmiss"].to_numpy())))
    chart = cusum.bernoulli(babies["death"], risk, odds_ratio=math.exp(1.6), h=1.5, signal_rule=">")
    np.testing.assert_allclose(chart.statistic, _column("c_death_S"), atol=1e-12)
    assert chart.signals.tolist() == np.flatnonzero(_column("c_death_alarm")).tolist()


def test_cardiac_surgery_vlad_and_cusum() -> None:
    # Phase II of the spcadjust cardiac surgery data against Steiner et al.'s model.
    data = cardiac_surgery()
    phase2 = data.filter(data["phase"] == "II")
    risk = 1.0 / (1.0 + np.exp(-(-3.68 + 0.077 * phase2["Parsonnet"].to_numpy())))
    died = phase2["died_30d"].to_numpy()
    result = cusum.vlad(died, risk)
    assert result.statistic[-1] == pytest.approx(risk.sum() - died.sum())
    chart = cusum.bernoulli(died, risk, odds_ratio=2.0, h=4.5)
    _, signals = sequential_cusum(chart.weights, 4.5, strict=False, reset=True)
    assert chart.signals.tolist() == signals


# ---- argument errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"risk": [0.1, 0.0]}, "risk"),
        ({"risk": [0.1, 1.0]}, "risk"),
        ({"risk": [0.1, 1.2]}, "risk"),
        ({"risk": [0.1, float("nan")]}, "risk"),
        ({"risk": -0.1}, "risk"),
        ({"risk": [0.1, 0.2, 0.3]}, "risk"),
        ({"outcome": [0, 2]}, "outcome"),
        ({"outcome": [0, 0.5]}, "outcome"),
        ({"odds_ratio": 0.0}, "odds_ratio"),
        ({"odds_ratio": -2.0}, "odds_ratio"),
        ({"odds_ratio": 1.0}, "odds_ratio"),
        ({"h": -1.0}, "h"),
        ({"h": 0.0}, "h"),
        ({"signal_rule": "=>"}, "signal_rule"),
    ],
)
def test_bernoulli_argument_errors_name_the_argument(kwargs: dict, name: str) -> None:
    arguments = {"outcome": [0, 1], "risk": [0.1, 0.2], "h": 1.0} | kwargs
    with pytest.raises(ValueError, match=name):
        cusum.bernoulli(**arguments)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"observed": [1, 2.5]}, "observed"),
        ({"observed": [1, -1]}, "observed"),
        ({"expected": [1.0, 0.0]}, "expected"),
        ({"expected": [1.0, 2.0, 3.0]}, "expected"),
        ({"rate_ratio": 1.0}, "rate_ratio"),
        ({"h": -2.0}, "h"),
    ],
)
def test_poisson_argument_errors_name_the_argument(kwargs: dict, name: str) -> None:
    arguments = {"observed": [1, 2], "expected": [1.0, 1.5], "h": 1.0} | kwargs
    with pytest.raises(ValueError, match=name):
        cusum.poisson(**arguments)


def test_type_errors_name_the_argument() -> None:
    with pytest.raises(TypeError, match="reset"):
        cusum.bernoulli([0, 1], 0.1, h=1.0, reset="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="risk"):
        cusum.weights([0, 1], "0.1")
    with pytest.raises(TypeError, match="odds_ratio"):
        cusum.weights([0, 1], 0.1, odds_ratio="2")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="outcome"):
        cusum.vlad([], 0.1)
