"""Overdue concerns on the escalation ladder (docs/concerns.md): a concern not acknowledged
within 3 working days, without a final response by the agreed date, or without a response or a
written explanation at six months climbs the same ladder as signals and actions. Its lowest rung
is the people who handle concerns where it was raised; then the divisional director, the
executive and the board, and the regulator, each with its rung's clock.

:func:`escalate_concerns` runs inside :func:`caresignal.workflow.escalation.escalate`'s
transaction. The messages name the concern's reference and what was missed, never its words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from caresignal.clock import Clock
from caresignal.domain.concerns import Concern
from caresignal.store import concerns as concern_repo
from caresignal.workflow import outbox
from caresignal.workflow.concern_rules import statutory_deadline
from caresignal.workflow.concerns import record
from caresignal.workflow.rules import Rules

if TYPE_CHECKING:  # escalation.py imports this module
    from caresignal.workflow.escalation import Climb

__all__ = ["escalate_concerns", "missed"]

#: What the lowest rung of a concern is called.
HANDLERS = "its handlers"


def missed(concern: Concern, deadline: date) -> str:
    """What was not done by ``deadline``: the statutory step due then, or the rung's clock."""
    due = statutory_deadline(concern)
    if due is not None and due[0] == deadline and concern.rung == 0:
        return {
            "acknowledgement": "not acknowledged within 3 working days",
            "final response": "no final response by the agreed date",
        }.get(due[1], "no final response or written explanation within six months")
    if due is not None and due[0] == deadline:
        return f"its {due[1]} was not sent"
    return "nothing was done by the escalated deadline"


def escalate_concerns(
    session: Session,
    as_of: date,
    *,
    actor: str,
    clock: Clock,
    rules: Rules,
    climb: Callable[[int, date | None, date, Rules], list[Climb]],
) -> tuple[list[tuple[Concern, Concern, list[Climb]]], list[int]]:
    """Move every overdue concern up the ladder as far as ``as_of`` says (``climb`` is the
    ladder's rule); the concerns that climbed (before, after, steps) and the ids of those
    overdue at the top."""
    climbed: list[tuple[Concern, Concern, list[Climb]]] = []
    at_top: list[int] = []
    for concern in concern_repo.overdue_concerns(session, as_of):
        steps = climb(concern.rung, concern.deadline, as_of, rules)
        if not steps:
            at_top.append(concern.id)
            continue
        after = _climb(session, concern, steps, actor, clock, rules)
        climbed.append((concern, after, steps))
    return climbed, at_top


def _climb(
    session: Session,
    concern: Concern,
    steps: list[Climb],
    actor: str,
    clock: Clock,
    rules: Rules,
) -> Concern:
    """Apply ``steps``: one audit entry per step, and messages to the rung it ends on."""
    what = missed(concern, concern.deadline or date.min)
    for step in steps:
        before = concern
        low, high = step.low, step.high
        concern = concern_repo.save_concern(
            session,
            replace(concern, rung=high, deadline=step.deadline, escalated_on=step.on,
                    updated_at=clock.now()),
        )  # fmt: skip
        reason = (
            f"{missed(before, step.missed)} (due {step.missed}): "
            f"escalated from {HANDLERS if low == 0 else rules.ladder[low].role.value} to "
            f"{rules.ladder[high].role.value}, due {concern.deadline}"
        )
        record(session, clock, actor, "concern.escalate", before, concern, reason)
    rung = rules.ladder[concern.rung]
    outbox.tell(
        session, clock=clock, roles=rung.notify, organisation=concern.organisation,
        subject=(
            f"caresignal: concern {concern.reference} ({concern.organisation}) is overdue and "
            f"escalated to you (due {concern.deadline})"
        ),
        body=(
            f"Concern {concern.reference} ({concern.channel.value}, {concern.organisation}), "
            f"received {concern.received_on.isoformat()}, is {concern.state.value}: {what}. "
            f"It is now escalated to {rung.role.value}, due {concern.deadline}.\n\n"
            f"See it with `caresignal concerns show {concern.id}`."
        ),
        entity="concern", entity_id=str(concern.id),
    )  # fmt: skip
    return concern
