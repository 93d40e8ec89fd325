"""The escalation ladder on SQLite and PostgreSQL: missed deadlines climb one rung each, the
new owner is told, red signals start at the executive, and running the clock is idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from episode_helpers import UNIT, finding
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.domain import Role
from caresignal.domain.episodes import Episode, EpisodeState
from caresignal.domain.notifications import NotificationStatus
from caresignal.monitor.scan import ScanResult
from caresignal.store import audit
from caresignal.store.service import add_user, grant_role
from caresignal.workflow import service
from caresignal.workflow.escalation import climb, escalate
from caresignal.workflow.outbox import list_notifications
from caresignal.workflow.rules import DEFAULT_RULES, load_rules

S = EpisodeState
MakeScan = Callable[..., ScanResult]
OCT, NOV = date(2026, 10, 5), date(2026, 11, 2)
# The clock of these tests reads Monday 23 November 2026: an episode opened then must be
# acknowledged by Wednesday 25 November (2 working days).
ACK_DUE = date(2026, 11, 25)


def _open(sessions: sessionmaker[Session], clock: FixedClock, scan: MakeScan, **kw: str) -> int:
    merged = service.merge_findings(
        sessions, scan(NOV, finding(OCT, **kw)), actor="scan", clock=clock
    )
    return merged.opened[0]


def _episode(sessions: sessionmaker[Session], episode_id: int) -> Episode:
    return service.get_episode(sessions, episode_id).episode


def _told(sessions: sessionmaker[Session], episode_id: int) -> list[tuple[str | None, str]]:
    return [
        (message.recipient, message.subject.split(" ", 3)[-1])
        for message in list_notifications(
            sessions, entity="signal_episode", entity_id=str(episode_id)
        )
    ]


def test_climb_dates_each_rung_from_the_deadline_it_missed() -> None:
    # Director: 5 working days from Wed 25 Nov is Wed 2 Dec; executive: 5 more is Wed 9 Dec;
    # regulator: 10 more is Wed 23 Dec. Nothing is above the regulator.
    steps = climb(0, ACK_DUE, date(2027, 1, 31), DEFAULT_RULES)
    assert [(s.low, s.high, s.missed, s.on, s.deadline) for s in steps] == [
        (0, 1, ACK_DUE, date(2026, 11, 26), date(2026, 12, 2)),
        (1, 2, date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 9)),
        (2, 3, date(2026, 12, 9), date(2026, 12, 10), date(2026, 12, 23)),
    ]
    assert climb(0, ACK_DUE, ACK_DUE, DEFAULT_RULES) == []  # due today is not missed yet
    assert climb(3, ACK_DUE, date(2027, 1, 31), DEFAULT_RULES) == []  # already at the top


@settings(max_examples=60, deadline=None)
@given(
    rung=st.integers(0, 3),
    due=st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    runs=st.lists(st.integers(0, 40), min_size=1, max_size=6),
)
def test_running_the_clock_often_climbs_exactly_as_far_as_running_it_once(
    rung: int, due: date, runs: list[int]
) -> None:
    last = due + timedelta(days=sum(runs))
    once = climb(rung, due, last, DEFAULT_RULES)
    current, deadline, day = rung, due, due
    for gap in runs:
        day += timedelta(days=gap)
        steps = climb(current, deadline, day, DEFAULT_RULES)
        if steps:
            current, deadline = steps[-1].high, steps[-1].deadline
    expected = (once[-1].high, once[-1].deadline) if once else (rung, due)
    assert (current, deadline) == expected


def test_a_missed_acknowledgement_climbs_to_the_director_who_is_told(
    people: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan
) -> None:
    episode_id = _open(people, clock, scan_result)
    assert _told(people, episode_id) == [
        ("lead", f"{UNIT} term_stillbirth opened (amber; due 2026-11-25)")
    ]
    assert escalate(people, ACK_DUE, actor="clock", clock=clock).climbed == ()
    result = escalate(people, date(2026, 11, 26), actor="clock", clock=clock)
    assert [
        (e.entity_id, e.from_role, e.to_role, e.missed, e.deadline) for e in result.climbed
    ] == [(episode_id, "unit_lead", "divisional_director", ACK_DUE, date(2026, 12, 2))]
    episode = _episode(people, episode_id)
    assert (episode.state, episode.rung, episode.owner_role) == (
        S.OPEN,
        1,
        Role.DIVISIONAL_DIRECTOR,
    )
    assert (episode.deadline, episode.escalated_on) == (date(2026, 12, 2), date(2026, 11, 26))
    assert _told(people, episode_id)[-1][0] == "director"
    history = service.get_episode(people, episode_id).events
    assert history[-1].action == "escalate"
    assert "deadline of 2026-11-25 was missed" in history[-1].reason
    with people() as session:
        assert audit.entries(session, entity="signal_episode")[-1].action == "signal.escalate"
        assert audit.verify(session) is None


def test_running_the_clock_again_changes_nothing(
    people: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan
) -> None:
    episode_id = _open(people, clock, scan_result)
    escalate(people, date(2026, 12, 4), actor="clock", clock=clock)
    before = (_episode(people, episode_id), list_notifications(people))
    with people() as session:
        entries = audit.head(session)
    again = escalate(people, date(2026, 12, 4), actor="clock", clock=clock)
    assert again.climbed == ()
    assert (_episode(people, episode_id), list_notifications(people)) == before
    with people() as session:
        assert audit.head(session) == entries


def test_an_ignored_signal_climbs_to_the_regulator_and_stays_overdue_there(
    people: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan
) -> None:
    for name, role, scope in (
        ("board", Role.BOARD_MEMBER, "RZZ"),
        ("inspector", Role.REGULATOR, "South East"),
    ):
        add_user(people, name, f"{name}@example.org", actor="admin", clock=clock, reason="test")
        grant_role(people, name, role, scope, actor="admin", clock=clock, reason="test")
    episode_id = _open(people, clock, scan_result)
    result = escalate(people, date(2027, 1, 31), actor="clock", clock=clock)
    assert [(e.from_role, e.to_role) for e in result.climbed] == [("unit_lead", "regulator")]
    assert _episode(people, episode_id).owner_role is Role.REGULATOR
    assert [event.action for event in service.get_episode(people, episode_id).events] == [
        "open", "escalate", "escalate", "escalate",
    ]  # fmt: skip
    assert _told(people, episode_id)[-1][0] == "inspector"  # told once, at the rung it ended on
    later = escalate(people, date(2027, 2, 28), actor="clock", clock=clock)
    assert (later.climbed, later.overdue_at_top) == ((), (("signal_episode", episode_id),))


def test_a_red_signal_starts_with_the_executive_and_the_board_is_told(
    people: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan
) -> None:
    add_user(people, "board", "board@nhs.net", actor="admin", clock=clock, reason="test")
    grant_role(people, "board", Role.BOARD_MEMBER, "RZZ", actor="admin", clock=clock, reason="test")
    episode_id = _open(people, clock, scan_result, level="red")
    episode = _episode(people, episode_id)
    assert (episode.rung, episode.owner_role) == (2, Role.EXECUTIVE_SAFETY_CHAMPION)
    assert sorted(name for name, _ in _told(people, episode_id)) == ["board", "champion"]
    result = escalate(people, date(2026, 11, 26), actor="clock", clock=clock)
    assert [(e.from_role, e.to_role) for e in result.climbed] == [
        ("executive_safety_champion", "regulator")
    ]


def test_an_amber_episode_raised_to_red_goes_to_the_executive(
    people: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan
) -> None:
    episode_id = _open(people, clock, scan_result)
    service.merge_findings(
        people, scan_result(NOV, finding(NOV, level="red")), actor="scan", clock=clock
    )
    episode = _episode(people, episode_id)
    assert (episode.level, episode.rung, episode.owner_role, episode.deadline) == (
        "red", 2, Role.EXECUTIVE_SAFETY_CHAMPION, ACK_DUE,
    )  # fmt: skip
    assert _told(people, episode_id)[-1][0] == "champion"


def test_an_escalated_episode_stays_with_its_rung_as_it_moves_on(
    people: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan
) -> None:
    episode_id = _open(people, clock, scan_result)
    escalate(people, date(2026, 11, 26), actor="clock", clock=clock)
    acknowledged = service.acknowledge(people, episode_id, actor="director", clock=clock)
    # The director owns it (escalation never hands it back down); the critical safety check is
    # still due 8 working days after opening.
    assert (acknowledged.owner_role, acknowledged.deadline) == (
        Role.DIVISIONAL_DIRECTOR, date(2026, 12, 3),
    )  # fmt: skip
    assert escalate(people, date(2026, 12, 3), actor="clock", clock=clock).climbed == ()
    assert len(escalate(people, date(2026, 12, 4), actor="clock", clock=clock).climbed) == 1


def test_nobody_to_tell_is_kept_as_undeliverable(
    people: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan
) -> None:
    episode_id = _open(people, clock, scan_result, unit="RXX01-MAT")  # no one holds a role there
    [message] = list_notifications(people, entity="signal_episode", entity_id=str(episode_id))
    assert (message.status, message.recipient) == (NotificationStatus.UNDELIVERABLE, None)
    assert message.last_error == "nobody holds the role unit_lead in RXX01-MAT or above"


def test_deadlines_follow_the_rules_for_the_indicator_and_level(
    people: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan, tmp_path: Path
) -> None:
    rules_file = tmp_path / "rules.toml"
    shipped = (Path(service.__file__).parent / "rules.toml").read_text(encoding="utf-8")
    rules_file.write_text(
        shipped
        + '\n[[deadlines]]\nindicator = "term_stillbirth"\nacknowledged = 5\n'
        + '\n[[deadlines]]\nindicator = "term_stillbirth"\nlevel = "red"\nacknowledged = 1\n',
        encoding="utf-8",
    )
    rules = load_rules(rules_file)
    merged = service.merge_findings(
        people,
        scan_result(
            NOV,
            finding(OCT),
            finding(OCT, indicator="hie"),
            finding(OCT, unit="RYY01-MAT", level="red"),
        ),
        actor="scan",
        clock=clock,
        rules=rules,
    )
    deadlines = {
        (e.unit, e.indicator): e.deadline
        for e in service.list_episodes(people)
        if e.id in merged.opened
    }
    assert deadlines == {
        (UNIT, "term_stillbirth"): date(2026, 11, 30),  # 5 working days for this indicator
        (UNIT, "hie"): ACK_DUE,  # the default
        ("RYY01-MAT", "term_stillbirth"): date(2026, 11, 24),  # 1 for it at red
    }
