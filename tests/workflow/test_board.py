"""The board ledger on SQLite and PostgreSQL: meetings, presentations and decisions, each
problem's history at the board in one sentence, and the agenda of what should go there."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from episode_helpers import finding
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.domain import Organisation, Role
from caresignal.domain.episodes import EpisodeState
from caresignal.errors import CaresignalError
from caresignal.monitor.scan import ScanResult
from caresignal.store import audit, repo, transaction
from caresignal.store.service import ConflictError, UnknownError, add_user, grant_role
from caresignal.workflow import board, service
from caresignal.workflow.access import NotAllowedError
from caresignal.workflow.escalation import escalate

MakeScan = Callable[..., ScanResult]
S = EpisodeState


@pytest.fixture
def ledger(people: sessionmaker[Session], clock: FixedClock) -> sessionmaker[Session]:
    """``people`` with a board member of RZZ and a second trust, RYY, with its own member."""
    with transaction(people) as session:
        repo.put_organisation(
            session, Organisation("RYY", "Other trust", "trust", None, None, None, "North")
        )
    for name, scope in (("member", "RZZ"), ("other", "RYY")):
        add_user(people, name, f"{name}@nhs.net", actor="admin", clock=clock, reason="test")
        grant_role(people, name, Role.BOARD_MEMBER, scope, actor="admin", clock=clock, reason="t")
    return people


def _open(sessions: sessionmaker[Session], clock: FixedClock, scan: MakeScan, level: str) -> int:
    result = scan(date(2026, 11, 2), finding(date(2026, 10, 5), level=level))
    return service.merge_findings(sessions, result, actor="scan", clock=clock).opened[0]


def test_a_signal_presented_three_times_without_a_plan_says_so(
    ledger: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan
) -> None:
    episode_id = _open(ledger, clock, scan_result, "red")
    assert (
        board.board_history(ledger, "signal_episode", episode_id, actor=None).sentence
        == "never presented to the board; not acknowledged and no action plan yet"
    )
    for held_on, decision in (
        (date(2021, 3, 4), "noted"),
        (date(2021, 9, 2), "noted; assurance from the division expected"),
        (date(2022, 1, 13), "noted"),
    ):
        meeting = board.add_meeting(
            ledger, "RZZ", held_on, "Public board", actor="member", clock=clock
        )
        item = board.present(
            ledger,
            meeting.id,
            "signal_episode",
            episode_id,
            decision,
            actor="champion",
            clock=clock,
        )
        assert item.summary.startswith(
            f"signal #{episode_id} at RZZ01-MAT, term stillbirth, red: open"
        )
    history = board.board_history(ledger, "signal_episode", episode_id, actor="member")
    assert history.sentence == (
        "presented to the board 3 times since March 2021; not acknowledged and no action plan yet"
    )
    assert [item.decision for item in history.items] == [
        "noted", "noted; assurance from the division expected", "noted",
    ]  # fmt: skip
    service.acknowledge(ledger, episode_id, actor="champion", clock=clock)
    service.transition(
        ledger, episode_id, S.UNDER_REVIEW, actor="champion", clock=clock, reason="r"
    )
    service.transition(
        ledger, episode_id, S.ACTION_PLANNED, actor="champion", clock=clock, reason="p"
    )
    later = board.board_history(ledger, "signal_episode", episode_id, actor=None)
    assert later.sentence.endswith("since March 2021; an action plan is in place")
    # What the board was shown stays as it was then.
    assert later.items[0].summary == history.items[0].summary
    with ledger() as session:
        actions = [entry.action for entry in audit.entries(session)]
        assert actions.count("board.present") == 3
        assert audit.verify(session) is None


def test_only_the_board_level_records_and_other_trusts_see_nothing(
    ledger: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan
) -> None:
    episode_id = _open(ledger, clock, scan_result, "amber")
    with pytest.raises(NotAllowedError, match="lead may not record board meetings"):
        board.add_meeting(ledger, "RZZ", date(2026, 12, 3), "Board", actor="lead", clock=clock)
    with pytest.raises(NotAllowedError):
        board.add_meeting(ledger, "RZZ", date(2026, 12, 3), "Board", actor="other", clock=clock)
    with pytest.raises(UnknownError, match="there is no trust with code 'RZZ01'"):
        board.add_meeting(ledger, "RZZ01", date(2026, 12, 3), "Board", actor="member", clock=clock)
    theirs = board.add_meeting(
        ledger, "RYY", date(2026, 12, 3), "Board", actor="other", clock=clock
    )
    with pytest.raises(UnknownError, match="there is no signal episode 1 in RYY"):
        board.present(
            ledger, theirs.id, "signal_episode", episode_id, "noted", actor="other", clock=clock
        )
    with pytest.raises(UnknownError, match="there is no board meeting"):
        board.get_meeting(ledger, theirs.id, actor="member")
    with pytest.raises(UnknownError, match="there is no signal episode"):
        board.board_history(ledger, "signal_episode", episode_id, actor="other")
    ours = board.add_meeting(ledger, "RZZ", date(2026, 12, 3), "Board", actor="member", clock=clock)
    with pytest.raises(ConflictError, match="already has a meeting"):
        board.add_meeting(ledger, "RZZ", date(2026, 12, 3), "Board", actor="member", clock=clock)
    board.present(
        ledger, ours.id, "signal_episode", episode_id, "noted", actor="member", clock=clock
    )
    with pytest.raises(ConflictError, match="already recorded"):
        board.present(
            ledger, ours.id, "signal_episode", episode_id, "again", actor="member", clock=clock
        )
    with pytest.raises(CaresignalError, match="needs the decision"):
        board.present(
            ledger, ours.id, "signal_episode", episode_id, " ", actor="member", clock=clock
        )
    assert [i.decision for i in board.get_meeting(ledger, ours.id, actor="member")[1]] == ["noted"]


def test_the_agenda_holds_red_and_escalated_signals_most_overdue_first(
    ledger: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan
) -> None:
    amber = _open(ledger, clock, scan_result, "amber")
    assert board.agenda(ledger, "RZZ", date(2026, 11, 24), actor=None) == []
    red = service.merge_findings(
        ledger,
        scan_result(date(2026, 11, 2), finding(date(2026, 10, 5), level="red", indicator="hie")),
        actor="scan",
        clock=clock,
    ).opened[0]
    assert [
        item.entity_id for item in board.agenda(ledger, "RZZ", date(2026, 11, 24), actor=None)
    ] == [red]
    # Ignored for a fortnight, the amber signal climbs past the director to the executive.
    escalate(ledger, date(2026, 12, 7), actor="clock", clock=clock)
    items = board.agenda(ledger, "RZZ", date(2026, 12, 7), actor="member")
    assert [(item.entity_id, item.why) for item in items] == [
        (amber, "escalated to the board"),  # at the executive's rung, due 9 December
        (red, "a red signal"),  # climbed to the regulator, also due 9 December
    ]
    assert board.agenda(ledger, "RYY", date(2026, 12, 7), actor="other") == []
    with pytest.raises(UnknownError):
        board.agenda(ledger, "RZZ", date(2026, 12, 7), actor="other")
