"""Tests of the ward care audit's rules file: the shipped defaults and a user's file's errors."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from caresignal.monitor import wardcare
from caresignal.monitor.wardcare import TRIGGER_KINDS, RulesError, default_rules, load_rules

SHIPPED = Path(wardcare.__file__).with_name("wardcare_rules.toml")


def test_the_shipped_defaults_and_their_sources() -> None:
    rules = default_rules()
    # RCP NEWS2 2017 chart: urgent review for 5-6 or a single 3, emergency response for >= 7;
    # the minutes are caresignal's defaults (RCP gives none), stated as such in the file.
    urgent, emergency = rules.trigger("news2_urgent"), rules.trigger("news2_emergency")
    assert urgent.within_minutes == 60.0
    assert emergency.within_minutes == 30.0
    assert "outreach_review" in emergency.responses
    assert "RCP NEWS2 2017" in urgent.source
    assert "caresignal's default" in urgent.source
    # NICE QS161: IV antibiotics and a senior review within 1 hour of suspected sepsis.
    assert rules.sepsis.antibiotic_within_minutes == 60.0
    assert rules.sepsis.senior_review_within_minutes == 60.0
    assert "QS161" in rules.sepsis.source
    # National PEWS (SPOT) and Martha's Rule: the carer's "worse" escalates at once.
    carer = rules.trigger("carer_worse")
    assert "Martha's Rule" in carer.source
    assert "PEWS" in carer.source
    assert rules.weight.loss_percent == (5.0, 10.0)
    assert set(rules.triggers) == set(TRIGGER_KINDS)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, "utf-8")
    return path


def _shipped_with(old: str, new: str) -> str:
    text = SHIPPED.read_text("utf-8")
    assert old in text
    return text.replace(old, new, 1)


def test_a_users_file_replaces_the_defaults(tmp_path: Path) -> None:
    text = _shipped_with("within_minutes = 60", "within_minutes = 45")
    rules = load_rules(_write(tmp_path, text))
    assert rules.trigger("news2_urgent").within_minutes == 45.0
    assert rules.path.endswith("rules.toml")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("within_minutes = 60", "within_minutes = -5",
         r"triggers\.news2_urgent\.within_minutes is -5; expected a number from 1 to 10080"),
        ("within_minutes = 60", 'within_minutes = "an hour"',
         r"triggers\.news2_urgent\.within_minutes is 'an hour'; expected a number"),
        ('responses = ["doctor_review", "senior_review", "outreach_review"]',
         'responses = ["doctor_review", "consultant"]',
         r"triggers\.news2_urgent\.responses is 'consultant'; expected a non-empty list of "
         r"response kinds"),
        ("[triggers.carer_worse]", "[triggers.carer_wrose]",
         r"triggers\.carer_wrose is .*; expected no such key here"),
        ("within_hours = 24", "within_hour = 24",
         r"weight\.within_hour is 24; expected no such key here"),
        ("temperature_above = 38.0", "temperature_above = 35.0",
         r"sepsis\.temperature_above is 35\.0; expected a temperature above 36"),
        ("loss_percent = [5.0, 10.0]", "loss_percent = [10.0, 5.0]",
         r"weight\.loss_percent is \[10\.0, 5\.0\]; expected a non-empty list of increasing"),
        ('title = "caresignal default ward care audit rules"', "",
         r"title is None; expected a value: the key is missing"),
    ],
)  # fmt: skip
def test_a_bad_rule_is_refused_naming_file_key_value_and_expectation(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = _write(tmp_path, _shipped_with(old, new))
    with pytest.raises(RulesError, match=message) as caught:
        load_rules(path)
    assert str(caught.value).startswith(str(path))


def test_a_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "title = \n")
    with pytest.raises(RulesError, match="is not valid TOML"):
        load_rules(path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="cannot be read"):
        load_rules(tmp_path / "nowhere.toml")


def test_the_shipped_file_is_valid_toml_with_a_source_for_every_rule() -> None:
    data = tomllib.loads(SHIPPED.read_text("utf-8"))
    for kind in TRIGGER_KINDS:
        assert data["triggers"][kind]["source"].strip()
    assert data["sepsis"]["source"].strip()
    assert data["weight"]["source"].strip()
