"""The accountability rules file: the shipped one, one of the user's own, and each kind of
mistake refused with the file, the entry and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from caresignal.domain import Role
from caresignal.domain.episodes import EpisodeState
from caresignal.workflow.rules import DEFAULT_RULES, RulesError, load_rules

S = EpisodeState
SHIPPED = (Path(__file__).parents[2] / "src/caresignal/workflow/rules.toml").read_text("utf-8")


def test_the_shipped_rules_are_the_issues_defaults() -> None:
    rules = DEFAULT_RULES
    assert [rung.role for rung in rules.ladder] == [
        Role.UNIT_LEAD, Role.DIVISIONAL_DIRECTOR, Role.EXECUTIVE_SAFETY_CHAMPION, Role.REGULATOR,
    ]  # fmt: skip
    assert rules.ladder[2].notify == (Role.EXECUTIVE_SAFETY_CHAMPION, Role.BOARD_MEMBER)
    assert rules.red_rung == 2
    assert dict(rules.deadlines("moss_term_mortality", "red")) == {
        S.ACKNOWLEDGED: 2, S.UNDER_REVIEW: 8, S.ACTION_PLANNED: 20,
    }  # fmt: skip


def test_the_most_specific_deadline_wins(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        SHIPPED
        + '\n[[deadlines]]\nlevel = "red"\nacknowledged = 1\nunder_review = 5\n'
        + '\n[[deadlines]]\nindicator = "hie"\nacknowledged = 3\n'
        + '\n[[deadlines]]\nindicator = "hie"\nlevel = "red"\nunder_review = 4\n',
        encoding="utf-8",
    )
    rules = load_rules(path)
    assert dict(rules.deadlines("hie", "red")) == {
        S.ACKNOWLEDGED: 3, S.UNDER_REVIEW: 4, S.ACTION_PLANNED: 20,
    }  # fmt: skip
    assert dict(rules.deadlines("pph", "red"))[S.ACKNOWLEDGED] == 1
    assert dict(rules.deadlines("pph", "amber"))[S.ACKNOWLEDGED] == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('role = "regulator"', 'role = "inspector"'),
         r"\[\[rung\]\] number 4 role is 'inspector'"),
        (("days = 10", "days = 0"), r"\[\[rung\]\] number 4 days is 0; expected a whole number"),
        (("days = 10", 'days = "ten"'), r"\[\[rung\]\] number 4 days is 'ten'"),
        (("days = 10", "days = 10\nhours = 3"), r"\[\[rung\]\] number 4 has unknown key 'hours'"),
        (('starts_at = "executive_safety_champion"', 'starts_at = "board_member"'),
         r"\[red\] starts_at is board_member, which is not on the ladder"),
        (("acknowledged = 2\n", 'level = "red"\nacknowledged = 2\n'),
         r"the first \[\[deadlines\]\] entry must be the default"),
        (("acknowledged = 2\n", "acknowledged = 2\nclosed = 40\n"),
         r"\[\[deadlines\]\] number 1 has unknown key 'closed'"),
        (("under_review = 8", "under_review = [8"), "is not valid TOML"),
    ],
)  # fmt: skip
def test_a_wrong_rules_file_is_refused_naming_the_entry(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in SHIPPED
    path = tmp_path / "rules.toml"
    path.write_text(SHIPPED.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RulesError, match=message) as error:
        load_rules(path)
    assert str(path) in error.value.message


def test_an_unreadable_rules_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match=r"cannot read the rules file .*missing\.toml") as error:
        load_rules(tmp_path / "missing.toml")
    assert error.value.hint == "CARESIGNAL_WORKFLOW_RULES must name a readable TOML file"
