"""Use cases of recommendations and actions (docs/recommendations.md).

The rules they apply are in :mod:`caresignal.workflow.action_rules`. Each use case opens
one transaction, checks the rules and who is acting, makes its change and writes one audit entry
per recommendation or action changed (:mod:`caresignal.store.audit`), and commits them together.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import Clock
from caresignal.domain import Role
from caresignal.domain.actions import (
    Action,
    ActionStatus,
    Recommendation,
    RecommendationDetail,
    RecommendationSource,
    RecommendationState,
)
from caresignal.store import actions as action_repo
from caresignal.store import audit, repo, transaction
from caresignal.store import episodes as episode_repo
from caresignal.store.service import UnknownError
from caresignal.workflow import access
from caresignal.workflow.action_rules import (
    ACTING_ROLES,
    ADDING_ROLES,
    CLOSING_ROLES,
    COMMANDS,
    VERIFYING_ROLES,
    ActionRuleError,
    check_closing_reason,
    check_dates,
    check_evidence,
    check_four_eyes,
    check_move,
    check_text,
)

A = ActionStatus

__all__ = [
    "ActionRuleError",
    "add_action",
    "add_recommendation",
    "close_recommendation",
    "complete_action",
    "get_recommendation",
    "list_actions",
    "list_recommendations",
    "record_action",
    "record_recommendation",
    "reopen_action",
    "start_action",
    "verify_action",
]


def add_recommendation(
    sessions: sessionmaker[Session],
    organisation: str,
    reference: str,
    source: RecommendationSource,
    title: str,
    *,
    received_on: date,
    detail: str = "",
    episode_id: int | None = None,
    actor: str,
    clock: Clock,
    reason: str = "new recommendation",
) -> Recommendation:
    """Add an open recommendation to ``organisation``; needs an adding role there or above.

    ``reference`` must be new within the organisation; ``episode_id`` names the signal episode
    whose review made it, if any.
    """
    reference = check_text(
        reference, "a recommendation's reference", "e.g. --reference CQC-2026-014"
    )
    title = check_text(title, "a recommendation's title", "say what is recommended with --title")
    check_dates(received_on, clock.today())
    with transaction(sessions) as session:
        _known(session, organisation, episode_id)
        access.authorise(session, actor, ADDING_ROLES, organisation, "add it", "a recommendation")
        if action_repo.find_reference(session, organisation, reference) is not None:
            raise ActionRuleError(
                f"{organisation} already has a recommendation {reference!r}",
                hint="give another reference, or add actions to that one",
            )
        now = clock.now()
        made = action_repo.add_recommendation(
            session,
            Recommendation(
                id=0, organisation=organisation, reference=reference, source=source,
                title=title, detail=detail.strip(), received_on=received_on,
                episode_id=episode_id, state=RecommendationState.OPEN, closed_on=None,
                closed_by=None, closing_reason=None, version=0, created_at=now, updated_at=now,
            ),
        )  # fmt: skip
        record_recommendation(session, clock, actor, "recommendation.add", None, made, reason)
    return made


def _known(session: Session, organisation: str, episode_id: int | None) -> None:
    if repo.find_organisation(session, organisation) is None:
        raise UnknownError(
            f"there is no organisation with code {organisation!r} in the store",
            hint="give a trust, site or unit code (`caresignal store sync` copies them)",
        )
    if episode_id is not None and episode_repo.find_episode(session, episode_id) is None:
        raise UnknownError(
            f"there is no signal episode {episode_id}", hint="see `caresignal signals list`"
        )


def record_recommendation(
    session: Session,
    clock: Clock,
    actor: str,
    action: str,
    before: Recommendation | None,
    after: Recommendation,
    reason: str,
    extra: Mapping[str, object] | None = None,
) -> None:
    """The audit entry of a change to a recommendation, in the caller's transaction."""
    audit.append(
        session, clock=clock, actor=actor, action=action, entity="recommendation",
        entity_id=str(after.id), before=None if before is None else before.to_dict(),
        after={**after.to_dict(), **(extra or {})}, reason=reason,
    )  # fmt: skip


def record_action(
    session: Session,
    clock: Clock,
    actor: str,
    action: str,
    before: Action | None,
    after: Action,
    reason: str,
) -> None:
    """The audit entry of a change to an action, in the caller's transaction."""
    audit.append(
        session, clock=clock, actor=actor, action=action, entity="action",
        entity_id=str(after.id), before=None if before is None else before.to_dict(),
        after=after.to_dict(), reason=reason,
    )  # fmt: skip


