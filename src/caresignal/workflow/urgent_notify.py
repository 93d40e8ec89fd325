"""Who is told of a Martha's Rule call, and how: the messages of
:mod:`caresignal.workflow.urgent`, and sending them the moment the call is committed
(docs/concerns.md, "Martha's Rule").

A call is told, in the outbox, in the transaction that makes it: by e-mail to every member of
the site's ``outreach_team`` and, when ``CARESIGNAL_URGENT_WEBHOOK_URL`` is set, by one JSON
message to the paging webhook. A call not begun in time is told the same ways to the site's
``on_call_senior``. The e-mail names the ward, the bed or patient as given, the worry and the
time by which the review must begin, never the call-back number (e-mail cannot be taken back);
the webhook carries the number only when ``CARESIGNAL_URGENT_WEBHOOK_TRUSTED`` says the target
is a trusted paging system, and it is removed from the outbox when the outcome is recorded.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import ENGLAND, Clock
from caresignal.domain import Role
from caresignal.domain.urgent import UrgentCall
from caresignal.errors import CaresignalError
from caresignal.settings import Settings
from caresignal.store import outbox as outbox_repo
from caresignal.store import repo
from caresignal.workflow import outbox
from caresignal.workflow.outbox import DeliveryResult, deliver, mailer_from
from caresignal.workflow.webhook import webhook_from

__all__ = [
    "WEBHOOK_ADDRESS",
    "Paging",
    "hhmm",
    "notify_now",
    "paging_from",
    "tell_escalated",
    "tell_outreach",
    "webhook_body",
]

LOG = logging.getLogger("caresignal.urgent")
#: What the outbox shows as the address of a webhook message (the URL itself may hold secrets).
WEBHOOK_ADDRESS = "CARESIGNAL_URGENT_WEBHOOK_URL"


@dataclass(frozen=True, slots=True)
class Paging:
    """Whether calls go to the paging webhook too, and whether it may have the number."""

    on: bool = False
    trusted: bool = False


def paging_from(settings: Settings) -> Paging:
    """The paging the settings describe."""
    return Paging(bool(settings.urgent_webhook_url), settings.urgent_webhook_trusted)


def hhmm(call_time: Any) -> str:
    """A time as the clock on the ward shows it (England): ``14:05``."""
    return f"{call_time.astimezone(ENGLAND):%H:%M}"


def webhook_body(call: UrgentCall, event: str, at: Any, paging: Paging) -> str:
    """The JSON the paging system receives: what it needs to page someone, and the call-back
    number only when it is trusted with it."""
    data: dict[str, Any] = {
        "event": event,
        "reference": call.reference,
        "unit": call.unit,
        "site": call.site,
        "bed_or_patient": call.patient,
        "worry": call.worry,
        "caller": call.caller.value,
        "called_at": call.called_at.isoformat(),
        "due_at": call.due_at.isoformat(),
        "limit_minutes": call.limit_minutes,
        "page": Role.ON_CALL_SENIOR.value if event == "escalated" else Role.OUTREACH_TEAM.value,
        "at": at.isoformat(),
    }
    if paging.trusted and call.callback:
        data["callback"] = call.callback
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _unit_name(session: Session, code: str) -> str:
    found = repo.find_organisation(session, code)
    return code if found is None else f"{found.name} ({code})"


def _page(session: Session, clock: Clock, call: UrgentCall, event: str, paging: Paging) -> None:
    if not paging.on:
        return
    outbox_repo.add(
        session, created_at=clock.now(), recipient="paging webhook", address=WEBHOOK_ADDRESS,
        subject=f"caresignal: urgent review {call.reference} ({event})",
        body=webhook_body(call, event, clock.now(), paging), entity="urgent_review",
        entity_id=str(call.id), channel="webhook",
    )  # fmt: skip


def tell_outreach(session: Session, clock: Clock, call: UrgentCall, paging: Paging) -> None:
    """In the call's transaction: tell the site's outreach team (and the paging webhook)."""
    where = _unit_name(session, call.unit)
    outbox.tell(
        session, clock=clock, roles=(Role.OUTREACH_TEAM,), organisation=call.unit,
        subject=f"caresignal: URGENT review asked for on {where}, begin by {hhmm(call.due_at)}",
        body="\n".join([
            f"Martha's Rule: a {call.caller.value} asked for an urgent review at "
            f"{hhmm(call.called_at)} ({call.reference}).",
            f"Ward: {where}. Bed or patient: {call.patient}.",
            f"What worries them: {call.worry}",
            f"Begin the review by {hhmm(call.due_at)} ({call.limit_minutes} minutes); if it has "
            "not begun by then, the on-call senior is told.",
            "The call-back number is on the urgent reviews page (/urgent-reviews) and in "
            f"`caresignal urgent list`. Record it: `caresignal urgent begin {call.id}`.",
        ]),
        entity="urgent_review", entity_id=str(call.id),
    )  # fmt: skip
    _page(session, clock, call, "call", paging)


def tell_escalated(session: Session, clock: Clock, call: UrgentCall, paging: Paging) -> None:
    """In the clock's transaction: tell the site's on-call senior (and the paging webhook)."""
    where = _unit_name(session, call.unit)
    outbox.tell(
        session, clock=clock, roles=(Role.ON_CALL_SENIOR,), organisation=call.unit,
        subject=f"caresignal: URGENT review on {where} NOT begun in time ({call.reference})",
        body="\n".join([
            f"Martha's Rule: the urgent review asked for at {hhmm(call.called_at)} on {where} "
            f"({call.reference}) had not begun by {hhmm(call.due_at)} "
            f"({call.limit_minutes} minutes). It is escalated to you, the on-call senior.",
            f"Bed or patient: {call.patient}. What worries them: {call.worry}",
            "See it on the urgent reviews page (/urgent-reviews) or with "
            "`caresignal urgent list`.",
        ]),
        entity="urgent_review", entity_id=str(call.id),
    )  # fmt: skip
    _page(session, clock, call, "escalated", paging)


def notify_now(
    sessions: sessionmaker[Session], settings: Settings, clock: Clock, call: UrgentCall
) -> DeliveryResult | None:
    """Send the messages about ``call`` that are due, now (after its transaction committed),
    through the mail server and the webhook the settings name; None when neither is set. A
    failure is logged and left to the outbox's retries: the call itself is safely stored."""
    try:
        mailer, webhook = mailer_from(settings), webhook_from(settings)
        if mailer is None and webhook is None:
            return None
        return deliver(
            sessions, mailer, clock=clock, webhook=webhook, about=("urgent_review", str(call.id))
        )
    except CaresignalError as error:
        LOG.error("urgent review %s: could not send its messages: %s", call.reference, error)
        return None
