"""Telling people: messages are put in the outbox in the transaction of the change they tell of,
and delivered afterwards by e-mail, with retries (docs/accountability.md).

Nothing is dropped silently. A message nobody can receive (no one holds the role where the item
is) is kept as ``undeliverable``; a message whose every attempt failed is kept as ``failed`` with
the last error, until someone asks for it to be retried.
"""

from __future__ import annotations

import smtplib
import ssl
import urllib.error
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import Clock
from caresignal.domain import Role
from caresignal.domain.notifications import Notification, NotificationStatus
from caresignal.errors import CaresignalError
from caresignal.settings import Settings
from caresignal.store import audit
from caresignal.store import outbox as outbox_repo
from caresignal.store.service import UnknownError
from caresignal.store.session import transaction
from caresignal.workflow import access

__all__ = [
    "BACKOFF",
    "DeliveryResult",
    "Mailer",
    "SmtpMailer",
    "Webhook",
    "deliver",
    "list_notifications",
    "mailer_from",
    "retry",
    "tell",
]

#: How long to wait after each failed attempt before the next; after the last, the message is
#: ``failed``.
BACKOFF: tuple[timedelta, ...] = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
#: A claimed message is left alone by other deliverers for this long (a deliverer that dies
#: mid-send leaves it to be tried again after this).
LEASE = timedelta(minutes=10)

#: Sends one message or raises: ``(address, subject, body)``.
Mailer = Callable[[str, str, str], None]
#: POSTs one webhook message's JSON body or raises ``OSError`` (:mod:`.webhook`).
Webhook = Callable[[str], None]


def tell(
    session: Session,
    *,
    clock: Clock,
    roles: Sequence[Role],
    organisation: str,
    subject: str,
    body: str,
    entity: str,
    entity_id: str,
) -> list[Notification]:
    """Put a message in the outbox for everyone holding one of ``roles`` in ``organisation`` or
    above (a regulator: in its region), in the caller's transaction. When nobody does, one
    ``undeliverable`` message records who should have been told."""
    made: list[Notification] = []
    told: set[str] = set()
    for role in roles:
        for person in access.holders(session, role, organisation):
            if person.name in told:
                continue
            told.add(person.name)
            made.append(
                outbox_repo.add(
                    session,
                    created_at=clock.now(),
                    recipient=person.name,
                    address=person.email,
                    subject=subject,
                    body=body,
                    entity=entity,
                    entity_id=entity_id,
                )
            )
    if not made:
        wanted = " or ".join(role.value for role in roles)
        made.append(
            outbox_repo.add(
                session,
                created_at=clock.now(),
                recipient=None,
                address=None,
                subject=subject,
                body=body,
                entity=entity,
                entity_id=entity_id,
                error=f"nobody holds the role {wanted} in {organisation} or above",
            )
        )
    return made


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """What one delivery run did: messages sent, attempts that failed (to be retried), messages
    that ran out of attempts, and how many were already undeliverable or failed before."""

    sent: int
    retrying: int
    failed: int
    waiting: int

    def to_dict(self) -> dict[str, Any]:
        """For JSON."""
        return {
            "sent": self.sent,
            "retrying": self.retrying,
            "failed": self.failed,
            "waiting": self.waiting,
        }


class SmtpMailer:
    """Sends through the mail server the settings name (``CARESIGNAL_SMTP_*``)."""

    def __init__(self, settings: Settings, timeout: float = 30.0) -> None:
        if not settings.smtp_host or not settings.smtp_sender:
            raise CaresignalError(
                "no mail server is set for notifications",
                hint="set CARESIGNAL_SMTP_HOST and CARESIGNAL_SMTP_SENDER (docs/settings.md)",
            )
        self._settings = settings
        self._host: str = settings.smtp_host
        self._sender: str = settings.smtp_sender
        self._timeout = timeout

    def __call__(self, address: str, subject: str, body: str) -> None:
        """Send one message; raises ``smtplib.SMTPException`` or ``OSError`` on failure."""
        settings = self._settings
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = address
        message["Subject"] = subject
        message.set_content(body)
        context = ssl.create_default_context()
        server: smtplib.SMTP
        if settings.smtp_security == "tls":
            server = smtplib.SMTP_SSL(
                self._host, settings.smtp_port, timeout=self._timeout, context=context
            )
        else:
            server = smtplib.SMTP(self._host, settings.smtp_port, timeout=self._timeout)
        with server:
            if settings.smtp_security == "starttls":
                server.starttls(context=context)
            if settings.smtp_username:
                password = settings.smtp_password
                server.login(
                    settings.smtp_username, "" if password is None else password.get_secret_value()
                )
            server.send_message(message)


def mailer_from(settings: Settings) -> Mailer | None:
    """The mailer the settings describe, or None when no mail server is set."""
    if not settings.smtp_host:
        return None
    return SmtpMailer(settings)