def add_action(
    sessions: sessionmaker[Session],
    recommendation_id: int,
    title: str,
    owner: str,
    due_on: date,
    *,
    actor: str,
    clock: Clock,
    reason: str = "new action",
) -> Action:
    """Add a planned action to an open recommendation, owned by the user ``owner``; needs an
    adding role in the recommendation's organisation or above."""
    title = check_text(title, "an action's title", "say what will be done with --title")
    with transaction(sessions) as session:
        recommendation = _recommendation(session, recommendation_id, None)
        _still_open(recommendation)
        check_dates(recommendation.received_on, clock.today(), due_on)
        access.authorise(
            session, actor, ADDING_ROLES, recommendation.organisation, "add an action",
            f"recommendation {recommendation_id}",
        )  # fmt: skip
        access.user(session, owner)
        now = clock.now()
        added = action_repo.add_action(
            session,
            Action(
                id=0, recommendation_id=recommendation_id,
                organisation=recommendation.organisation, title=title, owner=owner,
                due_on=due_on, status=A.PLANNED, evidence=(), done_on=None, done_by=None,
                verified_on=None, verified_by=None, rung=0, deadline=due_on, escalated_on=None,
                version=0, created_at=now, updated_at=now,
            ),
        )  # fmt: skip
        record_action(session, clock, actor, "action.add", None, added, reason)
    return added


def _recommendation(
    session: Session, recommendation_id: int, expected_version: int | None
) -> Recommendation:
    found = action_repo.find_recommendation(session, recommendation_id)
    if found is None:
        raise UnknownError(
            f"there is no recommendation {recommendation_id}",
            hint="see `caresignal actions list`",
        )
    _fresh_recommendation(found, expected_version)
    return found


def _fresh_recommendation(found: Recommendation, expected_version: int | None) -> None:
    """Refuse a change made on a version that is no longer current (checked after who may
    make it, so that someone who may not learns nothing from the answer)."""
    if expected_version is not None and found.version != expected_version:
        versions = (expected_version, found.version)
        raise action_repo.stale("recommendation", found.id, found.id, versions)


def _still_open(recommendation: Recommendation) -> None:
    if recommendation.state is RecommendationState.CLOSED:
        raise ActionRuleError(
            f"recommendation {recommendation.id} is closed: its actions can no longer change",
            hint="record further work as a new recommendation",
        )


def _action(session: Session, action_id: int, expected_version: int | None) -> Action:
    found = action_repo.find_action(session, action_id)
    if found is None:
        raise UnknownError(f"there is no action {action_id}", hint="see `caresignal actions list`")
    _fresh_action(found, expected_version)
    return found


def _fresh_action(found: Action, expected_version: int | None) -> None:
    """Refuse a change made on a version that is no longer current (checked after who may
    make it)."""
    if expected_version is not None and found.version != expected_version:
        versions = (expected_version, found.version)
        raise action_repo.stale("action", found.id, found.recommendation_id, versions)


def _move(
    sessions: sessionmaker[Session],
    action_id: int,
    target: ActionStatus,
    *,
    actor: str,
    clock: Clock,
    reason: str,
    expected_version: int | None,
    roles: frozenset[Role],
    owner_may: bool,
    change: Callable[[Action], Action] = lambda action: action,
) -> Action:
    """Move an action to ``target``: the rules, who may (the owner if ``owner_may``, else one of
    ``roles`` in its organisation or above), ``change`` to its other fields, and its audit
    entry."""
    with transaction(sessions) as session:
        before = _action(session, action_id, None)
        if target is A.VERIFIED:  # first: it tells the one who did the work nothing new
            check_four_eyes(before.done_by, actor)
        if owner_may and actor == before.owner:
            access.user(session, actor)
        else:
            doing = f"mark it {target.value}" if target is not A.IN_PROGRESS else "move it on"
            access.authorise(
                session, actor, roles, before.organisation, doing, f"action {action_id}"
            )
        _fresh_action(before, expected_version)
        _still_open(_recommendation(session, before.recommendation_id, None))
        check_move(before.status, target)
        after = change(replace(before, status=target, updated_at=clock.now()))
        after = action_repo.save_action(session, after)
        verb = COMMANDS[before.status, target].replace("done", "complete")
        record_action(session, clock, actor, f"action.{verb}", before, after, reason)
    return after


def start_action(
    sessions: sessionmaker[Session],
    action_id: int,
    *,
    actor: str,
    clock: Clock,
    reason: str = "started",
    expected_version: int | None = None,
) -> Action:
    """Start a planned action (planned → in progress): its owner, or an acting role."""
    return _move(
        sessions, action_id, A.IN_PROGRESS, actor=actor, clock=clock, reason=reason,
        expected_version=expected_version, roles=ACTING_ROLES, owner_may=True,
    )  # fmt: skip


def complete_action(
    sessions: sessionmaker[Session],
    action_id: int,
    evidence: Sequence[str],
    *,
    actor: str,
    clock: Clock,
    reason: str = "done",
    expected_version: int | None = None,
) -> Action:
    """Mark an action in progress done, with evidence (it replaces any given before): its
    owner, or an acting role."""
    kept = check_evidence(evidence)
    return _move(
        sessions, action_id, A.DONE, actor=actor, clock=clock, reason=reason,
        expected_version=expected_version, roles=ACTING_ROLES, owner_may=True,
        change=lambda a: replace(a, evidence=kept, done_on=clock.today(), done_by=actor),
    )  # fmt: skip


