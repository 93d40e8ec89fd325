"""Telling people of a Martha's Rule call at once: e-mail to the outreach team through a real
SMTP server (aiosmtpd), and a signed JSON POST to a real HTTP server on 127.0.0.1 standing for
the paging system, with the outbox's retries when it fails, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy.orm import Session, sessionmaker
from urgent_helpers import WARD, Pager, pager, urgent_store

from caresignal.clock import FixedClock
from caresignal.domain.notifications import NotificationStatus
from caresignal.domain.urgent import Caller, UrgentCall
from caresignal.errors import CaresignalError
from caresignal.settings import Settings
from caresignal.workflow import urgent
from caresignal.workflow.outbox import BACKOFF, deliver, list_notifications, retry
from caresignal.workflow.urgent_notify import notify_now, paging_from
from caresignal.workflow.webhook import SIGNATURE_HEADER, WebhookSender, webhook_from

SECRET = "a shared secret for the pager"
NUMBER = "07700 900123"


class Inbox:
    """An SMTP handler that keeps what it receives."""

    def __init__(self) -> None:
        self.received: list[Message] = []

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name and arguments)
        self,
        server: SMTP,  # noqa: ARG002
        session: SmtpSession,  # noqa: ARG002
        envelope: Envelope,
    ) -> str:
        self.received.append(message_from_bytes(envelope.original_content or b""))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def target() -> Iterator[Pager]:
    with pager() as found:
        yield found


@pytest.fixture
def store(sessions: sessionmaker[Session], clock: FixedClock) -> sessionmaker[Session]:
    return urgent_store(sessions, clock)


def _settings(port: int | None, url: str | None, trusted: bool = False) -> Settings:
    return Settings(
        smtp_host=None if port is None else "127.0.0.1", smtp_port=port or 587,
        smtp_security="none", smtp_sender="caresignal@trust.nhs.uk", urgent_webhook_url=url,
        urgent_webhook_secret=SECRET if url else None, urgent_webhook_trusted=trusted,
    )  # fmt: skip


def _call(store: sessionmaker[Session], clock: FixedClock, settings: Settings) -> UrgentCall:
    return urgent.call(
        store, WARD, Caller.FAMILY, "Bed 4", "Her breathing is fast", NUMBER, clock=clock,
        paging=paging_from(settings),
    )  # fmt: skip


def test_a_call_is_e_mailed_and_paged_at_once_signed(
    store: sessionmaker[Session], clock: FixedClock, smtp: tuple[Inbox, int], target: Pager
) -> None:
    inbox, port = smtp
    settings = _settings(port, target.url)
    made = _call(store, clock, settings)
    result = notify_now(store, settings, clock, made)
    assert result is not None
    assert (result.sent, result.waiting) == (2, 0)
    [mail] = inbox.received
    assert mail["To"] == "nurse@nhs.net"
    assert "URGENT review" in mail["Subject"]
    assert NUMBER not in mail.get_payload()
    [(body, headers)] = target.received
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == expected
    page = json.loads(body)
    assert page["reference"] == made.reference
    assert (page["event"], page["unit"], page["bed_or_patient"]) == ("call", WARD, "Bed 4")
    assert (page["worry"], page["limit_minutes"]) == ("Her breathing is fast", 30)
    assert page["due_at"] == made.due_at.isoformat()
    assert "callback" not in page


def test_a_trusted_pager_gets_the_number(
    store: sessionmaker[Session], clock: FixedClock, target: Pager
) -> None:
    settings = _settings(None, target.url, trusted=True)
    made = _call(store, clock, settings)
    notify_now(store, settings, clock, made)
    [(body, _)] = target.received
    assert json.loads(body)["callback"] == NUMBER


def test_a_failing_pager_is_retried_and_its_failure_is_visible(
    store: sessionmaker[Session], clock: FixedClock, target: Pager
) -> None:
    target.status = 503
    settings = _settings(None, target.url)
    made = _call(store, clock, settings)
    webhook = webhook_from(settings)
    assert webhook is not None
    now = clock.now()
    result = notify_now(store, settings, clock, made)
    assert result is not None
    assert result.retrying == 1
    [page] = [n for n in list_notifications(store) if n.channel == "webhook"]
    assert page.status is NotificationStatus.PENDING
    assert page.last_error == "the webhook answered 503 Service Unavailable"
    for wait in BACKOFF:
        now += wait
        deliver(store, None, clock=FixedClock(now), webhook=webhook)
    [page] = [n for n in list_notifications(store) if n.channel == "webhook"]
    assert (page.status, page.attempts) == (NotificationStatus.FAILED, len(BACKOFF) + 1)
    assert len(target.received) == len(BACKOFF) + 1
    target.status = 200
    retry(store, page.id, actor="admin", clock=FixedClock(now))
    assert deliver(store, None, clock=FixedClock(now), webhook=webhook).sent == 1


def test_an_escalation_pages_the_on_call_senior(
    store: sessionmaker[Session], clock: FixedClock, smtp: tuple[Inbox, int], target: Pager
) -> None:
    inbox, port = smtp
    settings = _settings(port, target.url)
    made = _call(store, clock, settings)
    later = FixedClock(clock.now() + timedelta(minutes=31))
    urgent.run_urgent_clock(store, actor="clock", clock=later, paging=paging_from(settings))
    deliver(store, None, clock=later, webhook=webhook_from(settings))
    events = [json.loads(body)["event"] for body, _ in target.received]
    assert events == ["call", "escalated"]
    notify_now(store, settings, later, made)
    assert sorted(mail["To"] for mail in inbox.received) == ["nurse@nhs.net", "senior@nhs.net"]


def test_a_webhook_without_a_secret_is_refused() -> None:
    with pytest.raises(CaresignalError, match="SECRET"):
        webhook_from(Settings(urgent_webhook_url="https://pager.example/x"))
    with pytest.raises(CaresignalError, match="http"):
        WebhookSender("file:///etc/passwd", SECRET)