def deliver(
    sessions: sessionmaker[Session],
    mailer: Mailer | None,
    *,
    clock: Clock,
    limit: int | None = None,
    webhook: Webhook | None = None,
    about: tuple[str, str] | None = None,
) -> DeliveryResult:
    """Send every pending message whose next attempt is due, each at most once per run: e-mail
    through ``mailer`` and webhook messages through ``webhook`` (a channel without a sender
    waits); only those about ``(entity, entity_id)`` when ``about`` is given.

    Each message is claimed in a short transaction (its next attempt moved past a lease, so a
    second deliverer leaves it alone), sent outside any transaction, and its outcome recorded
    in another: sent, or failed and due again after :data:`BACKOFF`, or, once every wait has
    been used, ``failed`` for good (visible in ``caresignal outbox list``).
    """
    channels = [c for c, sender in (("email", mailer), ("webhook", webhook)) if sender]
    sent = retrying = failed = 0
    after = 0
    while channels and (limit is None or sent + retrying + failed < limit):
        claimed = _claim(sessions, clock, after, channels, about)
        if claimed is None:
            break
        after = claimed.id
        attempts = claimed.attempts + 1
        error: str | None = None
        try:
            if claimed.channel == "webhook" and webhook is not None:
                webhook(claimed.body)
            elif mailer is not None:
                mailer(claimed.address or "", claimed.subject, claimed.body)
        except (smtplib.SMTPException, OSError) as problem:
            error = _describe(problem)
        with transaction(sessions) as session:
            if error is None:
                sent += 1
                status, wait, sent_at = NotificationStatus.SENT, None, clock.now()
            elif attempts > len(BACKOFF):
                failed += 1
                status, wait, sent_at = NotificationStatus.FAILED, None, None
            else:
                retrying += 1
                status, wait = NotificationStatus.PENDING, clock.now() + BACKOFF[attempts - 1]
                sent_at = None
            outbox_repo.update(
                session,
                claimed.id,
                status=status,
                attempts=attempts,
                last_error=error,
                next_attempt_at=wait,
                sent_at=sent_at,
            )
    with sessions() as session:
        counts = outbox_repo.counts(session)
    waiting = counts[NotificationStatus.PENDING]
    return DeliveryResult(sent, retrying, failed, waiting)


def _claim(
    sessions: sessionmaker[Session],
    clock: Clock,
    after: int,
    channels: Sequence[str],
    about: tuple[str, str] | None,
) -> Notification | None:
    """Claim the next due message in a short transaction (see :func:`deliver`)."""
    with transaction(sessions) as session:
        claimed = outbox_repo.claim_due(session, clock.now(), after, channels, about)
        if claimed is None:
            return None
        outbox_repo.update(
            session,
            claimed.id,
            status=NotificationStatus.PENDING,
            attempts=claimed.attempts + 1,
            last_error=claimed.last_error,
            next_attempt_at=clock.now() + LEASE,
            sent_at=None,
        )
    return claimed


def _describe(error: BaseException) -> str:
    """The error in a line a person can act on."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(
            f"{address}: {code} {_text(reply)}"
            for address, (code, reply) in error.recipients.items()
        )
        return f"the mail server refused the recipient ({refused})"
    if isinstance(error, urllib.error.HTTPError):
        return f"the webhook answered {error.code} {error.reason}"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"the mail server answered {error.smtp_code} {_text(error.smtp_error)}"
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def retry(
    sessions: sessionmaker[Session], notification_id: int, *, actor: str, clock: Clock
) -> Notification:
    """Send a failed message again at the next delivery run (its attempts start again)."""
    with transaction(sessions) as session:
        access.user(session, actor)
        before = outbox_repo.find(session, notification_id)
        if before is None:
            raise UnknownError(
                f"there is no notification {notification_id}",
                hint="see `caresignal outbox list`",
            )
        if before.status is not NotificationStatus.FAILED:
            raise CaresignalError(
                f"notification {notification_id} is {before.status.value}, not failed",
                hint="only a failed message can be retried",
            )
        after = outbox_repo.update(
            session,
            notification_id,
            status=NotificationStatus.PENDING,
            attempts=0,
            last_error=before.last_error,
            next_attempt_at=clock.now(),
            sent_at=None,
        )
        audit.append(
            session,
            clock=clock,
            actor=actor,
            action="notification.retry",
            entity="notification",
            entity_id=str(notification_id),
            before=_audited(before),
            after=_audited(after),
            reason="asked to send a failed message again",
        )
    return after


def _audited(notification: Notification) -> dict[str, Any]:
    """What the audit log keeps of a message: not its body, which the outbox holds."""
    data = notification.to_dict()
    del data["body"]
    return data


def list_notifications(
    sessions: sessionmaker[Session],
    status: NotificationStatus | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
) -> list[Notification]:
    """Messages by id: all, or those with ``status`` and/or about one entity."""
    with sessions() as session:
        return outbox_repo.listing(session, status, entity, entity_id)
