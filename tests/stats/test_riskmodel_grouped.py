"""Grouped fitting (``fit_logistic(..., cases=...)``) gives the fit of the individual cases."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caresignal.data.public import cardiac_surgery
from caresignal.stats.riskmodel import RiskModel, c_statistic, fit_logistic

TOLERANCE = 1e-9
SURGEON = {"covariates": ["Parsonnet", "surgeon"], "categorical": ["surgeon"]}


@pytest.fixture(scope="module")
def baseline() -> pl.DataFrame:
    return cardiac_surgery().filter(pl.col("phase") == "I")


def group(frame: pl.DataFrame, outcome: str, by: list[str]) -> pl.DataFrame:
    """One row per covariate pattern: its cases (``cases``) and events (``outcome``)."""
    return (
        frame.group_by(by)
        .agg(pl.len().alias("cases"), pl.col(outcome).cast(pl.Int64).sum())
        .sort(by)
    )


def assert_same_fit(grouped: RiskModel, individual: RiskModel) -> None:
    assert (grouped.n, grouped.events) == (individual.n, individual.events)
    assert (grouped.terms, dict(grouped.levels)) == (individual.terms, dict(individual.levels))
    assert (grouped.covariates, grouped.formula) == (individual.covariates, individual.formula)
    for name in ("coefficients", "std_errors", "z", "ci_lower", "ci_upper", "p_values"):
        ours, theirs = getattr(grouped, name), getattr(individual, name)
        np.testing.assert_allclose(ours, theirs, rtol=TOLERANCE, atol=0, err_msg=name)
    assert grouped.c_statistic == pytest.approx(individual.c_statistic, rel=1e-12)


# ---- the cardiac surgery data ----


@pytest.mark.parametrize(
    "options", [{"covariates": ["Parsonnet"]}, SURGEON], ids=["parsonnet", "surgeon"]
)
def test_grouped_cardiac_surgery_fit_equals_the_individual_fit(
    baseline: pl.DataFrame, options: dict[str, list[str]]
) -> None:
    individual = fit_logistic(baseline, outcome="died_30d", **options)  # type: ignore[arg-type]
    patterns = group(baseline, "died_30d", options["covariates"])
    assert patterns.height < baseline.height / 7  # 60 and 224 patterns for 1,766 operations
    grouped = fit_logistic(patterns, outcome="died_30d", cases="cases", **options)  # type: ignore[arg-type]
    assert_same_fit(grouped, individual)
    assert grouped.to_dict().keys() == individual.to_dict().keys()
    np.testing.assert_allclose(
        grouped.predict(baseline), individual.predict(baseline), rtol=TOLERANCE
    )


def test_grouped_formula_and_pandas_fits_equal_the_individual_fit(
    baseline: pl.DataFrame,
) -> None:
    formula = "died_30d ~ Parsonnet + C(surgeon)"
    individual = fit_logistic(baseline, outcome="died_30d", formula=formula)
    patterns = group(baseline, "died_30d", ["Parsonnet", "surgeon"])
    assert_same_fit(
        fit_logistic(patterns, outcome="died_30d", formula=formula, cases="cases"), individual
    )
    by_list = fit_logistic(patterns.to_pandas(), outcome="died_30d", cases="cases", **SURGEON)  # type: ignore[arg-type]
    assert_same_fit(by_list, fit_logistic(baseline, outcome="died_30d", **SURGEON))  # type: ignore[arg-type]


def test_standard_errors_are_those_at_the_estimates_as_r_computes_them(
    baseline: pl.DataFrame,
) -> None:
    # R 4.2, on phase I: fit <- glm(died_30d ~ Parsonnet + factor(surgeon), family = binomial,
    # control = glm.control(epsilon = 1e-14, maxit = 100)); X <- model.matrix(fit);
    # p <- fitted(fit); sqrt(diag(solve(t(X) %*% (X * (p * (1 - p)))))). summary(fit) reports
    # 0.54471800710916218 for surgeon 5 instead: the weights of the step before the last.
    at_estimates = [
        0.22840934539318181,
        0.00765834628762135,
        0.33574122954218844,
        0.37436711057705468,
        0.54471807040604481,
        0.30896563393916182,
        0.33037474175125270,
    ]
    model = fit_logistic(baseline, outcome="died_30d", **SURGEON)  # type: ignore[arg-type]
    np.testing.assert_allclose(model.std_errors, at_estimates, rtol=1e-8)


# ---- a simulated baseline: several categories and one number ----


def _simulated(rows: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.choice(["under_20", "20_24", "25_34", "35_39", "40_plus"], rows)
    ethnic = rng.choice(
        ["asian", "black", "mixed", "other", "white"], rows, p=[0.1, 0.1, 0.05, 0.05, 0.7]
    )
    parity = rng.choice(["0", "1_2", "3_plus"], rows)
    multiple = rng.uniform(size=rows) < 0.03
    deprivation = (10 - rng.integers(1, 11, rows)) / 9
    logit = (
        -4.5
        + 0.6 * deprivation
        + 0.4 * (age == "40_plus")
        + 0.3 * (ethnic == "black")
        + 0.2 * (parity == "3_plus")
        + 1.2 * multiple
    )
    died = rng.uniform(size=rows) < 1 / (1 + np.exp(-logit))
    return pl.DataFrame(
        {
            "died": died,
            "age_band": age,
            "ethnic_group": ethnic,
            "parity_band": parity,
            "multiple": multiple,
            "deprivation": deprivation,
        }
    )


def test_grouped_simulated_fit_equals_the_individual_fit() -> None:
    cases = _simulated(40_000, seed=20261123)
    covariates = ["age_band", "ethnic_group", "parity_band", "multiple", "deprivation"]
    individual = fit_logistic(cases, outcome="died", covariates=covariates)
    patterns = group(cases, "died", covariates)
    assert patterns.height <= 5 * 5 * 3 * 2 * 10
    grouped = fit_logistic(patterns, outcome="died", covariates=covariates, cases="cases")
    assert_same_fit(grouped, individual)
    # The order of the patterns does not matter either.
    shuffled = patterns.sample(fraction=1.0, shuffle=True, seed=1)
    assert_same_fit(
        fit_logistic(shuffled, outcome="died", covariates=covariates, cases="cases"), individual
    )


# ---- the c-statistic of grouped cases ----


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(0, 8)), min_size=1, max_size=30
    ).filter(lambda rows: sum(e for e, _, _ in rows) > 0 and sum(f for _, f, _ in rows) > 0)
)
def test_grouped_c_statistic_equals_the_individual_one_with_ties(
    rows: list[tuple[int, int, int]],
) -> None:
    # Each row: events, non-events and a risk (few distinct values, so many ties within and
    # between rows). Rows with no case are left out: cases must be > 0.
    kept = [(e, f, score / 8) for e, f, score in rows if e + f > 0]
    events = np.array([e for e, _, _ in kept])
    cases = np.array([e + f for e, f, _ in kept])
    risk = np.array([r for _, _, r in kept])
    outcome = np.concatenate([np.r_[np.ones(e), np.zeros(f)] for e, f, _ in kept])
    expanded = np.repeat(risk, cases)
    assert c_statistic(events, risk, cases=cases) == c_statistic(outcome, expanded)


def test_grouped_c_statistic_counts_a_tie_as_half() -> None:
    assert c_statistic([1, 0], [0.3, 0.3], cases=[2, 1]) == 0.5
    assert c_statistic([1, 1], [0.2, 0.3], cases=[2, 1]) == 0.75
    assert c_statistic([1, 1], [0.2, 0.3], cases=[1, 3]) == 0.25


# ---- refusals ----


@pytest.mark.parametrize(
    ("cases", "died", "pattern"),
    [
        ([2, 0, 1], [1, 0, 0], "cases 'n' is 0 in row 1; expected a whole number > 0"),
        ([2, -1, 1], [1, 0, 0], "cases 'n' is -1 in row 1; expected a whole number > 0"),
        ([2, 1.5, 1], [1, 0, 0], r"cases 'n' is 1.5 in row 1; expected a whole number"),
        (
            [2, 3, 1],
            [1, 4, 0],
            r"outcome 'died' is 4 in row 1; expected a whole number of "
            r"events from 0 to the row's cases \('n': 3\)",
        ),
        ([2, 3, 1], [1, -1, 0], "outcome 'died' is -1 in row 1"),
        ([2, 3, 1], [1, 0.5, 0], "outcome 'died' is 0.5 in row 1; expected a whole number"),
        ([2, None, 1], [1, 0, 0], "cases 'n' is missing in row 1"),
        ([2, float("inf"), 1], [1, 0, 0], "cases 'n' is inf in row 1"),
    ],
)
def test_bad_cases_and_events_are_refused_naming_column_and_row(
    cases: list[float | None], died: list[float], pattern: str
) -> None:
    data = {"died": died, "n": cases, "x": [1.0, 2.0, 3.0]}
    with pytest.raises(ValueError, match=pattern):
        fit_logistic(data, outcome="died", covariates=["x"], cases="n")


def test_cases_argument_errors(baseline: pl.DataFrame) -> None:
    patterns = group(baseline, "died_30d", ["Parsonnet"])
    with pytest.raises(ValueError, match="data has no column 'operations'"):
        fit_logistic(patterns, outcome="died_30d", covariates=["Parsonnet"], cases="operations")
    with pytest.raises(ValueError, match="cases 'died_30d' is also the outcome"):
        fit_logistic(patterns, outcome="died_30d", covariates=["Parsonnet"], cases="died_30d")
    with pytest.raises(ValueError, match="cases 'cases' is also a covariate"):
        fit_logistic(patterns, outcome="died_30d", covariates=["Parsonnet", "cases"], cases="cases")
    with pytest.raises(TypeError, match="cases must be the name of a column"):
        fit_logistic(patterns, outcome="died_30d", covariates=["Parsonnet"], cases=3)  # type: ignore[arg-type]
    text = patterns.with_columns(pl.col("cases").cast(pl.String))
    with pytest.raises(TypeError, match="cases 'cases' must hold whole numbers"):
        fit_logistic(text, outcome="died_30d", covariates=["Parsonnet"], cases="cases")


@pytest.mark.parametrize(
    ("outcome", "risk", "cases", "pattern"),
    [
        ([1, 3], [0.2, 0.3], [2, 2], r"outcome\[1\] is 3.0, more than cases\[1\] \(2.0\)"),
        ([1, 1], [0.2, 0.3], [2, 0], r"cases\[1\] is 0.0; expected values >= 1"),
        ([1, 1], [0.2, 0.3], [2, 1.5], r"cases\[1\] is 1.5; expected a whole number"),
        ([2, 1], [0.2, 0.3], [2, 1], "outcome has 3 events among 3 cases"),
        ([1, 1], [0.2, 0.3], [2, 2, 2], "outcome has 2, risk has 2, cases has 3"),
    ],
)
def test_grouped_c_statistic_argument_errors(
    outcome: list[float], risk: list[float], cases: list[float], pattern: str
) -> None:
    with pytest.raises(ValueError, match=pattern):
        c_statistic(outcome, risk, cases=cases)
