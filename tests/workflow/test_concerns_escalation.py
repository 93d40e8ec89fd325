"""Overdue concerns climb the escalation ladder, each kind of lateness named, idempotently, and
reach the board's agenda without their words (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

from concern_helpers import on, raise_concern
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.store import audit
from caresignal.workflow import concerns_handling as handling
from caresignal.workflow.escalation import escalate
from caresignal.workflow.outbox import list_notifications


def _reasons(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return [e.reason for e in audit.entries(session, entity="concern")
                if e.action == "concern.escalate"]  # fmt: skip


def test_a_concern_not_acknowledged_in_time_climbs(
    people: sessionmaker[Session], clock: FixedClock
) -> None:
    concern = raise_concern(people, date(2026, 11, 2)).concern  # due Thursday 5 November
    assert escalate(people, date(2026, 11, 5), actor="clock", clock=clock).climbed == ()
    result = escalate(people, date(2026, 11, 6), actor="clock", clock=clock)
    assert [(e.entity, e.entity_id, e.from_role, e.to_role, e.missed, e.deadline)
            for e in result.climbed] == [
        ("concern", concern.id, "its handlers", "divisional_director", date(2026, 11, 5),
         date(2026, 11, 12)),
    ]  # fmt: skip
    assert _reasons(people) == [
        "not acknowledged within 3 working days (due 2026-11-05): escalated from its handlers "
        "to divisional_director, due 2026-11-12"
    ]
    told = list_notifications(people, entity="concern", entity_id=str(concern.id))
    assert [m.recipient for m in told][-1] == "director"
    assert concern.text not in told[-1].body
    assert concern.reference in told[-1].subject
    again = escalate(people, date(2026, 11, 6), actor="clock", clock=clock)
    assert again.climbed == ()
    assert len(_reasons(people)) == 1
    # Ignored for weeks it climbs to the top, as far as running the clock daily would take it.
    late = escalate(people, date(2027, 1, 29), actor="clock", clock=clock)
    assert [e.to_role for e in late.climbed] == ["regulator"]
    assert escalate(people, date(2027, 2, 1), actor="clock", clock=clock).overdue_at_top == (
        ("concern", concern.id),
    )
    # Acknowledged late, it keeps its rung and its next deadline is the response.
    acked = handling.acknowledge(people, concern.id, actor="analyst", clock=on(date(2027, 2, 1)))
    assert (acked.rung, acked.deadline) == (3, acked.response_due)


def test_no_final_response_by_the_agreed_date_climbs(
    people: sessionmaker[Session], clock: FixedClock
) -> None:
    concern = raise_concern(people, date(2026, 11, 2)).concern
    day = on(date(2026, 11, 3))
    handling.acknowledge(people, concern.id, actor="analyst", clock=day)
    handling.agree_response_date(people, concern.id, date(2026, 11, 20), actor="lead", clock=day)
    assert escalate(people, date(2026, 11, 20), actor="clock", clock=clock).climbed == ()
    result = escalate(people, date(2026, 11, 23), actor="clock", clock=clock)
    assert [(e.missed, e.to_role) for e in result.climbed] == [
        (date(2026, 11, 20), "divisional_director")
    ]
    assert _reasons(people)[0].startswith("no final response by the agreed date (due 2026-11-20)")


def test_no_explanation_at_six_months_climbs(
    people: sessionmaker[Session], clock: FixedClock
) -> None:
    concern = raise_concern(people, date(2026, 11, 2)).concern
    day = on(date(2026, 11, 3))
    handling.acknowledge(people, concern.id, actor="analyst", clock=day)
    handling.agree_response_date(people, concern.id, date(2027, 7, 1), actor="lead", clock=day)
    assert escalate(people, date(2027, 5, 2), actor="clock", clock=clock).climbed == ()
    result = escalate(people, date(2027, 5, 3), actor="clock", clock=clock)
    assert [(e.missed, e.to_role) for e in result.climbed] == [
        (date(2027, 5, 2), "divisional_director")
    ]
    assert _reasons(people)[0].startswith(
        "no final response or written explanation within six months (due 2027-05-02)"
    )
    assert escalate(people, date(2027, 5, 3), actor="clock", clock=clock).climbed == ()


def test_responded_and_closed_concerns_do_not_climb(
    people: sessionmaker[Session], clock: FixedClock
) -> None:
    concern = raise_concern(people, date(2026, 11, 2)).concern
    day = on(date(2026, 11, 3))
    handling.acknowledge(people, concern.id, actor="analyst", clock=day)
    handling.triage(people, concern.id, category="safety", severity=handling.Severity.LOW,
                    duty_of_candour=False, actor="analyst", clock=day)  # fmt: skip
    handling.respond(people, concern.id, "Our answer.", actor="analyst", clock=day)
    assert escalate(people, date(2028, 1, 1), actor="clock", clock=clock).climbed == ()
    with people() as session:
        assert audit.verify(session) is None


def test_a_concern_escalated_to_the_board_is_on_its_agenda_without_its_words(
    people: sessionmaker[Session], clock: FixedClock
) -> None:
    from caresignal.domain import Role
    from caresignal.store.service import add_user, grant_role
    from caresignal.workflow import board

    add_user(people, "member", "m@nhs.net", actor="admin", clock=clock, reason="t")
    grant_role(people, "member", Role.BOARD_MEMBER, "RZZ", actor="admin", clock=clock, reason="t")
    concern = raise_concern(people, date(2026, 11, 2)).concern
    escalate(people, date(2026, 11, 6), actor="clock", clock=clock)
    assert board.agenda(people, "RZZ", date(2026, 11, 6), actor="member") == []
    escalate(people, date(2026, 11, 16), actor="clock", clock=clock)
    items = board.agenda(people, "RZZ", date(2026, 11, 16), actor="member")
    assert [(i.entity, i.entity_id, i.why) for i in items] == [
        ("concern", concern.id, "a concern escalated to the board, due 2026-11-19")
    ]
    assert items[0].summary.startswith(f"concern {concern.reference} RZZ01-MAT (online")
    assert items[0].history == "never presented to the board; not acknowledged"
    assert concern.text not in str(items[0].to_dict())
    meeting = board.add_meeting(people, "RZZ", date(2026, 11, 20), "Board", actor="member",
                                clock=clock)  # fmt: skip
    board.present(people, meeting.id, "concern", concern.id, "noted", actor="member", clock=clock)
    history = board.board_history(people, "concern", concern.id, actor="member")
    assert history.sentence.startswith("presented to the board once since November 2026")
