"""What an administrator may see and change from the web app: the people who hold roles in the
organisations they administer, those roles, and the organisation tree (docs/web.md,
"Administration").

An administrator holds :attr:`Role.ADMINISTRATOR` in an organisation and administers it and
everything below it. They see a person when that person holds a role there, and only those of
the person's roles; anyone else is "not found". They grant and revoke roles there only, and
never a regulator's role (held in a region, above every trust: that stays with the command
line). Each change goes through the store's own use case (:mod:`caresignal.store.service`),
which writes it and its audit entry, with the administrator as the actor and their reason, in
one transaction. Passwords are not handled here at all: an administrator must never learn one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import Clock
from caresignal.domain import Organisation, Role, RoleGrant, User
from caresignal.errors import CaresignalError
from caresignal.store import repo, service
from caresignal.store.service import UnknownError
from caresignal.workflow import access
from caresignal.workflow.access import NotAllowedError

__all__ = [
    "GRANTABLE",
    "Administered",
    "Person",
    "add_person",
    "administered",
    "grant",
    "organisation_tree",
    "people",
    "person",
    "revoke",
]

#: The roles an administrator grants from the web app (a regulator's: at the command line).
GRANTABLE: tuple[Role, ...] = tuple(role for role in Role if role is not Role.REGULATOR)


@dataclass(frozen=True, slots=True)
class Administered:
    """What one administrator administers: the organisations they hold the role in
    (``roots``), and those with everything below them (``codes``, and ``organisations`` by
    code)."""

    user: User
    roots: tuple[Organisation, ...]
    codes: frozenset[str]
    organisations: tuple[Organisation, ...]

    def to_dict(self) -> dict[str, Any]:
        """For JSON: the organisations they administer."""
        return {
            "administrator": self.user.name,
            "administers": [{"code": o.code, "name": o.name, "level": o.level} for o in self.roots],
        }


@dataclass(frozen=True, slots=True)
class Person:
    """A person as an administrator sees them: their name, e-mail and the roles they hold in
    the organisations the administrator administers (never their password, nor their roles
    elsewhere)."""

    user: User
    roles: tuple[RoleGrant, ...]

    def to_dict(self) -> dict[str, Any]:
        """For JSON."""
        return {
            "name": self.user.name,
            "email": self.user.email,
            "roles": [
                {"id": g.id, "role": g.role.value, "organisation": g.organisation_code}
                for g in self.roles
            ],
        }


def _administered(session: Session, actor: str) -> Administered:
    """What ``actor`` administers; refused (403) when they administer nothing."""
    user = access.user(session, actor)
    roots = [
        g.organisation_code
        for g in repo.grants_of(session, user)
        if g.role is Role.ADMINISTRATOR and g.organisation_code is not None
    ]
    if not roots:
        raise NotAllowedError(
            f"{actor} may not administer caresignal: it needs the role administrator",
            hint="an administrator of your trust can grant it",
        )
    codes = {code for root in roots for code in repo.organisation_and_below(session, root)}
    every = {o.code: o for o in repo.organisations(session) if o.code in codes}
    tops = tuple(every[code] for code in dict.fromkeys(roots) if code in every)
    return Administered(user, tops, frozenset(codes), tuple(every.values()))


def administered(sessions: sessionmaker[Session], actor: str) -> Administered:
    """What ``actor`` administers; refused (403) unless they are an administrator somewhere."""
    with sessions() as session:
        return _administered(session, actor)


def _person(session: Session, within: Administered, name: str) -> Person | None:
    user = repo.find_user(session, name)
    if user is None:
        return None
    roles = tuple(g for g in repo.grants_of(session, user) if g.organisation_code in within.codes)
    return Person(user, roles) if roles else None


def people(sessions: sessionmaker[Session], actor: str) -> tuple[Administered, list[Person]]:
    """What ``actor`` administers, and everyone holding a role there, by name."""
    with sessions() as session:
        within = _administered(session, actor)
        found = [_person(session, within, user.name) for user in repo.users(session)]
    return within, [p for p in found if p is not None]


def person(sessions: sessionmaker[Session], actor: str, name: str) -> Person:
    """The person called ``name`` as ``actor`` sees them; "not found" unless they hold a role
    where ``actor`` administers."""
    with sessions() as session:
        found = _person(session, _administered(session, actor), name)
    if found is None:
        raise UnknownError(f"there is no user called {name!r} among the people you administer")
    return found


def organisation_tree(sessions: sessionmaker[Session], actor: str) -> list[dict[str, Any]]:
    """The organisations ``actor`` administers, each with its children (sites, then units)
    nested under ``children``, as imported."""
    with sessions() as session:
        within = _administered(session, actor)
    below: dict[str | None, list[Organisation]] = {}
    for organisation in within.organisations:
        below.setdefault(organisation.parent_code, []).append(organisation)

    def branch(organisation: Organisation) -> dict[str, Any]:
        children = below.get(organisation.code, [])
        return {**organisation.to_dict(), "children": [branch(child) for child in children]}

    return [branch(root) for root in within.roots]


def _check(session: Session, actor: str, role: Role, organisation: str, doing: str) -> None:
    """Refuse (403) a grant or revoke of ``role`` in ``organisation`` that ``actor`` may not
    make: a regulator's role, or an organisation they do not administer."""
    if role is Role.REGULATOR:
        raise NotAllowedError(
            f"a regulator's role is held in a region and cannot be {doing} here",
            hint="use `caresignal user grant` or `caresignal user revoke` at the command line",
        )
    access.authorise(
        session, actor, frozenset({Role.ADMINISTRATOR}), organisation, f"{doing} roles there",
        f"{organisation}",
    )  # fmt: skip


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise CaresignalError(
            "a change to who may do what needs a reason, for the audit log",
            hint='say why, e.g. "new unit lead from 1 December"',
        )
    return reason


