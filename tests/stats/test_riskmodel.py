"""Tests of caresignal.stats.riskmodel against R's glm() on the cardiac surgery data."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caresignal.data.public import cardiac_surgery
from caresignal.stats.riskmodel import RiskModel, c_statistic, calibration_table, fit_logistic

DATA = Path(__file__).parent.parent / "data" / "riskmodel"


@pytest.fixture(scope="module")
def surgery() -> pl.DataFrame:
    return cardiac_surgery()


@pytest.fixture(scope="module")
def baseline(surgery: pl.DataFrame) -> pl.DataFrame:
    return surgery.filter(pl.col("phase") == "I")


@pytest.fixture(scope="module")
def parsonnet_model(baseline: pl.DataFrame) -> RiskModel:
    return fit_logistic(baseline, outcome="died_30d", covariates=["Parsonnet"])


@pytest.fixture(scope="module")
def surgeon_model(baseline: pl.DataFrame) -> RiskModel:
    return fit_logistic(
        baseline, outcome="died_30d", covariates=["Parsonnet", "surgeon"], categorical=["surgeon"]
    )


def _r_terms(terms: tuple[str, ...]) -> list[str]:
    """caresignal term names as R prints them: (Intercept), factor(surgeon)2."""
    renamed = [term.replace("Intercept", "(Intercept)") for term in terms]
    renamed = [term.replace("C(surgeon)[T.", "factor(surgeon)") for term in renamed]
    return [term.replace("surgeon[T.", "factor(surgeon)").rstrip("]") for term in renamed]


def _assert_matches_r(model: RiskModel, name: str) -> None:
    table = pl.read_csv(DATA / "glm_coefficients.csv").filter(pl.col("model") == name)
    assert _r_terms(model.terms) == table["term"].to_list()
    pairs = [("coefficients", "estimate"), ("std_errors", "std_error"), ("z", "z")]
    for ours, theirs in pairs:
        assert getattr(model, ours) == pytest.approx(table[theirs].to_numpy(), rel=1e-6), ours
    # An interval's end near 0 (surgeon 5's upper end, -0.073) is compared to 1e-6 of its
    # standard error: R's summary() takes standard errors from the weights of the IRLS step
    # before the last, ~1e-7 (relative) from those at the estimates that caresignal reports.
    for end in ("ci_lower", "ci_upper"):
        reference = table[end].to_numpy()
        slack = 1e-6 * (np.abs(reference) + table["std_error"].to_numpy())
        np.testing.assert_array_less(np.abs(getattr(model, end) - reference), slack)
    assert model.p_values == pytest.approx(table["p_value"].to_numpy(), rel=1e-5)
    summary = (
        pl.read_csv(DATA / "glm_summary.csv").filter(pl.col("model") == name).row(0, named=True)
    )
    assert (model.n, model.events) == (summary["n"], summary["events"])
    assert model.c_statistic == pytest.approx(summary["c_statistic"], rel=1e-12)


# ---- against R (tests/data/r/riskmodel_reference.R) ----


def test_parsonnet_model_matches_r_glm(parsonnet_model: RiskModel) -> None:
    _assert_matches_r(parsonnet_model, "parsonnet")


def test_surgeon_factor_model_matches_r_glm(surgeon_model: RiskModel) -> None:
    assert surgeon_model.levels == {"surgeon": (1, 2, 3, 5, 6, 7)}
    _assert_matches_r(surgeon_model, "parsonnet_surgeon")


def test_formula_model_matches_r_glm(baseline: pl.DataFrame, surgeon_model: RiskModel) -> None:
    model = fit_logistic(baseline, outcome="died_30d", formula="died_30d ~ Parsonnet + C(surgeon)")
    assert model.covariates == ("Parsonnet", "surgeon")
    _assert_matches_r(model, "parsonnet_surgeon")
    np.testing.assert_allclose(model.predict(baseline), surgeon_model.predict(baseline), rtol=1e-12)


def test_predictions_match_r(parsonnet_model: RiskModel, surgeon_model: RiskModel) -> None:
    table = pl.read_csv(DATA / "glm_predictions.csv")
    assert parsonnet_model.predict(table) == pytest.approx(
        table["risk_parsonnet"].to_numpy(), rel=1e-8
    )
    expected = table["risk_parsonnet_surgeon"].to_numpy()
    assert surgeon_model.predict(table) == pytest.approx(expected, rel=1e-8)


def test_calibration_table_matches_r(parsonnet_model: RiskModel, baseline: pl.DataFrame) -> None:
    reference = pl.read_csv(DATA / "calibration_parsonnet.csv")
    table = calibration_table(baseline["died_30d"], parsonnet_model.predict(baseline))
    assert table.n.tolist() == reference["n"].to_list()
    assert table.observed.tolist() == reference["observed"].to_list()
    assert table.expected == pytest.approx(reference["expected"].to_numpy(), rel=1e-8)
    assert table.mean_risk == pytest.approx(reference["mean_risk"].to_numpy(), rel=1e-8)
    assert table.observed_rate == pytest.approx((reference["observed"] / reference["n"]).to_numpy())
    assert np.all(table.lowest_risk <= table.mean_risk * (1 + 1e-12))
    assert np.all(table.mean_risk <= table.highest_risk * (1 + 1e-12))


def test_c_statistic_function_matches_r(parsonnet_model: RiskModel, baseline: pl.DataFrame) -> None:
    # glm_summary.csv: wilcox.test(p[y == 1], p[y == 0])$statistic / (n1 * n0) = 0.812547469061341
    risk = parsonnet_model.predict(baseline)
    assert c_statistic(baseline["died_30d"], risk) == pytest.approx(0.812547469061341, rel=1e-12)


def test_published_steiner_model_lies_within_the_fitted_intervals(
    parsonnet_model: RiskModel,
) -> None:
    # Steiner et al. (2000), Biostatistics 1:441: logit p = -3.68 + 0.077 * Parsonnet. On this
    # lightly noised subset the fit is -3.790 (SE 0.164) + 0.0798 (SE 0.0072): both published
    # values lie inside the 95 % intervals, 0.67 and 0.39 standard errors away.
    published = np.array([-3.68, 0.077])
    assert np.all(parsonnet_model.ci_lower < published)
    assert np.all(published < parsonnet_model.ci_upper)
    distance = np.abs(parsonnet_model.coefficients - published) / parsonnet_model.std_errors
    assert distance == pytest.approx([0.672, 0.392], abs=0.001)
    scores = {"Parsonnet": [0, 10, 25, 50]}
    steiner = 1 / (1 + np.exp(-(published[0] + published[1] * np.array(scores["Parsonnet"]))))
    assert parsonnet_model.predict(scores) == pytest.approx(steiner, abs=0.012)


# ---- categories, missing values, inputs ----


def test_string_categories_give_the_same_fit(
    baseline: pl.DataFrame, surgeon_model: RiskModel
) -> None:
    named = baseline.with_columns(pl.format("S{}", pl.col("surgeon")).alias("surgeon"))
    model = fit_logistic(named, outcome="died_30d", covariates=["Parsonnet", "surgeon"])
    assert model.levels == {"surgeon": ("S1", "S2", "S3", "S5", "S6", "S7")}
    np.testing.assert_allclose(model.coefficients, surgeon_model.coefficients, rtol=1e-10)


def test_unseen_category_is_refused(surgeon_model: RiskModel, surgery: pl.DataFrame) -> None:
    later = surgery.filter(pl.col("phase") == "II")
    with pytest.raises(
        ValueError, match=r"covariate 'surgeon' has value 4 in row \d+, a category not seen"
    ):
        surgeon_model.predict(later)
    formula = fit_logistic(
        surgery.filter(pl.col("phase") == "I"),
        outcome="died_30d",
        formula="~ Parsonnet + C(surgeon)",
    )
    with pytest.raises(ValueError, match="covariate 'surgeon' has value 4"):
        formula.predict(later)
    seen = later.filter(pl.col("surgeon") != 4)
    assert surgeon_model.predict(seen).shape == (seen.height,)


def test_missing_values_are_refused_with_row_and_column(baseline: pl.DataFrame) -> None:
    holes = baseline.head(20).with_columns(
        pl.when(pl.int_range(pl.len()) == 5)
        .then(None)
        .otherwise(pl.col("Parsonnet"))
        .alias("Parsonnet")
    )
    with pytest.raises(ValueError, match="covariate 'Parsonnet' is missing in row 5"):
        fit_logistic(holes, outcome="died_30d", covariates=["Parsonnet"])
    frame = baseline.head(20).to_pandas()
    frame.loc[7, "died_30d"] = np.nan
    with pytest.raises(ValueError, match="outcome 'died_30d' is missing in row 7"):
        fit_logistic(frame, outcome="died_30d", covariates=["Parsonnet"])
    mapping = {"died_30d": [0, 1, 0], "surgeon": ["a", None, "b"]}
    with pytest.raises(ValueError, match="covariate 'surgeon' is missing in row 1"):
        fit_logistic(mapping, outcome="died_30d", covariates=["surgeon"])
    with pytest.raises(ValueError, match="covariate 'Parsonnet' is missing in row 5"):
        fit_logistic(holes, outcome="died_30d", formula="died_30d ~ Parsonnet")


def test_polars_pandas_and_mapping_inputs_give_identical_fits(
    baseline: pl.DataFrame, surgeon_model: RiskModel
) -> None:
    options = {
        "outcome": "died_30d",
        "covariates": ["Parsonnet", "surgeon"],
        "categorical": ["surgeon"],
    }
    columns = {name: baseline[name].to_numpy() for name in ("died_30d", "Parsonnet", "surgeon")}
    before = {name: values.copy() for name, values in columns.items()}
    for data in (baseline.to_pandas(), columns):
        model = fit_logistic(data, **options)  # type: ignore[arg-type]
        np.testing.assert_array_equal(model.coefficients, surgeon_model.coefficients)
        np.testing.assert_array_equal(model.predict(data), surgeon_model.predict(baseline))
    for name, values in columns.items():
        np.testing.assert_array_equal(values, before[name])


# ---- the frozen fit and its record ----


@pytest.mark.parametrize("formula", [None, "died_30d ~ Parsonnet + C(surgeon)"])
def test_round_trip_through_json_predicts_identically(
    formula: str | None, baseline: pl.DataFrame, surgery: pl.DataFrame
) -> None:
    if formula is None:
        model = fit_logistic(
            baseline,
            outcome="died_30d",
            covariates=["Parsonnet", "surgeon"],
            categorical=["surgeon"],
        )
    else:
        model = fit_logistic(baseline, outcome="died_30d", formula=formula)
    record = json.loads(json.dumps(model.to_dict()))
    restored = RiskModel.from_dict(record)
    later = surgery.filter((pl.col("phase") == "II") & (pl.col("surgeon") != 4))
    np.testing.assert_array_equal(restored.predict(later), model.predict(later))
    assert restored.to_dict() == model.to_dict()
    assert restored.levels == model.levels
    assert record["n"] == 1766


def test_record_is_checked(parsonnet_model: RiskModel) -> None:
    record = parsonnet_model.to_dict()
    with pytest.raises(ValueError, match="format"):
        RiskModel.from_dict({**record, "format": "other"})
    with pytest.raises(ValueError, match="'std_errors' has 1 values for 2 terms"):
        RiskModel.from_dict({**record, "std_errors": [0.1]})
    with pytest.raises(ValueError, match="lacks"):
        RiskModel.from_dict({key: value for key, value in record.items() if key != "terms"})


def test_model_is_frozen_and_read_only(parsonnet_model: RiskModel) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsonnet_model.n = 3  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        parsonnet_model.coefficients[0] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        parsonnet_model.predict({"Parsonnet": [1, 2]})[0] = 0.0
    with pytest.raises(TypeError):
        parsonnet_model.levels["x"] = (1,)  # type: ignore[index]


# ---- argument errors ----


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({}, "exactly one of covariates"),
        ({"covariates": ["Parsonnet"], "formula": "~ Parsonnet"}, "exactly one of covariates"),
        ({"covariates": ["age"]}, "data has no column 'age'"),
        ({"covariates": ["Parsonnet"], "outcome": "death"}, "data has no column 'death'"),
        (
            {"covariates": ["Parsonnet"], "outcome": "Parsonnet"},
            r"outcome\[\d+\] is \d+.0; expected 0 or 1",
        ),
        ({"formula": "status ~ Parsonnet"}, "formula has 'status' on the left"),
        ({"formula": "~ center(Parsonnet)"}, "stateful transforms"),
        ({"covariates": ["Parsonnet"], "categorical": ["surgeon"]}, "not among covariates"),
        ({"formula": "~ Parsonnet", "categorical": ["surgeon"]}, "in a formula write C"),
        ({"covariates": ["Parsonnet", "Parsonnet"]}, "collinear"),
        ({"covariates": ["Parsonnet"], "ci_level": 95}, "ci_level is 95"),
    ],
)
def test_fit_argument_errors(
    baseline: pl.DataFrame, kwargs: dict[str, object], pattern: str
) -> None:
    arguments: dict[str, object] = {"outcome": "died_30d", **kwargs}
    with pytest.raises(ValueError, match=pattern):
        fit_logistic(baseline.head(300), **arguments)  # type: ignore[arg-type]


def test_type_errors(baseline: pl.DataFrame) -> None:
    with pytest.raises(TypeError, match="covariates must be a sequence"):
        fit_logistic(baseline, outcome="died_30d", covariates="Parsonnet")
    with pytest.raises(TypeError, match="data must be"):
        fit_logistic([1, 2], outcome="died_30d", covariates=["x"])
    model = fit_logistic(
        {"y": [0, 1, 0, 1, 1, 0], "x": [1, 2, 3, 4, 2, 1]}, outcome="y", covariates=["x"]
    )
    with pytest.raises(TypeError, match="covariate 'x' must be numeric"):
        model.predict({"x": np.array(["high"])})
    with pytest.raises(TypeError, match="formula must be a formula string"):
        fit_logistic(baseline, outcome="died_30d", formula="  ")


# ---- c-statistic and calibration on small inputs ----


def test_c_statistic_counts_ties_as_half() -> None:
    assert c_statistic([0, 1], [0.3, 0.3]) == 0.5
    assert c_statistic([0, 0, 1], [0.1, 0.2, 0.9]) == 1.0
    assert c_statistic([True, False], [0.1, 0.9]) == 0.0


@pytest.mark.parametrize(
    ("outcome", "risk", "pattern"),
    [
        ([1, 1], [0.2, 0.3], "outcome has 2 events among 2 cases"),
        ([0, 2], [0.2, 0.3], r"outcome\[1\] is 2.0"),
        ([0, 1], [0.2, 1.3], r"risk\[1\] is 1.3"),
        ([0, 1, 1], [0.2, 0.3], "outcome has 3, risk has 2"),
    ],
)
def test_c_statistic_argument_errors(outcome: list[int], risk: list[float], pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        c_statistic(outcome, risk)


def test_calibration_argument_errors() -> None:
    with pytest.raises(ValueError, match="groups is 0"):
        calibration_table([0, 1], [0.2, 0.3], groups=0)
    single = calibration_table([0, 1, 1], [0.2, 0.2, 0.2])
    assert (single.n.tolist(), single.observed.tolist()) == ([3], [2])


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), st.integers(0, 20)), min_size=2, max_size=60).filter(
        lambda cases: 0 < sum(event for event, _ in cases) < len(cases)
    )
)
def test_c_statistic_equals_the_pairwise_definition(cases: list[tuple[bool, int]]) -> None:
    events = np.array([event for event, _ in cases])
    risk = np.array([score for _, score in cases]) / 20.0
    pairs = risk[events][:, None] - risk[~events][None, :]
    expected = (np.sum(pairs > 0) + 0.5 * np.sum(pairs == 0)) / pairs.size
    assert c_statistic(events, risk) == pytest.approx(expected, rel=1e-12)
    table = calibration_table(events, risk, groups=4)
    assert table.n.sum() == len(cases)
    assert table.observed.sum() == events.sum()
    assert table.expected.sum() == pytest.approx(risk.sum())
    assert pd.Series(risk).equals(pd.Series(np.array([score for _, score in cases]) / 20.0))
