"""Repositories of signal episodes: rows in, frozen domain objects out, never committing.

Every function works inside the session of a transaction a use case opened
(:mod:`caresignal.workflow.service`).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from caresignal.domain import Role
from caresignal.domain.episodes import Episode, EpisodeEvent, EpisodeFinding, EpisodeState
from caresignal.errors import CaresignalError
from caresignal.store.tables import EpisodeEventRow, EpisodeFindingRow, EpisodeRow

__all__ = [
    "StaleEpisodeError",
    "add_episode",
    "add_event",
    "add_finding",
    "episodes",
    "events_of",
    "find_episode",
    "find_problem",
    "findings_of",
    "has_finding",
    "overdue",
    "save_episode",
]


class StaleEpisodeError(CaresignalError, ValueError):
    """The episode was changed by someone else since it was read."""


def _to_episode(row: EpisodeRow) -> Episode:
    return Episode(
        id=row.id,
        unit=row.unit_code,
        indicator=row.indicator,
        direction=row.direction,
        state=EpisodeState(row.state),
        level=row.level,
        first_finding=row.first_finding,
        last_finding=row.last_finding,
        opened_on=row.opened_on,
        closed_on=row.closed_on,
        times_closed=row.times_closed,
        owner_role=None if row.owner_role is None else Role(row.owner_role),
        deadline=row.deadline,
        rung=row.rung,
        escalated_on=row.escalated_on,
        version=row.version,
        created_at=datetime.fromisoformat(row.created_at),
        updated_at=datetime.fromisoformat(row.updated_at),
    )


def _fill(row: EpisodeRow, episode: Episode) -> None:
    row.unit_code = episode.unit
    row.indicator = episode.indicator
    row.direction = episode.direction
    row.state = episode.state.value
    row.level = episode.level
    row.first_finding = episode.first_finding
    row.last_finding = episode.last_finding
    row.opened_on = episode.opened_on
    row.closed_on = episode.closed_on
    row.times_closed = episode.times_closed
    row.owner_role = None if episode.owner_role is None else episode.owner_role.value
    row.deadline = episode.deadline
    row.rung = episode.rung
    row.escalated_on = episode.escalated_on
    row.created_at = episode.created_at.isoformat()
    row.updated_at = episode.updated_at.isoformat()


def find_episode(session: Session, episode_id: int) -> Episode | None:
    """The episode with ``episode_id``, or None."""
    row = session.get(EpisodeRow, episode_id)
    return None if row is None else _to_episode(row)


def find_problem(session: Session, unit: str, indicator: str, direction: str) -> Episode | None:
    """The episode of this (unit, indicator, direction) problem, or None."""
    row = session.scalar(
        select(EpisodeRow).where(
            EpisodeRow.unit_code == unit,
            EpisodeRow.indicator == indicator,
            EpisodeRow.direction == direction,
        )
    )
    return None if row is None else _to_episode(row)


def episodes(
    session: Session, state: EpisodeState | None = None, units: Collection[str] | None = None
) -> list[Episode]:
    """Every episode (or those in ``state``, or of ``units``), by id."""
    query = select(EpisodeRow).order_by(EpisodeRow.id)
    if state is not None:
        query = query.where(EpisodeRow.state == state.value)
    if units is not None:
        query = query.where(EpisodeRow.unit_code.in_(sorted(units)))
    return [_to_episode(row) for row in session.scalars(query)]


def overdue(session: Session, as_of: date) -> list[Episode]:
    """The episodes not closed whose deadline is before ``as_of``, by id."""
    query = (
        select(EpisodeRow)
        .where(
            EpisodeRow.state != EpisodeState.CLOSED.value,
            EpisodeRow.deadline.is_not(None),
            EpisodeRow.deadline < as_of,
        )
        .order_by(EpisodeRow.id)
    )
    return [_to_episode(row) for row in session.scalars(query)]


def add_episode(session: Session, episode: Episode) -> Episode:
    """Insert ``episode`` (its ``id`` and ``version`` are ignored) and return it as stored."""
    row = EpisodeRow()
    _fill(row, episode)
    session.add(row)
    session.flush()
    return _to_episode(row)


def save_episode(session: Session, episode: Episode) -> Episode:
    """Overwrite the stored episode with ``episode`` if its ``version`` is still the stored one.

    Refused with :class:`StaleEpisodeError` when someone else changed it in between: the version
    read is compared here, and SQLAlchemy's version counter refuses a change that races past it.
    """
    row = session.get(EpisodeRow, episode.id, populate_existing=True)
    if row is None or row.version != episode.version:
        raise _stale(episode.id)
    _fill(row, episode)
    try:
        session.flush()
    except StaleDataError:
        raise _stale(episode.id) from None
    return _to_episode(row)


def _stale(episode_id: int) -> StaleEpisodeError:
    return StaleEpisodeError(
        f"signal episode {episode_id} was changed by someone else since you read it",
        hint=f"look again with `caresignal signals show {episode_id}`, then retry",
    )


def has_finding(session: Session, finding: EpisodeFinding) -> bool:
    """Whether this finding (by unit, indicator, method, chart, level, direction, first crossed)
    is already linked to an episode."""
    row = session.scalar(
        select(EpisodeFindingRow.id).where(
            EpisodeFindingRow.unit_code == finding.unit,
            EpisodeFindingRow.indicator == finding.indicator,
            EpisodeFindingRow.method == finding.method,
            EpisodeFindingRow.chart == finding.chart,
            EpisodeFindingRow.level == finding.level,
            EpisodeFindingRow.direction == finding.direction,
            EpisodeFindingRow.first_crossed == finding.first_crossed,
        )
    )
    return row is not None


def add_finding(session: Session, episode_id: int, finding: EpisodeFinding) -> None:
    """Link ``finding`` to the episode."""
    session.add(
        EpisodeFindingRow(
            episode_id=episode_id,
            unit_code=finding.unit,
            indicator=finding.indicator,
            method=finding.method,
            chart=finding.chart,
            level=finding.level,
            direction=finding.direction,
            first_crossed=finding.first_crossed,
            change_began=finding.change_began,
            explanation=finding.explanation,
            seen_as_of=finding.seen_as_of,
        )
    )
    session.flush()


def findings_of(session: Session, episode_id: int) -> list[EpisodeFinding]:
    """The episode's findings, by the day first crossed."""
    rows = session.scalars(
        select(EpisodeFindingRow)
        .where(EpisodeFindingRow.episode_id == episode_id)
        .order_by(EpisodeFindingRow.first_crossed, EpisodeFindingRow.id)
    )
    return [
        EpisodeFinding(
            unit=row.unit_code,
            indicator=row.indicator,
            method=row.method,
            chart=row.chart,
            level=row.level,
            direction=row.direction,
            first_crossed=row.first_crossed,
            change_began=row.change_began,
            explanation=row.explanation,
            seen_as_of=row.seen_as_of,
        )
        for row in rows
    ]


def add_event(session: Session, episode_id: int, event: EpisodeEvent) -> None:
    """Append one step to the episode's history."""
    session.add(
        EpisodeEventRow(
            episode_id=episode_id,
            at=event.at.isoformat(),
            actor=event.actor,
            action=event.action,
            from_state=None if event.from_state is None else event.from_state.value,
            to_state=event.to_state.value,
            reason=event.reason,
            evidence=json.dumps(list(event.evidence), ensure_ascii=False),
        )
    )
    session.flush()


def events_of(session: Session, episode_id: int) -> list[EpisodeEvent]:
    """The episode's history, oldest first."""
    rows = session.scalars(
        select(EpisodeEventRow)
        .where(EpisodeEventRow.episode_id == episode_id)
        .order_by(EpisodeEventRow.id)
    )
    return [
        EpisodeEvent(
            at=datetime.fromisoformat(row.at),
            actor=row.actor,
            action=row.action,
            from_state=None if row.from_state is None else EpisodeState(row.from_state),
            to_state=EpisodeState(row.to_state),
            reason=row.reason,
            evidence=tuple(json.loads(row.evidence)),
        )
        for row in rows
    ]
