"""The indicator catalogue: shipped files, the Catalogue API, user files, and the docs in step."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from caresignal.monitor._catalogue_docs import END, START, generated_section
from caresignal.monitor.catalogue import (
    Catalogue,
    CatalogueError,
    FalseAlarmTargets,
    Indicator,
    load_catalogue,
    shipped_files,
)

DOCS = Path(__file__).parents[2] / "docs" / "indicators.md"

REQUIRED = {
    "moss_term_mortality": ("births", {"bernoulli_cusum", "vlad"}),
    "extended_perinatal_mortality": (
        "births",
        {"bernoulli_cusum", "vlad", "funnel", "p_chart"},
    ),
    "term_hie": ("births", {"bernoulli_cusum"}),
    "haemorrhage_1500ml": ("births", {"bernoulli_cusum"}),
    "tear_3rd_4th": ("births", {"bernoulli_cusum"}),
    "apgar5_below_7": ("births", {"bernoulli_cusum"}),
    "ed_4h": ("counts", {"xmr"}),
    "sepsis_screen_1h": ("counts", {"p_chart"}),
    "antibiotics_1h": ("counts", {"p_chart"}),
    "cleanliness_score": ("counts", {"xmr"}),
    "complaints": ("counts", {"u_chart", "poisson_cusum"}),
    "rn_fill_rate_day": ("staffing", {"xmr"}),
    "rn_fill_rate_night": ("staffing", {"xmr"}),
    "care_hours_per_patient_day": ("staffing", {"xmr"}),
    "concerns_listening": ("concerns", {"p_chart", "poisson_cusum"}),
}

USER_FILE = """
[[indicator]]
id = "{id}"
title = "Ward falls"
description = "Falls per 1,000 bed days."
table = "counts"
level = "unit"
unit_types = ["adult_ward"]
worse = "higher"
{extra}

[indicator.definition]
counts_indicator = "falls"
denominator_kind = "exposure"

