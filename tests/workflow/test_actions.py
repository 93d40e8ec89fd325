"""Recommendations and actions: the rules, and the use cases on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from actions_helpers import DUE, RECEIVED, add_person, dump, plan, recommend
from episode_helpers import finding
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.domain import Role
from caresignal.domain.actions import (
    Action,
    ActionStatus,
    Recommendation,
    RecommendationDetail,
    RecommendationSource,
    RecommendationState,
)
from caresignal.monitor.scan import ScanResult
from caresignal.store import actions as action_repo
from caresignal.store import audit, transaction
from caresignal.store.service import UnknownError
from caresignal.workflow import action_rules, actions
from caresignal.workflow.access import NotAllowedError
from caresignal.workflow.action_rules import ActionRuleError
from caresignal.workflow.service import merge_findings

A = ActionStatus
AT = datetime(2026, 3, 1, 9, tzinfo=UTC)


# The rules.


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (A.PLANNED, A.IN_PROGRESS),
        (A.IN_PROGRESS, A.DONE),
        (A.DONE, A.VERIFIED),
        (A.DONE, A.IN_PROGRESS),
    ],
)
def test_the_allowed_moves(current: ActionStatus, target: ActionStatus) -> None:
    action_rules.check_move(current, target)


@pytest.mark.parametrize(
    ("current", "target", "hint"),
    [
        (A.PLANNED, A.DONE, "start"),
        (A.PLANNED, A.VERIFIED, "start"),
        (A.IN_PROGRESS, A.VERIFIED, "done"),
        (A.IN_PROGRESS, A.PLANNED, "done"),
        (A.VERIFIED, A.IN_PROGRESS, "finished"),
        (A.VERIFIED, A.DONE, "finished"),
        (A.DONE, A.PLANNED, "verify, reopen"),
    ],
)
def test_every_other_move_is_refused_with_the_next_step(
    current: ActionStatus, target: ActionStatus, hint: str
) -> None:
    with pytest.raises(ActionRuleError, match=f"a {current} action cannot become {target}") as e:
        action_rules.check_move(current, target)
    assert e.value.hint is not None
    assert hint in e.value.hint


def test_done_needs_evidence_and_verifying_needs_a_second_person() -> None:
    assert action_rules.check_evidence([" audit ", "", "minutes"]) == ("audit", "minutes")
    with pytest.raises(ActionRuleError, match="only with evidence"):
        action_rules.check_evidence(["  ", ""])
    action_rules.check_four_eyes("lead", "director")
    with pytest.raises(ActionRuleError, match="lead marked this action done"):
        action_rules.check_four_eyes("lead", "lead")
    assert action_rules.check_closing_reason("  done enough ") == "done enough"
    with pytest.raises(ActionRuleError, match="needs a written reason"):
        action_rules.check_closing_reason(" ")


def test_sources_and_dates_are_checked() -> None:
    assert action_rules.parse_source("Prevention of future deaths") is (
        RecommendationSource.PREVENTION_OF_FUTURE_DEATHS
    )
    with pytest.raises(ActionRuleError, match="no recommendation source called 'cqc'") as e:
        action_rules.parse_source("cqc")
    assert "independent_investigation" in (e.value.hint or "")
    action_rules.check_dates(RECEIVED, RECEIVED, RECEIVED)
    with pytest.raises(ActionRuleError, match="received in the future"):
        action_rules.check_dates(date(2026, 9, 2), RECEIVED)
    with pytest.raises(ActionRuleError, match=r"due \(2026-08-31\) before"):
        action_rules.check_dates(RECEIVED, RECEIVED, date(2026, 8, 31))


# The summary sentence (pure).


def _recommendation(state: RecommendationState = RecommendationState.OPEN) -> Recommendation:
    closed = date(2026, 3, 1) if state is RecommendationState.CLOSED else None
    return Recommendation(
        1, "RZZ", "R-1", RecommendationSource.COMPLAINT, "t", "", date(2026, 1, 5), None, state,
        closed, None, None, 1, AT, AT,
    )  # fmt: skip


def _action(status: ActionStatus, deadline: date = date(2026, 2, 27), number: int = 1) -> Action:
    return Action(
        number, 1, "RZZ", "a", "lead", deadline, status, (), None, None, None, None, 0, deadline,
        None, 1, AT, AT,
    )  # fmt: skip


def test_a_recommendation_says_how_far_it_has_got() -> None:
    statuses = [A.VERIFIED, A.VERIFIED, A.VERIFIED, A.DONE, A.PLANNED]
    late = [_action(s, number=n) for n, s in enumerate(statuses[:4])]
    late.append(_action(A.PLANNED, date(2026, 2, 28), number=9))
    open_one = RecommendationDetail(_recommendation(), tuple(late))
    as_of = date(2026, 3, 1)
    # The done action is not overdue (it waits for its verifier); the planned one is.
    assert open_one.summary(as_of) == "open: 3 of 5 actions verified, 1 overdue"
    assert open_one.summary(date(2026, 2, 28)) == "open: 3 of 5 actions verified"
    closed = RecommendationDetail(
        _recommendation(RecommendationState.CLOSED),
        tuple(_action(s) for s in (A.VERIFIED, A.VERIFIED, A.VERIFIED, A.DONE, A.IN_PROGRESS)),
    )
    assert closed.summary(as_of) == "closed on 2026-03-01 with 2 of 5 actions not verified"
    assert closed.closed_without_verification
    assert closed.overdue(as_of) == ()  # a closed recommendation's actions do not climb
    assert [a["overdue"] for a in open_one.to_dict(as_of)["actions"]] == [False] * 4 + [True]
    verified = RecommendationDetail(
        _recommendation(RecommendationState.CLOSED), (_action(A.VERIFIED),)
    )
    assert verified.summary(as_of) == "closed on 2026-03-01 with its 1 action verified"
    assert not verified.closed_without_verification
    assert RecommendationDetail(_recommendation(), ()).summary(as_of) == "open: no actions yet"


# The use cases.


def _actions_audit(sessions: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    with sessions() as session:
        return [
            (entry.action, entry.entity, entry.actor)
            for entry in audit.entries(session)
            if entry.entity in {"recommendation", "action"}
        ]


@pytest.fixture
def ward(people: sessionmaker[Session], clock: FixedClock) -> sessionmaker[Session]:
    """The ``people`` store, and a nurse who holds no role but owns actions."""
    add_person(people, clock, "nurse")
    return people


def test_an_action_is_planned_started_done_and_verified_by_a_second_person(
    ward: sessionmaker[Session], clock: FixedClock
) -> None:
    made = recommend(ward, clock)
    assert (made.state, made.version, made.organisation) == (
        RecommendationState.OPEN, 1, "RZZ01",
    )  # fmt: skip
    action = plan(ward, clock, made, owner="nurse")
    assert (action.status, action.rung, action.deadline, action.escalated_on) == (
        A.PLANNED, 0, DUE, None,
    )  # fmt: skip
    started = actions.start_action(ward, action.id, actor="nurse", clock=clock)
    with pytest.raises(ActionRuleError, match="only with evidence"):
        actions.complete_action(ward, action.id, [" "], actor="nurse", clock=clock)
    done = actions.complete_action(
        ward, action.id, ["audit of 20 notes", "minutes 2026-11-20"], actor="nurse", clock=clock
    )
    assert (done.status, done.done_by, done.done_on, done.evidence) == (
        A.DONE, "nurse", clock.today(), ("audit of 20 notes", "minutes 2026-11-20"),
    )  # fmt: skip
    verified = actions.verify_action(ward, action.id, actor="director", clock=clock)
    assert (verified.status, verified.verified_by, verified.version) == (A.VERIFIED, "director", 4)
    assert started.version == 2
    assert _actions_audit(ward) == [
        ("recommendation.add", "recommendation", "analyst"),
        ("action.add", "action", "analyst"),
        ("action.start", "action", "nurse"),
        ("action.complete", "action", "nurse"),
        ("action.verify", "action", "director"),
    ]
    with ward() as session:
        last = audit.entries(session, entity="action")[-1]
        assert last.before is not None
        assert last.after is not None
        assert (last.before["status"], last.after["status"]) == ("done", "verified")
        assert audit.verify(session) is None
    detail = actions.get_recommendation(ward, made.id)
    assert detail.summary(clock.today()) == "open: 1 of 1 action verified"


def test_the_person_who_marked_it_done_cannot_verify_it(
    ward: sessionmaker[Session], clock: FixedClock
) -> None:
    action = plan(ward, clock, recommend(ward, clock), owner="director")
    actions.start_action(ward, action.id, actor="director", clock=clock)
    actions.complete_action(ward, action.id, ["audit"], actor="director", clock=clock)
    before = dump(ward)
    with pytest.raises(ActionRuleError, match="director marked this action done"):
        actions.verify_action(ward, action.id, actor="director", clock=clock)
    with pytest.raises(NotAllowedError, match="analyst may not mark it verified"):
        actions.verify_action(ward, action.id, actor="analyst", clock=clock)
    with pytest.raises(NotAllowedError, match="lead may not mark it verified"):
        actions.verify_action(ward, action.id, actor="lead", clock=clock)
    assert dump(ward) == before
    assert actions.verify_action(ward, action.id, actor="champion", clock=clock).status is (
        A.VERIFIED
    )


def test_only_the_owner_or_an_acting_role_moves_an_action(
    ward: sessionmaker[Session], clock: FixedClock
) -> None:
    add_person(ward, clock, "porter")
    add_person(ward, clock, "elsewhere", Role.UNIT_LEAD, "RZZ01-MAT")
    made = recommend(ward, clock, organisation="RZZ")
    action = plan(ward, clock, made, owner="nurse")
    before = dump(ward)
    with pytest.raises(NotAllowedError, match="porter may not move it on"):
        actions.start_action(ward, action.id, actor="porter", clock=clock)
    # A unit lead of one unit may not act on the trust's recommendation.
    with pytest.raises(NotAllowedError, match="in RZZ or above"):
        actions.start_action(ward, action.id, actor="elsewhere", clock=clock)
    with pytest.raises(UnknownError, match="no user called 'ghost'"):
        actions.start_action(ward, action.id, actor="ghost", clock=clock)
    assert dump(ward) == before
    assert actions.start_action(ward, action.id, actor="champion", clock=clock).status is (
        A.IN_PROGRESS
    )


def test_who_may_add_recommendations_and_actions(
    ward: sessionmaker[Session], clock: FixedClock
) -> None:
    before = dump(ward)
    with pytest.raises(NotAllowedError, match="nurse may not add it"):
        actions.add_recommendation(
            ward, "RZZ", "X-1", RecommendationSource.COMPLAINT, "t", received_on=RECEIVED,
            actor="nurse", clock=clock,
        )  # fmt: skip
    with pytest.raises(UnknownError, match="no organisation with code 'RYY'"):
        actions.add_recommendation(
            ward, "RYY", "X-1", RecommendationSource.COMPLAINT, "t", received_on=RECEIVED,
            actor="analyst", clock=clock,
        )  # fmt: skip
    with pytest.raises(UnknownError, match="no signal episode 9"):
        recommend(ward, clock, episode_id=9)
    with pytest.raises(ActionRuleError, match="received in the future"):
        actions.add_recommendation(
            ward, "RZZ", "X-1", RecommendationSource.COMPLAINT, "t",
            received_on=date(2026, 11, 24), actor="analyst", clock=clock,
        )  # fmt: skip
    assert dump(ward) == before
    made = recommend(ward, clock)
    with pytest.raises(ActionRuleError, match="already has a recommendation 'CQC-2026-014'"):
        recommend(ward, clock)
    with pytest.raises(UnknownError, match="no user called 'ghost'"):
        plan(ward, clock, made, owner="ghost")
    with pytest.raises(ActionRuleError, match="before its recommendation was received"):
        plan(ward, clock, made, due_on=date(2026, 8, 1))
    with pytest.raises(UnknownError, match="no recommendation 99"):
        actions.add_action(ward, 99, "t", "lead", DUE, actor="analyst", clock=clock)
    with pytest.raises(NotAllowedError, match="nurse may not add an action"):
        actions.add_action(ward, made.id, "t", "lead", DUE, actor="nurse", clock=clock)
    assert actions.list_actions(ward) == []


def test_a_verifier_sends_a_done_action_back_with_a_reason(
    ward: sessionmaker[Session], clock: FixedClock
) -> None:
    action = plan(ward, clock, recommend(ward, clock), owner="nurse")
    actions.start_action(ward, action.id, actor="nurse", clock=clock)
    actions.complete_action(ward, action.id, ["a poster"], actor="nurse", clock=clock)
    with pytest.raises(ActionRuleError, match="reason for reopening"):
        actions.reopen_action(ward, action.id, actor="director", clock=clock, reason=" ")
    with pytest.raises(NotAllowedError, match="nurse may not"):
        actions.reopen_action(ward, action.id, actor="nurse", clock=clock, reason="mine")
    reopened = actions.reopen_action(
        ward, action.id, actor="director", clock=clock, reason="a poster is not an audit"
    )
    assert (reopened.status, reopened.done_by, reopened.done_on, reopened.evidence) == (
        A.IN_PROGRESS, None, None, ("a poster",),
    )  # fmt: skip
    with ward() as session:
        entry = audit.entries(session, entity="action")[-1]
    assert (entry.action, entry.actor, entry.reason) == (
        "action.reopen", "director", "a poster is not an audit",
    )  # fmt: skip
    done = actions.complete_action(ward, action.id, ["audit"], actor="nurse", clock=clock)
    assert done.evidence == ("audit",)


def test_closing_with_unverified_actions_is_recorded_and_shown(
    ward: sessionmaker[Session], clock: FixedClock
) -> None:
    made = recommend(ward, clock)
    first = plan(ward, clock, made, owner="nurse")
    second = plan(ward, clock, made, "Teach the new pathway", owner="nurse")
    actions.start_action(ward, first.id, actor="nurse", clock=clock)
    actions.complete_action(ward, first.id, ["audit"], actor="nurse", clock=clock)
    actions.verify_action(ward, first.id, actor="director", clock=clock)
    with pytest.raises(ActionRuleError, match="needs a written reason"):
        actions.close_recommendation(ward, made.id, actor="director", clock=clock, reason="")
    with pytest.raises(NotAllowedError, match="analyst may not close it"):
        actions.close_recommendation(ward, made.id, actor="analyst", clock=clock, reason="x")
    with pytest.raises(action_repo.StaleChangeError, match="version 3, now 1"):
        actions.close_recommendation(
            ward, made.id, actor="director", clock=clock, reason="x", expected_version=3
        )
    # Overdue before closing (due 1 November, today 23 November), not after.
    assert [a.id for a in actions.list_actions(ward, overdue_on=clock.today())] == [second.id]
    detail = actions.close_recommendation(
        ward, made.id, actor="director", clock=clock, reason="the trust accepts the risk",
        expected_version=1,
    )  # fmt: skip
    assert detail.closed_without_verification
    assert detail.summary(clock.today()) == (
        "closed on 2026-11-23 with 1 of 2 actions not verified"
    )
    assert (detail.recommendation.closed_by, detail.recommendation.closing_reason) == (
        "director", "the trust accepts the risk",
    )  # fmt: skip
    with ward() as session:
        entry = audit.entries(session, entity="recommendation")[-1]
        assert action_repo.overdue_actions(session, clock.today()) == []
    assert entry.after is not None
    assert entry.after["unverified_actions"] == [second.id]
    assert entry.after["summary"] == detail.summary(clock.today())
    assert actions.list_actions(ward, overdue_on=clock.today()) == []
    with pytest.raises(ActionRuleError, match="is closed: its actions can no longer change"):
        actions.start_action(ward, second.id, actor="nurse", clock=clock)
    with pytest.raises(ActionRuleError, match="is closed"):
        plan(ward, clock, made)
    with pytest.raises(ActionRuleError, match="already closed"):
        actions.close_recommendation(ward, made.id, actor="director", clock=clock, reason="x")
    listed = actions.list_recommendations(ward, state=RecommendationState.CLOSED)
    assert [d.summary(clock.today()) for d in listed] == [detail.summary(clock.today())]


def test_overdue_follows_the_deadline_the_ladder_sets(
    ward: sessionmaker[Session], clock: FixedClock
) -> None:
    made = recommend(ward, clock)
    late = plan(ward, clock, made, due_on=date(2026, 11, 20))
    due_today = plan(ward, clock, made, "Second", due_on=clock.today())
    done = plan(ward, clock, made, "Third", due_on=date(2026, 11, 2), owner="nurse")
    actions.start_action(ward, done.id, actor="nurse", clock=clock)
    actions.complete_action(ward, done.id, ["audit"], actor="nurse", clock=clock)
    with ward() as session:
        overdue = action_repo.overdue_actions(session, clock.today())
    assert [a.id for a in overdue] == [late.id]  # due today is not yet overdue; done is not
    assert overdue[0].organisation == "RZZ01"
    assert [a.id for a in actions.list_actions(ward, overdue_on=date(2026, 11, 24))] == [
        late.id, due_today.id,
    ]  # fmt: skip
    # The ladder escalates the late action and gives it a new deadline.
    with transaction(ward) as session:
        escalated = action_repo.save_action(
            session,
            replace(overdue[0], rung=1, deadline=date(2026, 11, 30), escalated_on=clock.today()),
        )
    assert (escalated.rung, escalated.deadline, escalated.due_on, escalated.version) == (
        1, date(2026, 11, 30), date(2026, 11, 20), 2,
    )  # fmt: skip
    with ward() as session:
        assert action_repo.overdue_actions(session, clock.today()) == []
        assert action_repo.find_action(session, late.id) == escalated


def test_a_change_based_on_an_old_read_is_refused(
    ward: sessionmaker[Session], clock: FixedClock
) -> None:
    action = plan(ward, clock, recommend(ward, clock), owner="nurse")
    actions.start_action(ward, action.id, actor="nurse", clock=clock, expected_version=1)
    with pytest.raises(action_repo.StaleChangeError, match="changed by someone else"):
        actions.complete_action(
            ward, action.id, ["audit"], actor="nurse", clock=clock, expected_version=1
        )
    # Two writers that both read version 2: the second save is refused.
    (read,) = actions.list_actions(ward)
    with transaction(ward) as session:
        action_repo.save_action(session, replace(read, title="First writer"))
    stale = pytest.raises(action_repo.StaleChangeError, match="action 1 was changed")
    with stale, transaction(ward) as session:
        action_repo.save_action(session, replace(read, title="Second writer"))
    assert actions.list_actions(ward)[0].title == "First writer"


def test_listing_by_organisation_owner_recommendation_and_episode(
    ward: sessionmaker[Session],
    clock: FixedClock,
    scan_result: Callable[..., ScanResult],
) -> None:
    result = scan_result(date(2026, 11, 2), finding(date(2026, 10, 5)))
    (episode_id,) = merge_findings(ward, result, actor="scan", clock=clock).opened
    unit = recommend(ward, clock, "REV-1", organisation="RZZ01-MAT", episode_id=episode_id)
    site = recommend(ward, clock, "REV-2", organisation="RZZ01")
    trust = recommend(ward, clock, "REV-3", organisation="RZZ")
    a = plan(ward, clock, unit, owner="nurse")
    b = plan(ward, clock, site)
    c = plan(ward, clock, trust, owner="nurse")

    def ids(**filters: str) -> list[int]:
        return [x.id for x in actions.list_actions(ward, **filters)]  # type: ignore[arg-type]

    assert ids() == [a.id, b.id, c.id]
    assert ids(owner="nurse") == [a.id, c.id]
    assert ids(organisation="RZZ01") == [a.id, b.id]  # the site and the unit below it
    assert ids(organisation="RZZ01-MAT") == [a.id]
    assert [x.id for x in actions.list_actions(ward, recommendation_id=site.id)] == [b.id]
    with pytest.raises(UnknownError, match="no organisation with code 'RYY'"):
        actions.list_actions(ward, organisation="RYY")
    found = actions.list_recommendations(ward, organisation="RZZ01")
    assert [(d.recommendation.id, [x.id for x in d.actions]) for d in found] == [
        (unit.id, [a.id]), (site.id, [b.id]),
    ]  # fmt: skip
    linked = actions.list_recommendations(ward, episode_id=episode_id)
    assert [d.recommendation.reference for d in linked] == ["REV-1"]
    with ward() as session:
        assert [x.id for x in action_repo.actions(session, episode_id=episode_id)] == [a.id]
    with pytest.raises(UnknownError, match="no recommendation 99"):
        actions.get_recommendation(ward, 99)