def verify_action(
    sessions: sessionmaker[Session],
    action_id: int,
    *,
    actor: str,
    clock: Clock,
    reason: str = "verified",
    expected_version: int | None = None,
) -> Action:
    """Verify a done action: a second person holding a verifying role, never the person who
    marked it done."""
    return _move(
        sessions, action_id, A.VERIFIED, actor=actor, clock=clock, reason=reason,
        expected_version=expected_version, roles=VERIFYING_ROLES, owner_may=False,
        change=lambda a: replace(a, verified_on=clock.today(), verified_by=actor),
    )  # fmt: skip


def reopen_action(
    sessions: sessionmaker[Session],
    action_id: int,
    *,
    actor: str,
    clock: Clock,
    reason: str,
    expected_version: int | None = None,
) -> Action:
    """Send a done action back to in progress: a verifier's rejection, with a written reason.
    Its evidence stays on record until it is marked done again."""
    reason = check_text(reason, "the reason for reopening an action", "say why with --reason")
    return _move(
        sessions, action_id, A.IN_PROGRESS, actor=actor, clock=clock, reason=reason,
        expected_version=expected_version, roles=VERIFYING_ROLES, owner_may=False,
        change=lambda a: replace(a, done_on=None, done_by=None),
    )  # fmt: skip


def close_recommendation(
    sessions: sessionmaker[Session],
    recommendation_id: int,
    *,
    actor: str,
    clock: Clock,
    reason: str,
    expected_version: int | None = None,
) -> RecommendationDetail:
    """Close an open recommendation with a written reason: a closing role in its organisation or
    above. Allowed with actions not verified; the audit entry then names them, and the
    recommendation shows as closed without all its actions verified."""
    reason = check_closing_reason(reason)
    with transaction(sessions) as session:
        before = _recommendation(session, recommendation_id, None)
        access.authorise(
            session, actor, CLOSING_ROLES, before.organisation, "close it",
            f"recommendation {recommendation_id}",
        )  # fmt: skip
        _fresh_recommendation(before, expected_version)
        if before.state is RecommendationState.CLOSED:
            raise ActionRuleError(
                f"recommendation {recommendation_id} is already closed",
                hint=f"see `caresignal actions show {recommendation_id}`",
            )
        closed = replace(
            before,
            state=RecommendationState.CLOSED,
            closed_on=clock.today(),
            closed_by=actor,
            closing_reason=reason,
            updated_at=clock.now(),
        )
        after = action_repo.save_recommendation(session, closed)
        detail = RecommendationDetail(
            after, tuple(action_repo.actions(session, recommendation_id=recommendation_id))
        )
        unverified = [action.id for action in detail.unverified]
        extra = {"unverified_actions": unverified, "summary": detail.summary(clock.today())}
        record_recommendation(
            session, clock, actor, "recommendation.close", before, after, reason, extra
        )
    return detail


def get_recommendation(
    sessions: sessionmaker[Session], recommendation_id: int
) -> RecommendationDetail:
    """The recommendation with its actions; an unknown id is refused."""
    with sessions() as session:
        recommendation = _recommendation(session, recommendation_id, None)
        found = action_repo.actions(session, recommendation_id=recommendation_id)
        return RecommendationDetail(recommendation, tuple(found))


def list_recommendations(
    sessions: sessionmaker[Session],
    *,
    organisation: str | None = None,
    state: RecommendationState | None = None,
    episode_id: int | None = None,
) -> list[RecommendationDetail]:
    """The recommendations (of an organisation and those below it, in one state, of one
    episode) with their actions, by id."""
    with sessions() as session:
        scope = _scope(session, organisation)
        found = action_repo.recommendations(
            session, organisations=scope, episode_id=episode_id, state=state
        )
        actions = action_repo.actions(session, organisations=scope, episode_id=episode_id)
        return [
            RecommendationDetail(r, tuple(a for a in actions if a.recommendation_id == r.id))
            for r in found
        ]


def list_actions(
    sessions: sessionmaker[Session],
    *,
    owner: str | None = None,
    overdue_on: date | None = None,
    organisation: str | None = None,
    recommendation_id: int | None = None,
) -> list[Action]:
    """The actions, by id: of one owner, overdue on a day (still to do, deadline before it, the
    recommendation open), of an organisation and those below it, of one recommendation."""
    with sessions() as session:
        scope = _scope(session, organisation)
        found = action_repo.actions(
            session, recommendation_id=recommendation_id, owner=owner, organisations=scope
        )
        if overdue_on is None:
            return found
        late = {a.id for a in action_repo.overdue_actions(session, overdue_on)}
        return [a for a in found if a.id in late]


def _scope(session: Session, organisation: str | None) -> list[str] | None:
    if organisation is None:
        return None
    if repo.find_organisation(session, organisation) is None:
        raise UnknownError(
            f"there is no organisation with code {organisation!r} in the store",
            hint="give a trust, site or unit code (`caresignal store sync` copies them)",
        )
    return repo.organisation_and_below(session, organisation)
