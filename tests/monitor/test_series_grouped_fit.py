"""The monitor fits each covariate risk model on the baseline's covariate patterns: the recorded
model must be the one fitted on the individual cases, and the record otherwise unchanged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.monitor import _series_frames as frames
from caresignal.monitor import _series_risk as series_risk
from caresignal.monitor._series_cases import case_frames
from caresignal.monitor._series_hash import baseline_hash
from caresignal.monitor._series_risk import ModelFitError, _fit, risk_model_column
from caresignal.monitor.catalogue import load_catalogue
from caresignal.stats.riskmodel import RiskModel, fit_logistic

CLOCK = FixedClock(datetime(2026, 11, 23, tzinfo=UTC))
AS_OF = dt.date(2025, 12, 31)
CATALOGUE = load_catalogue()
MODELLED = tuple(
    item.id
    for item in CATALOGUE
    if item.table == "births" and item.risk_model is not None and not item.risk_model.formula
)
ARRAYS = ("coefficients", "std_errors", "z", "p_values", "ci_lower", "ci_upper")


@pytest.fixture(scope="module")
def cases(small_copy: Callable[[], Path]) -> dict[str, pl.DataFrame]:
    """Each modelled births indicator's cases (every date), from the small dataset."""
    directory = small_copy()
    snapshot = Dataset(directory).snapshot()
    organisations = snapshot.table("organisations").collect()
    indicators = [CATALOGUE.get(name) for name in MODELLED]
    units = {item.id: frames.indicator_units(organisations, item) for item in indicators}
    lazy = case_frames(snapshot.table("births"), indicators, units)
    return {name: frame.collect() for name, frame in lazy.items()}


def test_every_shipped_births_model_is_a_covariate_model() -> None:
    assert len(MODELLED) >= 5


@pytest.mark.parametrize("name", MODELLED)
def test_recorded_fit_equals_the_fit_of_the_individual_cases(
    cases: dict[str, pl.DataFrame], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    indicator = CATALOGUE.get(name)
    spec = indicator.risk_model
    assert spec is not None
    fitted_on: list[tuple[int, str | None]] = []

    def spy(data: pl.DataFrame, **options: Any) -> RiskModel:
        fitted_on.append((data.height, options.get("cases")))
        return fit_logistic(data, **options)

    monkeypatch.setattr(series_risk, "fit_logistic", spy)
    record = _fit(indicator, cases[name], AS_OF, CLOCK)
    monkeypatch.undo()
    assert len(fitted_on) == 1  # the grouped fit, not the individual one after a refusal
    patterns, cases_column = fitted_on[0]
    assert cases_column is not None
    assert patterns < record.cases / 5
    baseline = frames.in_window(cases[name], record.start, record.end)
    individual = fit_logistic(
        baseline, outcome="outcome", covariates=spec.covariates, categorical=spec.categorical
    )
    model = record.model
    assert (model.terms, dict(model.levels)) == (individual.terms, dict(individual.levels))
    assert (model.covariates, model.outcome) == (individual.covariates, "outcome")
    for array in ARRAYS:
        np.testing.assert_allclose(
            getattr(model, array), getattr(individual, array), rtol=1e-9, atol=0, err_msg=array
        )
    assert model.c_statistic == pytest.approx(individual.c_statistic, rel=1e-12)
    assert (
        (record.cases, record.events)
        == (individual.n, individual.events)
        == (
            baseline.height,
            int(baseline["outcome"].sum()),
        )
    )
    assert record.c_statistic == model.c_statistic
    assert record.baseline_hash == baseline_hash(baseline)
    # The grouped fit is repeatable: the patterns are sorted, so the same cases in another
    # order give the very same record.
    shuffled = _fit(indicator, cases[name].sample(fraction=1.0, shuffle=True, seed=3), AS_OF, CLOCK)
    assert shuffled.model.to_dict() == model.to_dict()


def test_the_model_column_predicts_with_the_grouped_fit(
    cases: dict[str, pl.DataFrame], tmp_path: Path
) -> None:
    name = "extended_perinatal_mortality"
    column = risk_model_column(tmp_path, CATALOGUE.get(name), cases[name], None, AS_OF, CLOCK)
    assert column.fit is not None
    assert column.refitted
    assert column.baseline_hash == column.fit.baseline_hash
    np.testing.assert_allclose(
        column.risk.to_numpy(), column.fit.model.predict(cases[name]), rtol=1e-12, atol=1e-15
    )


def test_a_refused_fit_names_the_row_of_the_individual_case(
    cases: dict[str, pl.DataFrame],
) -> None:
    indicator = CATALOGUE.get("term_hie")
    frame = cases["term_hie"]
    row = pl.int_range(pl.len()) == 7
    holes = frame.with_columns(pl.when(~row).then(pl.col("deprivation")).alias("deprivation"))
    with pytest.raises(ModelFitError, match="covariate 'deprivation' is missing in row 7"):
        _fit(indicator, holes, AS_OF, CLOCK)
