"""The bundled real datasets load with the documented columns and sizes."""

from __future__ import annotations

import polars as pl
import pytest

from caresignal.data import public
from caresignal.errors import DatasetNotFoundError


def test_ae_attendances_matches_the_published_extract() -> None:
    ae = public.ae_attendances()
    # NHSRdatasets::ae_attendances: 12,765 rows, 274 organisations, April 2016 to March 2019.
    assert ae.height == 12765
    assert ae["org_code"].n_unique() == 274
    assert str(ae["period"].min()) == "2016-04-01"
    assert str(ae["period"].max()) == "2019-03-01"
    assert set(ae["type"].unique()) == {"1", "2", "other"}
    assert (ae["breaches"] <= ae["attendances"]).all()


def test_medpar_restores_provider_codes_and_keeps_the_glm_expected_counts() -> None:
    medpar = public.medpar()
    assert medpar.height == 1495
    assert medpar["provnum"].n_unique() == 54
    assert medpar["provnum"].str.len_chars().unique().to_list() == [6]
    # A Poisson GLM with an intercept reproduces the total: sum(fitted) == sum(observed).
    assert medpar["prds"].sum() == pytest.approx(medpar["los"].sum(), rel=1e-9)


def test_cardiac_surgery_derives_the_thirty_day_outcome_and_the_baseline_phase() -> None:
    surgery = public.cardiac_surgery()
    assert surgery.height == 5595
    expected = ((surgery["status"] == 1) & (surgery["time"] <= 30)).cast(pl.Int64)
    assert surgery["died_30d"].to_list() == expected.to_list()
    assert surgery.filter(pl.col("phase") == "I")["date"].max() == 729
    assert sorted(surgery["surgeon"].unique().to_list()) == [1, 2, 3, 4, 5, 6, 7]


def test_deleval_is_104_operations_in_order() -> None:
    deleval = public.deleval()
    assert deleval["patient"].to_list() == list(range(1, 105))
    assert set(deleval["death"].unique()) <= {0, 1}


def test_each_load_returns_a_new_frame() -> None:
    first = public.load("deleval")
    second = public.load("deleval")
    assert first is not second
    assert first.equals(second)


def test_unknown_name_is_refused_with_the_choices() -> None:
    with pytest.raises(DatasetNotFoundError, match="no bundled dataset called 'births'") as caught:
        public.load("births")
    assert caught.value.hint is not None
    assert "cardiac_surgery" in caught.value.hint
