"""The repository of concerns, their contact details and their conversations: rows in, frozen
domain objects out, never committing.

Every function works inside the session of a transaction a use case opened
(:mod:`caresignal.workflow.concerns`). Saving compares the version that was read with the stored
one, so a change based on an out-of-date read is refused (:class:`StaleChangeError`). The
private follow-up token is never stored: only its SHA-256 hash, which :func:`find_by_token_hash`
matches.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from caresignal.domain.concerns import (
    OPEN_STATES,
    Concern,
    ConcernChannel,
    ConcernContact,
    ConcernEvent,
    ConcernState,
    EventKind,
    Severity,
)
from caresignal.store.actions import StaleChangeError
from caresignal.store.tables import ConcernContactRow, ConcernEventRow, ConcernRow

__all__ = [
    "add_concern",
    "add_event",
    "concerns",
    "contact_of",
    "events_of",
    "find_by_token_hash",
    "find_concern",
    "find_source_reference",
    "overdue_concerns",
    "save_concern",
]


def _to_concern(row: ConcernRow) -> Concern:
    return Concern(
        id=row.id, reference=row.reference, organisation=row.organisation_code,
        channel=ConcernChannel(row.channel), text=row.text, happened_on=row.happened_on,
        relationship=row.relationship, contact_by=row.contact_by, anonymous=row.anonymous,
        state=ConcernState(row.state), received_on=row.received_on,
        acknowledge_by=row.acknowledge_by, acknowledged_on=row.acknowledged_on,
        response_due=row.response_due, response_agreed=row.response_agreed,
        responded_on=row.responded_on, explanation_due=row.explanation_due,
        explained_on=row.explained_on, closed_on=row.closed_on, outcome=row.outcome,
        ombudsman_offered=row.ombudsman_offered, hcat_domain=row.hcat_domain,
        hcat_category=row.hcat_category,
        severity=None if row.severity is None else Severity(row.severity),
        episode_ids=tuple(json.loads(row.episode_ids)), duty_of_candour=row.duty_of_candour,
        source_reference=row.source_reference, rung=row.rung, deadline=row.deadline,
        escalated_on=row.escalated_on, version=row.version,
        created_at=datetime.fromisoformat(row.created_at),
        updated_at=datetime.fromisoformat(row.updated_at),
        incident_references=tuple(json.loads(row.incident_references)),
    )  # fmt: skip


_COPIED = (
    "reference", "text", "happened_on", "relationship", "contact_by", "anonymous",
    "received_on", "acknowledge_by", "acknowledged_on", "response_due", "response_agreed",
    "responded_on", "explanation_due", "explained_on", "closed_on", "outcome",
    "ombudsman_offered", "hcat_domain", "hcat_category", "duty_of_candour", "source_reference",
    "rung", "deadline", "escalated_on",
)  # fmt: skip


def _fill(row: ConcernRow, concern: Concern) -> None:
    for name in _COPIED:
        setattr(row, name, getattr(concern, name))
    row.organisation_code = concern.organisation
    row.channel = concern.channel.value
    row.state = concern.state.value
    row.severity = None if concern.severity is None else concern.severity.value
    row.episode_ids = json.dumps(list(concern.episode_ids))
    row.incident_references = json.dumps(list(concern.incident_references))
    row.created_at = concern.created_at.isoformat()
    row.updated_at = concern.updated_at.isoformat()


def find_concern(session: Session, concern_id: int) -> Concern | None:
    """The concern with ``concern_id``, or None."""
    row = session.get(ConcernRow, concern_id)
    return None if row is None else _to_concern(row)


def find_by_token_hash(session: Session, token_hash: str) -> Concern | None:
    """The concern whose follow-up token hashes to ``token_hash``, or None."""
    row = session.scalar(select(ConcernRow).where(ConcernRow.token_hash == token_hash))
    return None if row is None else _to_concern(row)


def find_source_reference(session: Session, source_reference: str) -> Concern | None:
    """The imported concern with the previous system's reference ``source_reference``."""
    row = session.scalar(select(ConcernRow).where(ConcernRow.source_reference == source_reference))
    return None if row is None else _to_concern(row)


