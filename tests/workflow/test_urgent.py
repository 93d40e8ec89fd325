"""Martha's Rule urgent reviews: the whole life of a call, the clock at 29 and 31 minutes,
escalation once, who may see the call-back number, and that it is gone after the outcome, on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker
from urgent_helpers import OTHER_WARD, WARD, urgent_store

from caresignal.clock import FixedClock
from caresignal.domain import AuditEntry
from caresignal.domain.urgent import Caller, CallState, Outcome, UrgentCall
from caresignal.store import audit, transaction
from caresignal.store.actions import StaleChangeError
from caresignal.store.service import UnknownError
from caresignal.store.tables import AuditRow, NotificationRow
from caresignal.workflow import urgent
from caresignal.workflow.escalation import escalate
from caresignal.workflow.outbox import list_notifications
from caresignal.workflow.rules import load_rules
from caresignal.workflow.urgent_notify import Paging

NUMBER = "07700 900123"


@pytest.fixture
def store(sessions: sessionmaker[Session], clock: FixedClock) -> sessionmaker[Session]:
    return urgent_store(sessions, clock)


def _call(
    store: sessionmaker[Session], clock: FixedClock, ward: str = WARD, **kw: object
) -> UrgentCall:
    return urgent.call(
        store, ward, Caller.FAMILY, "Bed 4, Mrs Jones", "She is breathing fast and confused",
        NUMBER, clock=clock, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def _audit(store: sessionmaker[Session]) -> list[AuditEntry]:
    with store() as session:
        return audit.entries(session, entity="urgent_review")


def _at(clock: FixedClock, minutes: int) -> FixedClock:
    return FixedClock(clock.now() + timedelta(minutes=minutes))


def test_the_whole_life_of_a_call(store: sessionmaker[Session], clock: FixedClock) -> None:
    made = _call(store, clock)
    assert made.reference == f"MR-2026-{made.id:06d}"
    assert (made.state, made.site, made.limit_minutes) == (CallState.CALLED, "RZZ01", 30)
    assert made.due_at == clock.now() + timedelta(minutes=30)
    [told] = list_notifications(store, entity="urgent_review")
    assert (told.recipient, told.channel) == ("nurse", "email")
    assert "Bed 4, Mrs Jones" in told.body
    assert NUMBER not in told.body
    begun = urgent.begin_review(store, made.id, actor="nurse", clock=_at(clock, 10))
    assert (begun.state, begun.review_begun_by) == (CallState.REVIEW_BEGUN, "nurse")
    done = urgent.record_outcome(
        store, begun.id, [Outcome.REVIEW_DONE, Outcome.FAMILY_TOLD], "seen; NEWS2 5",
        actor="nurse", clock=_at(clock, 25),
    )  # fmt: skip
    assert done.state is CallState.OUTCOME_RECORDED
    assert done.outcomes == (Outcome.REVIEW_DONE, Outcome.FAMILY_TOLD)
    assert done.callback is None
    actions = [entry.action for entry in _audit(store)]
    assert actions == ["urgent.call", "urgent.begin", "urgent.outcome"]
    with pytest.raises(urgent.UrgentRuleError):
        urgent.begin_review(store, made.id, actor="nurse", clock=clock)


def test_the_call_back_number_is_gone_from_the_store_after_the_outcome(
    store: sessionmaker[Session], clock: FixedClock
) -> None:
    made = _call(store, clock, paging=Paging(on=True, trusted=True))
    [page] = list_notifications(store, entity="urgent_review", entity_id=str(made.id))[1:]
    assert json.loads(page.body)["callback"] == NUMBER  # the trusted pager has it meanwhile
    urgent.begin_review(store, made.id, actor="senior", clock=clock)
    urgent.record_outcome(store, made.id, [Outcome.CARE_ESCALATED], "", actor="senior", clock=clock)
    with store() as session:
        stored = session.execute(text("SELECT callback FROM urgent_reviews")).scalars().all()
        bodies = session.scalars(select(NotificationRow.body)).all()
        logged = session.scalars(select(AuditRow.after)).all()
    assert stored == [None]
    assert not [body for body in [*bodies, *logged] if body and "900123" in body]


def test_an_untrusted_webhook_never_gets_the_number(
    store: sessionmaker[Session], clock: FixedClock
) -> None:
    made = _call(store, clock, paging=Paging(on=True, trusted=False))
    page = list_notifications(store, entity="urgent_review", entity_id=str(made.id))[-1]
    body = json.loads(page.body)
    assert page.channel == "webhook"
    assert "callback" not in body
    assert (body["reference"], body["bed_or_patient"], body["unit"]) == (
        made.reference, "Bed 4, Mrs Jones", WARD,
    )  # fmt: skip


def test_only_the_sites_outreach_team_and_on_call_senior_see_a_call(
    store: sessionmaker[Session], clock: FixedClock
) -> None:
    made = _call(store, clock)
    for name in ("nurse", "senior"):
        assert urgent.get_call(store, made.id, actor=name).callback == NUMBER
        assert urgent.may_see_callback(store, name, made)
        assert [c.id for c in urgent.list_calls(store, actor=name)] == [made.id]
    for name in ("elsewhere", "lead", "champion", "admin"):
        with pytest.raises(UnknownError, match=f"there is no urgent review {made.id}"):
            urgent.get_call(store, made.id, actor=name)
        with pytest.raises(UnknownError):
            urgent.begin_review(store, made.id, actor=name, clock=clock)
        assert not urgent.may_see_callback(store, name, made)
        assert urgent.list_calls(store, actor=name) == []
    other = _call(store, clock, OTHER_WARD)
    assert [c.id for c in urgent.list_calls(store, actor="elsewhere")] == [other.id]


def test_the_clock_escalates_at_31_minutes_not_29_and_only_once(
    store: sessionmaker[Session], clock: FixedClock
) -> None:
    made = _call(store, clock)
    assert urgent.run_urgent_clock(store, actor="clock", clock=_at(clock, 29)) == []
    assert urgent.get_call(store, made.id, actor="nurse").state is CallState.CALLED
    [escalated] = urgent.run_urgent_clock(store, actor="clock", clock=_at(clock, 31))
    assert (escalated.id, escalated.state) == (made.id, CallState.ESCALATED)
    assert escalated.escalated_at == _at(clock, 31).now()
    assert urgent.run_urgent_clock(store, actor="clock", clock=_at(clock, 45)) == []
    told = [n.recipient for n in list_notifications(store, entity="urgent_review")]
    assert told == ["nurse", "senior"]
    logged = [e.action for e in _audit(store) if e.action == "urgent.escalate"]
    assert logged == ["urgent.escalate"]
    begun = urgent.begin_review(store, made.id, actor="senior", clock=_at(clock, 50))
    assert begun.state is CallState.REVIEW_BEGUN  # an escalated call is still reviewed


def test_the_escalation_clock_runs_urgent_reviews_too(
    store: sessionmaker[Session], clock: FixedClock
) -> None:
    made = _call(store, clock)
    later = _at(clock, 31)
    result = escalate(store, later.today(), actor="clock", clock=later)
    assert [call.id for call in result.urgent] == [made.id]
    assert result.to_dict()["urgent_reviews_escalated"][0]["reference"] == made.reference
    assert "patient" not in result.to_dict()["urgent_reviews_escalated"][0]
    assert escalate(store, later.today(), actor="clock", clock=later).urgent == ()


def test_a_review_begun_in_time_is_never_escalated(
    store: sessionmaker[Session], clock: FixedClock
) -> None:
    made = _call(store, clock)
    urgent.begin_review(store, made.id, actor="nurse", clock=_at(clock, 29))
    assert urgent.run_urgent_clock(store, actor="clock", clock=_at(clock, 90)) == []


def test_a_site_has_its_own_limit_from_the_rules_file(
    store: sessionmaker[Session], clock: FixedClock, tmp_path: Path
) -> None:
    shipped = resources.files("caresignal.workflow").joinpath("rules.toml").read_text("utf-8")
    path = tmp_path / "rules.toml"
    path.write_text(shipped + "\n[urgent_review.sites]\nRZZ01 = 20\n")
    rules = load_rules(path)
    assert (rules.urgent_limit("RZZ01"), rules.urgent_limit("RZZ02")) == (20, 30)
    made = _call(store, clock, rules=rules)
    assert made.due_at == clock.now() + timedelta(minutes=20)
    assert [c.id for c in urgent.run_urgent_clock(store, actor="c", clock=_at(clock, 21))] == [
        made.id
    ]


def test_bad_calls_and_moves_are_refused(store: sessionmaker[Session], clock: FixedClock) -> None:
    with pytest.raises(urgent.UrgentRuleError, match="telephone"):
        urgent.call(store, WARD, Caller.STAFF, "Bed 1", "worried", "call me", clock=clock)
    with pytest.raises(urgent.UrgentRuleError, match="201 characters"):
        urgent.call(store, WARD, Caller.STAFF, "Bed 1", "x" * 201, NUMBER, clock=clock)
    with pytest.raises(UnknownError):
        urgent.call(store, "RZZ01", Caller.STAFF, "Bed 1", "worried", NUMBER, clock=clock)
    made = urgent.call(store, WARD, Caller.STAFF, "Bed 1", "line\none", NUMBER, clock=clock)
    assert made.worry == "line one"
    with pytest.raises(urgent.UrgentRuleError, match="is called"):
        urgent.record_outcome(store, made.id, [Outcome.REVIEW_DONE], "", actor="nurse", clock=clock)
    with pytest.raises(StaleChangeError):
        urgent.begin_review(store, made.id, actor="nurse", clock=clock, expected_version=99)
    with transaction(store) as session:  # nothing half-written by the refusals
        assert session.execute(text("SELECT count(*) FROM urgent_reviews")).scalar() == 1
