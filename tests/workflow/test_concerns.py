"""The life of a concern, its clocks, who may read it and the private link, on SQLite and
PostgreSQL (docs/concerns.md)."""

from __future__ import annotations

from datetime import date

import pytest
from concern_helpers import on, raise_concern
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.domain import Role
from caresignal.domain.concerns import ConcernState, Severity
from caresignal.store import audit
from caresignal.store.service import UnknownError, add_user, grant_role
from caresignal.store.tables import ConcernRow
from caresignal.workflow import concerns
from caresignal.workflow import concerns_handling as handling
from caresignal.workflow.concern_rules import (
    ConcernRuleError,
    acknowledge_by,
    default_response_due,
    explanation_due,
)

S = ConcernState


def test_the_whole_life_of_a_concern(people: sessionmaker[Session]) -> None:
    submitted = raise_concern(people, date(2026, 11, 2))
    concern = submitted.concern
    assert concern.reference == f"CON-2026-{concern.id:06d}"
    assert (concern.state, concern.acknowledge_by, concern.deadline) == (
        S.RECEIVED, date(2026, 11, 5), date(2026, 11, 5),
    )  # fmt: skip
    day = on(date(2026, 11, 4))
    acked = handling.acknowledge(people, concern.id, actor="analyst", clock=day, text="Thank you.")
    # 25 working days after Wednesday 4 November 2026: Wednesday 9 December.
    assert (acked.state, acked.response_due, acked.deadline) == (
        S.ACKNOWLEDGED, date(2026, 12, 9), date(2026, 12, 9),
    )  # fmt: skip
    agreed = handling.agree_response_date(
        people, concern.id, date(2026, 12, 18), actor="lead", clock=day
    )
    assert (agreed.response_due, agreed.response_agreed) == (date(2026, 12, 18), True)
    triaged = handling.triage(
        people, concern.id, category="Listening", severity=Severity.HIGH, duty_of_candour=True,
        actor="analyst", clock=day,
    )  # fmt: skip
    assert (triaged.hcat_domain, triaged.hcat_category, triaged.severity) == (
        "relationships", "listening", Severity.HIGH,
    )  # fmt: skip
    concerns.message_by_token(people, submitted.token, "She was moved to HDU.", clock=day)
    handling.reply(people, concern.id, "We are looking into it.", actor="lead", clock=day)
    responded = handling.respond(people, concern.id, "Our findings...", actor="director", clock=day)
    assert (responded.state, responded.deadline) == (S.RESPONDED, None)
    reopened = concerns.answer_by_token(people, submitted.token, False, "No.", clock=day)
    assert (reopened.state, reopened.outcome, reopened.ombudsman_offered) == (
        S.REOPENED, "not_resolved", True,
    )  # fmt: skip
    assert reopened.response_due == default_response_due(day.today())
    handling.triage(
        people, concern.id, category="safety", severity=Severity.HIGH, duty_of_candour=True,
        actor="analyst", clock=day,
    )  # fmt: skip
    handling.respond(people, concern.id, "A further response.", actor="director", clock=day)
    closed = concerns.answer_by_token(people, submitted.token, True, clock=day)
    assert (closed.state, closed.closed_on, closed.outcome) == (S.CLOSED, day.today(), "resolved")
    view = concerns.view_by_token(people, submitted.token).to_dict()
    assert [(e["from"], e["kind"]) for e in view["events"]] == [
        ("the trust", "reply"), ("you", "message"), ("the trust", "reply"),
        ("the trust", "final_response"), ("you", "not_resolved"),
        ("the trust", "final_response"), ("you", "resolved"),
    ]  # fmt: skip
    assert "ombudsman" in view["ombudsman"].lower()
    assert not {"hcat_category", "severity", "duty_of_candour", "rung"} & set(view)
    assert "lead" not in str(view["events"])
    assert "director" not in str(view["events"])
    with people() as session:
        actions = [e.action for e in audit.entries(session, entity="concern")]
        assert actions == [
            "concern.submit", "concern.acknowledge", "concern.agree_date", "concern.triage",
            "concern.message", "concern.reply", "concern.respond", "concern.not_resolved",
            "concern.triage", "concern.respond", "concern.resolved",
        ]  # fmt: skip
        assert audit.verify(session) is None


def test_moves_out_of_turn_are_refused_and_change_nothing(people: sessionmaker[Session]) -> None:
    concern = raise_concern(people).concern
    day = on(date(2026, 11, 3))
    with pytest.raises(ConcernRuleError, match="is received: it cannot take a final response"):
        handling.respond(people, concern.id, "Done.", actor="analyst", clock=day)
    with pytest.raises(ConcernRuleError, match="cannot be closed"):
        handling.close(people, concern.id, reason="no answer", actor="analyst", clock=day)
    with pytest.raises(ConcernRuleError, match="at most 10,000"):
        handling.reply(people, concern.id, "x" * 10_001, actor="analyst", clock=day)
    assert handling.get_concern(people, concern.id, actor="analyst").concern == concern


