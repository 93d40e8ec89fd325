"""Concerns before the board (docs/concerns.md): a concern escalated to the executive's rung or
above that still owes the person an answer goes on the board's agenda, described by its
reference, channel, dates and where it stands, never by its words or who raised it.

:mod:`caresignal.workflow.board` asks these two functions about the entity ``concern``.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy.orm import Session

from caresignal.domain.concerns import OPEN_STATES, Concern, ConcernState
from caresignal.store import concerns as concern_repo

__all__ = ["describe", "for_the_board"]

_STANDING = {
    ConcernState.RECEIVED: "not acknowledged",
    ConcernState.ACKNOWLEDGED: "acknowledged; no final response yet",
    ConcernState.TRIAGED: "triaged; no final response yet",
    ConcernState.REOPENED: "reopened: the person said the response did not resolve it",
    ConcernState.RESPONDED: "final response sent; waiting for the person's answer",
}


def _standing(concern: Concern, as_of: date) -> str:
    if concern.state is ConcernState.CLOSED:
        return f"closed on {concern.closed_on}"
    late = ", overdue" if concern.is_overdue(as_of) else ""
    return _STANDING[concern.state] + late


def _summary(concern: Concern, as_of: date) -> str:
    rung = "" if concern.rung == 0 else f", escalated (rung {concern.rung})"
    due = "" if concern.deadline is None else f", due {concern.deadline.isoformat()}"
    return (
        f"concern {concern.reference} {concern.organisation} ({concern.channel.value}, received "
        f"{concern.received_on.isoformat()}): {_standing(concern, as_of)}{rung}{due}"
    )


def describe(session: Session, concern_id: int, as_of: date) -> tuple[str, str, str] | None:
    """The concern's organisation, a sentence on how it stands and a few words on where it has
    got to; None when there is no such concern."""
    concern = concern_repo.find_concern(session, concern_id)
    if concern is None:
        return None
    return concern.organisation, _summary(concern, as_of), _standing(concern, as_of)


def for_the_board(
    session: Session, within: Collection[str], as_of: date, executive: int
) -> list[tuple[date, int, str, str, str, str]]:
    """The concerns of ``within`` escalated to rung ``executive`` or above that still owe an
    answer: (deadline, id, organisation, why, summary, standing) each."""
    found: list[tuple[date, int, str, str, str, str]] = []
    for concern in concern_repo.concerns(session, organisations=within):
        if concern.state not in OPEN_STATES or concern.rung < executive:
            continue
        due = concern.deadline or as_of
        why = f"a concern escalated to the board, due {due.isoformat()}"
        summary, standing = _summary(concern, as_of), _standing(concern, as_of)
        found.append((due, concern.id, concern.organisation, why, summary, standing))
    return found