def add_person(
    sessions: sessionmaker[Session],
    actor: str,
    name: str,
    email: str,
    role: Role,
    organisation: str,
    *,
    reason: str,
    clock: Clock,
) -> Person:
    """Add a user with their first role in an organisation ``actor`` administers (two use cases,
    each with its audit entry; the role is checked before the user is added, so that a refusal
    adds nobody)."""
    reason = _reason(reason)
    with sessions() as session:
        _check(session, actor, role, organisation, "granted")
        found = repo.find_organisation(session, organisation)
    levels = service.ROLE_LEVELS[role]
    if found is not None and found.level not in levels:
        where = " or a ".join(level for level in ("trust", "site", "unit") if level in levels)
        raise CaresignalError(
            f"{role.value} is a role held in a {where}, and {organisation} is a {found.level}",
            hint=f"grant it in a {where} (a role held higher up reaches everything below it)",
        )
    service.add_user(sessions, name, email, actor=actor, clock=clock, reason=reason)
    service.grant_role(
        sessions, name.strip(), role, organisation, actor=actor, clock=clock, reason=reason
    )
    return person(sessions, actor, name.strip())


def grant(
    sessions: sessionmaker[Session],
    actor: str,
    name: str,
    role: Role,
    organisation: str,
    *,
    reason: str,
    clock: Clock,
) -> tuple[RoleGrant, bool]:
    """Grant ``role`` in ``organisation`` to a person ``actor`` administers; the grant and
    whether it is new (granting it again changes nothing)."""
    reason = _reason(reason)
    person(sessions, actor, name)  # "not found" unless they are someone actor administers
    with sessions() as session:
        _check(session, actor, role, organisation, "granted")
    return service.grant_role(
        sessions, name, role, organisation, actor=actor, clock=clock, reason=reason
    )


def revoke(
    sessions: sessionmaker[Session],
    actor: str,
    name: str,
    role: Role,
    organisation: str,
    *,
    reason: str,
    clock: Clock,
) -> RoleGrant:
    """Take ``role`` in ``organisation`` away from a person ``actor`` administers."""
    reason = _reason(reason)
    held = person(sessions, actor, name)
    if not any(g.role is role and g.organisation_code == organisation for g in held.roles):
        raise UnknownError(
            f"{name} holds no role {role.value} in {organisation} that you administer",
            hint="their roles you administer are listed on their page",
        )
    return service.revoke_role(
        sessions, name, role, organisation, actor=actor, clock=clock, reason=reason
    )
