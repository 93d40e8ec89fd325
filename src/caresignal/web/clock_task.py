"""The server's own run of the escalation clock: every ``CARESIGNAL_ESCALATION_MINUTES`` it
escalates what is overdue as of today and sends the notifications that are due, as
``caresignal escalate`` does (docs/accountability.md).

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

__all__ = ["run_clock", "run_clock_forever"]

LOG = logging.getLogger("caresignal.web")
#: Who the audit log names for the server's runs of the clock.
ACTOR = "caresignal-server"


def run_clock(state: AppState) -> EscalationResult:
    """One run: escalate as of today, then deliver what is due (when a mail server is set)."""
    result = escalate(
        state.sessions, state.clock.today(), actor=ACTOR, clock=state.clock, rules=state.rules
    )
    mailer = mailer_from(state.settings)
    if mailer is not None:
        deliver(state.sessions, mailer, clock=state.clock)
    return result


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
