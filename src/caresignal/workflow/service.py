"""Use cases of signal episodes: each opens one transaction, makes its change, writes the
episode's history and one audit entry per episode changed, and commits them together.

Only ``concern`` findings are merged into episodes: an improvement needs nobody to act, and it
stays in ``findings.parquet`` and the scan report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import Clock
from caresignal.domain import Role
from caresignal.domain.episodes import Episode, EpisodeEvent, EpisodeFinding, EpisodeState
from caresignal.errors import CaresignalError
from caresignal.monitor.scan import (
    Finding,
    ScanResult,
    severity,  # the scan's own ranking of levels
)
from caresignal.store import audit
from caresignal.store import episodes as episode_repo
from caresignal.store.service import UnknownError
from caresignal.store.session import transaction
from caresignal.workflow import access, outbox, signals
from caresignal.workflow.access import NotAllowedError
from caresignal.workflow.rules import DEFAULT_RULES, Rules

__all__ = [
    "EpisodeDetail",
    "MergeResult",
    "NotAllowedError",
    "acknowledge",
    "close",
    "comment",
    "get_episode",
    "list_episodes",
    "merge_findings",
    "transition",
]

S = EpisodeState
Key = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class MergeResult:
    """What :func:`merge_findings` did: the ids of episodes opened, extended and reopened, and how
    many improvement findings it left out."""

    opened: tuple[int, ...]
    extended: tuple[int, ...]
    reopened: tuple[int, ...]
    improvements: int

    def to_dict(self) -> dict[str, Any]:
        """For JSON: the episode ids opened, extended and reopened, and improvements left out."""
        return {
            "opened": list(self.opened),
            "extended": list(self.extended),
            "reopened": list(self.reopened),
            "improvements": self.improvements,
        }


@dataclass(frozen=True, slots=True)
class EpisodeDetail:
    """An episode with its findings and its history."""

    episode: Episode
    findings: tuple[EpisodeFinding, ...]
    events: tuple[EpisodeEvent, ...]

    def to_dict(self) -> dict[str, Any]:
        """For JSON: the episode's fields, ``findings`` and ``history``."""
        return {
            **self.episode.to_dict(),
            "findings": [finding.to_dict() for finding in self.findings],
            "history": [event.to_dict() for event in self.events],
        }


def merge_findings(
    sessions: sessionmaker[Session],
    result: ScanResult,
    *,
    actor: str,
    clock: Clock,
    rules: Rules = DEFAULT_RULES,
) -> MergeResult:
    """Merge a scan's concern findings into episodes; merging the same findings again changes
    nothing.

    A finding not seen before opens an episode for its (unit, indicator, direction), extends the
    episode that is not closed, or reopens a closed one if it first crossed after the day it
    was closed (an older finding is only added to the closed episode's record).
    """
    groups: dict[Key, list[EpisodeFinding]] = defaultdict(list)
    for finding in result.findings:
        if finding.direction == "concern":
            key = (finding.unit, finding.indicator, finding.direction)
            groups[key].append(_linked(finding, result))
    done: dict[str, list[int]] = {"opened": [], "extended": [], "reopened": []}
    with transaction(sessions) as session:
        for key in sorted(groups):
            new = [f for f in groups[key] if not episode_repo.has_finding(session, f)]
            if new:
                outcome, episode_id = _merge_one(session, key, new, actor, clock, rules)
                done[outcome].append(episode_id)
    improvements = sum(finding.direction != "concern" for finding in result.findings)
    return MergeResult(
        tuple(done["opened"]), tuple(done["extended"]), tuple(done["reopened"]), improvements
    )


def _linked(finding: Finding, result: ScanResult) -> EpisodeFinding:
    return EpisodeFinding(
        unit=finding.unit,
        indicator=finding.indicator,
        method=finding.method,
        chart=finding.chart,
        level=finding.level,
        direction=finding.direction,
        first_crossed=finding.first_crossed,
        change_began=finding.change_began,
        explanation=finding.explanation,
        seen_as_of=result.as_of,
    )


