"""Concerns: what a patient, a family or a member of staff raised, how the trust handled it, and
the clocks that run on it (docs/concerns.md).

A **concern** is raised through a channel (a complaint, PALS, the online form, a phone call, a
letter, a staff concern, a Martha's Rule call), about one organisation (a trust, a site or a
unit). It has a public **reference** such as ``CON-2026-000123`` (not a secret: it is quoted on
the phone) and, separately, a private follow-up token that only its hash in the store can match.
It moves ``received`` → ``acknowledged`` → ``triaged`` → ``responded`` → ``closed``, and is
``reopened`` when the person says the final response did not resolve it. Its **events** are the
conversation: the trust's replies, the person's messages, the final response and the person's
answer to it.

Frozen domain objects; the store converts its rows to them (:mod:`caresignal.store.concerns`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "HCAT",
    "OPEN_STATES",
    "Concern",
    "ConcernChannel",
    "ConcernContact",
    "ConcernEvent",
    "ConcernState",
    "EventKind",
    "Severity",
]


class ConcernChannel(StrEnum):
    """How a concern was raised (the data schema's ``concerns.channel``)."""

    COMPLAINT = "complaint"
    PALS = "pals"
    ONLINE = "online"
    PHONE = "phone"
    LETTER = "letter"
    #: A member of staff speaking up (Freedom to Speak Up), anonymously if they wish.
    STAFF = "staff"
    MARTHAS_RULE = "marthas_rule"


class ConcernState(StrEnum):
    """Where a concern stands, in the order it normally moves."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    TRIAGED = "triaged"
    RESPONDED = "responded"
    CLOSED = "closed"
    #: The person said the final response did not resolve it: a new response is due.
    REOPENED = "reopened"


#: States in which the trust still owes the person a final response.
OPEN_STATES = frozenset(
    {ConcernState.RECEIVED, ConcernState.ACKNOWLEDGED, ConcernState.TRIAGED, ConcernState.REOPENED}
)


class Severity(StrEnum):
    """HCAT severity."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


#: HCAT (Reader, Gillespie & Roberts, BMJ Qual Saf 2014): three domains and their categories.
HCAT: dict[str, tuple[str, ...]] = {
    "clinical": ("quality", "safety"),
    "management": ("environment", "institutional_processes"),
    "relationships": ("listening", "communication", "respect_and_patient_rights"),
}


class EventKind(StrEnum):
    """What one event of a concern's conversation is."""

    #: A reply from the trust that is not the final response.
    REPLY = "reply"
    #: The written explanation owed when there is no final response within six months.
    EXPLANATION = "explanation"
    FINAL_RESPONSE = "final_response"
    #: More information or a question from the person who raised it.
    MESSAGE = "message"
    #: The person's answer to the final response.
    RESOLVED = "resolved"
    NOT_RESOLVED = "not_resolved"
    #: Historical entries brought in by an import.
    IMPORTED = "imported"


#: Events written by the person who raised the concern (the rest are the trust's).
FROM_THE_PERSON = frozenset({EventKind.MESSAGE, EventKind.RESOLVED, EventKind.NOT_RESOLVED})


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True, slots=True)
class Concern:
    """One concern. ``text`` is the person's own words (shown escaped, never interpreted).

    Clocks: ``acknowledge_by`` (3 working days after ``received_on``), ``response_due`` (agreed
    with the person; by default 25 working days after acknowledgement; ``response_agreed`` says
    whether it was agreed rather than defaulted) and ``explanation_due`` (six calendar months
    after ``received_on``, met by ``explained_on`` or a final response). ``deadline``, ``rung``
    and ``escalated_on`` belong to the escalation ladder, as for actions. ``anonymous``: nothing
    identifying was kept. ``version`` goes up with every change. ``episode_ids`` are the linked
    signal episodes and ``incident_references`` the references of the linked patient-safety
    incidents in the trust's incident system (LFPSE, Datix), in the order they were linked.
    """

    id: int
    reference: str
    organisation: str
    channel: ConcernChannel
    text: str
    happened_on: date | None
    relationship: str
    contact_by: str
    anonymous: bool
    state: ConcernState
    received_on: date
    acknowledge_by: date
    acknowledged_on: date | None
    response_due: date | None
    response_agreed: bool
    responded_on: date | None
    explanation_due: date
    explained_on: date | None
    closed_on: date | None
    outcome: str | None
    ombudsman_offered: bool
    hcat_domain: str | None
    hcat_category: str | None
    severity: Severity | None
    episode_ids: tuple[int, ...]
    duty_of_candour: bool | None
    source_reference: str | None
    rung: int
    deadline: date | None
    escalated_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime
    incident_references: tuple[str, ...] = ()

    def is_overdue(self, as_of: date) -> bool:
        """Whether the trust still owes the person something and its deadline was before
        ``as_of``."""
        return self.deadline is not None and self.deadline < as_of

    def to_dict(self, *, with_text: bool = True) -> dict[str, Any]:
        """Every field for JSON; without the person's words when ``with_text`` is False (the
        audit log and the board keep what was done, not what was said)."""
        found: dict[str, Any] = {
            "id": self.id,
            "reference": self.reference,
            "organisation": self.organisation,
            "channel": self.channel.value,
            "happened_on": _day(self.happened_on),
            "relationship": self.relationship,
            "contact_by": self.contact_by,
            "anonymous": self.anonymous,
            "state": self.state.value,
            "received_on": self.received_on.isoformat(),
            "acknowledge_by": self.acknowledge_by.isoformat(),
            "acknowledged_on": _day(self.acknowledged_on),
            "response_due": _day(self.response_due),
            "response_agreed": self.response_agreed,
            "responded_on": _day(self.responded_on),
            "explanation_due": self.explanation_due.isoformat(),
            "explained_on": _day(self.explained_on),
            "closed_on": _day(self.closed_on),
            "outcome": self.outcome,
            "ombudsman_offered": self.ombudsman_offered,
            "hcat_domain": self.hcat_domain,
            "hcat_category": self.hcat_category,
            "severity": None if self.severity is None else self.severity.value,
            "episode_ids": list(self.episode_ids),
            "incident_references": list(self.incident_references),
            "duty_of_candour": self.duty_of_candour,
            "source_reference": self.source_reference,
            "rung": self.rung,
            "deadline": _day(self.deadline),
            "escalated_on": _day(self.escalated_on),
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }
        if with_text:
            found["text"] = self.text
        return found


