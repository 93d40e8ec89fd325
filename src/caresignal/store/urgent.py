"""The repository of Martha's Rule calls: rows in, frozen :class:`UrgentCall` objects out, never
committing (:mod:`caresignal.workflow.urgent` owns the transactions).

Saving compares the version that was read with the stored one, so a change based on an
out-of-date read is refused (:class:`~caresignal.store.actions.StaleChangeError`). Times are kept
as ISO 8601 in UTC, so that comparing them as text compares them in time.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from caresignal.domain.urgent import (
    OPEN_CALL_STATES,
    WAITING_STATES,
    Caller,
    CallState,
    Outcome,
    UrgentCall,
)
from caresignal.store.actions import StaleChangeError
from caresignal.store.tables import UrgentReviewRow

__all__ = ["add_call", "calls", "find_call", "overdue_calls", "save_call", "utc"]


def utc(value: datetime) -> str:
    """``value`` as ISO 8601 in UTC: how every time of a call is stored."""
    return value.astimezone(UTC).isoformat()


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _to_call(row: UrgentReviewRow) -> UrgentCall:
    return UrgentCall(
        id=row.id, reference=row.reference, unit=row.unit_code, site=row.site_code,
        caller=Caller(row.caller), patient=row.patient, worry=row.worry, callback=row.callback,
        state=CallState(row.state), called_at=datetime.fromisoformat(row.called_at),
        limit_minutes=row.limit_minutes, due_at=datetime.fromisoformat(row.due_at),
        escalated_at=_time(row.escalated_at), review_begun_at=_time(row.review_begun_at),
        review_begun_by=row.review_begun_by,
        outcomes=tuple(Outcome(each) for each in json.loads(row.outcomes)),
        outcome_note=row.outcome_note, outcome_at=_time(row.outcome_at),
        outcome_by=row.outcome_by, version=row.version,
    )  # fmt: skip


def _fill(row: UrgentReviewRow, call: UrgentCall) -> None:
    row.unit_code, row.site_code = call.unit, call.site
    row.caller, row.patient, row.worry = call.caller.value, call.patient, call.worry
    row.callback, row.state = call.callback, call.state.value
    row.called_at, row.due_at = utc(call.called_at), utc(call.due_at)
    row.limit_minutes = call.limit_minutes
    row.escalated_at = None if call.escalated_at is None else utc(call.escalated_at)
    row.review_begun_at = None if call.review_begun_at is None else utc(call.review_begun_at)
    row.review_begun_by = call.review_begun_by
    row.outcomes = json.dumps([outcome.value for outcome in call.outcomes])
    row.outcome_note = call.outcome_note
    row.outcome_at = None if call.outcome_at is None else utc(call.outcome_at)
    row.outcome_by = call.outcome_by


def add_call(session: Session, call: UrgentCall) -> UrgentCall:
    """Insert ``call``; its ``id``, ``reference`` (``MR-<year>-<id, six digits>``) and
    ``version`` are set here."""
    row = UrgentReviewRow(reference=f"pending-{secrets.token_hex(16)}")
    _fill(row, call)
    session.add(row)
    session.flush()
    row.reference = f"MR-{call.called_at.year}-{row.id:06d}"
    session.flush()
    return _to_call(row)


def save_call(session: Session, call: UrgentCall) -> UrgentCall:
    """Overwrite the stored call if its ``version`` is still the stored one; refused with
    :class:`StaleChangeError` otherwise."""
    row = session.get(UrgentReviewRow, call.id, populate_existing=True)
    if row is None or row.version != call.version:
        raise _stale(call)
    _fill(row, call)
    try:
        session.flush()
    except StaleDataError:
        raise _stale(call) from None
    return _to_call(row)


def _stale(call: UrgentCall) -> StaleChangeError:
    return StaleChangeError(
        f"urgent review {call.reference} was changed by someone else since you read it",
        hint="look at it again, then retry",
    )


def find_call(session: Session, call_id: int) -> UrgentCall | None:
    """The call with ``call_id``, or None."""
    row = session.get(UrgentReviewRow, call_id)
    return None if row is None else _to_call(row)


def calls(
    session: Session, *, sites: Collection[str] | None = None, open_only: bool = False
) -> list[UrgentCall]:
    """The calls (of ``sites``; only open ones), oldest first."""
    query = select(UrgentReviewRow).order_by(UrgentReviewRow.id)
    if sites is not None:
        query = query.where(UrgentReviewRow.site_code.in_(list(sites)))
    if open_only:
        query = query.where(UrgentReviewRow.state.in_([s.value for s in OPEN_CALL_STATES]))
    return [_to_call(row) for row in session.scalars(query)]


def overdue_calls(session: Session, now: datetime) -> list[UrgentCall]:
    """The calls still waiting for their review to begin whose ``due_at`` has passed, oldest
    first (both escalated and not: the caller tells them apart)."""
    query = (
        select(UrgentReviewRow)
        .where(
            UrgentReviewRow.state.in_([state.value for state in WAITING_STATES]),
            UrgentReviewRow.due_at < utc(now),
        )
        .order_by(UrgentReviewRow.id)
    )
    return [_to_call(row) for row in session.scalars(query)]
