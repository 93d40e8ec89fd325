"""What one person may read of recommendations, actions, boards and the audit log, and which
forms they may use (for the web app's tracker, board and audit pages; docs/web.md).

A recommendation is reached by a role held in its organisation or above (a regulator: in its
region), or by owning one of its actions: an owner may always do their own work. Anything else
is "not found", exactly as if it did not exist. The use cases of
:mod:`caresignal.workflow.actions` and :mod:`caresignal.workflow.board` check again when
something is changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from caresignal.domain import AuditEntry, Organisation, Role, User
from caresignal.domain.actions import (
    Action,
    ActionStatus,
    Recommendation,
    RecommendationDetail,
    RecommendationState,
)
from caresignal.store import actions as action_repo
from caresignal.store import audit, repo
from caresignal.store import board as board_repo
from caresignal.store import episodes as episode_repo
from caresignal.store.service import UnknownError
from caresignal.workflow import access
from caresignal.workflow.access import NotAllowedError
from caresignal.workflow.action_rules import ACTING_ROLES, CLOSING_ROLES, VERIFYING_ROLES

__all__ = [
    "AUDIT_ROLES",
    "Allowed",
    "ChainStatus",
    "Change",
    "OwnAction",
    "TrailEntry",
    "action_recommendation",
    "allowed_on",
    "board_trust",
    "chain_status",
    "holds_role",
    "own_actions",
    "trail",
    "visible_recommendation",
    "visible_recommendations",
    "visible_trusts",
]

A = ActionStatus

#: Roles that may read the audit log (the trail of an entity: where the role reaches it).
AUDIT_ROLES = frozenset(
    {Role.ADMINISTRATOR, Role.QUALITY_ANALYST, Role.EXECUTIVE_SAFETY_CHAMPION, Role.REGULATOR}
)
#: Kinds of entity whose trail only administrators read (the store's own administration).
ADMINISTRATION = frozenset({"user", "role_grant", "organisation", "notification", "board_meeting"})


def holds_role(
    sessions: sessionmaker[Session], user_name: str, roles: Iterable[Role], organisation: str
) -> bool:
    """Whether the user holds one of ``roles`` in ``organisation`` or above (a regulator: in its
    region)."""
    with sessions() as session:
        return access.holds(session, access.user(session, user_name), roles, organisation)


# Recommendations and actions.


def _details(
    recommendations: list[Recommendation], actions: list[Action]
) -> list[RecommendationDetail]:
    return [
        RecommendationDetail(r, tuple(a for a in actions if a.recommendation_id == r.id))
        for r in recommendations
    ]


def visible_recommendations(
    sessions: sessionmaker[Session], user_name: str, state: RecommendationState | None = None
) -> list[RecommendationDetail]:
    """The recommendations (or those in ``state``) the user's roles reach, or of which they own
    an action, with their actions, by id."""
    with sessions() as session:
        user = access.user(session, user_name)
        reach = access.Reach(session, user)
        actions = action_repo.actions(session)
        owned = {a.recommendation_id for a in actions if a.owner == user.name}
        found = [
            r
            for r in action_repo.recommendations(session, state=state)
            if r.id in owned or reach.holds(r.organisation)
        ]
        return _details(found, actions)


def _visible(session: Session, user_name: str, recommendation_id: int) -> RecommendationDetail:
    user = access.user(session, user_name)
    found = action_repo.find_recommendation(session, recommendation_id)
    if found is not None:
        actions = tuple(action_repo.actions(session, recommendation_id=recommendation_id))
        if any(a.owner == user.name for a in actions) or access.holds(
            session, user, frozenset(Role), found.organisation
        ):
            return RecommendationDetail(found, actions)
    raise UnknownError(
        f"there is no recommendation {recommendation_id}", hint="see the actions tracker"
    )


def visible_recommendation(
    sessions: sessionmaker[Session], user_name: str, recommendation_id: int
) -> RecommendationDetail:
    """The recommendation with its actions, if the user reaches it; "not found" otherwise."""
    with sessions() as session:
        return _visible(session, user_name, recommendation_id)


def action_recommendation(sessions: sessionmaker[Session], user_name: str, action_id: int) -> int:
    """The id of the action's recommendation, if the user reaches it; "not found" otherwise."""
    with sessions() as session:
        action = action_repo.find_action(session, action_id)
        if action is not None:
            try:
                return _visible(session, user_name, action.recommendation_id).recommendation.id
            except UnknownError:
                pass
    raise UnknownError(f"there is no action {action_id}", hint="see the actions tracker")


@dataclass(frozen=True, slots=True)
class OwnAction:
    """An action the person owns, with its recommendation and whether it is overdue."""

    action: Action
    recommendation: Recommendation
    overdue: bool

    def to_dict(self) -> dict[str, Any]:
        """The action's fields with ``overdue`` and its recommendation's id, reference, title and
        state."""
        r = self.recommendation
        return {
            **self.action.to_dict(),
            "overdue": self.overdue,
            "recommendation": {
                "id": r.id, "reference": r.reference, "title": r.title, "state": r.state.value,
            },
        }  # fmt: skip


def own_actions(sessions: sessionmaker[Session], user_name: str, today: date) -> list[OwnAction]:
    """The actions the user owns, overdue first (the longest overdue first), then by deadline.

    An action of a closed recommendation is never overdue: the closure is what the board sees.
    """
    with sessions() as session:
        user = access.user(session, user_name)
        mine = action_repo.actions(session, owner=user.name)
        recommendations = {
            r.id: r
            for r in action_repo.recommendations(session)
            if r.id in {a.recommendation_id for a in mine}
        }
    found = [
        OwnAction(
            a,
            recommendations[a.recommendation_id],
            a.is_overdue(today)
            and recommendations[a.recommendation_id].state is RecommendationState.OPEN,
        )
        for a in mine
    ]
    return sorted(found, key=lambda o: (not o.overdue, o.action.deadline, o.action.id))


@dataclass(frozen=True, slots=True)
class Allowed:
    """The forms a person may use on one action, and, when it waits for its verifier but they
    may not verify it, why not."""

    start: bool
    done: bool
    verify: bool
    reopen: bool
    why_not_verify: str | None

    def to_dict(self) -> dict[str, Any]:
        """For JSON."""
        return {
            "start": self.start,
            "done": self.done,
            "verify": self.verify,
            "reopen": self.reopen,
            "why_not_verify": self.why_not_verify,
        }


def _allowed(reach: access.Reach, action: Action, is_open: bool) -> Allowed:
    name = reach.user.name
    acting = is_open and (action.owner == name or reach.holds(action.organisation, ACTING_ROLES))
    verifier = is_open and reach.holds(action.organisation, VERIFYING_ROLES)
    waiting = is_open and action.status is A.DONE
    why = None
    if waiting and action.done_by == name:
        why = "you marked it done, so a second person must verify it (four eyes)"
    elif waiting and not verifier:
        roles = ", ".join(sorted(role.value.replace("_", " ") for role in VERIFYING_ROLES))
        why = f"verifying needs one of the roles {roles}"
    return Allowed(
        start=acting and action.status is A.PLANNED,
        done=acting and action.status is A.IN_PROGRESS,
        verify=waiting and verifier and action.done_by != name,
        reopen=waiting and verifier,
        why_not_verify=why,
    )


def allowed_on(
    sessions: sessionmaker[Session], user_name: str, detail: RecommendationDetail
) -> tuple[dict[int, Allowed], bool]:
    """What the user may do to each action of the recommendation (by action id), and whether
    they may close the recommendation."""
    recommendation = detail.recommendation
    is_open = recommendation.state is RecommendationState.OPEN
    with sessions() as session:
        reach = access.Reach(session, access.user(session, user_name))
        allowed = {a.id: _allowed(reach, a, is_open) for a in detail.actions}
        closing = is_open and reach.holds(recommendation.organisation, CLOSING_ROLES)
    return allowed, closing


# Boards.


def visible_trusts(sessions: sessionmaker[Session], user_name: str) -> list[Organisation]:
    """The trusts whose board ledger the user's roles reach, by code."""
    with sessions() as session:
        reach = access.Reach(session, access.user(session, user_name))
        return [
            o for o in repo.organisations(session) if o.level == "trust" and reach.holds(o.code)
        ]


def board_trust(sessions: sessionmaker[Session], user_name: str, code: str) -> Organisation:
    """The trust ``code``, if the user's roles reach it; "not found" otherwise."""
    with sessions() as session:
        user = access.user(session, user_name)
        found = repo.find_organisation(session, code)
        if (
            found is None
            or found.level != "trust"
            or not access.holds(session, user, frozenset(Role), code)
        ):
            raise UnknownError(f"there is no trust with code {code!r} in the store")
        return found


# The audit log.


@dataclass(frozen=True, slots=True)
class ChainStatus:
    """Whether the audit chain verifies, where it first breaks if not, how long it is, the hash
    of its last entry and when it was checked."""

    first_break: audit.ChainBreak | None
    entries: int
    last_hash: str
    verified_at: datetime

    @property
    def intact(self) -> bool:
        """Whether every entry is in place and unedited."""
        return self.first_break is None

    def to_dict(self) -> dict[str, Any]:
        """For JSON."""
        return {
            "intact": self.intact,
            "first_break": None if self.first_break is None else self.first_break.to_dict(),
            "entries": self.entries,
            "last_hash": self.last_hash,
            "verified_at": self.verified_at.isoformat(),
        }


def _auditor(session: Session, user_name: str) -> User:
    user = access.user(session, user_name)
    if not {grant.role for grant in repo.grants_of(session, user)} & AUDIT_ROLES:
        needed = ", ".join(sorted(role.value for role in AUDIT_ROLES))
        raise NotAllowedError(
            f"{user_name} may not read the audit log: it needs one of the roles {needed}",
            hint="an administrator can grant one",
        )
    return user


def chain_status(sessions: sessionmaker[Session], user_name: str, now: datetime) -> ChainStatus:
    """Check the whole audit chain now (for a person holding one of :data:`AUDIT_ROLES`)."""
    with sessions() as session:
        _auditor(session, user_name)
        first_break = audit.verify(session)
        count, last = audit.head(session)
    return ChainStatus(first_break, count, last, now)


@dataclass(frozen=True, slots=True)
class Change:
    """One field an audit entry changed: its value before and after (None: absent)."""

    field: str
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        """For JSON."""
        return {"field": self.field, "before": self.before, "after": self.after}


@dataclass(frozen=True, slots=True)
class TrailEntry:
    """An audit entry about one entity, with the fields it changed."""

    entry: AuditEntry
    changes: tuple[Change, ...]

    def to_dict(self) -> dict[str, Any]:
        """Who, when, what and why, the entry's hash, and its ``changes``."""
        e = self.entry
        return {
            "seq": e.seq, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
            "reason": e.reason, "hash": e.hash,
            "changes": [change.to_dict() for change in self.changes],
        }  # fmt: skip


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[Change, ...]:
    """The fields whose values differ between ``before`` and ``after``, in the order they are
    first named (everything, for something created or removed)."""
    old, new = before or {}, after or {}
    fields = list(dict.fromkeys([*old, *new]))
    return tuple(
        Change(field, old.get(field), new.get(field))
        for field in fields
        if field not in old or field not in new or old[field] != new[field]
    )


def _organisation_of(session: Session, entity: str, entity_id: str) -> str | None:
    """The organisation an entity belongs to; None for the store's administration (a user, a
    role grant, a notification); "not found" for an entity that does not exist."""
    number = int(entity_id) if entity_id.isdigit() else None
    found: str | None = None
    if entity == "signal_episode" and number is not None:
        episode = episode_repo.find_episode(session, number)
        found = None if episode is None else episode.unit
    elif entity == "action" and number is not None:
        action = action_repo.find_action(session, number)
        found = None if action is None else action.organisation
    elif entity == "recommendation" and number is not None:
        recommendation = action_repo.find_recommendation(session, number)
        found = None if recommendation is None else recommendation.organisation
    elif entity == "organisation":
        found = None if repo.find_organisation(session, entity_id) is None else entity_id
    elif entity == "board_meeting" and number is not None:
        meeting = board_repo.find_meeting(session, number)
        found = None if meeting is None else meeting.trust
    elif entity in ADMINISTRATION:
        return None
    if found is None:
        raise UnknownError(f"there is no audit trail for {entity.replace('_', ' ')} {entity_id}")
    return found


def _administered_in(
    session: Session, entity: str, entity_id: str, entries: list[AuditEntry]
) -> set[str]:
    """Where a user, role grant or notification is administered: the organisations where the
    user (the grant's holder, the message's recipient) holds roles, and the grant's own."""
    states = [state for e in entries for state in (e.before, e.after) if state]
    codes = {str(state["organisation"]) for state in states if state.get("organisation")}
    people = (
        {entity_id}
        if entity == "user"
        else {str(s["recipient"]) for s in states if "recipient" in s}
    )
    for name in people:
        person = repo.find_user(session, name)
        if person is not None:
            codes |= {
                g.organisation_code for g in repo.grants_of(session, person) if g.organisation_code
            }
    return codes


def trail(
    sessions: sessionmaker[Session], user_name: str, entity: str, entity_id: str
) -> list[TrailEntry]:
    """Every audit entry about one entity, oldest first, with the fields each changed.

    Needs one of :data:`AUDIT_ROLES`; the trail of a signal episode, action or recommendation
    needs it where the entity is, and the store's administration (users, role grants,
    organisations, notifications, board meetings) needs an administrator where it is: the
    organisation or the meeting's trust, where the user holds roles, the grant's organisation,
    where the message's recipient holds roles. Anything else is "not found".
    """
    with sessions() as session:
        user = _auditor(session, user_name)
        organisation = _organisation_of(session, entity, entity_id)
        roles = {Role.ADMINISTRATOR} if entity in ADMINISTRATION else AUDIT_ROLES
        found = [e for e in audit.entries(session, entity=entity) if e.entity_id == entity_id]
        if organisation is None:
            reaches = any(
                access.holds(session, user, roles, code)
                for code in _administered_in(session, entity, entity_id, found)
            )
        else:
            reaches = access.holds(session, user, roles, organisation)
    if not reaches or not found:
        raise UnknownError(f"there is no audit trail for {entity.replace('_', ' ')} {entity_id}")
    return [TrailEntry(e, changes(e.before, e.after)) for e in found]