@dataclass(frozen=True, slots=True)
class ConcernContact:
    """How to reach the person who raised a concern: kept only when they gave it, and never for
    an anonymous concern."""

    name: str | None
    email: str | None
    phone: str | None
    address: str | None

    def to_dict(self) -> dict[str, Any]:
        """Every field, for JSON."""
        return {
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "address": self.address,
        }


@dataclass(frozen=True, slots=True)
class ConcernEvent:
    """One entry of a concern's conversation: who wrote it (``actor``: a user's name for the
    trust; ``public`` or ``anonymous`` for the person), what kind it is, and the words."""

    id: int
    concern_id: int
    at: datetime
    actor: str
    kind: EventKind
    text: str

    @property
    def from_the_person(self) -> bool:
        """Whether the person who raised the concern wrote it."""
        return self.kind in FROM_THE_PERSON

    def to_dict(self) -> dict[str, Any]:
        """Every field, for JSON."""
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "kind": self.kind.value,
            "from_the_person": self.from_the_person,
            "text": self.text,
        }

    def for_the_person(self) -> dict[str, Any]:
        """What the person may see of it: when, from whom ("you" or "the trust"), and the
        words (never the name of the member of staff)."""
        return {
            "at": self.at.isoformat(),
            "from": "you" if self.from_the_person else "the trust",
            "kind": self.kind.value,
            "text": self.text,
        }
