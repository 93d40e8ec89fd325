"""The board ledger: a trust board's meetings, what was presented at each and what the board
decided (docs/accountability.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

__all__ = ["BoardHistory", "BoardItem", "BoardMeeting"]


@dataclass(frozen=True, slots=True)
class BoardMeeting:
    """A meeting of the board of ``trust``."""

    id: int
    trust: str
    held_on: date
    title: str

    def to_dict(self) -> dict[str, Any]:
        """Every field, for JSON and audit entries."""
        return {
            "id": self.id,
            "trust": self.trust,
            "held_on": self.held_on.isoformat(),
            "title": self.title,
        }


@dataclass(frozen=True, slots=True)
class BoardItem:
    """One thing presented at a meeting: a signal episode, an action or a recommendation, how it
    stood then (``summary``) and what the board decided."""

    meeting: BoardMeeting
    entity: str
    entity_id: str
    summary: str
    decision: str
    presented_by: str

    def to_dict(self) -> dict[str, Any]:
        """Every field, for JSON and audit entries (the meeting as its id, day and title)."""
        return {
            "meeting": self.meeting.to_dict(),
            "entity": self.entity,
            "entity_id": self.entity_id,
            "summary": self.summary,
            "decision": self.decision,
            "presented_by": self.presented_by,
        }


@dataclass(frozen=True, slots=True)
class BoardHistory:
    """Every time one item reached the board, oldest first, and the sentence that sums it up
    ("presented to the board 3 times since March 2021; no action plan yet")."""

    entity: str
    entity_id: str
    items: tuple[BoardItem, ...]
    sentence: str

    def to_dict(self) -> dict[str, Any]:
        """For JSON."""
        return {
            "entity": self.entity,
            "entity_id": self.entity_id,
            "sentence": self.sentence,
            "presentations": [item.to_dict() for item in self.items],
        }
