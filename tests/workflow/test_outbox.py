"""Notifications delivered by e-mail through a real SMTP server (aiosmtpd on this machine), with
retries; nothing that fails is dropped, on SQLite and PostgreSQL."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import date
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from episode_helpers import finding
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.domain.notifications import NotificationStatus
from caresignal.errors import CaresignalError
from caresignal.monitor.scan import ScanResult
from caresignal.settings import Settings
from caresignal.store import audit
from caresignal.workflow import service
from caresignal.workflow.outbox import BACKOFF, SmtpMailer, deliver, list_notifications, retry

MakeScan = Callable[..., ScanResult]


class Inbox:
    """An SMTP handler that keeps what it receives, and refuses mail for ``refuse``."""

    def __init__(self) -> None:
        self.received: list[Message] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name and arguments)
        self,
        server: SMTP,  # noqa: ARG002
        session: SmtpSession,  # noqa: ARG002
        envelope: Envelope,
        address: str,
        options: Any,  # noqa: ARG002
    ) -> str:
        if address in self.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name and arguments)
        self,
        server: SMTP,  # noqa: ARG002
        session: SmtpSession,  # noqa: ARG002
        envelope: Envelope,
    ) -> str:
        content = envelope.original_content or b""
        self.received.append(message_from_bytes(content))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, Settings]]:
    """A real SMTP server on a free local port, and settings that point at it."""
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield (
            inbox,
            Settings(
                smtp_host="127.0.0.1",
                smtp_port=port,
                smtp_security="none",
                smtp_sender="caresignal@trust.nhs.uk",
            ),
        )
    finally:
        controller.stop()


def _open(people: sessionmaker[Session], clock: FixedClock, scan: MakeScan) -> int:
    result = scan(date(2026, 11, 2), finding(date(2026, 10, 5)))
    return service.merge_findings(people, result, actor="scan", clock=clock).opened[0]


def test_a_message_is_sent_by_email_once(
    people: sessionmaker[Session],
    clock: FixedClock,
    scan_result: MakeScan,
    smtp: tuple[Inbox, Settings],
) -> None:
    inbox, settings = smtp
    episode_id = _open(people, clock, scan_result)
    result = deliver(people, SmtpMailer(settings), clock=clock)
    assert (result.sent, result.retrying, result.failed, result.waiting) == (1, 0, 0, 0)
    [mail] = inbox.received
    assert (mail["To"], mail["From"]) == ("lead@nhs.net", "caresignal@trust.nhs.uk")
    assert mail["Subject"].startswith(f"caresignal: signal #{episode_id} RZZ01-MAT")
    assert f"caresignal signals show {episode_id}" in mail.get_payload()
    [message] = list_notifications(people)
    assert (message.status, message.attempts, message.sent_at) == (
        NotificationStatus.SENT,
        1,
        clock.now(),
    )
    assert deliver(people, SmtpMailer(settings), clock=clock).sent == 0  # never sent twice


def test_a_refused_message_is_retried_then_kept_as_failed_and_can_be_retried(
    people: sessionmaker[Session],
    clock: FixedClock,
    scan_result: MakeScan,
    smtp: tuple[Inbox, Settings],
) -> None:
    inbox, settings = smtp
    inbox.refuse.add("lead@nhs.net")
    _open(people, clock, scan_result)
    mailer, now = SmtpMailer(settings), clock.now()
    for attempt, wait in enumerate(BACKOFF, start=1):
        assert deliver(people, mailer, clock=FixedClock(now)).retrying == 1
        [message] = list_notifications(people)
        assert (message.status, message.attempts) == (NotificationStatus.PENDING, attempt)
        assert message.next_attempt_at == now + wait
        assert message.last_error == (
            "the mail server refused the recipient (lead@nhs.net: 550 mailbox unavailable)"
        )
        assert deliver(people, mailer, clock=FixedClock(now)).retrying == 0  # not due yet
        now += wait
    assert deliver(people, mailer, clock=FixedClock(now)).failed == 1
    [message] = list_notifications(people, NotificationStatus.FAILED)
    assert message.attempts == len(BACKOFF) + 1
    with pytest.raises(CaresignalError, match="there is no notification"):
        retry(people, message.id + 1, actor="lead", clock=clock)
    inbox.refuse.clear()
    retry(people, message.id, actor="lead", clock=FixedClock(now))
    assert deliver(people, mailer, clock=FixedClock(now)).sent == 1
    assert [mail["To"] for mail in inbox.received] == ["lead@nhs.net"]
    with people() as session:
        assert audit.entries(session, entity="notification")[-1].action == "notification.retry"


def test_a_mail_server_that_cannot_be_reached_is_a_retry_not_a_loss(
    people: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan
) -> None:
    _open(people, clock, scan_result)
    settings = Settings(
        smtp_host="127.0.0.1",
        smtp_port=_free_port(),
        smtp_security="none",
        smtp_sender="c@x.nhs.uk",
    )
    result = deliver(people, SmtpMailer(settings, timeout=5), clock=clock)
    assert (result.sent, result.retrying) == (0, 1)
    [message] = list_notifications(people)
    assert message.status is NotificationStatus.PENDING
    assert message.next_attempt_at == clock.now() + BACKOFF[0]
    assert "ConnectionRefusedError" in (message.last_error or "")


def test_no_mail_server_set_is_a_clear_error() -> None:
    with pytest.raises(CaresignalError, match="no mail server is set"):
        SmtpMailer(Settings())


def test_retrying_a_message_that_has_not_failed_is_refused(
    people: sessionmaker[Session], clock: FixedClock, scan_result: MakeScan
) -> None:
    _open(people, clock, scan_result)
    [message] = list_notifications(people)
    with pytest.raises(CaresignalError, match="is pending, not failed"):
        retry(people, message.id, actor="lead", clock=clock)
    assert list_notifications(people) == [message]