[[indicator.methods]]
method = "u_chart"
multiplier = 1000.0
"""


def write(folder: Path, name: str, ident: str = "falls", extra: str = "") -> Path:
    path = folder / name
    path.write_text(USER_FILE.format(id=ident, extra=extra), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def test_shipped_files_load_with_every_required_indicator(catalogue: Catalogue) -> None:
    assert shipped_files() == (
        "emergency.toml",
        "maternity.toml",
        "wards.toml",
        "wards_bedside.toml",  # the ward care audit's measures, from bedside observations
        "wards_concerns.toml",  # themes of concerns, loaded after the ward indicators
    )
    for ident, (table, methods) in REQUIRED.items():
        indicator = catalogue.get(ident)
        assert indicator.table == table
        assert methods <= {spec.method for spec in indicator.methods}


def test_moss_indicator_is_unadjusted_against_the_national_rate(catalogue: Catalogue) -> None:
    moss = catalogue.get("moss_term_mortality")
    assert moss.risk_model is None
    assert moss.reference is not None
    assert moss.reference.scope == "national"
    (cusum,) = moss.method("bernoulli_cusum")
    assert cusum.get("odds_ratio") == 2.0
    assert cusum.get("expected") == "reference"
    assert cusum.get("reset_after") == "red"
    assert moss.method("vlad")[0].get("expected") == "reference"
    assert moss.false_alarms == FalseAlarmTargets(amber_years=10.0, red_years=50.0)


def test_extended_perinatal_mortality_has_upper_and_lower_risk_adjusted_cusums(
    catalogue: Catalogue,
) -> None:
    indicator = catalogue.get("extended_perinatal_mortality")
    cusums = indicator.method("bernoulli_cusum")
    adjusted = [spec for spec in cusums if spec.get("expected") == "risk_model"]
    ratios = sorted(spec.get("odds_ratio") for spec in adjusted)  # type: ignore[type-var]
    assert ratios == [0.5, 2.0]
    unadjusted = [spec for spec in cusums if spec.get("expected") == "reference"]
    assert [spec.get("odds_ratio") for spec in unadjusted] == [2.0]
    assert indicator.risk_model is not None
    assert "gestation_band" in indicator.risk_model.covariates
    assert "gestation" in (indicator.risk_model.note or "")
    (funnel,) = indicator.method("funnel")
    assert funnel.get("window_months") == 12
    assert funnel.get("levels") == (0.95, 0.998)


def test_ed_4h_is_an_xmr_with_a_95_percent_target(catalogue: Catalogue) -> None:
    (xmr,) = catalogue.get("ed_4h").method("xmr")
    assert xmr.arguments() == {
        "improvement": "increase",
        "target": 95.0,
        "multiplier": 100.0,
        "trend_points": 7,
        "shift_points": 7,
        "two_in_three": "current",
        "baseline_points": None,
        "screen_outliers": True,
    }


def test_improvement_defaults_to_the_opposite_of_worse(catalogue: Catalogue) -> None:
    assert catalogue.get("complaints").method("u_chart")[0].get("improvement") == "decrease"
    assert catalogue.get("sepsis_screen_1h").method("p_chart")[0].get("improvement") == "increase"


def test_filters_and_exposure_indicators(catalogue: Catalogue) -> None:
    births = catalogue.for_table("births")
    assert births
    assert all(i.table == "births" for i in births)
    assert {i.id for i in catalogue.for_unit_type("emergency_department")} == {"ed_4h"}
    assert "complaints" in {i.id for i in catalogue.for_unit_type("paediatric_ward")}
    assert catalogue.exposure_indicators() == ("complaints",)
    assert catalogue.ids == tuple(i.id for i in catalogue.indicators)
    assert len(catalogue) == len(catalogue.ids)
    assert "ed_4h" in catalogue


def test_get_unknown_id_suggests_the_nearest(catalogue: Catalogue) -> None:
    with pytest.raises(KeyError, match="did you mean 'term_hie'"):
        catalogue.get("term_hei")


def test_catalogue_is_immutable(catalogue: Catalogue) -> None:
    indicator = catalogue.get("ed_4h")
    with pytest.raises(dataclasses.FrozenInstanceError):
        catalogue.indicators = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        indicator.worse = "higher"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        indicator.methods[0].parameters = ()  # type: ignore[misc]
    assert isinstance(catalogue.indicators, tuple)
    assert isinstance(indicator.methods[0].parameters, tuple)
    arguments = indicator.methods[0].arguments()
    arguments["target"] = 1.0
    assert indicator.methods[0].get("target") == 95.0
    assert hash(catalogue) == hash(load_catalogue())


def test_user_directory_adds_indicators_after_the_shipped_ones(tmp_path: Path) -> None:
    write(tmp_path, "b.toml", "falls")
    write(tmp_path, "a.toml", "pressure_ulcers")
    (tmp_path / "notes.txt").write_text("not a catalogue file")
    catalogue = load_catalogue(tmp_path)
    assert catalogue.ids[-2:] == ("pressure_ulcers", "falls")
    assert catalogue.get("falls").file == str(tmp_path / "b.toml")
    assert catalogue.exposure_indicators() == ("complaints", "falls")


def test_user_file_path_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "mine.toml")
    assert "falls" in load_catalogue(path)


def test_duplicate_id_is_an_error_naming_both_files(tmp_path: Path) -> None:
    write(tmp_path, "mine.toml", "complaints")
    with pytest.raises(CatalogueError, match=r"mine\.toml: indicator 'complaints'") as caught:
        load_catalogue(tmp_path)
    assert "wards.toml" in caught.value.message
    assert caught.value.hint is not None
    assert "replaces = true" in caught.value.hint


def test_replaces_true_takes_the_shipped_indicators_place(tmp_path: Path) -> None:
    write(tmp_path, "mine.toml", "complaints", extra="replaces = true")
    shipped = load_catalogue()
    catalogue = load_catalogue(tmp_path)
    assert catalogue.ids == shipped.ids
    replaced = catalogue.get("complaints")
    assert replaced.replaces
    assert replaced.title == "Ward falls"


def test_replaces_true_with_nothing_to_replace_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "mine.toml", "brand_new", extra="replaces = true")
    with pytest.raises(CatalogueError, match="no earlier indicator 'brand_new'"):
        load_catalogue(tmp_path)


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="no such file or directory"):
        load_catalogue(tmp_path / "absent")


def test_docs_list_every_shipped_indicator(catalogue: Catalogue) -> None:
    page = DOCS.read_text(encoding="utf-8")
    block = START + page.split(START, 1)[1].split(END, 1)[0] + END
    assert block == generated_section(catalogue.indicators), (
        "docs/indicators.md is out of step with the shipped catalogue: run "
        'python -c "from caresignal.monitor._catalogue_docs import update; '
        "update('docs/indicators.md')\""
    )


def test_docs_example_file_loads(tmp_path: Path) -> None:
    page = DOCS.read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", page, re.DOTALL)
    assert example is not None
    (tmp_path / "example.toml").write_text(example.group(1), encoding="utf-8")
    indicator: Indicator = load_catalogue(tmp_path).get("term_caesarean_emergency")
    assert indicator.risk_model is not None
    assert str(indicator.risk_model.baseline.start) == "2016-01-01"
