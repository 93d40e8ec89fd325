"""The rules of recommendations and actions: an action's status moves, evidence, the four-eyes
check, dates and closing reasons, and which roles may do what (docs/recommendations.md).

Pure: no store, no clock. :mod:`caresignal.workflow.actions` applies these rules inside its
transactions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from types import MappingProxyType

from caresignal.domain import Role
from caresignal.domain.actions import ActionStatus, RecommendationSource
from caresignal.errors import CaresignalError

__all__ = [
    "ACTING_ROLES",
    "ADDING_ROLES",
    "CLOSING_ROLES",
    "COMMANDS",
    "MOVES",
    "VERIFYING_ROLES",
    "ActionRuleError",
    "check_closing_reason",
    "check_dates",
    "check_evidence",
    "check_four_eyes",
    "check_move",
    "check_text",
    "parse_source",
]

A = ActionStatus

#: The moves of an action's status: start, mark done, verify; a verifier may send a done action
#: back to in progress (``reopen``). A verified action is finished.
MOVES: Mapping[ActionStatus, frozenset[ActionStatus]] = MappingProxyType(
    {
        A.PLANNED: frozenset({A.IN_PROGRESS}),
        A.IN_PROGRESS: frozenset({A.DONE}),
        A.DONE: frozenset({A.VERIFIED, A.IN_PROGRESS}),
        A.VERIFIED: frozenset(),
    }
)

#: Roles that may add recommendations and actions (held in the organisation or above).
ADDING_ROLES = frozenset(
    {
        Role.QUALITY_ANALYST,
        Role.UNIT_LEAD,
        Role.DIVISIONAL_DIRECTOR,
        Role.EXECUTIVE_SAFETY_CHAMPION,
        Role.ADMINISTRATOR,
    }
)
#: Roles that may start an action or mark it done for its owner.
ACTING_ROLES = frozenset(
    {
        Role.UNIT_LEAD,
        Role.DIVISIONAL_DIRECTOR,
        Role.EXECUTIVE_SAFETY_CHAMPION,
        Role.ADMINISTRATOR,
    }
)
#: Roles that may verify a done action, or send it back: the second pair of eyes.
VERIFYING_ROLES = frozenset(
    {Role.DIVISIONAL_DIRECTOR, Role.EXECUTIVE_SAFETY_CHAMPION, Role.ADMINISTRATOR}
)
#: Roles that may close a recommendation.
CLOSING_ROLES = VERIFYING_ROLES

#: The command that makes each move: ``caresignal actions start``, ``done``, ``verify``,
#: ``reopen``.
COMMANDS: Mapping[tuple[ActionStatus, ActionStatus], str] = MappingProxyType(
    {
        (A.PLANNED, A.IN_PROGRESS): "start",
        (A.IN_PROGRESS, A.DONE): "done",
        (A.DONE, A.VERIFIED): "verify",
        (A.DONE, A.IN_PROGRESS): "reopen",
    }
)


class ActionRuleError(CaresignalError, ValueError):
    """A move, a piece of evidence, a verifier, a date or a reason the rules do not allow."""


def parse_source(text: str) -> RecommendationSource:
    """The source named ``text`` (``internal-review`` and ``Internal review`` name
    ``internal_review``)."""
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return RecommendationSource(key)
    except ValueError:
        raise ActionRuleError(
            f"there is no recommendation source called {text!r}",
            hint=f"choose one of: {', '.join(source.value for source in RecommendationSource)}",
        ) from None


def check_move(current: ActionStatus, target: ActionStatus) -> None:
    """Refuse a move of an action's status that :data:`MOVES` does not allow."""
    if target in MOVES[current]:
        return
    allowed = [command for (start, _), command in COMMANDS.items() if start is current]
    raise ActionRuleError(
        f"a {current.value} action cannot become {target.value}",
        hint=(
            f"from {current.value} the next step is: {', '.join(allowed)}"
            if allowed
            else "a verified action is finished"
        ),
    )


def check_evidence(evidence: Sequence[str]) -> tuple[str, ...]:
    """The evidence with blanks removed; refused if nothing is left."""
    kept = tuple(item.strip() for item in evidence if item.strip())
    if not kept:
        raise ActionRuleError(
            "an action is done only with evidence of what was done",
            hint="name each piece with --evidence, e.g. --evidence 'audit of 20 notes, 2026-11'",
        )
    return kept


def check_four_eyes(done_by: str | None, verifier: str) -> None:
    """Refuse a verifier who is the person who marked the action done."""
    if done_by is not None and done_by == verifier:
        raise ActionRuleError(
            f"{verifier} marked this action done, so cannot also verify it",
            hint="a second person must verify it (four eyes)",
        )


def check_closing_reason(reason: str) -> str:
    """The reason for closing a recommendation, stripped; refused if empty."""
    if not reason.strip():
        raise ActionRuleError(
            "closing a recommendation needs a written reason", hint="say why with --reason"
        )
    return reason.strip()


def check_dates(received_on: date, today: date, due_on: date | None = None) -> None:
    """Refuse a recommendation received after ``today``, or an action due before it was
    received."""
    if received_on > today:
        raise ActionRuleError(
            f"a recommendation cannot be received in the future ({received_on.isoformat()})",
            hint=f"give a day on or before {today.isoformat()}",
        )
    if due_on is not None and due_on < received_on:
        raise ActionRuleError(
            f"an action cannot be due ({due_on.isoformat()}) before its recommendation was "
            f"received ({received_on.isoformat()})",
            hint="give a due date on or after the day it was received",
        )


def check_text(value: str, what: str, hint: str) -> str:
    """``value`` stripped; refused if empty, naming ``what`` and with ``hint``."""
    if not value.strip():
        raise ActionRuleError(f"{what} cannot be empty", hint=hint)
    return value.strip()
