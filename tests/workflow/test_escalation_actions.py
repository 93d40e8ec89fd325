"""Overdue actions climb the same ladder as signals, and actions and recommendations go before
the board, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from actions_helpers import DUE, add_person, plan, recommend
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.domain import Role
from caresignal.store import audit
from caresignal.workflow import actions, board
from caresignal.workflow.escalation import escalate
from caresignal.workflow.outbox import list_notifications

# The actions of these tests are due on Sunday 1 November 2026.


def test_an_overdue_action_climbs_from_its_owner_and_the_new_owners_are_told(
    people: sessionmaker[Session], clock: FixedClock
) -> None:
    action = plan(people, clock, recommend(people, clock))
    assert escalate(people, DUE, actor="clock", clock=clock).climbed == ()
    # Missed on 1 November: the director's 5 working days end Friday 6 November, the
    # executive's Friday 13 November.
    result = escalate(people, date(2026, 11, 10), actor="clock", clock=clock)
    assert [(e.entity, e.entity_id, e.from_role, e.to_role, e.missed, e.deadline)
            for e in result.climbed] == [
        ("action", action.id, "owner lead", "executive_safety_champion", DUE, date(2026, 11, 13))
    ]  # fmt: skip
    stored = actions.get_recommendation(people, action.recommendation_id).actions[0]
    assert (stored.rung, stored.deadline, stored.escalated_on, stored.due_on) == (
        2, date(2026, 11, 13), date(2026, 11, 7), DUE,
    )  # fmt: skip
    told = list_notifications(people, entity="action", entity_id=str(action.id))
    assert [message.recipient for message in told] == ["champion"]
    assert told[0].subject.startswith(f"caresignal: action #{action.id} (RZZ01) is overdue")
    with people() as session:
        steps = [
            e for e in audit.entries(session, entity="action") if e.action == "action.escalate"
        ]
        assert len(steps) == 2
        assert "escalated from its owner lead to divisional_director" in steps[0].reason
        assert audit.verify(session) is None
    assert escalate(people, date(2026, 11, 10), actor="clock", clock=clock).climbed == ()


def test_a_done_action_and_a_closed_recommendation_no_longer_climb(
    people: sessionmaker[Session], clock: FixedClock
) -> None:
    first = recommend(people, clock)
    done = plan(people, clock, first)
    actions.start_action(people, done.id, actor="lead", clock=clock)
    actions.complete_action(people, done.id, ["audit of 40 cases"], actor="lead", clock=clock)
    closed = recommend(people, clock, reference="PFD-2026-3")
    plan(people, clock, closed)
    actions.close_recommendation(people, closed.id, actor="director", clock=clock, reason="r")
    assert escalate(people, date(2026, 12, 31), actor="clock", clock=clock).climbed == ()


def test_the_board_sees_escalated_actions_and_recommendations_closed_unverified(
    people: sessionmaker[Session], clock: FixedClock
) -> None:
    add_person(people, clock, "member", Role.BOARD_MEMBER, "RZZ")
    late = plan(people, clock, recommend(people, clock))
    closed = recommend(people, clock, reference="PFD-2026-3")
    plan(people, clock, closed)
    actions.close_recommendation(people, closed.id, actor="director", clock=clock, reason="r")
    escalate(people, date(2026, 11, 10), actor="clock", clock=clock)
    items = board.agenda(people, "RZZ", date(2026, 11, 10), actor="member")
    assert [(item.entity, item.entity_id, item.why) for item in items] == [
        ("action", late.id, "an action escalated to the board, due 2026-11-13"),
        ("recommendation", closed.id, "closed without all its actions verified"),
    ]
    assert items[1].history == (
        "never presented to the board; closed on 2026-11-23 with 1 of 1 action not verified"
    )
    meeting = board.add_meeting(
        people, "RZZ", date(2026, 11, 12), "Board", actor="member", clock=clock
    )
    for item in items:
        board.present(
            people, meeting.id, item.entity, item.entity_id, "noted", actor="member", clock=clock
        )
    history = board.board_history(
        people, "action", late.id, actor="member", as_of=date(2026, 11, 20)
    )
    assert history.sentence == "presented to the board once since November 2026; planned, overdue"
    # A closed recommendation goes to the board once; the escalated action stays until it is done.
    later = board.agenda(people, "RZZ", date(2026, 11, 20), actor="member")
    assert [(item.entity, item.entity_id) for item in later] == [("action", late.id)]
