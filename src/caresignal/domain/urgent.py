"""Martha's Rule urgent reviews: a patient, a family member, a carer or a member of staff who is
worried that someone is getting sicker asks for a rapid review by the outreach team
(docs/concerns.md, "Martha's Rule").

A **call** is about one ward or unit. It moves ``called`` → ``review_begun`` →
``outcome_recorded``; a call whose review has not begun by its ``due_at`` is ``escalated`` to
the site's on-call senior, and its review then begins and ends the same way. The **call-back
number** is kept only while the call is open: it is removed when the outcome is recorded.

Frozen domain objects; the store converts its rows to them (:mod:`caresignal.store.urgent`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = ["OPEN_CALL_STATES", "WAITING_STATES", "CallState", "Caller", "Outcome", "UrgentCall"]


class CallState(StrEnum):
    """Where a call stands, in the order it normally moves."""

    CALLED = "called"
    #: Its review had not begun in time: the site's on-call senior has been told.
    ESCALATED = "escalated"
    REVIEW_BEGUN = "review_begun"
    OUTCOME_RECORDED = "outcome_recorded"


#: States in which the review has not yet begun: the clock runs on these.
WAITING_STATES = frozenset({CallState.CALLED, CallState.ESCALATED})
#: States in which the call is still open.
OPEN_CALL_STATES = frozenset({*WAITING_STATES, CallState.REVIEW_BEGUN})


class Caller(StrEnum):
    """Who asked for the review."""

    PATIENT = "patient"
    FAMILY = "family"
    CARER = "carer"
    STAFF = "staff"


class Outcome(StrEnum):
    """What came of the review (one or more)."""

    REVIEW_DONE = "review_done"
    CARE_ESCALATED = "care_escalated"
    FAMILY_TOLD = "family_told"


@dataclass(frozen=True, slots=True)
class UrgentCall:
    """One Martha's Rule call.

    ``unit`` is the ward or unit it is about and ``site`` the site above it (whose outreach team
    and on-call senior answer, and whose time limit applies). ``callback`` is None once the
    outcome is recorded. ``limit_minutes`` is the site's limit when the call was made, and
    ``due_at`` the time by which its review must begin.
    """

    id: int
    reference: str
    unit: str
    site: str
    caller: Caller
    patient: str
    worry: str
    callback: str | None
    state: CallState
    called_at: datetime
    limit_minutes: int
    due_at: datetime
    escalated_at: datetime | None
    review_begun_at: datetime | None
    review_begun_by: str | None
    outcomes: tuple[Outcome, ...]
    outcome_note: str | None
    outcome_at: datetime | None
    outcome_by: str | None
    version: int

    def minutes_left(self, now: datetime) -> int | None:
        """Whole minutes until the review must begin (negative once overdue); None once it
        has begun."""
        if self.state not in WAITING_STATES:
            return None
        return int((self.due_at - now).total_seconds() // 60)

    def to_dict(self, *, with_words: bool = True, with_callback: bool = False) -> dict[str, Any]:
        """For JSON; the bed or patient name, the worry and the note only ``with_words`` (the
        audit log keeps none of them), the call-back number only ``with_callback``."""
        data: dict[str, Any] = {
            "id": self.id,
            "reference": self.reference,
            "unit": self.unit,
            "site": self.site,
            "caller": self.caller.value,
            "patient": self.patient,
            "worry": self.worry,
            "state": self.state.value,
            "called_at": self.called_at.isoformat(),
            "limit_minutes": self.limit_minutes,
            "due_at": self.due_at.isoformat(),
            "escalated_at": _iso(self.escalated_at),
            "review_begun_at": _iso(self.review_begun_at),
            "review_begun_by": self.review_begun_by,
            "outcomes": [outcome.value for outcome in self.outcomes],
            "outcome_note": self.outcome_note,
            "outcome_at": _iso(self.outcome_at),
            "outcome_by": self.outcome_by,
            "version": self.version,
        }
        if not with_words:
            for key in ("patient", "worry", "outcome_note"):
                del data[key]
        if with_callback:
            data["callback"] = self.callback
        return data


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
