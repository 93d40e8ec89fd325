"""The board ledger's repository: rows in, frozen domain objects out, never committing."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from caresignal.domain.board import BoardItem, BoardMeeting
from caresignal.store.tables import BoardItemRow, BoardMeetingRow

__all__ = ["add_item", "add_meeting", "find_item", "find_meeting", "items_about", "items_of",
           "meetings"]  # fmt: skip


def _to_meeting(row: BoardMeetingRow) -> BoardMeeting:
    return BoardMeeting(id=row.id, trust=row.trust_code, held_on=row.held_on, title=row.title)


def add_meeting(
    session: Session, trust: str, held_on: date, title: str, *, at: datetime, by: str
) -> BoardMeeting:
    """Insert a meeting."""
    row = BoardMeetingRow(
        trust_code=trust, held_on=held_on, title=title, created_at=at.isoformat(), created_by=by
    )
    session.add(row)
    session.flush()
    return _to_meeting(row)


def find_meeting(session: Session, meeting_id: int) -> BoardMeeting | None:
    """The meeting with this id, or None."""
    row = session.get(BoardMeetingRow, meeting_id)
    return None if row is None else _to_meeting(row)


def meetings(session: Session, trust: str | None = None) -> list[BoardMeeting]:
    """Meetings by day (and id): all, or one trust's."""
    query = select(BoardMeetingRow).order_by(BoardMeetingRow.held_on, BoardMeetingRow.id)
    if trust is not None:
        query = query.where(BoardMeetingRow.trust_code == trust)
    return [_to_meeting(row) for row in session.scalars(query)]


def add_item(
    session: Session,
    meeting: BoardMeeting,
    entity: str,
    entity_id: str,
    summary: str,
    decision: str,
    *,
    at: datetime,
    by: str,
) -> BoardItem:
    """Record that ``entity_id`` was presented at ``meeting`` and what was decided."""
    session.add(
        BoardItemRow(
            meeting_id=meeting.id,
            entity=entity,
            entity_id=entity_id,
            summary=summary,
            decision=decision,
            presented_by=by,
            created_at=at.isoformat(),
        )
    )
    session.flush()
    return BoardItem(meeting, entity, entity_id, summary, decision, by)


def find_item(
    session: Session, meeting: BoardMeeting, entity: str, entity_id: str
) -> BoardItem | None:
    """What was recorded of ``entity_id`` at ``meeting``, or None."""
    row = session.scalar(
        select(BoardItemRow).where(
            BoardItemRow.meeting_id == meeting.id,
            BoardItemRow.entity == entity,
            BoardItemRow.entity_id == entity_id,
        )
    )
    return None if row is None else _to_item(row, meeting)


def _to_item(row: BoardItemRow, meeting: BoardMeeting) -> BoardItem:
    return BoardItem(
        meeting, row.entity, row.entity_id, row.summary, row.decision, row.presented_by
    )


def items_of(session: Session, meeting: BoardMeeting) -> list[BoardItem]:
    """What was presented at ``meeting``, in the order it was recorded."""
    rows = session.scalars(
        select(BoardItemRow).where(BoardItemRow.meeting_id == meeting.id).order_by(BoardItemRow.id)
    )
    return [_to_item(row, meeting) for row in rows]


def items_about(session: Session, entity: str, entity_id: str) -> list[BoardItem]:
    """Every presentation of one item, oldest meeting first."""
    rows = session.execute(
        select(BoardItemRow, BoardMeetingRow)
        .join(BoardMeetingRow, BoardMeetingRow.id == BoardItemRow.meeting_id)
        .where(BoardItemRow.entity == entity, BoardItemRow.entity_id == entity_id)
        .order_by(BoardMeetingRow.held_on, BoardMeetingRow.id)
    )
    return [_to_item(item, _to_meeting(meeting)) for item, meeting in rows.tuples()]
