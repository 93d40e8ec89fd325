"""Patient-safety incidents linked to a concern: at triage and later, each change with its audit
entry (references only, never the words), refused in the order every move is (not found, stale
version, rules), and a bad reference named in the error (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from concern_helpers import on, raise_concern
from sqlalchemy.orm import Session, sessionmaker

from caresignal.domain.concerns import Concern, Severity
from caresignal.store import audit
from caresignal.store.actions import StaleChangeError
from caresignal.store.service import UnknownError
from caresignal.workflow import concerns_handling as handling
from caresignal.workflow.concern_rules import ConcernRuleError
from caresignal.workflow.concerns_incidents import (
    MAX_INCIDENTS,
    check_incident_reference,
    check_incident_references,
)

DAY = on(date(2026, 11, 4))
WORDS = "Nobody came when the alarm on my daughter's monitor kept going off."


def _acknowledged(people: sessionmaker[Session]) -> Concern:
    concern = raise_concern(people, date(2026, 11, 2), text=WORDS).concern
    return handling.acknowledge(people, concern.id, actor="analyst", clock=DAY)


def _triage(people: sessionmaker[Session], number: int, incidents: list[str] | None) -> Concern:
    return handling.triage(
        people, number, category="safety", severity=Severity.HIGH, duty_of_candour=True,
        incident_references=incidents, actor="analyst", clock=DAY,
    )  # fmt: skip


def test_incidents_are_linked_at_triage_and_later_each_change_audited(
    people: sessionmaker[Session],
) -> None:
    concern = _acknowledged(people)
    triaged = _triage(people, concern.id, [" W12345 ", "DW/2026/0042", "W12345"])
    assert triaged.incident_references == ("W12345", "DW/2026/0042")
    again = _triage(people, concern.id, None)  # not given: those linked are kept
    assert again.incident_references == ("W12345", "DW/2026/0042")
    linked = handling.link_incident(
        people, concern.id, "LFPSE-2026-001234", actor="lead", clock=DAY,
        expected_version=again.version,
    )  # fmt: skip
    assert linked.incident_references == ("W12345", "DW/2026/0042", "LFPSE-2026-001234")
    unlinked = handling.unlink_incident(people, concern.id, "W12345", actor="lead", clock=DAY)
    assert unlinked.incident_references == ("DW/2026/0042", "LFPSE-2026-001234")
    cleared = _triage(people, concern.id, [])
    assert cleared.incident_references == ()
    shown = handling.get_concern(people, concern.id, actor="analyst")
    assert shown.to_dict(DAY.today())["incident_references"] == []
    with people() as session:
        entries = audit.entries(session, entity="concern")
        assert audit.verify(session) is None
    assert [e.action for e in entries][-5:] == [
        "concern.triage", "concern.triage", "concern.link_incident", "concern.unlink_incident",
        "concern.triage",
    ]  # fmt: skip
    link = entries[-3]
    assert link.before is not None
    assert link.after is not None
    assert link.before["incident_references"] == ["W12345", "DW/2026/0042"]
    assert link.after["incident_references"] == ["W12345", "DW/2026/0042", "LFPSE-2026-001234"]
    assert link.after["incident"] == "LFPSE-2026-001234"
    assert link.reason == "incident LFPSE-2026-001234 linked"
    assert entries[-4].after is not None
    assert entries[-4].after["incident_references"] == ["W12345", "DW/2026/0042"]
    assert all(WORDS not in str(e.to_dict()) and "alarm" not in str(e.to_dict())
               for e in entries)  # fmt: skip


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("", "the incident reference is empty"),
        ("   ", "the incident reference is empty"),
        ("W 12345", "the incident reference 'W 12345' is not a reference of an incident system"),
        ("<script>", "the incident reference '<script>' is not a reference"),
        ("/W12345", "the incident reference '/W12345' is not a reference"),
        ("DW#42", "the incident reference 'DW#42' is not a reference"),
        ("É12345", "the incident reference 'É12345' is not a reference"),
        ("A" * 41, f"the incident reference '{'A' * 41}' is 41 characters long; at most 40"),
    ],
)
def test_a_bad_reference_is_refused_naming_it(given: str, message: str) -> None:
    with pytest.raises(ConcernRuleError, match="^" + message.replace("(", r"\(")) as caught:
        check_incident_reference(given)
    assert caught.value.hint is not None
    assert "letters, digits, '-' and '/'" in caught.value.hint


def test_a_reference_of_forty_characters_and_twenty_incidents_are_kept() -> None:
    assert check_incident_reference("A" * 40) == "A" * 40
    assert check_incident_reference("2026/11-W1") == "2026/11-W1"
    most = [f"W{n}" for n in range(MAX_INCIDENTS)]
    assert check_incident_references(most) == tuple(most)
    with pytest.raises(ConcernRuleError, match="21 incidents are given; a concern is linked to"):
        check_incident_references([*most, "W99"])


def test_changes_are_refused_in_order_and_change_nothing(people: sessionmaker[Session]) -> None:
    received = raise_concern(people, date(2026, 11, 2), text=WORDS).concern
    # Not found comes first, for anyone without concern access, whatever else is wrong.
    for outsider in ("nobody", "admin"):
        with pytest.raises(UnknownError, match=f"there is no concern {received.id}$"):
            handling.link_incident(people, received.id, "bad ref!", actor=outsider, clock=DAY,
                                   expected_version=99)  # fmt: skip
    with pytest.raises(UnknownError, match=r"there is no concern 999$"):
        handling.unlink_incident(people, 999, "W1", actor="analyst", clock=DAY)
    # Then the version, then the rules (its state, the reference, what is linked).
    with pytest.raises(StaleChangeError, match="version 99"):
        handling.link_incident(people, received.id, "bad ref!", actor="analyst", clock=DAY,
                               expected_version=99)  # fmt: skip
    with pytest.raises(ConcernRuleError, match="is received: it cannot have an incident linked"):
        handling.link_incident(people, received.id, "W1", actor="analyst", clock=DAY)
    concern = handling.acknowledge(people, received.id, actor="analyst", clock=DAY)
    with pytest.raises(ConcernRuleError, match="'bad ref!' is not a reference"):
        handling.link_incident(people, concern.id, "bad ref!", actor="analyst", clock=DAY)
    with pytest.raises(ConcernRuleError, match="the incident W1 is not linked to concern CON-"):
        handling.unlink_incident(people, concern.id, "W1", actor="analyst", clock=DAY)
    handling.link_incident(people, concern.id, "W1", actor="analyst", clock=DAY)
    with pytest.raises(ConcernRuleError, match="the incident W1 is already linked to concern"):
        handling.link_incident(people, concern.id, "W1", actor="analyst", clock=DAY)
    with pytest.raises(ConcernRuleError, match="'x y' is not a reference"):
        _triage(people, concern.id, ["W2", "x y"])
    kept = handling.get_concern(people, concern.id, actor="analyst").concern
    assert kept.incident_references == ("W1",)
    assert kept.hcat_category is None
