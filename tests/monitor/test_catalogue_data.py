"""Every shipped definition evaluates on the small synthetic dataset and gives plausible values."""

from __future__ import annotations

import polars as pl
import pytest

from caresignal.data import synth
from caresignal.monitor.catalogue import Catalogue, Indicator, load_catalogue
from caresignal.stats.riskmodel import fit_logistic

#: Plausible overall values (numerator ÷ denominator) on the small dataset, seed 1.
PLAUSIBLE = {
    "moss_term_mortality": (1.5e-3, 5e-3),  # term stillbirths + neonatal deaths (3.2 per 1,000)
    "extended_perinatal_mortality": (4e-3, 9e-3),
    "term_hie": (0.5e-3, 3e-3),
    "haemorrhage_1500ml": (0.02, 0.04),
    "tear_3rd_4th": (0.02, 0.04),
    "apgar5_below_7": (0.005, 0.02),
    "ed_4h": (0.6, 0.9),
    "sepsis_screen_1h": (0.7, 0.98),
    "antibiotics_1h": (0.6, 0.98),
    "cleanliness_score": (0.85, 1.0),
    "complaints": (0.5e-3, 5e-3),  # per bed day
    "rn_fill_rate_day": (0.85, 1.05),
    "rn_fill_rate_night": (0.85, 1.05),
    "care_hours_per_patient_day": (4.0, 15.0),
    # a share of concerns; checked through the series (tests/monitor/test_series_concerns.py),
    # since its concerns are themed by the classifier where uncoded
    "concerns_listening": (0.15, 0.35),
}


@pytest.fixture(scope="module")
def tables() -> dict[str, pl.DataFrame]:
    return synth.generate("small", seed=1).tables


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def unit_rows(indicator: Indicator, tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The indicator's population, restricted to its unit types (sites for births)."""
    rows = tables[indicator.table].filter(indicator.definition.population_expr())
    if indicator.level != "unit":
        return rows
    units = tables["organisations"].filter(pl.col("unit_type").is_in(indicator.unit_types))
    return rows.filter(pl.col(indicator.unit_column).is_in(units["code"].implode()))


def monthly(indicator: Indicator, tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    definition = indicator.definition
    month = pl.col(definition.date_column).dt.truncate("1mo").alias("month")
    return (
        unit_rows(indicator, tables)
        .group_by(indicator.unit_column, month)
        .agg(
            definition.numerator_expr().alias("numerator"),
            definition.denominator_expr().alias("denominator"),
        )
    )


def test_every_shipped_indicator_has_a_plausible_value(
    catalogue: Catalogue, tables: dict[str, pl.DataFrame]
) -> None:
    # The bedside indicators are the ward care audit's measures over three tables; they are
    # checked through the series (tests/monitor/test_wardcare_scan.py).
    assert set(PLAUSIBLE) == {i.id for i in catalogue if i.table != "observations"}
    for indicator in catalogue:
        if indicator.table in ("concerns", "observations"):
            continue
        series = monthly(indicator, tables)
        assert series.height >= 36, indicator.id  # every unit and month found rows
        total = series.select(pl.col("numerator").sum(), pl.col("denominator").sum()).row(0)
        low, high = PLAUSIBLE[indicator.id]
        assert low <= total[0] / total[1] <= high, (indicator.id, total)


def test_counts_indicators_find_their_rows(
    catalogue: Catalogue, tables: dict[str, pl.DataFrame]
) -> None:
    for indicator in catalogue.for_table("counts"):
        rows = unit_rows(indicator, tables)
        assert rows.height >= 72, indicator.id
        assert set(rows["indicator"]) == {indicator.definition.counts_indicator}


def test_outcomes_are_boolean_per_case(
    catalogue: Catalogue, tables: dict[str, pl.DataFrame]
) -> None:
    for indicator in catalogue.for_table("births"):
        outcome = unit_rows(indicator, tables).select(indicator.definition.outcome_expr())
        assert outcome.dtypes == [pl.Boolean]
        assert outcome.null_count().item() == 0


def test_risk_model_covariates_evaluate_without_gaps(
    catalogue: Catalogue, tables: dict[str, pl.DataFrame]
) -> None:
    for indicator in catalogue.for_table("births"):
        model = indicator.risk_model
        if model is None:  # MOSS: an unadjusted reference rate instead
            assert indicator.reference is not None, indicator.id
            continue
        data = unit_rows(indicator, tables).with_columns(*model.derived_exprs())
        columns = data.select(model.covariates)
        assert sum(columns.null_count().row(0)) == 0, indicator.id
        for name in model.categorical:
            assert columns[name].n_unique() >= 2, (indicator.id, name)


def test_extended_perinatal_risk_model_fits_with_fit_logistic(
    catalogue: Catalogue, tables: dict[str, pl.DataFrame]
) -> None:
    indicator = catalogue.get("extended_perinatal_mortality")
    model = indicator.risk_model
    assert model is not None
    data = unit_rows(indicator, tables).with_columns(
        *model.derived_exprs(), indicator.definition.outcome_expr().alias("died")
    )
    fitted = fit_logistic(
        data.select("died", *model.covariates),
        outcome="died",
        covariates=list(model.covariates),
        categorical=list(model.categorical),
    )
    risk = fitted.predict(data.select(model.covariates))
    assert 0.004 < float(risk.mean()) < 0.009