def test_acknowledgement_across_christmas_and_the_six_month_clock() -> None:
    # 2026 bank holidays in England: Friday 25 December (Christmas Day) and Monday 28 December
    # (the substitute for Boxing Day, a Saturday). Received on Thursday 24 December, the three
    # working days are Tuesday 29, Wednesday 30 and Thursday 31 December.
    assert acknowledge_by(date(2026, 12, 24)) == date(2026, 12, 31)
    # Received on a Saturday: Monday, Tuesday, Wednesday.
    assert acknowledge_by(date(2026, 11, 7)) == date(2026, 11, 11)
    # Received on Thursday 2 April 2026: Good Friday (3 April), the weekend and Easter Monday
    # (6 April) do not count, so Tuesday 7, Wednesday 8 and Thursday 9 April.
    assert acknowledge_by(date(2026, 4, 2)) == date(2026, 4, 9)
    # Six calendar months, clamped to the shorter month's last day.
    assert explanation_due(date(2026, 12, 24)) == date(2027, 6, 24)
    assert explanation_due(date(2026, 8, 31)) == date(2027, 2, 28)
    assert explanation_due(date(2027, 8, 31)) == date(2028, 2, 29)


def test_a_concern_raised_on_christmas_eve_is_due_on_new_years_eve(
    people: sessionmaker[Session],
) -> None:
    concern = raise_concern(people, date(2026, 12, 24)).concern
    assert (concern.acknowledge_by, concern.explanation_due) == (
        date(2026, 12, 31), date(2027, 6, 24),
    )  # fmt: skip


def test_only_concern_roles_in_its_organisation_read_it(
    people: sessionmaker[Session], clock: FixedClock
) -> None:
    concern = raise_concern(people).concern
    for name, role, scope in (
        ("member", Role.BOARD_MEMBER, "RZZ"),
        ("other", Role.UNIT_LEAD, "RZZ01"),
    ):
        add_user(people, name, f"{name}@nhs.net", actor="admin", clock=clock, reason="t")
        grant_role(people, name, role, scope, actor="admin", clock=clock, reason="t")
    add_user(people, "elsewhere", "e@nhs.net", actor="admin", clock=clock, reason="t")
    for reader in ("lead", "director", "champion", "analyst", "other"):
        assert handling.get_concern(people, concern.id, actor=reader).concern.id == concern.id
    for outsider in ("member", "elsewhere", "nobody"):
        with pytest.raises(UnknownError, match=f"there is no concern {concern.id}$"):
            handling.get_concern(people, concern.id, actor=outsider)
        with pytest.raises(UnknownError, match=f"there is no concern {concern.id}$"):
            handling.acknowledge(people, concern.id, actor=outsider, clock=clock)
        assert handling.list_concerns(people, actor=outsider) == []
    with pytest.raises(UnknownError, match=r"there is no concern 999$"):
        handling.get_concern(people, 999, actor="analyst")
    assert [c.id for c in handling.list_concerns(people, actor="lead")] == [concern.id]


def test_only_the_tokens_hash_is_stored_and_a_wrong_token_finds_nothing(
    people: sessionmaker[Session],
) -> None:
    submitted = raise_concern(people)
    token = submitted.token
    assert len(token) >= 40
    with people() as session:
        row = session.scalars(select(ConcernRow)).one()
        assert row.token_hash == concerns.hash_token(token) != token
        stored = [str(v) for v in row.__dict__.values()]
        assert not any(token in value for value in stored)
        assert not any(token in str(e.to_dict()) for e in audit.entries(session))
    assert concerns.view_by_token(people, token).concern.id == submitted.concern.id
    other = raise_concern(people, text="A second family's concern.")
    for wrong in (
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        "",
        "x" * 43,
        concerns.hash_token(token),
    ):
        with pytest.raises(UnknownError, match="no concern matches this link"):
            concerns.view_by_token(people, wrong)
    assert concerns.view_by_token(people, other.token).concern.text == "A second family's concern."


def test_a_six_month_explanation_is_recorded(people: sessionmaker[Session]) -> None:
    concern = raise_concern(people, date(2026, 11, 2)).concern
    day = on(date(2026, 11, 3))
    handling.acknowledge(people, concern.id, actor="analyst", clock=day)
    agreed = handling.agree_response_date(
        people, concern.id, date(2027, 6, 30), actor="analyst", clock=day
    )
    assert agreed.deadline == date(2027, 5, 2)  # six months from 2 November 2026 comes first
    explained = handling.reply(
        people, concern.id, "The investigation needs the coroner's report.", explanation=True,
        actor="analyst", clock=on(date(2027, 4, 20)),
    )  # fmt: skip
    assert (explained.explained_on, explained.deadline) == (date(2027, 4, 20), date(2027, 6, 30))