def _merge_one(
    session: Session,
    key: Key,
    new: list[EpisodeFinding],
    actor: str,
    clock: Clock,
    rules: Rules,
) -> tuple[str, int]:
    """Open, extend or reopen the episode of ``key`` with ``new`` findings; the outcome and id.

    Opening or reopening tells the owning rung; so does a finding that raises the episode to red
    (it then belongs to the executive's rung). Extending keeps the episode's deadline.
    """
    before = episode_repo.find_problem(session, *key)
    now, today = clock.now(), clock.today()
    level = min((f.level for f in new), key=lambda lvl: severity(lvl, key[2]))
    first, last = min(f.first_crossed for f in new), max(f.first_crossed for f in new)
    if before is None:
        outcome, opened = "opened", Episode(
            id=0, unit=key[0], indicator=key[1], direction=key[2], state=S.OPEN, level=level,
            first_finding=first, last_finding=last, opened_on=today, closed_on=None,
            times_closed=0, owner_role=None, deadline=None, rung=_start_rung(level, rules),
            escalated_on=None, version=0, created_at=now, updated_at=now,
        )  # fmt: skip
        episode = episode_repo.add_episode(session, _due(opened, rules))
    else:
        reopen = _new_since_closing(before, new)
        outcome = "reopened" if reopen else "extended"
        changed = replace(
            before,
            level=min(before.level, level, key=lambda lvl: severity(lvl, key[2])),
            first_finding=min(before.first_finding, first),
            last_finding=max(before.last_finding, last),
            updated_at=now,
        )
        if reopen:
            changed = replace(
                changed,
                state=S.OPEN,
                opened_on=today,
                closed_on=None,
                rung=_start_rung(changed.level, rules),
                escalated_on=None,
            )
            changed = _due(changed, rules)
        elif changed.level != before.level:
            changed = _raised(changed, rules)
        episode = episode_repo.save_episode(session, changed)
    for finding in new:
        episode_repo.add_finding(session, episode.id, finding)
    reason = f"{len(new)} new finding(s) from the scan as of {new[0].seen_as_of.isoformat()}"
    _record(session, clock, actor, f"signal.{outcome[:-2]}", before, episode, reason, ())
    if before is None or outcome == "reopened" or episode.owner_role != before.owner_role:
        worst = min(new, key=lambda f: severity(f.level, f.direction))
        _tell_owner(session, clock, rules, episode, outcome, worst.explanation)
    return outcome, episode.id


def _raised(episode: Episode, rules: Rules) -> Episode:
    """``episode`` after a finding raised its level: on the rung that level starts on if that is
    higher, and due by the earlier of its deadline and the new level's."""
    rung = max(episode.rung, _start_rung(episode.level, rules))
    due = _due(replace(episode, rung=rung), rules)
    deadlines = [day for day in (episode.deadline, due.deadline) if day is not None]
    return replace(due, deadline=min(deadlines, default=None))


def _start_rung(level: str, rules: Rules) -> int:
    """The rung an episode at ``level`` starts on: the executive's for red, else the lowest."""
    return rules.red_rung if level == "red" else 0


def _tell_owner(
    session: Session, clock: Clock, rules: Rules, episode: Episode, what: str, detail: str
) -> None:
    """Tell everyone the episode's rung names that it is theirs now, in the caller's
    transaction."""
    rung = rules.ladder[signals.owner_rung(episode.state, episode.rung, rules)]
    due = "" if episode.deadline is None else f"; due {episode.deadline.isoformat()}"
    outbox.tell(
        session,
        clock=clock,
        roles=rung.notify,
        organisation=episode.unit,
        subject=(
            f"caresignal: signal #{episode.id} {episode.unit} {episode.indicator} "
            f"{what} ({episode.level}{due})"
        ),
        body=episode_message(episode, what, detail),
        entity="signal_episode",
        entity_id=str(episode.id),
    )


