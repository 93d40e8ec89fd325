"""The fast paths of the series: prediction as polars expressions, the baseline hash and the
reference rate of period tables, checked against the slow readings they replace."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.data.imports import import_synthetic
from caresignal.monitor import _series_frames as frames
from caresignal.monitor._catalogue_types import ReferenceSpec, Window
from caresignal.monitor._series_cases import case_frames, sort_cases
from caresignal.monitor._series_hash import baseline_hash
from caresignal.monitor._series_predict import predict
from caresignal.monitor.catalogue import load_catalogue
from caresignal.stats.riskmodel import fit_logistic

CLOCK = FixedClock(datetime(2026, 11, 23, tzinfo=UTC))
CATALOGUE = load_catalogue()
MODELLED = ("extended_perinatal_mortality", "term_hie", "tear_3rd_4th", "apgar5_below_7")


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pl.DataFrame]:
    """Each births indicator's cases with their covariates, from a third of the small dataset."""
    directory = tmp_path_factory.mktemp("small")
    import_synthetic(
        Dataset(directory),
        "small",
        7,
        clock=CLOCK,
        exposure_indicators=CATALOGUE.exposure_indicators(),
    )
    snapshot = Dataset(directory).snapshot()
    organisations = snapshot.table("organisations").collect()
    indicators = [CATALOGUE.get(name) for name in MODELLED]
    units = {item.id: frames.indicator_units(organisations, item) for item in indicators}
    source = snapshot.table("births").filter(pl.col("birth_datetime") < datetime(2024, 1, 1))
    return {name: lazy.collect() for name, lazy in case_frames(source, indicators, units).items()}


@pytest.mark.parametrize("name", MODELLED)
def test_fast_prediction_equals_the_models_own(cases: dict[str, pl.DataFrame], name: str) -> None:
    frame = cases[name]
    spec = CATALOGUE.get(name).risk_model
    assert spec is not None
    model = fit_logistic(
        frame, outcome="outcome", covariates=spec.covariates, categorical=spec.categorical
    )
    fast = predict(model, frame).to_numpy()
    assert fast.dtype == np.float64
    np.testing.assert_allclose(fast, model.predict(frame), rtol=1e-12, atol=1e-15)


def _errors(frame: pl.DataFrame, base: pl.DataFrame) -> tuple[str, str]:
    spec = CATALOGUE.get("term_hie").risk_model
    assert spec is not None
    model = fit_logistic(
        base, outcome="outcome", covariates=spec.covariates, categorical=spec.categorical
    )
    with pytest.raises(ValueError, match="covariate") as slow:
        model.predict(frame)
    with pytest.raises(ValueError, match="covariate") as fast:
        predict(model, frame)
    return str(slow.value), str(fast.value)


def test_an_unseen_category_raises_the_models_error(cases: dict[str, pl.DataFrame]) -> None:
    base = cases["term_hie"]
    row = pl.int_range(pl.len()) == 5
    frame = base.with_columns(
        pl.when(row).then(pl.lit("99")).otherwise("parity_band").alias("parity_band")
    )
    slow, fast = _errors(frame, base)
    assert fast == slow
    assert "'parity_band' has value '99' in row 5" in fast


def test_a_missing_covariate_raises_the_models_error(cases: dict[str, pl.DataFrame]) -> None:
    base = cases["term_hie"]
    row = pl.int_range(pl.len()) == 3
    frame = base.with_columns(pl.when(~row).then(pl.col("deprivation")).alias("deprivation"))
    slow, fast = _errors(frame, base)
    assert fast == slow
    assert "'deprivation' is missing in row 3" in fast
    slow, fast = _errors(base.drop("multiple"), base)
    assert fast == slow


