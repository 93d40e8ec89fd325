"""Each kind of mistake in a catalogue file gives a clear error naming file, indicator and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from caresignal.errors import CaresignalError
from caresignal.monitor.catalogue import CatalogueError, load_catalogue

GOOD = """
[[indicator]]
id = "term_caesarean"
title = "Emergency caesarean at term"
description = "Term births by emergency caesarean."
table = "births"
level = "site"
unit_types = ["maternity"]
worse = "higher"

[indicator.definition]
population = "gestation_weeks >= 37"
outcome = "birth_mode = 'emergency_caesarean'"

[indicator.risk_model]
covariates = ["age_band", "parity"]
categorical = ["age_band"]
baseline = { first_months = 36 }

[indicator.risk_model.derived]
age_band = "CASE WHEN mother_age < 35 THEN 'under_35' ELSE '35_plus' END"

[[indicator.methods]]
method = "bernoulli_cusum"
odds_ratio = 2.0
expected = "risk_model"
"""


def load_with(tmp_path: Path, old: str, new: str) -> CatalogueError:
    assert old in GOOD, old
    path = tmp_path / "mine.toml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    error = caught.value
    assert isinstance(error, CaresignalError)
    assert error.file == str(path)
    assert str(path) in error.message
    return error


def test_the_good_file_loads(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text(GOOD, encoding="utf-8")
    indicator = load_catalogue(tmp_path).get("term_caesarean")
    assert indicator.definition.date_column == "birth_datetime"
    assert indicator.unit_column == "site_code"


@pytest.mark.parametrize(
    ("old", "new", "key", "expected"),
    [
        ('table = "births"', 'table = "birth"', "table", "did you mean 'births'?"),
        ('level = "site"', 'level = "ward"', "level", None),
        ('worse = "higher"', 'worse = "up"', "worse", None),
        ('"gestation_weeks >= 37"', '"gestation_week >= 37"', "definition.population",
         "did you mean 'gestation_weeks'?"),
        ('"gestation_weeks >= 37"', '"gestation_weeks >="', "definition.population",
         "unable to parse"),
        ("odds_ratio = 2.0", "odds_ratoi = 2.0", "methods[0].odds_ratoi",
         "did you mean 'odds_ratio'?"),
        ('method = "bernoulli_cusum"', 'method = "bernouli_cusum"', "methods[0].method",
         "did you mean 'bernoulli_cusum'?"),
        ("odds_ratio = 2.0", "odds_ratio = -1.0", "methods[0].odds_ratio", None),
        ("odds_ratio = 2.0", "odds_ratio = 1", "methods[0].odds_ratio", None),
        ('expected = "risk_model"', 'expected = "reference"', "methods[0].expected", None),
        ("odds_ratio = 2.0\n", "", "methods[0].odds_ratio", None),
        ('unit_types = ["maternity"]', 'unit_types = ["maternty"]', "unit_types[0]",
         "did you mean 'maternity'?"),
        ('covariates = ["age_band", "parity"]', 'covariates = ["age_band", "parrity"]',
         "risk_model.covariates[1]", "did you mean 'parity'?"),
        ("first_months = 36", "first_months = 0", "risk_model.baseline.first_months", None),
        ("baseline = { first_months = 36 }", 'baseline = { start = "2018-01-01" }',
         "risk_model.baseline", None),
        ('"CASE WHEN mother_age', '"CASE WHEN mothers_age', "risk_model.derived.age_band",
         "did you mean 'mother_age'?"),
        ('worse = "higher"', 'worse = "higher"\nperiod = "fortnight"', "period", None),
        ('worse = "higher"', 'worse = "higher"\ntitel = "x"', "titel", "did you mean 'title'?"),
        ('baseline = { first_months = 36 }', 'baseline = { first_months = 36 }\nfrozen = false',
         "risk_model.frozen", "never refits"),
    ],
)  # fmt: skip
def test_mistakes_name_file_indicator_key_and_value(
    tmp_path: Path, old: str, new: str, key: str, expected: str | None
) -> None:
    error = load_with(tmp_path, old, new)
    assert error.indicator == "term_caesarean"
    assert error.key == key
    assert f"indicator 'term_caesarean': key '{key}'" in error.message
    assert "expected" in error.message
    if expected is not None:
        assert expected in f"{error.message} {error.hint}"


def test_a_value_out_of_range_says_the_range(tmp_path: Path) -> None:
    error = load_with(
        tmp_path,
        'expected = "risk_model"',
        'expected = "risk_model"\n\n[[indicator.methods]]\nmethod = "funnel"\n'
        'expected = "risk_model"\nlevels = [0.95, 1.5]',
    )
    assert error.key == "methods[1].levels"
    assert error.value == 1.5
    assert "below 1" in error.message


def test_improvement_against_worse_is_an_error(tmp_path: Path) -> None:
    error = load_with(
        tmp_path,
        'expected = "risk_model"',
        'expected = "risk_model"\n\n[[indicator.methods]]\nmethod = "p_chart"\n'
        'improvement = "increase"',
    )
    assert error.key == "methods[1].improvement"
    assert "'decrease'" in error.message


def test_counts_indicator_needs_a_denominator_kind(tmp_path: Path) -> None:
    text = (
        '[[indicator]]\nid = "x"\ntitle = "X"\ndescription = "X"\ntable = "counts"\n'
        'level = "unit"\nworse = "lower"\n[indicator.definition]\ncounts_indicator = "x"\n'
        '[[indicator.methods]]\nmethod = "xmr"\n'
    )
    (tmp_path / "x.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"key 'definition\.denominator_kind'"):
        load_catalogue(tmp_path)


def test_case_method_on_an_aggregate_table_is_an_error(tmp_path: Path) -> None:
    text = (
        '[[indicator]]\nid = "x"\ntitle = "X"\ndescription = "X"\ntable = "counts"\n'
        'level = "unit"\nworse = "lower"\n[indicator.definition]\ncounts_indicator = "x"\n'
        'denominator_kind = "cases"\n[[indicator.methods]]\nmethod = "vlad"\n'
        'expected = "reference"\n'
    )
    (tmp_path / "x.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"key 'methods\[0\]\.method'.*no outcome"):
        load_catalogue(tmp_path)


def test_not_toml_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("[[indicator]\nid = ", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"bad\.toml: .*expected a TOML file"):
        load_catalogue(tmp_path)


def test_duplicate_id_within_one_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "twice.toml").write_text(GOOD + GOOD, encoding="utf-8")
    with pytest.raises(CatalogueError, match="'term_caesarean' is already defined"):
        load_catalogue(tmp_path)