def concerns(
    session: Session,
    *,
    organisations: Collection[str] | None = None,
    state: ConcernState | None = None,
) -> list[Concern]:
    """The concerns (of ``organisations``, in one ``state``), by id."""
    query = select(ConcernRow).order_by(ConcernRow.id)
    if organisations is not None:
        query = query.where(ConcernRow.organisation_code.in_(list(organisations)))
    if state is not None:
        query = query.where(ConcernRow.state == state.value)
    return [_to_concern(row) for row in session.scalars(query)]


def overdue_concerns(session: Session, as_of: date) -> list[Concern]:
    """The concerns that still owe the person something and whose ``deadline`` is before
    ``as_of``, by id (the escalation ladder reads these)."""
    query = (
        select(ConcernRow)
        .where(
            ConcernRow.state.in_([state.value for state in OPEN_STATES]),
            ConcernRow.deadline < as_of,
        )
        .order_by(ConcernRow.id)
    )
    return [_to_concern(row) for row in session.scalars(query)]


def add_concern(
    session: Session, concern: Concern, token_hash: str, contact: ConcernContact | None
) -> Concern:
    """Insert ``concern`` (its ``id``, ``reference`` and ``version`` are set here: the reference
    is ``CON-<year received>-<id, six digits>``) with its contact details, if any."""
    row = ConcernRow(token_hash=token_hash)
    _fill(row, concern)
    row.reference = f"pending-{token_hash[:32]}"
    session.add(row)
    session.flush()
    row.reference = f"CON-{concern.received_on.year}-{row.id:06d}"
    if contact is not None:
        session.add(ConcernContactRow(concern_id=row.id, **contact.to_dict()))
    session.flush()
    return _to_concern(row)


def save_concern(session: Session, concern: Concern) -> Concern:
    """Overwrite the stored concern if its ``version`` is still the stored one; refused with
    :class:`StaleChangeError` otherwise (the reference never changes)."""
    row = session.get(ConcernRow, concern.id, populate_existing=True)
    if row is None or row.version != concern.version:
        raise _stale(concern)
    _fill(row, concern)
    row.reference = concern.reference
    try:
        session.flush()
    except StaleDataError:
        raise _stale(concern) from None
    return _to_concern(row)


def _stale(concern: Concern) -> StaleChangeError:
    return StaleChangeError(
        f"concern {concern.reference} was changed by someone else since you read it",
        hint=f"look again with `caresignal concerns show {concern.id}`, then retry",
    )


def contact_of(session: Session, concern_id: int) -> ConcernContact | None:
    """How to reach the person who raised the concern, if they said."""
    row = session.get(ConcernContactRow, concern_id)
    if row is None:
        return None
    return ConcernContact(row.name, row.email, row.phone, row.address)


def _to_event(row: ConcernEventRow) -> ConcernEvent:
    return ConcernEvent(
        id=row.id,
        concern_id=row.concern_id,
        at=datetime.fromisoformat(row.at),
        actor=row.actor,
        kind=EventKind(row.kind),
        text=row.text,
    )


def add_event(
    session: Session, concern_id: int, *, at: datetime, actor: str, kind: EventKind, text: str
) -> ConcernEvent:
    """Add one entry to the concern's conversation."""
    row = ConcernEventRow(
        concern_id=concern_id, at=at.isoformat(), actor=actor, kind=kind.value, text=text
    )
    session.add(row)
    session.flush()
    return _to_event(row)


def events_of(session: Session, concern_id: int) -> list[ConcernEvent]:
    """The concern's conversation, oldest first."""
    rows = session.scalars(
        select(ConcernEventRow)
        .where(ConcernEventRow.concern_id == concern_id)
        .order_by(ConcernEventRow.id)
    )
    return [_to_event(row) for row in rows]