def episode_message(episode: Episode, what: str, detail: str) -> str:
    """The plain-text body of a message about ``episode``."""
    owner = "nobody" if episode.owner_role is None else episode.owner_role.value
    due = "none" if episode.deadline is None else episode.deadline.isoformat()
    return "\n".join(
        [
            f"Signal episode #{episode.id} ({episode.unit}, {episode.indicator}) {what}.",
            "",
            detail,
            "",
            f"State: {episode.state.value}. Level: {episode.level}.",
            f"Owner: {owner}. Next deadline: {due}.",
            f"{signals.closed_before(episode.times_closed).capitalize()}.",
            "",
            f"See it with `caresignal signals show {episode.id}`.",
        ]
    )


def _new_since_closing(episode: Episode, new: list[EpisodeFinding]) -> bool:
    """Whether ``episode`` is closed and one of ``new`` first crossed after the day it closed."""
    closed = episode.closed_on if episode.state is S.CLOSED else None
    return closed is not None and any(finding.first_crossed > closed for finding in new)


def _due(episode: Episode, rules: Rules) -> Episode:
    """``episode`` with the owner role of its state and rung and the deadline of its state."""
    deadlines = rules.deadlines(episode.indicator, episode.level)
    return replace(
        episode,
        owner_role=signals.owner(episode.state, episode.rung, rules),
        deadline=signals.deadline(episode.state, episode.opened_on, deadlines),
    )


def _record(
    session: Session,
    clock: Clock,
    actor: str,
    action: str,
    before: Episode | None,
    after: Episode,
    reason: str,
    evidence: Sequence[str],
) -> None:
    """The episode's history entry and its audit entry, in the caller's transaction."""
    episode_repo.add_event(
        session,
        after.id,
        EpisodeEvent(
            at=clock.now(),
            actor=actor,
            action=action.removeprefix("signal."),
            from_state=None if before is None else before.state,
            to_state=after.state,
            reason=reason,
            evidence=tuple(evidence),
        ),
    )
    audit.append(
        session,
        clock=clock,
        actor=actor,
        action=action,
        entity="signal_episode",
        entity_id=str(after.id),
        before=None if before is None else before.to_dict(),
        after={**after.to_dict(), "evidence": list(evidence)} if evidence else after.to_dict(),
        reason=reason,
    )


def acknowledge(
    sessions: sessionmaker[Session],
    episode_id: int,
    *,
    actor: str,
    clock: Clock,
    reason: str = "acknowledged",
    expected_version: int | None = None,
    rules: Rules = DEFAULT_RULES,
) -> Episode:
    """Record that ``actor`` has seen the episode and owns the next step (open → acknowledged)."""
    return transition(
        sessions,
        episode_id,
        S.ACKNOWLEDGED,
        actor=actor,
        clock=clock,
        reason=reason,
        expected_version=expected_version,
        rules=rules,
    )


def transition(
    sessions: sessionmaker[Session],
    episode_id: int,
    target: EpisodeState,
    *,
    actor: str,
    clock: Clock,
    reason: str,
    expected_version: int | None = None,
    rules: Rules = DEFAULT_RULES,
) -> Episode:
    """Move the episode to ``target`` if the rules allow it and ``actor`` holds an acting role
    in its unit or above; refused if ``expected_version`` is given and no longer current."""
    with transaction(sessions) as session:
        before = _current(session, episode_id, None)
        _authorise(session, actor, before, signals.ACTING_ROLES, "move it on")
        _fresh(before, expected_version)
        signals.check_transition(before.state, target)
        after = _due(replace(before, state=target, updated_at=clock.now()), rules)
        after = episode_repo.save_episode(session, after)
        action = "signal.acknowledge" if target is S.ACKNOWLEDGED else "signal.transition"
        _record(session, clock, actor, action, before, after, reason, ())
    return after


