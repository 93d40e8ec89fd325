"""The escalation ladder: a missed deadline moves an item one rung up, tells the new owner and
starts that rung's clock (rules as data: :mod:`caresignal.workflow.rules`; docs/accountability.md).

:func:`climb` is the rule, pure. :func:`escalate` applies it to every signal episode and every
unfinished action whose deadline has passed, in one transaction that also writes each step's
history, audit entry and messages. An action's lowest rung is its owner, a person; when its due
date passes it climbs to the divisional director, then the executive and the board, then the
regulator. Running it again as of the same day changes nothing, and running it every day gives
the same ladder as running it once at the end: each climb is dated from the deadline it missed,
not from the day the clock happened to be run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import Clock
from caresignal.domain.actions import Action
from caresignal.domain.concerns import Concern
from caresignal.domain.episodes import Episode, EpisodeEvent
from caresignal.domain.urgent import UrgentCall
from caresignal.store import actions as action_repo
from caresignal.store import audit
from caresignal.store import episodes as episode_repo
from caresignal.store.session import transaction
from caresignal.workflow import outbox, signals
from caresignal.workflow.actions import record_action
from caresignal.workflow.calendar import add_working_days
from caresignal.workflow.concerns_escalation import escalate_concerns
from caresignal.workflow.rules import DEFAULT_RULES, Rules
from caresignal.workflow.service import episode_message
from caresignal.workflow.urgent import escalate_calls
from caresignal.workflow.urgent_notify import Paging

__all__ = ["Climb", "Escalation", "EscalationResult", "climb", "escalate"]


@dataclass(frozen=True, slots=True)
class Climb:
    """One step up the ladder: from rung ``low`` to ``high`` because ``missed`` passed; the day
    it climbed (the day after the missed deadline) and the new rung's deadline."""

    low: int
    high: int
    missed: date
    on: date
    deadline: date


def climb(rung: int, deadline: date | None, as_of: date, rules: Rules) -> list[Climb]:
    """The steps an item owned at ``rung`` and due by ``deadline`` climbs by ``as_of``.

    A deadline is missed once ``as_of`` is after it. Each rung's clock starts at the deadline
    the rung below missed, so an item ignored for weeks climbs as far as it would have if the
    clock had been run every day. The top rung has nowhere further to go: its item stays overdue
    (and shows as overdue wherever it is listed).

    Examples
    --------
    Due Wednesday 25 November 2026 at the unit and still not acknowledged on 4 December: the
    divisional director's 5 working days ran out on 2 December too, so it is the executive's,
    due 9 December.

    >>> [(s.high, s.deadline.isoformat()) for s in climb(0, date(2026, 11, 25),
    ...                                                  date(2026, 12, 4), DEFAULT_RULES)]
    [(1, '2026-12-02'), (2, '2026-12-09')]
    """
    steps: list[Climb] = []
    while deadline is not None and deadline < as_of and rung < rules.top:
        high = rung + 1
        due = add_working_days(deadline, rules.ladder[high].days)
        steps.append(Climb(rung, high, deadline, deadline + timedelta(days=1), due))
        rung, deadline = high, due
    return steps


