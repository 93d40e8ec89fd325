"""Signal episodes: one per (unit, indicator, direction) problem, from first finding to closure.

Frozen domain objects; the store converts its rows to them (:mod:`caresignal.store.episodes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from caresignal.domain import Role

__all__ = ["Episode", "EpisodeEvent", "EpisodeFinding", "EpisodeState"]


class EpisodeState(StrEnum):
    """Where an episode stands, in the order it normally moves (docs/accountability.md)."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    #: The critical safety check (MOSS) is recorded by moving here.
    UNDER_REVIEW = "under_review"
    ACTION_PLANNED = "action_planned"
    MONITORING = "monitoring"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Episode:
    """One signal episode: a problem of one unit and indicator in one direction.

    ``level`` is the most severe finding level seen; ``opened_on`` the day caresignal opened (or
    last reopened) it, from which deadlines count; ``times_closed`` how many times it has been
    closed; ``rung`` the lowest rung of the escalation ladder that owns it (0 until escalated;
    a red signal starts at the executive's rung) and ``escalated_on`` the day it last climbed;
    ``version`` goes up with every change (a stale change is refused).
    """

    id: int
    unit: str
    indicator: str
    direction: str
    state: EpisodeState
    level: str
    first_finding: date
    last_finding: date
    opened_on: date
    closed_on: date | None
    times_closed: int
    owner_role: Role | None
    deadline: date | None
    rung: int
    escalated_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """Every field, for JSON and for audit entries (dates in ISO 8601)."""
        return {
            "id": self.id,
            "unit": self.unit,
            "indicator": self.indicator,
            "direction": self.direction,
            "state": self.state.value,
            "level": self.level,
            "first_finding": self.first_finding.isoformat(),
            "last_finding": self.last_finding.isoformat(),
            "opened_on": self.opened_on.isoformat(),
            "closed_on": None if self.closed_on is None else self.closed_on.isoformat(),
            "times_closed": self.times_closed,
            "owner_role": None if self.owner_role is None else self.owner_role.value,
            "deadline": None if self.deadline is None else self.deadline.isoformat(),
            "rung": self.rung,
            "escalated_on": None if self.escalated_on is None else self.escalated_on.isoformat(),
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class EpisodeFinding:
    """A distinct finding linked to an episode; ``seen_as_of`` is the as-of day of the scan that
    first found it."""

    unit: str
    indicator: str
    method: str
    chart: str
    level: str
    direction: str
    first_crossed: date
    change_began: date
    explanation: str
    seen_as_of: date

    def to_dict(self) -> dict[str, Any]:
        """Every field, for JSON (dates in ISO 8601)."""
        return {
            "unit": self.unit,
            "indicator": self.indicator,
            "method": self.method,
            "chart": self.chart,
            "level": self.level,
            "direction": self.direction,
            "first_crossed": self.first_crossed.isoformat(),
            "change_began": self.change_began.isoformat(),
            "explanation": self.explanation,
            "seen_as_of": self.seen_as_of.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class EpisodeEvent:
    """One step in an episode's history: opened, extended, reopened, a state change or closure.

    ``evidence`` holds the references given when closing (a review, actions done).
    """

    at: datetime
    actor: str
    action: str
    from_state: EpisodeState | None
    to_state: EpisodeState
    reason: str
    evidence: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Every field, for JSON."""
        return {
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "from_state": None if self.from_state is None else self.from_state.value,
            "to_state": self.to_state.value,
            "reason": self.reason,
            "evidence": list(self.evidence),
        }
