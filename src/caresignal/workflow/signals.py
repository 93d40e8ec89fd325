"""The rules of a signal episode: its states, the moves allowed between them, who owns each
state, its working-day deadline, and who may act and close (docs/accountability.md).

Pure: no store, no clock. :mod:`caresignal.workflow.service` applies these rules inside its
transactions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from types import MappingProxyType

from caresignal.domain import Role
from caresignal.domain.episodes import EpisodeState
from caresignal.errors import CaresignalError
from caresignal.workflow.calendar import add_working_days
from caresignal.workflow.rules import Rules

__all__ = [
    "ACTING_ROLES",
    "CLOSING_ROLES",
    "OWNERS",
    "RED_CLOSING_ROLES",
    "TRANSITIONS",
    "TransitionError",
    "check_close",
    "check_transition",
    "closed_before",
    "deadline",
    "owner",
    "owner_rung",
    "parse_state",
]

S = EpisodeState

#: The moves allowed by ``transition`` and ``close``. An episode opens and reopens only from a
#: scan's findings; it closes only by ``close``; from ``monitoring`` it may go back to
#: ``action_planned`` when the actions did not work.
TRANSITIONS: Mapping[EpisodeState, frozenset[EpisodeState]] = MappingProxyType(
    {
        S.OPEN: frozenset({S.ACKNOWLEDGED}),
        S.ACKNOWLEDGED: frozenset({S.UNDER_REVIEW}),
        S.UNDER_REVIEW: frozenset({S.ACTION_PLANNED, S.CLOSED}),
        S.ACTION_PLANNED: frozenset({S.MONITORING, S.CLOSED}),
        S.MONITORING: frozenset({S.ACTION_PLANNED, S.CLOSED}),
        S.CLOSED: frozenset(),
    }
)

#: Whose move it is in each state, unless the episode has climbed the escalation ladder higher
#: (or, a red signal, started at the executive's rung): then the rung's role owns it.
OWNERS: Mapping[EpisodeState, Role | None] = MappingProxyType(
    {
        S.OPEN: Role.UNIT_LEAD,
        S.ACKNOWLEDGED: Role.UNIT_LEAD,
        S.UNDER_REVIEW: Role.DIVISIONAL_DIRECTOR,
        S.ACTION_PLANNED: Role.DIVISIONAL_DIRECTOR,
        S.MONITORING: Role.UNIT_LEAD,
        S.CLOSED: None,
    }
)

#: Roles that may acknowledge an episode and move it on (held in its unit or above).
ACTING_ROLES = frozenset(
    {
        Role.UNIT_LEAD,
        Role.DIVISIONAL_DIRECTOR,
        Role.EXECUTIVE_SAFETY_CHAMPION,
        Role.ADMINISTRATOR,
    }
)
#: Roles with the authority to close an episode.
CLOSING_ROLES = frozenset(
    {Role.DIVISIONAL_DIRECTOR, Role.EXECUTIVE_SAFETY_CHAMPION, Role.ADMINISTRATOR}
)
#: Roles that may close an episode that has reached red: the executive level.
RED_CLOSING_ROLES = frozenset({Role.EXECUTIVE_SAFETY_CHAMPION, Role.ADMINISTRATOR})

_NEXT: Mapping[EpisodeState, EpisodeState] = MappingProxyType(
    {S.OPEN: S.ACKNOWLEDGED, S.ACKNOWLEDGED: S.UNDER_REVIEW, S.UNDER_REVIEW: S.ACTION_PLANNED}
)


class TransitionError(CaresignalError, ValueError):
    """A move the rules do not allow, or a closure without rationale or evidence."""


def parse_state(text: str) -> EpisodeState:
    """The state named ``text`` (``under-review`` and ``Under review`` name ``under_review``)."""
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return EpisodeState(key)
    except ValueError:
        raise TransitionError(
            f"there is no state called {text!r}",
            hint=f"choose one of: {', '.join(state.value for state in EpisodeState)}",
        ) from None


def owner_rung(state: EpisodeState, rung: int, rules: Rules) -> int:
    """The rung that owns an episode in ``state`` whose own rung is ``rung``: the higher of the
    two, so escalation never hands an episode back down."""
    owner = OWNERS[state]
    return rung if owner is None else max(rung, rules.rung_of(owner))


def owner(state: EpisodeState, rung: int, rules: Rules) -> Role | None:
    """The role whose move it is (None once closed): see :func:`owner_rung`."""
    if state is S.CLOSED:
        return None
    return rules.ladder[owner_rung(state, rung, rules)].role


def deadline(
    state: EpisodeState, opened_on: date, deadlines: Mapping[EpisodeState, int]
) -> date | None:
    """The day by which an episode in ``state`` must reach the next state (``deadlines`` gives
    the working days from ``opened_on``), or None."""
    following = _NEXT.get(state)
    if following is None or following not in deadlines:
        return None
    return add_working_days(opened_on, deadlines[following])


def check_transition(current: EpisodeState, target: EpisodeState) -> None:
    """Refuse a move :data:`TRANSITIONS` does not allow (closing goes through ``close``)."""
    if target is S.CLOSED:
        raise TransitionError(
            "an episode is closed only with a rationale and evidence",
            hint="use `caresignal signals close ID --reason ... --evidence ...`",
        )
    if target not in TRANSITIONS[current]:
        allowed = sorted(state.value for state in TRANSITIONS[current] if state is not S.CLOSED)
        raise TransitionError(
            f"a {current.value} episode cannot move to {target.value}",
            hint=f"from {current.value} it can move to: {', '.join(allowed) or 'nothing'}"
            + ("; it reopens only when a new finding arrives" if current is S.CLOSED else ""),
        )


def check_close(current: EpisodeState, rationale: str, evidence: Sequence[str]) -> None:
    """Refuse to close without a written rationale and at least one piece of evidence, or from
    a state that has not been reviewed (``open``, ``acknowledged``, already ``closed``)."""
    if S.CLOSED not in TRANSITIONS[current]:
        raise TransitionError(
            f"a {current.value} episode cannot be closed",
            hint="close it after its review: under_review, action_planned or monitoring",
        )
    if not rationale.strip():
        raise TransitionError(
            "closing an episode needs a written rationale", hint="say why with --reason"
        )
    if not [item for item in evidence if item.strip()]:
        raise TransitionError(
            "closing an episode needs evidence: the review, the actions done",
            hint="name each with --evidence, e.g. --evidence 'case-note review 2026-11-02'",
        )


def closed_before(times: int) -> str:
    """How many times an episode was closed before, in words.

    >>> closed_before(0), closed_before(1), closed_before(3)
    ('never closed', 'closed once before', 'closed 3 times before')
    """
    if times == 0:
        return "never closed"
    return "closed once before" if times == 1 else f"closed {times} times before"
