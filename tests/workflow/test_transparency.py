"""What the public transparency page is built from: each trust's signals as published (levels,
states, days open, counts of what was done, how each closed one ended) and never more
(SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from episode_helpers import UNIT, finding
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.domain.actions import RecommendationSource
from caresignal.domain.episodes import EpisodeState
from caresignal.monitor.scan import ScanResult
from caresignal.store.service import UnknownError
from caresignal.workflow import actions, service, transparency

S = EpisodeState
LATER = FixedClock(datetime(2026, 12, 10, 12, 0, tzinfo=UTC))
TODAY = date(2026, 12, 21)


@pytest.fixture
def store(
    people: sessionmaker[Session], clock: FixedClock, scan_result: Callable[..., ScanResult]
) -> sessionmaker[Session]:
    """Three signals at the unit: #1 (red) still open, #2 closed after review without an action
    plan, #3 closed with an action plan whose recommendation was closed with its action
    unfinished and past its due date."""
    found = scan_result(
        date(2026, 11, 2),
        finding(date(2026, 10, 5), indicator="term_stillbirth"),
        finding(date(2026, 10, 5), indicator="term_hie"),
        finding(date(2026, 10, 5), indicator="pph", level="red"),
    )
    service.merge_findings(people, found, actor="scan", clock=clock)
    for number, states in ((2, [S.UNDER_REVIEW]), (3, [S.UNDER_REVIEW, S.ACTION_PLANNED])):
        service.acknowledge(people, number, actor="lead", clock=clock)
        for state in states:
            service.transition(people, number, state, actor="director", clock=clock, reason="r")
    made = actions.add_recommendation(
        people, UNIT, "R-1", RecommendationSource.SIGNAL_REVIEW, "Title", received_on=date(
            2026, 11, 23), episode_id=3, actor="director", clock=clock,
    )  # fmt: skip
    actions.add_action(people, made.id, "Do it", "lead", date(2026, 12, 1), actor="director",
                       clock=clock)  # fmt: skip
    actions.close_recommendation(people, made.id, reason="enough", actor="champion", clock=LATER)
    service.close(people, 2, actor="director", clock=LATER, reason="why", evidence=["e"])
    service.close(people, 3, actor="champion", clock=LATER, reason="why", evidence=["e"])
    return people


def test_a_trust_report_publishes_levels_days_and_outcomes(store: sessionmaker[Session]) -> None:
    report = transparency.trust_report(store, "RZZ", TODAY, {"term_hie": "Term brain injury"})
    (still_open,) = report.open
    assert (still_open.episode.id, still_open.indicator_title) == (1, "pph")
    assert still_open.days_open == (TODAY - still_open.episode.opened_on).days
    assert still_open.outcome() is None
    assert [s.episode.id for s in report.closed] == [3, 2]
    three, two = report.closed
    assert two.indicator_title == "Term brain injury"
    assert two.outcome() == "closed after review, without an action plan"
    assert three.outcome() == "closed with an action plan in place"
    assert three.days_open == (date(2026, 12, 10) - three.episode.opened_on).days
    # the action is past its due date, but its recommendation was closed: not overdue
    assert three.actions == transparency.ActionCounts(1, 1, 1, 0, 0, 0, 0)
    assert two.actions == transparency.ActionCounts(0, 0, 0, 0, 0, 0, 0)
    assert report.by_indicator() == [
        {"indicator": "pph", "indicator_title": "pph", "red": 1, "amber": 0, "open": 1},
    ]  # fmt: skip


def test_what_is_published_names_nobody_and_quotes_nothing(store: sessionmaker[Session]) -> None:
    data = transparency.trust_report(store, "RZZ", TODAY, {}).to_dict()
    text = repr(data)
    for word in ("lead", "director", "champion", "why", "enough", "Title", "Do it", "R-1"):
        assert f"'{word}'" not in text, word
    assert "nhs.net" not in text
    closed = data["closed"][0]
    assert [(s["step"], s["state"]) for s in closed["steps"]] == [
        ("open", "open"), ("acknowledge", "acknowledged"), ("transition", "under_review"),
        ("transition", "action_planned"), ("close", "closed"),
    ]  # fmt: skip


def test_the_list_of_trusts_and_an_unknown_trust(store: sessionmaker[Session]) -> None:
    assert transparency.public_trusts(store) == [
        {"code": "RZZ", "name": "Org RZZ", "region": "South East", "open": 1, "red": 1}
    ]
    for code in ("RYY", "RZZ01", UNIT):
        with pytest.raises(UnknownError, match=f"there is no trust with code '{code}'"):
            transparency.trust_report(store, code, TODAY, {})
