"""The outbox's repository: rows in, frozen :class:`Notification` objects out, never committing.

A message is added in the transaction of the change it tells of; delivery
(:mod:`caresignal.workflow.outbox`) claims one due message at a time, locking its row on
PostgreSQL (``FOR UPDATE SKIP LOCKED``) so two deliverers never send the same message.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caresignal.domain.notifications import Notification, NotificationStatus
from caresignal.store.tables import NotificationRow

__all__ = ["add", "claim_due", "counts", "find", "listing", "scrub", "update"]


def _to_notification(row: NotificationRow) -> Notification:
    return Notification(
        id=row.id,
        created_at=datetime.fromisoformat(row.created_at),
        recipient=row.recipient,
        address=row.address,
        subject=row.subject,
        body=row.body,
        entity=row.entity,
        entity_id=row.entity_id,
        status=NotificationStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        next_attempt_at=_time(row.next_attempt_at),
        sent_at=_time(row.sent_at),
        channel=row.channel,
    )


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def add(
    session: Session,
    *,
    created_at: datetime,
    recipient: str | None,
    address: str | None,
    subject: str,
    body: str,
    entity: str,
    entity_id: str,
    error: str | None = None,
    channel: str = "email",
) -> Notification:
    """Put a message in the outbox: pending, or undeliverable (with ``error``) when there is
    nobody to send it to. ``channel`` is ``email`` or ``webhook``."""
    row = NotificationRow(
        created_at=created_at.isoformat(),
        recipient=recipient,
        address=address,
        subject=subject,
        body=body,
        entity=entity,
        entity_id=entity_id,
        status=(NotificationStatus.PENDING if address else NotificationStatus.UNDELIVERABLE).value,
        attempts=0,
        last_error=error,
        next_attempt_at=created_at.isoformat() if address else None,
        channel=channel,
    )
    session.add(row)
    session.flush()
    return _to_notification(row)


def claim_due(
    session: Session,
    now: datetime,
    after_id: int = 0,
    channels: Collection[str] = ("email",),
    about: tuple[str, str] | None = None,
) -> Notification | None:
    """The first pending message (by id, after ``after_id``, of one of ``channels``, about the
    ``(entity, entity_id)`` given) whose next attempt is due, its row locked until the
    transaction ends; None when there is none."""
    query = (
        select(NotificationRow)
        .where(
            NotificationRow.status == NotificationStatus.PENDING.value,
            NotificationRow.id > after_id,
            NotificationRow.next_attempt_at <= now.isoformat(),
            NotificationRow.channel.in_(list(channels)),
        )
        .order_by(NotificationRow.id)
        .limit(1)
    )
    if about is not None:
        query = query.where(
            NotificationRow.entity == about[0], NotificationRow.entity_id == about[1]
        )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = session.scalar(query)
    return None if row is None else _to_notification(row)


def update(
    session: Session,
    notification_id: int,
    *,
    status: NotificationStatus,
    attempts: int,
    last_error: str | None,
    next_attempt_at: datetime | None,
    sent_at: datetime | None,
) -> Notification:
    """Record the outcome of a delivery attempt (or a retry being asked for)."""
    row = session.get(NotificationRow, notification_id)
    if row is None:
        raise LookupError(f"there is no notification {notification_id}")
    row.status = status.value
    row.attempts = attempts
    row.last_error = last_error
    row.next_attempt_at = None if next_attempt_at is None else next_attempt_at.isoformat()
    row.sent_at = None if sent_at is None else sent_at.isoformat()
    session.flush()
    return _to_notification(row)


def find(session: Session, notification_id: int) -> Notification | None:
    """The message with this id, or None."""
    row = session.get(NotificationRow, notification_id)
    return None if row is None else _to_notification(row)


def listing(
    session: Session,
    status: NotificationStatus | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
) -> list[Notification]:
    """Messages by id: all, or those with ``status`` and/or about one entity."""
    query = select(NotificationRow).order_by(NotificationRow.id)
    if status is not None:
        query = query.where(NotificationRow.status == status.value)
    if entity is not None:
        query = query.where(NotificationRow.entity == entity)
    if entity_id is not None:
        query = query.where(NotificationRow.entity_id == entity_id)
    return [_to_notification(row) for row in session.scalars(query)]


def counts(session: Session) -> dict[NotificationStatus, int]:
    """How many messages are in each status."""
    rows = session.execute(
        select(NotificationRow.status, func.count()).group_by(NotificationRow.status)
    )
    found = {NotificationStatus(status): count for status, count in rows.tuples()}
    return {status: found.get(status, 0) for status in NotificationStatus}


def scrub(session: Session, entity: str, entity_id: str, text: str, instead: str) -> int:
    """Replace ``text`` with ``instead`` in the bodies of every message about one entity (e.g. a
    call-back number that must not outlive its call); how many messages changed."""
    rows = session.scalars(
        select(NotificationRow).where(
            NotificationRow.entity == entity, NotificationRow.entity_id == entity_id
        )
    )
    changed = 0
    for row in rows:
        if text and text in row.body:
            row.body = row.body.replace(text, instead)
            changed += 1
    session.flush()
    return changed
