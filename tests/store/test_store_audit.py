"""The audit chain: it verifies, every kind of tampering is found and named, and concurrent
writers keep it linear."""

from __future__ import annotations

import hashlib
import itertools
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.store import audit, service
from caresignal.store.tables import AuditRow


def _log(sessions: sessionmaker[Session], clock: FixedClock, count: int = 4) -> None:
    for number in range(1, count + 1):
        service.add_user(
            sessions, f"user{number}", f"u{number}@nhs.net", actor="admin", clock=clock, reason="é"
        )


def _verify(sessions: sessionmaker[Session]) -> audit.ChainBreak | None:
    with sessions() as session:
        return audit.verify(session)


def _sql(engine: Engine, *statements: str) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def test_an_untouched_chain_verifies(sessions: sessionmaker[Session], clock: FixedClock) -> None:
    assert _verify(sessions) is None  # an empty log too
    with sessions() as session:
        assert audit.head(session) == audit.last(session) == (0, audit.GENESIS)
    _log(sessions, clock)
    assert _verify(sessions) is None
    with sessions() as session:
        logged = audit.entries(session)
        assert audit.head(session) == audit.last(session) == (4, logged[-1].hash)
    assert [entry.seq for entry in logged] == [1, 2, 3, 4]
    assert logged[0].prev_hash == audit.GENESIS
    for before, entry in itertools.pairwise(logged):
        assert entry.prev_hash == before.hash


def test_the_hash_is_sha256_of_the_previous_hash_and_canonical_json(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    _log(sessions, clock, 1)
    with sessions() as session:
        (entry,) = audit.entries(session)
    canonical = (
        '{"action":"user.add","actor":"admin","after":{"email":"u1@nhs.net","id":1,'
        '"name":"user1"},"at":"2026-11-23T09:30:00+00:00","before":null,"entity":"user",'
        '"entity_id":"user1","reason":"é","seq":1}'
    )
    expected = hashlib.sha256((audit.GENESIS + canonical).encode("utf-8")).hexdigest()
    assert entry.hash == expected


def test_an_edited_entry_is_named(
    engine: Engine, sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    _log(sessions, clock)
    _sql(engine, "UPDATE audit_entries SET reason = 'nothing to see' WHERE seq = 3")
    assert _verify(sessions) == audit.ChainBreak(
        3, "entry 3 has been edited: its content no longer matches its hash"
    )


def test_an_edited_entry_whose_hash_was_recomputed_breaks_the_next_link(
    engine: Engine, sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    _log(sessions, clock)
    with sessions.begin() as session:
        row = session.get(AuditRow, 2)
        assert row is not None
        row.after = json.dumps({"id": 2, "name": "someone else", "email": "x@nhs.net"})
        row.hash = audit._digest(row.prev_hash, audit._canonical(row))
    broken = _verify(sessions)
    assert broken is not None
    assert (broken.seq, broken.reason.split(":")[0]) == (3, "entry 3 does not follow entry 2")


def test_a_deleted_entry_is_named(
    engine: Engine, sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    _log(sessions, clock)
    _sql(engine, "DELETE FROM audit_entries WHERE seq = 2")
    assert _verify(sessions) == audit.ChainBreak(
        3, "entry 2 is missing: entry 3 comes straight after entry 1 (deleted entries?)"
    )


def test_a_deleted_first_entry_is_named(
    engine: Engine, sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    _log(sessions, clock)
    _sql(engine, "DELETE FROM audit_entries WHERE seq = 1")
    broken = _verify(sessions)
    assert broken is not None
    assert broken.seq == 2
    assert "entry 1 is missing" in broken.reason


def test_an_inserted_entry_is_found(
    engine: Engine, sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    _log(sessions, clock)
    # Make room after entry 1 (in two steps: the sequence number is unique), then insert a
    # well-formed entry chained to entry 1.
    _sql(
        engine,
        "UPDATE audit_entries SET seq = -(seq + 1) WHERE seq >= 2",
        "UPDATE audit_entries SET seq = -seq WHERE seq < 0",
    )
    with sessions.begin() as session:
        first = session.get(AuditRow, 1)
        assert first is not None
        forged = AuditRow(
            seq=2,
            at=first.at,
            actor="intruder",
            action="user.add",
            entity="user",
            entity_id="ghost",
            before=None,
            after='{"name":"ghost"}',
            reason="r",
            prev_hash=first.hash,
        )
        forged.hash = audit._digest(forged.prev_hash, audit._canonical(forged))
        session.add(forged)
    assert _verify(sessions) == audit.ChainBreak(
        3,
        "entry 3 does not follow entry 2: it was chained to another entry "
        "(inserted, deleted or reordered entries?)",
    )


def test_an_entry_appended_by_hand_is_found(
    engine: Engine, sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    _log(sessions, clock)
    _sql(
        engine,
        "INSERT INTO audit_entries (seq, at, actor, action, entity, entity_id, reason, "
        f"prev_hash, hash) VALUES (5, 'x', 'intruder', 'a', 'e', 'i', 'r', '{'0' * 64}', "
        f"'{'1' * 64}')",
    )
    broken = _verify(sessions)
    assert broken is not None
    assert broken.seq == 5


def test_reordered_entries_are_named(
    engine: Engine, sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    _log(sessions, clock)
    _sql(
        engine,
        "UPDATE audit_entries SET seq = 0 WHERE seq = 2",
        "UPDATE audit_entries SET seq = 2 WHERE seq = 3",
        "UPDATE audit_entries SET seq = 3 WHERE seq = 0",
    )
    broken = _verify(sessions)
    assert broken is not None
    assert broken.seq == 2
    assert broken.reason.startswith("entry 2 does not follow entry 1")


def test_concurrent_writers_keep_the_chain_linear(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    def write(worker: int) -> None:
        for number in range(5):
            name = f"w{worker}-{number}"
            service.add_user(sessions, name, f"{name}@nhs.net", actor="a", clock=clock, reason="r")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(4)))
    assert _verify(sessions) is None
    with sessions() as session:
        assert list(session.scalars(select(AuditRow.seq).order_by(AuditRow.seq))) == list(
            range(1, 21)
        )


@pytest.mark.parametrize(
    ("value", "expected"),
    [({"b": 1, "a": "ü"}, '{"a":"ü","b":1}'), ([1, {"z": None}], '[1,{"z":null}]')],
)
def test_canonical_json(value: object, expected: str) -> None:
    assert audit.canonical_json(value) == expected
