"""The server's own run of the escalation clock: every ``CARESIGNAL_ESCALATION_MINUTES`` it
escalates what is overdue as of today and sends the notifications that are due, as
``caresignal escalate`` does (docs/accountability.md).

Martha's Rule calls are counted in minutes, so a second, faster timer runs every
``CARESIGNAL_URGENT_CLOCK_SECONDS`` (60): it escalates each call whose review has not begun in
time to the site's on-call senior and sends what is due (docs/concerns.md).

Running it in several server processes at once is safe: the clock is idempotent, and its runs
take the store's write lock one at a time.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.concurrency import run_in_threadpool

from caresignal.errors import CaresignalError
from caresignal.web.deps import AppState
from caresignal.workflow.escalation import EscalationResult, escalate
from caresignal.workflow.outbox import deliver, mailer_from
from caresignal.workflow.urgent import run_urgent_clock
from caresignal.workflow.urgent_notify import paging_from
from caresignal.workflow.webhook import webhook_from

__all__ = ["run_clock", "run_clock_forever", "run_urgent", "run_urgent_forever"]

LOG = logging.getLogger("caresignal.web")
#: Who the audit log names for the server's runs of the clock.
ACTOR = "caresignal-server"


def run_clock(state: AppState) -> EscalationResult:
    """One run: escalate as of today, then deliver what is due (when a mail server is set)."""
    result = escalate(
        state.sessions, state.clock.today(), actor=ACTOR, clock=state.clock, rules=state.rules,
        paging=paging_from(state.settings),
    )  # fmt: skip
    _deliver(state)
    return result


def _deliver(state: AppState) -> None:
    """Send what is due, by e-mail and to the paging webhook (whichever are set)."""
    mailer, webhook = mailer_from(state.settings), webhook_from(state.settings)
    if mailer is not None or webhook is not None:
        deliver(state.sessions, mailer, clock=state.clock, webhook=webhook)


def run_urgent(state: AppState) -> int:
    """One run of the urgent reviews' timer: escalate the calls not begun in time, then send
    what is due; how many calls were escalated."""
    escalated = run_urgent_clock(
        state.sessions, actor=ACTOR, clock=state.clock, paging=paging_from(state.settings)
    )
    _deliver(state)
    return len(escalated)


async def run_urgent_forever(state: AppState, seconds: int) -> None:
    """Run the urgent reviews' timer now and then every ``seconds``, until cancelled."""
    while True:
        try:
            escalated = await run_in_threadpool(run_urgent, state)
            if escalated:
                LOG.warning("urgent reviews: %d call(s) escalated to the on-call senior", escalated)
        except (CaresignalError, OSError) as error:
            LOG.error("urgent reviews timer failed: %s", error)
        await asyncio.sleep(seconds)


async def run_clock_forever(state: AppState, minutes: int) -> None:
    """Run the clock now and then every ``minutes``, until cancelled; a failed run is logged
    and the next one goes ahead."""
    while True:
        try:
            result = await run_in_threadpool(run_clock, state)
            if result.climbed:
                LOG.info("escalation clock: %d item(s) climbed the ladder", len(result.climbed))
        except (CaresignalError, OSError) as error:
            LOG.error("escalation clock failed: %s", error)
        await asyncio.sleep(minutes * 60)
