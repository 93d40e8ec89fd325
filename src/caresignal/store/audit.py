"""The tamper-evident audit log: append-only, each entry chained to the one before by SHA-256.

Each entry records who (``actor``), when (``at``, from the injectable clock), what (``action`` on
``entity``/``entity_id``, with the entity ``before`` and ``after``) and why (``reason``). Its
*canonical JSON* is those fields and its sequence number as JSON with sorted keys, no spaces and
UTF-8 text; its hash is ``sha256(prev_hash + canonical)`` in hex, where ``prev_hash`` is the hash
of the entry before (64 zeros for the first). Editing, deleting, inserting or reordering entries
therefore breaks the chain, and :func:`verify` names the first entry where it breaks.

Appends are serialised so the chain stays linear when several writers append at once: every
store transaction takes the write lock when it begins (PostgreSQL's advisory lock, SQLite's
``BEGIN IMMEDIATE``; :func:`caresignal.store.session.transaction`), so an append always runs in
a transaction that holds it. The sequence number is the primary key, so even a writer that
bypassed the lock could not fork the chain: its commit would fail.

:func:`append` works inside the caller's transaction and never commits: the use case that made the
change commits the change and its entry together.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caresignal.clock import Clock
from caresignal.domain import AuditEntry
from caresignal.store.tables import AuditRow

__all__ = [
    "GENESIS",
    "ChainBreak",
    "append",
    "canonical_json",
    "entries",
    "head",
    "last",
    "verify",
]

#: The previous hash of the first entry.
GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """Where the audit chain first breaks: the entry's sequence number and what is wrong."""

    seq: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """The break, for JSON."""
        return {"seq": self.seq, "reason": self.reason}


def canonical_json(value: Any) -> str:
    """``value`` as canonical JSON: sorted keys, no spaces, non-ASCII text kept as it is.

    Examples
    --------
    >>> canonical_json({"b": 1, "a": ["é", None]})
    '{"a":["é",null],"b":1}'
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _digest(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _canonical(row: AuditRow) -> str:
    """The canonical JSON of what a row records (everything but the hashes)."""
    return canonical_json(
        {
            "seq": row.seq,
            "at": row.at,
            "actor": row.actor,
            "action": row.action,
            "entity": row.entity,
            "entity_id": row.entity_id,
            "before": None if row.before is None else json.loads(row.before),
            "after": None if row.after is None else json.loads(row.after),
            "reason": row.reason,
        }
    )


def append(
    session: Session,
    *,
    clock: Clock,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str,
) -> AuditEntry:
    """Add one entry at the end of the chain, in the caller's transaction (never commits; a
    :func:`~caresignal.store.session.transaction`, which holds the write lock)."""
    last = session.execute(
        select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (1, GENESIS) if last is None else (last.seq + 1, last.hash)
    row = AuditRow(
        seq=seq,
        at=clock.now().astimezone(UTC).isoformat(),
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=None if before is None else canonical_json(before),
        after=None if after is None else canonical_json(after),
        reason=reason,
        prev_hash=prev_hash,
    )
    row.hash = _digest(prev_hash, _canonical(row))
    session.add(row)
    session.flush()
    return _entry(row)


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        seq=row.seq,
        at=datetime.fromisoformat(row.at),
        actor=row.actor,
        action=row.action,
        entity=row.entity,
        entity_id=row.entity_id,
        before=None if row.before is None else json.loads(row.before),
        after=None if row.after is None else json.loads(row.after),
        reason=row.reason,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def entries(session: Session, *, entity: str | None = None) -> list[AuditEntry]:
    """The entries in chain order: all of them, or those about one kind of ``entity``."""
    query = select(AuditRow).order_by(AuditRow.seq)
    if entity is not None:
        query = query.where(AuditRow.entity == entity)
    return [_entry(row) for row in session.scalars(query)]


def head(session: Session) -> tuple[int, str]:
    """How many entries the log holds and the hash of the last (``GENESIS`` when empty).

    Keeping this hash somewhere else (a board paper, a ticket) lets a later check notice that
    entries were removed from the end, which the chain alone cannot show.
    """
    count = session.scalar(select(func.count()).select_from(AuditRow)) or 0
    last = session.scalar(select(AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1))
    return count, last or GENESIS


def last(session: Session) -> tuple[int, str]:
    """The last entry's position and hash (``(0, GENESIS)`` when empty), in one look-up by the
    primary key: a version of the store that every change moves on (the web app's kept pages
    are checked against it on every request). For an intact log it equals :func:`head`, whose
    count reads every entry."""
    row = session.execute(
        select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)
    ).first()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


def verify(session: Session) -> ChainBreak | None:
    """Check the whole chain; the first entry that is edited, out of place or missing, or None.

    Reads entry by entry in sequence order, in batches, so memory stays small on long logs.
    """
    expected_seq, prev_hash = 1, GENESIS
    query = select(AuditRow).order_by(AuditRow.seq).execution_options(yield_per=1000)
    with session.execute(query) as result:  # closes PostgreSQL's server-side cursor early too
        for row in result.scalars():
            problem = _problem(row, expected_seq, prev_hash)
            if problem is not None:
                return ChainBreak(row.seq, problem)
            expected_seq, prev_hash = row.seq + 1, row.hash
    return None


def _problem(row: AuditRow, expected_seq: int, prev_hash: str) -> str | None:
    """What is wrong with ``row`` where entry ``expected_seq`` should follow ``prev_hash``."""
    after = "the start of the log" if expected_seq == 1 else f"entry {expected_seq - 1}"
    if row.seq != expected_seq:
        missing = (
            f"entry {expected_seq} is missing"
            if row.seq == expected_seq + 1
            else f"entries {expected_seq} to {row.seq - 1} are missing"
        )
        return f"{missing}: entry {row.seq} comes straight after {after} (deleted entries?)"
    try:
        canonical = _canonical(row)
    except json.JSONDecodeError:
        return f"entry {row.seq} has been edited: its before or after is no longer valid JSON"
    if row.prev_hash != prev_hash:
        return (
            f"entry {row.seq} does not follow {after}: it was chained to another entry "
            "(inserted, deleted or reordered entries?)"
        )
    if _digest(row.prev_hash, canonical) != row.hash:
        return f"entry {row.seq} has been edited: its content no longer matches its hash"
    return None
