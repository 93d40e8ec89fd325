"""Repositories of recommendations and actions: rows in, frozen domain objects out, never
committing.

Every function works inside the session of a transaction a use case opened
(:mod:`caresignal.workflow.actions`). Saving compares the version that was read with the stored
one, so a change based on an out-of-date read is refused (:class:`StaleChangeError`).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from caresignal.domain.actions import (
    UNFINISHED,
    Action,
    ActionStatus,
    Recommendation,
    RecommendationSource,
    RecommendationState,
)
from caresignal.errors import CaresignalError
from caresignal.store.tables import ActionRow, RecommendationRow, UserRow

__all__ = [
    "StaleChangeError",
    "actions",
    "add_action",
    "add_recommendation",
    "find_action",
    "find_recommendation",
    "find_reference",
    "overdue_actions",
    "recommendations",
    "save_action",
    "save_recommendation",
    "stale",
]


class StaleChangeError(CaresignalError, ValueError):
    """The recommendation or action was changed by someone else since it was read."""


def stale(
    kind: str, number: int, show: int, versions: tuple[int, int] | None = None
) -> StaleChangeError:
    """The refusal of a change to ``kind`` ``number``: ``show`` is the recommendation to look at
    again, ``versions`` the version the change was based on and the stored one, if known."""
    known = "" if versions is None else f" (version {versions[0]}, now {versions[1]})"
    return StaleChangeError(
        f"{kind} {number} was changed by someone else since you read it{known}",
        hint=f"look again with `caresignal actions show {show}`, then retry",
    )


def _to_recommendation(row: RecommendationRow) -> Recommendation:
    return Recommendation(
        id=row.id,
        organisation=row.organisation_code,
        reference=row.reference,
        source=RecommendationSource(row.source),
        title=row.title,
        detail=row.detail,
        received_on=row.received_on,
        episode_id=row.episode_id,
        state=RecommendationState(row.state),
        closed_on=row.closed_on,
        closed_by=row.closed_by,
        closing_reason=row.closing_reason,
        version=row.version,
        created_at=datetime.fromisoformat(row.created_at),
        updated_at=datetime.fromisoformat(row.updated_at),
    )


def _fill_recommendation(row: RecommendationRow, recommendation: Recommendation) -> None:
    row.organisation_code = recommendation.organisation
    row.reference = recommendation.reference
    row.source = recommendation.source.value
    row.title = recommendation.title
    row.detail = recommendation.detail
    row.received_on = recommendation.received_on
    row.episode_id = recommendation.episode_id
    row.state = recommendation.state.value
    row.closed_on = recommendation.closed_on
    row.closed_by = recommendation.closed_by
    row.closing_reason = recommendation.closing_reason
    row.created_at = recommendation.created_at.isoformat()
    row.updated_at = recommendation.updated_at.isoformat()


def find_recommendation(session: Session, recommendation_id: int) -> Recommendation | None:
    """The recommendation with ``recommendation_id``, or None."""
    row = session.get(RecommendationRow, recommendation_id)
    return None if row is None else _to_recommendation(row)


def find_reference(session: Session, organisation: str, reference: str) -> Recommendation | None:
    """The recommendation of ``organisation`` with ``reference``, or None."""
    row = session.scalar(
        select(RecommendationRow).where(
            RecommendationRow.organisation_code == organisation,
            RecommendationRow.reference == reference,
        )
    )
    return None if row is None else _to_recommendation(row)


def recommendations(
    session: Session,
    *,
    organisations: Collection[str] | None = None,
    episode_id: int | None = None,
    state: RecommendationState | None = None,
) -> list[Recommendation]:
    """The recommendations (of ``organisations``, of one episode, in one ``state``), by id."""
    query = select(RecommendationRow).order_by(RecommendationRow.id)
    if organisations is not None:
        query = query.where(RecommendationRow.organisation_code.in_(list(organisations)))
    if episode_id is not None:
        query = query.where(RecommendationRow.episode_id == episode_id)
    if state is not None:
        query = query.where(RecommendationRow.state == state.value)
    return [_to_recommendation(row) for row in session.scalars(query)]


def add_recommendation(session: Session, recommendation: Recommendation) -> Recommendation:
    """Insert ``recommendation`` (its ``id`` and ``version`` are ignored); return it as stored."""
    row = RecommendationRow()
    _fill_recommendation(row, recommendation)
    session.add(row)
    session.flush()
    return _to_recommendation(row)


def save_recommendation(session: Session, recommendation: Recommendation) -> Recommendation:
    """Overwrite the stored recommendation if its ``version`` is still the stored one; refused
    with :class:`StaleChangeError` otherwise."""
    number = recommendation.id
    row = session.get(RecommendationRow, number, populate_existing=True)
    if row is None or row.version != recommendation.version:
        raise stale("recommendation", number, number)
    _fill_recommendation(row, recommendation)
    try:
        session.flush()
    except StaleDataError:
        raise stale("recommendation", number, number) from None
    return _to_recommendation(row)


def _to_action(row: ActionRow, owner: str, organisation: str) -> Action:
    return Action(
        id=row.id,
        recommendation_id=row.recommendation_id,
        organisation=organisation,
        title=row.title,
        owner=owner,
        due_on=row.due_on,
        status=ActionStatus(row.status),
        evidence=tuple(json.loads(row.evidence)),
        done_on=row.done_on,
        done_by=row.done_by,
        verified_on=row.verified_on,
        verified_by=row.verified_by,
        rung=row.rung,
        deadline=row.deadline,
        escalated_on=row.escalated_on,
        version=row.version,
        created_at=datetime.fromisoformat(row.created_at),
        updated_at=datetime.fromisoformat(row.updated_at),
    )


def _fill_action(session: Session, row: ActionRow, action: Action) -> None:
    owner_id = session.scalar(select(UserRow.id).where(UserRow.name == action.owner))
    if owner_id is None:
        raise LookupError(f"there is no user called {action.owner!r} to own action {action.id}")
    row.recommendation_id = action.recommendation_id
    row.title = action.title
    row.owner_id = owner_id
    row.due_on = action.due_on
    row.status = action.status.value
    row.evidence = json.dumps(list(action.evidence), ensure_ascii=False)
    row.done_on = action.done_on
    row.done_by = action.done_by
    row.verified_on = action.verified_on
    row.verified_by = action.verified_by
    row.rung = action.rung
    row.deadline = action.deadline
    row.escalated_on = action.escalated_on
    row.created_at = action.created_at.isoformat()
    row.updated_at = action.updated_at.isoformat()


def _with_owner() -> Select[tuple[ActionRow, str, str]]:
    """Actions with their owner's name and their recommendation's organisation, by id."""
    return (
        select(ActionRow, UserRow.name, RecommendationRow.organisation_code)
        .join(UserRow, ActionRow.owner_id == UserRow.id)
        .join(RecommendationRow, ActionRow.recommendation_id == RecommendationRow.id)
        .order_by(ActionRow.id)
    )


def _run(session: Session, query: Select[tuple[ActionRow, str, str]]) -> list[Action]:
    return [_to_action(*found) for found in session.execute(query).tuples()]


def find_action(session: Session, action_id: int) -> Action | None:
    """The action with ``action_id``, or None."""
    found = _run(session, _with_owner().where(ActionRow.id == action_id))
    return found[0] if found else None


def actions(
    session: Session,
    *,
    recommendation_id: int | None = None,
    owner: str | None = None,
    organisations: Collection[str] | None = None,
    episode_id: int | None = None,
) -> list[Action]:
    """The actions (of one recommendation, one owner, ``organisations``, the recommendations of
    one episode), by id."""
    query = _with_owner()
    if recommendation_id is not None:
        query = query.where(ActionRow.recommendation_id == recommendation_id)
    if owner is not None:
        query = query.where(UserRow.name == owner)
    if organisations is not None:
        query = query.where(RecommendationRow.organisation_code.in_(list(organisations)))
    if episode_id is not None:
        query = query.where(RecommendationRow.episode_id == episode_id)
    return _run(session, query)


def overdue_actions(session: Session, as_of: date) -> list[Action]:
    """The actions still planned or in progress whose ``deadline`` is before ``as_of``, of
    recommendations that are not closed, by id.

    The escalation ladder reads these; a closed recommendation's unfinished actions are shown as
    "closed without all actions verified" instead of climbing the ladder.
    """
    query = _with_owner().where(
        ActionRow.status.in_([status.value for status in UNFINISHED]),
        ActionRow.deadline < as_of,
        RecommendationRow.state != RecommendationState.CLOSED.value,
    )
    return _run(session, query)


def add_action(session: Session, action: Action) -> Action:
    """Insert ``action`` (its ``id``, ``organisation`` and ``version`` are ignored); return it
    as stored."""
    row = ActionRow()
    _fill_action(session, row, action)
    session.add(row)
    session.flush()
    return _stored(session, row.id)


def save_action(session: Session, action: Action) -> Action:
    """Overwrite the stored action with ``action`` if its ``version`` is still the stored one.

    Refused with :class:`StaleChangeError` when someone else changed it in between: the version
    read is compared here, and SQLAlchemy's version counter refuses a change that races past it.
    The escalation ladder saves an escalated action (``rung``, ``deadline``, ``escalated_on``)
    through this too.
    """
    row = session.get(ActionRow, action.id, populate_existing=True)
    if row is None or row.version != action.version:
        raise stale("action", action.id, action.recommendation_id)
    _fill_action(session, row, action)
    try:
        session.flush()
    except StaleDataError:
        raise stale("action", action.id, action.recommendation_id) from None
    return _stored(session, action.id)


def _stored(session: Session, action_id: int) -> Action:
    """The action just written in this transaction, read back with its owner's name."""
    found = find_action(session, action_id)
    if found is None:
        raise LookupError(f"action {action_id} vanished inside its own transaction")
    return found
