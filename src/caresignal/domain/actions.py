"""Recommendations and their actions: what must change, who does it, by when, and who checked it.

A **recommendation** comes from a signal review, an inspection, a coroner's prevention-of-future-
deaths report, an independent investigation, an internal review or a complaint. It is broken into
**actions**, each with an owner, a due date and a status; an action is done only with evidence,
and verified by a second person (docs/recommendations.md).

Frozen domain objects; the store converts its rows to them (:mod:`caresignal.store.actions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "UNFINISHED",
    "Action",
    "ActionStatus",
    "Recommendation",
    "RecommendationDetail",
    "RecommendationSource",
    "RecommendationState",
]


class RecommendationSource(StrEnum):
    """Where a recommendation came from."""

    SIGNAL_REVIEW = "signal_review"
    INSPECTION = "inspection"
    #: A coroner's report to prevent future deaths (Regulation 28).
    PREVENTION_OF_FUTURE_DEATHS = "prevention_of_future_deaths"
    INDEPENDENT_INVESTIGATION = "independent_investigation"
    INTERNAL_REVIEW = "internal_review"
    COMPLAINT = "complaint"


class RecommendationState(StrEnum):
    """Whether a recommendation is still being worked on."""

    OPEN = "open"
    CLOSED = "closed"


class ActionStatus(StrEnum):
    """Where an action stands, in the order it moves: planned, in progress, done (with evidence),
    verified (by a second person)."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    VERIFIED = "verified"


#: Statuses in which an action still needs its owner's work.
UNFINISHED = frozenset({ActionStatus.PLANNED, ActionStatus.IN_PROGRESS})


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One recommendation made to an organisation; ``reference`` is unique within it.

    ``episode_id`` links it to the signal episode whose review made it, if any. A closed
    recommendation records when, by whom and why (``closed_on``, ``closed_by``,
    ``closing_reason``). ``version`` goes up with every change (a stale change is refused).
    """

    id: int
    organisation: str
    reference: str
    source: RecommendationSource
    title: str
    detail: str
    received_on: date
    episode_id: int | None
    state: RecommendationState
    closed_on: date | None
    closed_by: str | None
    closing_reason: str | None
    version: int
    created_at: datetime
    updated_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """Every field, for JSON and for audit entries (dates in ISO 8601)."""
        return {
            "id": self.id,
            "organisation": self.organisation,
            "reference": self.reference,
            "source": self.source.value,
            "title": self.title,
            "detail": self.detail,
            "received_on": self.received_on.isoformat(),
            "episode_id": self.episode_id,
            "state": self.state.value,
            "closed_on": _day(self.closed_on),
            "closed_by": self.closed_by,
            "closing_reason": self.closing_reason,
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Action:
    """One action of a recommendation: an owner (a user's name), a due date and a status.

    ``organisation`` is the recommendation's, for reading only (saving an action never moves
    it). ``evidence`` holds the references given when it was marked done; ``done_by`` and
    ``verified_by`` the two people of the four-eyes check. ``rung``, ``deadline`` and
    ``escalated_on`` belong to the escalation ladder: a new action is on rung 0 with its due date
    as its deadline, and the ladder moves them on.
    """

    id: int
    recommendation_id: int
    organisation: str
    title: str
    owner: str
    due_on: date
    status: ActionStatus
    evidence: tuple[str, ...]
    done_on: date | None
    done_by: str | None
    verified_on: date | None
    verified_by: str | None
    rung: int
    deadline: date
    escalated_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime

    def is_overdue(self, as_of: date) -> bool:
        """Whether the action is still planned or in progress and its deadline was before
        ``as_of``."""
        return self.status in UNFINISHED and self.deadline < as_of

    def to_dict(self) -> dict[str, Any]:
        """Every field, for JSON and for audit entries (dates in ISO 8601)."""
        return {
            "id": self.id,
            "recommendation_id": self.recommendation_id,
            "organisation": self.organisation,
            "title": self.title,
            "owner": self.owner,
            "due_on": self.due_on.isoformat(),
            "status": self.status.value,
            "evidence": list(self.evidence),
            "done_on": _day(self.done_on),
            "done_by": self.done_by,
            "verified_on": _day(self.verified_on),
            "verified_by": self.verified_by,
            "rung": self.rung,
            "deadline": self.deadline.isoformat(),
            "escalated_on": _day(self.escalated_on),
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class RecommendationDetail:
    """A recommendation with its actions, which can say in words how far it has got.

    Examples
    --------
    >>> from datetime import UTC
    >>> at = datetime(2026, 3, 1, tzinfo=UTC)
    >>> made = Recommendation(1, "RZZ", "CQC-1", RecommendationSource.INSPECTION, "Screen", "",
    ...     date(2026, 1, 5), None, RecommendationState.OPEN, None, None, None, 1, at, at)
    >>> def action(status: ActionStatus, due: date) -> Action:
    ...     return Action(1, 1, "RZZ", "a", "lead", due, status, (), None, None, None, None,
    ...                   0, due, None, 1, at, at)
    >>> detail = RecommendationDetail(made, (action(ActionStatus.VERIFIED, date(2026, 2, 1)),
    ...     action(ActionStatus.PLANNED, date(2026, 2, 20))))
    >>> detail.summary(date(2026, 3, 1))
    'open: 1 of 2 actions verified, 1 overdue'
    """

    recommendation: Recommendation
    actions: tuple[Action, ...]

    @property
    def unverified(self) -> tuple[Action, ...]:
        """The actions not yet verified."""
        return tuple(a for a in self.actions if a.status is not ActionStatus.VERIFIED)

    @property
    def closed_without_verification(self) -> bool:
        """Whether the recommendation was closed while some of its actions were not verified."""
        closed = self.recommendation.state is RecommendationState.CLOSED
        return closed and bool(self.unverified)

    def overdue(self, as_of: date) -> tuple[Action, ...]:
        """The actions overdue on ``as_of`` (none once the recommendation is closed)."""
        if self.recommendation.state is RecommendationState.CLOSED:
            return ()
        return tuple(a for a in self.actions if a.is_overdue(as_of))

    def summary(self, as_of: date) -> str:
        """How far the recommendation has got, in words: "open: 3 of 5 actions verified,
        1 overdue", "closed on 2026-03-01 with 2 of 5 actions not verified"."""
        total, unverified = len(self.actions), len(self.unverified)
        noun = "action" if total == 1 else "actions"
        recommendation = self.recommendation
        if recommendation.state is RecommendationState.CLOSED:
            when = f"closed on {_day(recommendation.closed_on)}"
            if total == 0:
                return f"{when} with no actions"
            if unverified == 0:
                return f"{when} with {'its' if total == 1 else 'all'} {total} {noun} verified"
            return f"{when} with {unverified} of {total} {noun} not verified"
        if total == 0:
            return "open: no actions yet"
        overdue = len(self.overdue(as_of))
        late = f", {overdue} overdue" if overdue else ""
        return f"open: {total - unverified} of {total} {noun} verified{late}"

    def to_dict(self, as_of: date) -> dict[str, Any]:
        """For JSON: the recommendation's fields, its ``actions``, ``summary`` (as of ``as_of``)
        and ``closed_without_verification``."""
        late = {action.id for action in self.overdue(as_of)}
        return {
            **self.recommendation.to_dict(),
            "summary": self.summary(as_of),
            "closed_without_verification": self.closed_without_verification,
            "actions": [
                {**action.to_dict(), "overdue": action.id in late} for action in self.actions
            ],
        }
