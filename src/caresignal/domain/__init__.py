"""The words of caresignal's glossary, as frozen dataclasses and enums.

These are what the rest of the code works with; the store converts its rows to them explicitly
(:mod:`caresignal.store.repo`), so no database row ever leaves the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = ["AuditEntry", "Organisation", "Role", "RoleGrant", "User"]


class Role(StrEnum):
    """What a person may see and do, always within a scope (an organisation or, for a regulator,
    a region)."""

    QUALITY_ANALYST = "quality_analyst"
    UNIT_LEAD = "unit_lead"
    DIVISIONAL_DIRECTOR = "divisional_director"
    EXECUTIVE_SAFETY_CHAMPION = "executive_safety_champion"
    BOARD_MEMBER = "board_member"
    #: Sees every trust in a region; the only role scoped to a region rather than an organisation.
    REGULATOR = "regulator"
    ADMINISTRATOR = "administrator"
    #: A site's critical care outreach team: answers Martha's Rule calls for urgent reviews.
    OUTREACH_TEAM = "outreach_team"
    #: A site's on-call senior clinician: told when an urgent review has not begun in time.
    ON_CALL_SENIOR = "on_call_senior"


@dataclass(frozen=True, slots=True)
class Organisation:
    """A trust, a site or a unit, as imported into the data directory's ``organisations`` table."""

    code: str
    name: str
    level: str
    parent_code: str | None
    unit_type: str | None
    comparator_group: str | None
    region: str | None

    def to_dict(self) -> dict[str, Any]:
        """Every field, for JSON and for audit entries."""
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "parent_code": self.parent_code,
            "unit_type": self.unit_type,
            "comparator_group": self.comparator_group,
            "region": self.region,
        }


@dataclass(frozen=True, slots=True)
class User:
    """A person who uses caresignal; ``name`` is what they sign in and are named by."""

    id: int
    name: str
    email: str

    def to_dict(self) -> dict[str, Any]:
        """Every field, for JSON and for audit entries."""
        return {"id": self.id, "name": self.name, "email": self.email}


@dataclass(frozen=True, slots=True)
class RoleGrant:
    """A role held by a user within one organisation, or (a regulator) one region."""

    id: int
    user_name: str
    role: Role
    organisation_code: str | None
    region: str | None

    @property
    def scope(self) -> str:
        """The organisation code or region the role applies to."""
        return self.organisation_code or self.region or ""

    def to_dict(self) -> dict[str, Any]:
        """Every field, for JSON and for audit entries."""
        return {
            "id": self.id,
            "user": self.user_name,
            "role": self.role.value,
            "organisation": self.organisation_code,
            "region": self.region,
        }


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry of the tamper-evident audit log: who did what to which entity, when and why.

    ``before`` is ``None`` for something created; ``hash`` is the SHA-256 of ``prev_hash``
    followed by the entry's canonical JSON (:mod:`caresignal.store.audit`).
    """

    seq: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        """Every field, for JSON (``at`` in ISO 8601)."""
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "entity": self.entity,
            "entity_id": self.entity_id,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }
