"""Notifications: messages in the outbox, written with the change they tell of and delivered
afterwards (docs/accountability.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = ["Notification", "NotificationStatus"]


class NotificationStatus(StrEnum):
    """Where a message stands. Nothing leaves the outbox: a message that could not be sent stays
    there, visible, with the reason."""

    PENDING = "pending"
    SENT = "sent"
    #: Every attempt failed; ``caresignal outbox retry`` sends it again.
    FAILED = "failed"
    #: Nobody could be told: no one holds the role where the item is.
    UNDELIVERABLE = "undeliverable"


@dataclass(frozen=True, slots=True)
class Notification:
    """One message to one person (``recipient`` and ``address`` are None when nobody could be
    found to tell)."""

    id: int
    created_at: datetime
    recipient: str | None
    address: str | None
    subject: str
    body: str
    entity: str
    entity_id: str
    status: NotificationStatus
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    sent_at: datetime | None
    #: ``email`` (to ``address``) or ``webhook`` (``body`` is JSON, POSTed to the paging webhook).
    channel: str = "email"

    def to_dict(self) -> dict[str, Any]:
        """Every field, for JSON (times in ISO 8601)."""
        return {
            "id": self.id,
            "created_at": self.created_at.isoformat(),
            "recipient": self.recipient,
            "address": self.address,
            "subject": self.subject,
            "body": self.body,
            "entity": self.entity,
            "entity_id": self.entity_id,
            "status": self.status.value,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "next_attempt_at": _iso(self.next_attempt_at),
            "sent_at": _iso(self.sent_at),
            "channel": self.channel,
        }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