def test_baseline_hash_ignores_row_order_and_batches_but_not_values(
    cases: dict[str, pl.DataFrame],
) -> None:
    frame = cases["term_hie"]
    digest = baseline_hash(frame)
    assert digest.startswith("v2:sha256:")
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=3)
    assert baseline_hash(sort_cases(shuffled, "unit", "date")) == digest
    halves = pl.concat([frame.slice(0, 1000), frame.slice(1000)], rechunk=False)
    assert baseline_hash(halves) == digest
    changed = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 17).then(1 - pl.col("outcome")).otherwise("outcome")
    )
    assert baseline_hash(changed) != digest
    assert baseline_hash(frame.slice(1)) != digest


def test_sorting_cases_agrees_with_a_full_sort(cases: dict[str, pl.DataFrame]) -> None:
    frame = cases["tear_3rd_4th"].select("unit", "date", "record_id")
    expected = frame.sort("unit", "date", "record_id")
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=1)  # not in date order
    assert sort_cases(shuffled, "unit", "date").equals(expected)
    in_date_order = frame.sort("date", "record_id")  # the stable partition by unit
    assert sort_cases(in_date_order, "unit", "date").equals(expected)


def test_period_reference_rates_by_hand() -> None:
    baseline = pl.DataFrame(
        {
            "unit": ["W1", "W1", "W2", "W3"],
            "numerator": [2.0, 1.0, 4.0, 0.0],
            "denominator": [100.0, 200.0, 100.0, 0.0],
        }
    )
    groups = pl.DataFrame({"unit": ["W1", "W2", "W3", "W4"], "group": ["a", "a", "b", "b"]})
    events, exposure = pl.col("numerator"), pl.col("denominator")

    def rates(scope: str) -> list[float | None]:
        table = frames.reference_rates(baseline, scope, groups, events, exposure)
        return table.sort("unit").get_column("reference").to_list()

    assert rates("unit") == [pytest.approx(3 / 300), pytest.approx(4 / 100), None, None]
    assert rates("national") == [pytest.approx(7 / 400)] * 4
    assert rates("comparator_group") == [pytest.approx(7 / 400)] * 2 + [None, None]


def test_period_reference_is_each_wards_rate_in_the_first_year_or_the_national_rate() -> None:
    counts = pl.DataFrame(
        {
            "unit": ["W1"] * 14 + ["W2"] * 3,
            "period_start": [dt.date(2024, 1, 1) + dt.timedelta(days=31 * i) for i in range(14)]
            + [dt.date(2024, 12, 1), dt.date(2025, 1, 1), dt.date(2025, 2, 1)],
            "numerator": [1.0] * 12 + [50.0, 50.0] + [3.0, 9.0, 9.0],
            "denominator": [100.0] * 14 + [10.0, 10.0, 10.0],
        }
    ).with_columns(pl.col("period_start").dt.month_start())
    shipped = CATALOGUE.get("complaints")
    own_year = ReferenceSpec(scope="unit", baseline=Window(first_months=12))
    indicator = replace(shipped, reference=own_year)
    organisations = pl.DataFrame(
        {"code": ["W1", "W2"], "comparator_group": ["g", "g"]},
    )
    expr, window = frames.reference_column(
        indicator, organisations, counts, "period_start", dt.date(2025, 6, 30)
    )
    assert window == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    reference = counts.with_columns(expr).group_by("unit").agg(pl.col("reference").first())
    by_unit = dict(reference.iter_rows())
    assert by_unit["W1"] == pytest.approx(12 / 1200)  # its 12 months of 2024, not 2025
    assert by_unit["W2"] == pytest.approx(3 / 10)  # December 2024 only
    national = replace(shipped, reference=replace(own_year, scope="national"))
    expr, window = frames.reference_column(
        national, organisations, counts, "period_start", dt.date(2025, 6, 30)
    )
    pooled = counts.with_columns(expr).get_column("reference").unique().to_list()
    assert pooled == [pytest.approx(15 / 1210)]  # every ward's 2024: (12 + 3) / (1,200 + 10)
