"""What the board pack tests share: the small synthetic dataset scanned, its findings merged
into a store in October 2026, a review and an action plan for one red signal, and a board
meeting that was shown it (imported by name: pytest puts this directory on the path)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.domain import Role
from caresignal.domain.actions import RecommendationSource
from caresignal.domain.episodes import EpisodeState
from caresignal.monitor.catalogue import load_catalogue
from caresignal.monitor.scan import ScanResult, scan, write_findings
from caresignal.store import make_engine, session_factory, upgrade
from caresignal.store.service import add_user, grant_role, sync_organisations
from caresignal.workflow import actions, board, service

#: The scan sees the data to the end of 2025; the store's history starts in October 2026.
AS_OF = date(2025, 12, 31)
MERGED = FixedClock(datetime(2026, 10, 6, 9, 0, tzinfo=UTC))
MEETING = date(2026, 10, 22)
AT_MEETING = FixedClock(datetime(2026, 10, 22, 16, 0, tzinfo=UTC))
#: The signal presented is acknowledged on 10 November.
ACKNOWLEDGED = FixedClock(datetime(2026, 11, 10, 11, 0, tzinfo=UTC))
#: "Today" when the packs are made: Monday 23 November 2026.
TODAY = FixedClock(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
DECISION = "noted; the division to report back in December"


@dataclass(frozen=True)
class Store:
    """The store, the data directory, the trust with the most red signals and its signals."""

    sessions: sessionmaker[Session]
    data: Path
    trust: str
    trust_name: str
    presented: int
    action: str


def trust_of(data: Path, unit: str) -> tuple[str, str]:
    """The code and name of the trust above ``unit``."""
    organisations = Dataset(data).table("organisations").collect()
    code = unit
    while True:
        row = organisations.filter(pl.col("code") == code).row(0, named=True)
        if row["parent_code"] is None:
            return code, row["name"]
        code = row["parent_code"]


def build(data: Path, database_url: str) -> Store:
    """Scan ``data``, merge the findings in October 2026, present the trust's first red signal
    at a meeting on 22 October, plan one action (due 30 October, never done) for it, and
    acknowledge it on 10 November. The store is the data directory's own."""
    result: ScanResult = scan(Dataset(data), load_catalogue(), as_of=AS_OF, clock=MERGED)
    write_findings(result, data)
    engine = make_engine(database_url)
    upgrade(engine)
    sessions = session_factory(engine)
    sync_organisations(sessions, Dataset(data), actor="setup", clock=MERGED, reason="test")
    service.merge_findings(sessions, result, actor="scan", clock=MERGED)
    red = next(f for f in result.findings if f.level == "red" and f.direction == "concern")
    trust, name = trust_of(data, red.unit)
    for user, role in (("member", Role.BOARD_MEMBER), ("champion", Role.EXECUTIVE_SAFETY_CHAMPION)):
        add_user(sessions, user, f"{user}@nhs.net", actor="setup", clock=MERGED, reason="")
        grant_role(sessions, user, role, trust, actor="setup", clock=MERGED, reason="test")
    presented = _episode_of(sessions, red.unit, red.indicator)
    meeting = board.add_meeting(sessions, trust, MEETING, "Board meeting in public",
                                actor="member", clock=AT_MEETING)  # fmt: skip
    board.present(sessions, meeting.id, "signal_episode", presented, DECISION,
                  actor="member", clock=AT_MEETING)  # fmt: skip
    made = actions.add_recommendation(
        sessions, red.unit, "SR-2026-01", RecommendationSource.SIGNAL_REVIEW,
        "Review every case since the change began", received_on=MEETING,
        episode_id=presented, actor="champion", clock=AT_MEETING,
    )  # fmt: skip
    action = "Case-note review of each case by two consultants"
    actions.add_action(sessions, made.id, action, "champion", date(2026, 10, 30),
                       actor="champion", clock=AT_MEETING)  # fmt: skip
    service.transition(sessions, presented, EpisodeState.ACKNOWLEDGED, actor="champion",
                       clock=ACKNOWLEDGED, reason="seen by the champion")  # fmt: skip
    return Store(sessions, data, trust, name, presented, action)


def _episode_of(sessions: sessionmaker[Session], unit: str, indicator: str) -> int:
    from caresignal.store import episodes as episode_repo

    with sessions() as session:
        (found,) = [
            e.id
            for e in episode_repo.episodes(session, units=[unit])
            if e.indicator == indicator and e.direction == "concern"
        ]
        return found