def close(
    sessions: sessionmaker[Session],
    episode_id: int,
    *,
    actor: str,
    clock: Clock,
    reason: str,
    evidence: Sequence[str],
    expected_version: int | None = None,
) -> Episode:
    """Close the episode: a role with authority, a written rationale and evidence are needed
    (an episode that has reached red needs the executive level)."""
    evidence = [item.strip() for item in evidence if item.strip()]
    with transaction(sessions) as session:
        before = _current(session, episode_id, None)
        roles = signals.RED_CLOSING_ROLES if before.level == "red" else signals.CLOSING_ROLES
        _authorise(session, actor, before, roles, "close it")
        _fresh(before, expected_version)
        signals.check_close(before.state, reason, evidence)
        after = replace(
            before,
            state=S.CLOSED,
            closed_on=clock.today(),
            times_closed=before.times_closed + 1,
            owner_role=None,
            deadline=None,
            updated_at=clock.now(),
        )
        after = episode_repo.save_episode(session, after)
        _record(session, clock, actor, "signal.close", before, after, reason.strip(), evidence)
    return after


def comment(
    sessions: sessionmaker[Session],
    episode_id: int,
    text: str,
    *,
    actor: str,
    clock: Clock,
) -> EpisodeEvent:
    """Add a comment to the episode's history (any role that can see the episode's unit may;
    the episode itself does not change)."""
    text = text.strip()
    if not text:
        raise CaresignalError("a comment needs some text", hint="say it with --text")
    with transaction(sessions) as session:
        episode = _current(session, episode_id, None)
        access.authorise(
            session, actor, frozenset(Role), episode.unit, "comment on it", f"episode {episode.id}"
        )
        event = EpisodeEvent(
            at=clock.now(),
            actor=actor,
            action="comment",
            from_state=episode.state,
            to_state=episode.state,
            reason=text,
            evidence=(),
        )
        episode_repo.add_event(session, episode.id, event)
        audit.append(
            session,
            clock=clock,
            actor=actor,
            action="signal.comment",
            entity="signal_episode",
            entity_id=str(episode.id),
            before=None,
            after={"episode": episode.id, "state": episode.state.value, "comment": text},
            reason=text,
        )
    return event


def _current(session: Session, episode_id: int, expected_version: int | None) -> Episode:
    episode = episode_repo.find_episode(session, episode_id)
    if episode is None:
        raise UnknownError(
            f"there is no signal episode {episode_id}", hint="see `caresignal signals list`"
        )
    _fresh(episode, expected_version)
    return episode


def _fresh(episode: Episode, expected_version: int | None) -> None:
    """Refuse a change made on a version that is no longer current. Use cases check who may
    make the change first, so that someone who may not learns nothing from this answer."""
    if expected_version is not None and episode.version != expected_version:
        raise episode_repo.StaleEpisodeError(
            f"signal episode {episode.id} was changed by someone else since you read it "
            f"(version {expected_version}, now {episode.version})",
            hint=f"look again with `caresignal signals show {episode.id}`, then retry",
        )


def _authorise(
    session: Session, actor: str, episode: Episode, roles: frozenset[Role], doing: str
) -> None:
    """Refuse unless ``actor`` is a user holding one of ``roles`` in the unit or above it."""
    access.authorise(session, actor, roles, episode.unit, doing, f"episode {episode.id}")


def list_episodes(
    sessions: sessionmaker[Session], state: EpisodeState | None = None
) -> list[Episode]:
    """Every episode, or those in ``state``, by id."""
    with sessions() as session:
        return episode_repo.episodes(session, state)


def get_episode(sessions: sessionmaker[Session], episode_id: int) -> EpisodeDetail:
    """The episode with its findings and history; an unknown id is refused."""
    with sessions() as session:
        episode = _current(session, episode_id, None)
        return EpisodeDetail(
            episode,
            tuple(episode_repo.findings_of(session, episode_id)),
            tuple(episode_repo.events_of(session, episode_id)),
        )
