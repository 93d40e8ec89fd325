"""Signal episodes on SQLite and PostgreSQL: merging findings, deadlines, moves and closing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from episode_helpers import UNIT, finding
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.domain import Role
from caresignal.domain.episodes import EpisodeState
from caresignal.monitor.scan import ScanResult
from caresignal.store import audit, transaction
from caresignal.store.episodes import StaleEpisodeError, save_episode
from caresignal.store.service import UnknownError
from caresignal.workflow import service
from caresignal.workflow.service import NotAllowedError
from caresignal.workflow.signals import TransitionError

S = EpisodeState
MakeScan = Callable[..., ScanResult]
OCT, NOV = date(2026, 10, 5), date(2026, 11, 2)


def _audit(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return [entry.action for entry in audit.entries(session, entity="signal_episode")]


def _open_one(sessions: sessionmaker[Session], clock: FixedClock, scan: MakeScan) -> int:
    merged = service.merge_findings(sessions, scan(NOV, finding(OCT)), actor="scan", clock=clock)
    return merged.opened[0]


def test_merge_opens_one_episode_per_problem_and_is_idempotent(
    people: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan
) -> None:
    result = scan_result(
        NOV,
        finding(OCT),
        finding(NOV, method="funnel"),
        finding(OCT, unit="RYY01-MAT"),
        finding(OCT, direction="improvement", indicator="pph"),
    )
    first = service.merge_findings(people, result, actor="scan", clock=clock)
    assert (len(first.opened), first.extended, first.reopened, first.improvements) == (2, (), (), 1)
    before = service.list_episodes(people)
    again = service.merge_findings(people, result, actor="scan", clock=clock)
    assert (again.opened, again.extended, again.reopened) == ((), (), ())
    assert service.list_episodes(people) == before
    assert _audit(people) == ["signal.open", "signal.open"]
    detail = service.get_episode(people, first.opened[1])  # RYY01-MAT sorts first
    assert [f.method for f in detail.findings] == ["bernoulli_cusum", "funnel"]
    episode = detail.episode
    assert (episode.unit, episode.state, episode.first_finding, episode.last_finding) == (
        UNIT, S.OPEN, OCT, NOV,
    )  # fmt: skip
    # Opened on Monday 23 November 2026 (the clock): acknowledge within 2 working days.
    assert (episode.owner_role, episode.deadline) == (Role.UNIT_LEAD, date(2026, 11, 25))


def test_two_charts_crossing_on_the_same_day_are_two_findings_of_one_episode(
    people: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan
) -> None:
    # An indicator's risk-adjusted and unadjusted CUSUMs are both Bernoulli CUSUMs and may cross
    # red on the same day: two findings, one problem.
    adjusted = finding(OCT, level="red", chart="risk-adjusted Bernoulli CUSUM")
    crude = finding(OCT, level="red", chart="unadjusted Bernoulli CUSUM")
    merged = service.merge_findings(
        people, scan_result(NOV, adjusted, crude), actor="scan", clock=clock
    )
    (opened,) = merged.opened
    charts = [f.chart for f in service.get_episode(people, opened).findings]
    assert sorted(charts) == ["risk-adjusted Bernoulli CUSUM", "unadjusted Bernoulli CUSUM"]
    again = service.merge_findings(
        people, scan_result(NOV, adjusted, crude), actor="scan", clock=clock
    )
    assert (again.opened, again.extended, again.reopened) == ((), (), ())


def test_a_new_finding_extends_the_episode_and_red_goes_to_the_executive(
    people: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan
) -> None:
    episode_id = _open_one(people, clock, scan_result)
    later = scan_result(date(2026, 11, 20), finding(OCT), finding(NOV, level="red"))
    merged = service.merge_findings(people, later, actor="scan", clock=clock)
    assert (merged.opened, merged.extended) == ((), (episode_id,))
    episode = service.get_episode(people, episode_id).episode
    assert (episode.level, episode.last_finding, episode.version) == ("red", NOV, 2)
    assert episode.owner_role is Role.EXECUTIVE_SAFETY_CHAMPION
    assert _audit(people) == ["signal.open", "signal.extend"]


def test_moves_follow_the_rules_with_their_owners_and_deadlines(
    people: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan
) -> None:
    episode_id = _open_one(people, clock, scan_result)
    with pytest.raises(TransitionError, match="cannot move to monitoring"):
        service.transition(people, episode_id, S.MONITORING, actor="lead", clock=clock, reason="x")
    acknowledged = service.acknowledge(people, episode_id, actor="lead", clock=clock)
    # The critical safety check is due 8 working days after opening (MOSS).
    assert (acknowledged.state, acknowledged.deadline) == (S.ACKNOWLEDGED, date(2026, 12, 3))
    review = service.transition(
        people, episode_id, S.UNDER_REVIEW, actor="lead", clock=clock, reason="check begun"
    )
    assert (review.owner_role, review.deadline) == (Role.DIVISIONAL_DIRECTOR, date(2026, 12, 21))
    with pytest.raises(TransitionError, match="closed only with a rationale"):
        service.transition(people, episode_id, S.CLOSED, actor="director", clock=clock, reason="x")
    history = service.get_episode(people, episode_id).events
    assert [(e.action, e.to_state) for e in history] == [
        ("open", S.OPEN), ("acknowledge", S.ACKNOWLEDGED), ("transition", S.UNDER_REVIEW),
    ]  # fmt: skip


def test_someone_without_an_acting_role_is_refused_and_nothing_is_written(
    people: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan
) -> None:
    episode_id = _open_one(people, clock, scan_result)
    with pytest.raises(NotAllowedError, match="analyst may not move it on"):
        service.acknowledge(people, episode_id, actor="analyst", clock=clock)
    with pytest.raises(UnknownError, match="no user called 'nobody'"):
        service.acknowledge(people, episode_id, actor="nobody", clock=clock)
    assert service.get_episode(people, episode_id).episode.state is S.OPEN
    assert _audit(people) == ["signal.open"]


def _to_review(people: sessionmaker[Session], clock: FixedClock, episode_id: int) -> None:
    service.acknowledge(people, episode_id, actor="lead", clock=clock)
    service.transition(people, episode_id, S.UNDER_REVIEW, actor="lead", clock=clock, reason="r")


def test_closing_needs_authority_a_rationale_and_evidence(
    people: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan
) -> None:
    episode_id = _open_one(people, clock, scan_result)
    close = {"clock": clock, "reason": "reviewed: no care problem", "evidence": ["review 1"]}
    with pytest.raises(TransitionError, match="open episode cannot be closed"):
        service.close(people, episode_id, actor="director", **close)  # type: ignore[arg-type]
    _to_review(people, clock, episode_id)
    with pytest.raises(TransitionError, match="written rationale"):
        service.close(people, episode_id, actor="director", clock=clock, reason=" ", evidence=["r"])
    with pytest.raises(TransitionError, match="needs evidence"):
        service.close(people, episode_id, actor="director", clock=clock, reason="ok", evidence=[])
    with pytest.raises(NotAllowedError, match="lead may not close it"):
        service.close(people, episode_id, actor="lead", **close)  # type: ignore[arg-type]
    closed = service.close(people, episode_id, actor="director", **close)  # type: ignore[arg-type]
    assert (closed.state, closed.times_closed, closed.owner_role, closed.deadline) == (
        S.CLOSED, 1, None, None,
    )  # fmt: skip
    assert service.get_episode(people, episode_id).events[-1].evidence == ("review 1",)


def test_a_red_episode_is_closed_only_at_the_executive_level(
    people: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan
) -> None:
    merged = service.merge_findings(
        people, scan_result(NOV, finding(OCT, level="red")), actor="scan", clock=clock
    )
    episode_id = merged.opened[0]
    _to_review(people, clock, episode_id)
    with pytest.raises(NotAllowedError, match="director may not close it"):
        service.close(people, episode_id, actor="director", clock=clock, reason="r", evidence=["e"])
    closed = service.close(
        people, episode_id, actor="champion", clock=clock, reason="r", evidence=["e"]
    )
    assert closed.state is S.CLOSED


def test_a_closed_episode_reopens_only_for_a_new_finding_after_closing(
    people: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan
) -> None:
    episode_id = _open_one(people, clock, scan_result)
    _to_review(people, clock, episode_id)
    service.close(people, episode_id, actor="director", clock=clock, reason="r", evidence=["e"])
    # The same scan again, and an older finding found late, do not reopen it.
    service.merge_findings(people, scan_result(NOV, finding(OCT)), actor="scan", clock=clock)
    older = scan_result(NOV, finding(date(2026, 11, 10), method="funnel"))
    assert service.merge_findings(people, older, actor="scan", clock=clock).extended == (
        episode_id,
    )
    assert service.get_episode(people, episode_id).episode.state is S.CLOSED
    # A finding that first crossed after the day it was closed (23 November) reopens it.
    newer = scan_result(date(2026, 12, 31), finding(date(2026, 12, 14)))
    merged = service.merge_findings(people, newer, actor="scan", clock=clock)
    assert merged.reopened == (episode_id,)
    episode = service.get_episode(people, episode_id).episode
    assert (episode.state, episode.times_closed, episode.closed_on) == (S.OPEN, 1, None)
    assert episode.deadline == date(2026, 11, 25)
    assert [e.id for e in service.list_episodes(people, S.OPEN)] == [episode_id]


def test_a_stale_change_is_refused(
    people: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan
) -> None:
    episode_id = _open_one(people, clock, scan_result)
    read = service.get_episode(people, episode_id).episode
    service.acknowledge(people, episode_id, actor="lead", clock=clock, expected_version=1)
    with pytest.raises(StaleEpisodeError, match="changed by someone else"):
        service.transition(
            people, episode_id, S.UNDER_REVIEW, actor="lead", clock=clock, reason="r",
            expected_version=read.version,
        )  # fmt: skip
    with (
        pytest.raises(StaleEpisodeError, match="changed by someone else"),
        transaction(people) as session,
    ):
        save_episode(session, read)
    assert service.get_episode(people, episode_id).episode.version == 2


def test_an_unknown_episode_is_refused(people: sessionmaker[Session]) -> None:
    with pytest.raises(UnknownError, match="no signal episode 99"):
        service.get_episode(people, 99)
