"""Reliability: sixteen people acting on the same signals at once lose no update and leave a
valid audit chain; a process killed in the middle of a use case leaves no partial change.

The concurrent run lasts a minute on PostgreSQL, as the accountability issue asks, and a few
seconds on SQLite, whose writers queue on one file lock.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from episode_helpers import finding
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.domain import Role
from caresignal.domain.episodes import EpisodeState
from caresignal.monitor.scan import ScanResult
from caresignal.store import audit, make_engine, session_factory
from caresignal.store.episodes import StaleEpisodeError
from caresignal.store.service import add_user, grant_role
from caresignal.workflow import service

S = EpisodeState
MakeScan = Callable[..., ScanResult]
WRITERS = 16
EPISODES = 6
#: The move each writer tries from each state (closing is left out: it would end the run).
NEXT = {
    S.OPEN: S.ACKNOWLEDGED,
    S.ACKNOWLEDGED: S.UNDER_REVIEW,
    S.UNDER_REVIEW: S.ACTION_PLANNED,
    S.ACTION_PLANNED: S.MONITORING,
    S.MONITORING: S.ACTION_PLANNED,
}


@dataclass
class Tally:
    """What the writers did: moves that were made and comments added per episode, conflicts
    refused, and anything unexpected."""

    moves: Counter[int] = field(default_factory=Counter)
    comments: Counter[int] = field(default_factory=Counter)
    conflicts: int = 0
    refusals: set[str] = field(default_factory=set)
    errors: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _writer(url: str, seed: int, until: float, tally: Tally, clock: FixedClock) -> None:
    engine = make_engine(url)
    sessions = session_factory(engine)
    chance = random.Random(seed)
    try:
        while time.monotonic() < until:
            episode_id = chance.randint(1, EPISODES)
            seen = service.get_episode(sessions, episode_id).episode
            try:
                if chance.random() < 0.3:
                    service.comment(
                        sessions, episode_id, f"note {seed}", actor="admin", clock=clock
                    )
                    with tally.lock:
                        tally.comments[episode_id] += 1
                    continue
                service.transition(
                    sessions,
                    episode_id,
                    NEXT[seen.state],
                    actor="admin",
                    clock=clock,
                    reason=f"writer {seed}",
                    expected_version=seen.version,
                )
                with tally.lock:
                    tally.moves[episode_id] += 1
            except StaleEpisodeError as error:
                with tally.lock:
                    tally.conflicts += 1
                    tally.refusals.add(error.message.split(" was ")[1])
    except BaseException as error:
        with tally.lock:
            tally.errors.append(error)
    finally:
        engine.dispose()


def test_sixteen_writers_lose_no_update_and_keep_the_chain(
    people: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan, database_url: str
) -> None:
    add_user(people, "admin", "admin@nhs.net", actor="setup", clock=clock, reason="test")
    grant_role(people, "admin", Role.ADMINISTRATOR, "RZZ", actor="setup", clock=clock, reason="t")
    findings = [finding(date(2026, 10, 5), indicator=f"ind{i}") for i in range(EPISODES)]
    merged = service.merge_findings(
        people, scan_result(date(2026, 11, 2), *findings), actor="scan", clock=clock
    )
    assert sorted(merged.opened) == list(range(1, EPISODES + 1))
    seconds = 60.0 if database_url.startswith("postgresql") else 5.0
    until, tally = time.monotonic() + seconds, Tally()
    threads = [
        threading.Thread(target=_writer, args=(database_url, seed, until, tally, clock))
        for seed in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    assert not any(thread.is_alive() for thread in threads)
    assert tally.errors == []
    assert sum(tally.moves.values()) > EPISODES
    assert tally.conflicts > 0
    assert {refusal.split(" since ")[0] for refusal in tally.refusals} == {
        "changed by someone else"
    }
    with people() as session:
        assert audit.verify(session) is None
        entries = audit.entries(session, entity="signal_episode")
    for episode_id in range(1, EPISODES + 1):
        detail = service.get_episode(people, episode_id)
        actions = Counter(event.action for event in detail.events)
        # Every move a writer was told succeeded is in the history and the audit log, exactly
        # once, and the version counted each of them: nothing was lost or applied twice.
        assert actions["transition"] + actions["acknowledge"] == tally.moves[episode_id]
        assert actions["comment"] == tally.comments[episode_id]
        assert detail.episode.version == 1 + tally.moves[episode_id]
        audited = Counter(e.action for e in entries if e.entity_id == str(episode_id))
        assert (
            audited["signal.transition"] + audited["signal.acknowledge"] == tally.moves[episode_id]
        )
        assert audited["signal.comment"] == tally.comments[episode_id]


#: Run in a child process: a use case whose third audit append (or first, with ``FIRST``)
#: announces itself and then hangs, so the test can kill the process mid-transaction.
CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from caresignal.clock import FixedClock
    from caresignal.store import audit, make_engine, session_factory
    from caresignal.workflow import service
    from datetime import datetime, UTC

    url, ready, which = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    original, calls = audit.append, []

    def hanging(*args, **kwargs):
        entry = original(*args, **kwargs)
        calls.append(entry)
        if len(calls) == (1 if which == "transition" else 3):
            ready.write_text("in the middle")
            time.sleep(600)
        return entry

    audit.append = hanging
    sessions = session_factory(make_engine(url))
    clock = FixedClock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    if which == "transition":
        service.acknowledge(sessions, 1, actor="lead", clock=clock)
    else:
        from caresignal.monitor.scan import Finding, ScanResult
        from datetime import date
        made = [
            Finding(unit="RZZ01-MAT", indicator=f"new{i}", title="t", method="funnel",
                    chart="funnel", level="amber", direction="concern",
                    first_crossed=date(2026, 11, 1), change_began=date(2026, 11, 1),
                    observed=1.0, expected=1.0, ratio=1.0, ratio_low=0.5, ratio_high=2.0,
                    threshold=None, false_alarm=None, signals=1, explanation="x")
            for i in range(5)
        ]
        service.merge_findings(sessions, ScanResult(date(2026, 11, 2), tuple(made), (), ()),
                               actor="scan", clock=clock)
    """
)


def _snapshot(sessions: sessionmaker[Session]) -> tuple[object, ...]:
    with sessions() as session:
        return (
            service.list_episodes(sessions),
            [service.get_episode(sessions, e.id).events for e in service.list_episodes(sessions)],
            audit.head(session),
            audit.verify(session),
        )


@pytest.mark.parametrize("which", ["transition", "merge"])
def test_a_process_killed_mid_use_case_leaves_no_partial_change(
    people: sessionmaker[Session],
    clock: FixedClock,
    scan_result: MakeScan,
    database_url: str,
    tmp_path: Path,
    which: str,
) -> None:
    service.merge_findings(
        people,
        scan_result(date(2026, 11, 2), finding(date(2026, 10, 5))),
        actor="scan",
        clock=clock,
    )
    before = _snapshot(people)
    ready = tmp_path / "ready"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, database_url, str(ready), which],
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():
            assert child.poll() is None, "the child process ended before the middle of the use case"
            assert time.monotonic() < deadline, "the child process never reached the middle"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    # The store is as it was, and the next writer is not blocked by the dead one.
    assert _snapshot(people) == before
    after = service.acknowledge(people, 1, actor="lead", clock=clock)
    assert after.state is S.ACKNOWLEDGED
    with people() as session:
        assert audit.verify(session) is None