@dataclass(frozen=True, slots=True)
class Escalation:
    """One item that climbed: its kind and id, its organisation, the roles it went from and to,
    the first deadline it missed in this run, and its new deadline."""

    entity: str
    entity_id: int
    organisation: str
    from_role: str
    to_role: str
    missed: date
    deadline: date

    def to_dict(self) -> dict[str, Any]:
        """For JSON."""
        return {
            "entity": self.entity,
            "id": self.entity_id,
            "organisation": self.organisation,
            "from": self.from_role,
            "to": self.to_role,
            "missed": self.missed.isoformat(),
            "deadline": self.deadline.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class EscalationResult:
    """What one run of the clock did as of ``as_of``: the items that climbed, and the items
    already at the top of the ladder and still overdue."""

    as_of: date
    climbed: tuple[Escalation, ...]
    overdue_at_top: tuple[tuple[str, int], ...]
    #: Martha's Rule calls escalated to the on-call senior by this run (as of the clock's now).
    urgent: tuple[UrgentCall, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """For JSON."""
        return {
            "as_of": self.as_of.isoformat(),
            "climbed": [item.to_dict() for item in self.climbed],
            "overdue_at_top": [{"entity": e, "id": i} for e, i in self.overdue_at_top],
            "urgent_reviews_escalated": [call.to_dict(with_words=False) for call in self.urgent],
        }


def escalate(
    sessions: sessionmaker[Session],
    as_of: date,
    *,
    actor: str,
    clock: Clock,
    rules: Rules = DEFAULT_RULES,
    paging: Paging | None = None,
) -> EscalationResult:
    """Move every overdue signal episode, action and concern up the ladder as far as ``as_of``
    says, and escalate every Martha's Rule call not begun in time as of the clock's now, in one
    transaction (one clock run at a time: the transaction takes the store's write lock
    first)."""
    climbed: list[Escalation] = []
    at_top: list[tuple[str, int]] = []
    with transaction(sessions) as session:
        for episode in episode_repo.overdue(session, as_of):
            rung = signals.owner_rung(episode.state, episode.rung, rules)
            steps = climb(rung, episode.deadline, as_of, rules)
            if not steps:
                at_top.append(("signal_episode", episode.id))
                continue
            climbed.append(_climb_episode(session, episode, steps, actor, clock, rules))
        for action in action_repo.overdue_actions(session, as_of):
            steps = climb(action.rung, action.deadline, as_of, rules)
            if not steps:
                at_top.append(("action", action.id))
                continue
            climbed.append(_climb_action(session, action, steps, actor, clock, rules))
        moved, top = escalate_concerns(
            session, as_of, actor=actor, clock=clock, rules=rules, climb=climb
        )
        climbed += [
            _concern_escalation(before, after, steps, rules) for before, after, steps in moved
        ]
        at_top += [("concern", number) for number in top]
        urgent = escalate_calls(session, clock.now(), actor=actor, clock=clock, paging=paging)
    return EscalationResult(as_of, tuple(climbed), tuple(at_top), tuple(urgent))


def _concern_escalation(
    before: Concern, after: Concern, steps: list[Climb], rules: Rules
) -> Escalation:
    low = "its handlers" if before.rung == 0 else rules.ladder[before.rung].role.value
    to = rules.ladder[after.rung].role.value
    return Escalation("concern", after.id, after.organisation, low, to, steps[0].missed,
                      steps[-1].deadline)  # fmt: skip


def _climb_action(
    session: Session,
    action: Action,
    steps: list[Climb],
    actor: str,
    clock: Clock,
    rules: Rules,
) -> Escalation:
    """Apply ``steps`` to an overdue action: one audit entry per step, and messages to the rung
    it ends on."""
    first = action
    for step in steps:
        before = action
        action = action_repo.save_action(
            session,
            replace(
                action,
                rung=step.high,
                deadline=step.deadline,
                escalated_on=step.on,
                updated_at=clock.now(),
            ),
        )
        low = "its owner " + before.owner if step.low == 0 else rules.ladder[step.low].role.value
        reason = (
            f"the deadline of {step.missed.isoformat()} was missed while the action was "
            f"{before.status.value}: escalated from {low} to "
            f"{rules.ladder[step.high].role.value}, due {step.deadline.isoformat()}"
        )
        record_action(session, clock, actor, "action.escalate", before, action, reason)
    role = rules.ladder[steps[-1].high].role.value
    outbox.tell(
        session,
        clock=clock,
        roles=rules.ladder[steps[-1].high].notify,
        organisation=action.organisation,
        subject=(
            f"caresignal: action #{action.id} ({action.organisation}) is overdue and escalated "
            f"to you (due {action.deadline.isoformat()})"
        ),
        body="\n".join(
            [
                f"Action #{action.id} of recommendation #{action.recommendation_id} "
                f"({action.organisation}): {action.title}",
                "",
                f"Owner: {action.owner}. Due on {action.due_on.isoformat()}; it is "
                f"{action.status.value}. Its deadlines were missed "
                f"({', '.join(step.missed.isoformat() for step in steps)}); it is now "
                f"escalated to {role}, due {action.deadline.isoformat()}.",
                "",
                f"See it with `caresignal actions show {action.recommendation_id}`.",
            ]
        ),
        entity="action",
        entity_id=str(action.id),
    )
    return Escalation(
        entity="action",
        entity_id=action.id,
        organisation=action.organisation,
        from_role=f"owner {first.owner}"
        if first.rung == 0
        else rules.ladder[first.rung].role.value,
        to_role=role,
        missed=steps[0].missed,
        deadline=action.deadline,
    )


def _climb_episode(
    session: Session,
    episode: Episode,
    steps: list[Climb],
    actor: str,
    clock: Clock,
    rules: Rules,
) -> Escalation:
    """Apply ``steps`` to ``episode``: one history entry and audit entry per step, and one set
    of messages, to the rung it ends on."""
    first_role = episode.owner_role
    for step in steps:
        role = rules.ladder[step.high].role
        before = episode
        episode = episode_repo.save_episode(
            session,
            replace(
                episode,
                rung=step.high,
                owner_role=role,
                deadline=step.deadline,
                escalated_on=step.on,
                updated_at=clock.now(),
            ),
        )
        reason = (
            f"the deadline of {step.missed.isoformat()} was missed while the episode was "
            f"{before.state.value}: escalated from {rules.ladder[step.low].role.value} to "
            f"{role.value}, due {step.deadline.isoformat()}"
        )
        episode_repo.add_event(
            session,
            episode.id,
            EpisodeEvent(clock.now(), actor, "escalate", before.state, episode.state, reason, ()),
        )
        audit.append(
            session,
            clock=clock,
            actor=actor,
            action="signal.escalate",
            entity="signal_episode",
            entity_id=str(episode.id),
            before=before.to_dict(),
            after=episode.to_dict(),
            reason=reason,
        )
    missed = ", ".join(step.missed.isoformat() for step in steps)
    outbox.tell(
        session,
        clock=clock,
        roles=rules.ladder[steps[-1].high].notify,
        organisation=episode.unit,
        subject=(
            f"caresignal: signal #{episode.id} {episode.unit} {episode.indicator} escalated to "
            f"you ({episode.level}; due {episode.deadline})"
        ),
        body=episode_message(
            episode,
            "has been escalated to you",
            f"Its deadlines were missed ({missed}); it is now owned by "
            f"{rules.ladder[steps[-1].high].role.value}.",
        ),
        entity="signal_episode",
        entity_id=str(episode.id),
    )
    return Escalation(
        entity="signal_episode",
        entity_id=episode.id,
        organisation=episode.unit,
        from_role="" if first_role is None else first_role.value,
        to_role=rules.ladder[steps[-1].high].role.value,
        missed=steps[0].missed,
        deadline=steps[-1].deadline,
    )
