"""Use cases of the store: each opens one transaction, makes its change and writes its audit
entry in it, and commits both together or neither.

Each takes the session factory, who is acting (``actor``), why (``reason``) and the clock that
dates the audit entry. Bad input raises a :class:`~caresignal.errors.CaresignalError` subclass
with a hint, before anything is written.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import Clock, SystemClock
from caresignal.data.dataset import Dataset
from caresignal.domain import Organisation, Role, RoleGrant, User
from caresignal.errors import CaresignalError
from caresignal.store import audit, repo
from caresignal.store.session import transaction

__all__ = [
    "ROLES",
    "SyncResult",
    "UnknownError",
    "add_user",
    "grant_role",
    "list_users",
    "parse_role",
    "revoke_role",
    "set_password",
    "sign_in",
    "sync_organisations",
]

#: The roles, in the order of the escalation ladder and then the others.
ROLES: tuple[str, ...] = tuple(role.value for role in Role)

_LEVELS = {"trust": 0, "site": 1, "unit": 2}


class UnknownError(CaresignalError, LookupError):
    """A user, role, organisation or region was named that the store does not know."""


class ConflictError(CaresignalError, ValueError):
    """The change would clash with what the store already holds (e.g. a user name in use)."""


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What :func:`sync_organisations` did: codes added and codes changed."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: int


def sync_organisations(
    sessions: sessionmaker[Session], dataset: Dataset, *, actor: str, clock: Clock, reason: str
) -> SyncResult:
    """Copy the data directory's organisations into the store; running it again changes nothing.

    New organisations are added and changed ones updated, each with an audit entry; an
    organisation no longer in the data directory is kept (grants may name it).
    """
    wanted = _imported_organisations(dataset)
    added: list[str] = []
    changed: list[str] = []
    with transaction(sessions) as session:
        for organisation in wanted:
            before = repo.find_organisation(session, organisation.code)
            if before == organisation:
                continue
            repo.put_organisation(session, organisation)
            (added if before is None else changed).append(organisation.code)
            audit.append(
                session,
                clock=clock,
                actor=actor,
                action="organisation.add" if before is None else "organisation.change",
                entity="organisation",
                entity_id=organisation.code,
                before=None if before is None else before.to_dict(),
                after=organisation.to_dict(),
                reason=reason,
            )
    return SyncResult(tuple(added), tuple(changed), len(wanted) - len(added) - len(changed))


def _imported_organisations(dataset: Dataset) -> list[Organisation]:
    """The organisations table of ``dataset``, parents before children."""
    frame = dataset.table("organisations").collect()
    found = [
        Organisation(
            code=row["code"],
            name=row["name"],
            level=row["level"],
            parent_code=row["parent_code"],
            unit_type=row["unit_type"],
            comparator_group=row["comparator_group"],
            region=row["region"],
        )
        for row in frame.select(pl.all().cast(pl.String)).iter_rows(named=True)
    ]
    return sorted(found, key=lambda o: (_LEVELS.get(o.level, len(_LEVELS)), o.code))


def add_user(
    sessions: sessionmaker[Session],
    name: str,
    email: str,
    *,
    actor: str,
    clock: Clock,
    reason: str,
) -> User:
    """Add a user called ``name``; a name already in use is refused."""
    name, email = name.strip(), email.strip()
    if not name:
        raise CaresignalError("a user needs a name", hint="give the name people know them by")
    if "@" not in email:
        raise CaresignalError(f"{email!r} is not an email address", hint="e.g. a.name@nhs.net")
    with transaction(sessions) as session:
        if repo.find_user(session, name) is not None:
            raise ConflictError(
                f"there is already a user called {name!r}", hint="choose another name"
            )
        user = repo.add_user(session, name, email)
        audit.append(
            session,
            clock=clock,
            actor=actor,
            action="user.add",
            entity="user",
            entity_id=name,
            before=None,
            after=user.to_dict(),
            reason=reason,
        )
    return user


def parse_role(text: str) -> Role:
    """The role named ``text`` (``unit-lead`` and ``Unit lead`` name ``unit_lead`` too)."""
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return Role(key)
    except ValueError:
        raise UnknownError(
            f"there is no role called {text!r}", hint=f"choose one of: {', '.join(ROLES)}"
        ) from None


def grant_role(
    sessions: sessionmaker[Session],
    user_name: str,
    role: Role,
    scope: str,
    *,
    actor: str,
    clock: Clock,
    reason: str,
) -> tuple[RoleGrant, bool]:
    """Grant ``role`` to a user within ``scope``: an organisation code, or for a regulator a
    region. Returns the grant and whether it is new (granting it again changes nothing)."""
    with transaction(sessions) as session:
        user = repo.find_user(session, user_name)
        if user is None:
            raise UnknownError(
                f"there is no user called {user_name!r}",
                hint="add them first with `caresignal user add`",
            )
        organisation_code, region = _scope(session, role, scope)
        existing = repo.find_grant(session, user, role, organisation_code, region)
        if existing is not None:
            return existing, False
        grant = repo.add_grant(session, user, role, organisation_code, region)
        audit.append(
            session,
            clock=clock,
            actor=actor,
            action="role.grant",
            entity="role_grant",
            entity_id=str(grant.id),
            before=None,
            after=grant.to_dict(),
            reason=reason,
        )
    return grant, True


#: The organisation levels each role may be granted at (a regulator is granted a region).
ROLE_LEVELS: dict[Role, frozenset[str]] = {
    Role.QUALITY_ANALYST: frozenset({"trust", "site", "unit"}),
    Role.UNIT_LEAD: frozenset({"site", "unit"}),
    Role.DIVISIONAL_DIRECTOR: frozenset({"trust", "site"}),
    Role.EXECUTIVE_SAFETY_CHAMPION: frozenset({"trust"}),
    Role.BOARD_MEMBER: frozenset({"trust"}),
    Role.ADMINISTRATOR: frozenset({"trust", "site", "unit"}),
    Role.OUTREACH_TEAM: frozenset({"site"}),
    Role.ON_CALL_SENIOR: frozenset({"site"}),
}


def _scope(session: Session, role: Role, scope: str) -> tuple[str | None, str | None]:
    """``(organisation_code, region)`` for a grant of ``role`` in ``scope``, once checked: the
    organisation must exist and be of a level the role is held at (:data:`ROLE_LEVELS`)."""
    if role is Role.REGULATOR:
        known = repo.regions(session)
        if scope not in known:
            raise UnknownError(
                f"there is no region called {scope!r} among the trusts in the store",
                hint=_choices("a regulator is scoped to a region", known),
            )
        return None, scope
    organisation = repo.find_organisation(session, scope)
    if organisation is None:
        raise UnknownError(
            f"there is no organisation with code {scope!r} in the store",
            hint="give a trust, site or unit code from the organisations table "
            "(`caresignal store sync` copies it from the data directory)",
        )
    levels = ROLE_LEVELS[role]
    if organisation.level not in levels:
        where = " or a ".join(level for level in ("trust", "site", "unit") if level in levels)
        raise CaresignalError(
            f"{role.value} is a role held in a {where}, and {scope} is a {organisation.level}",
            hint=f"grant it in a {where} (a role held higher up reaches everything below it)",
        )
    return scope, None


def _choices(prefix: str, known: Sequence[str]) -> str:
    if not known:
        return f"{prefix}; import organisations with regions, then `caresignal store sync`"
    return f"{prefix}: choose one of: {', '.join(known)}"


def list_users(sessions: sessionmaker[Session]) -> list[tuple[User, list[RoleGrant]]]:
    """Every user, by name, with the roles they hold."""
    with sessions() as session:
        return [(user, repo.grants_of(session, user)) for user in repo.users(session)]


def revoke_role(
    sessions: sessionmaker[Session],
    user_name: str,
    role: Role,
    scope: str,
    *,
    actor: str,
    clock: Clock,
    reason: str,
) -> RoleGrant:
    """Take a role away from a user within ``scope``; the grant must exist. The audit log keeps
    the grant as it was."""
    with transaction(sessions) as session:
        user = repo.find_user(session, user_name)
        if user is None:
            raise UnknownError(f"there is no user called {user_name!r}")
        organisation_code, region = (None, scope) if role is Role.REGULATOR else (scope, None)
        grant = repo.find_grant(session, user, role, organisation_code, region)
        if grant is None:
            held = ", ".join(f"{g.role.value} in {g.scope}" for g in repo.grants_of(session, user))
            raise UnknownError(
                f"{user_name} does not hold the role {role.value} in {scope}",
                hint=f"they hold: {held or 'no roles'}",
            )
        repo.delete_grant(session, grant)
        audit.append(
            session,
            clock=clock,
            actor=actor,
            action="role.revoke",
            entity="role_grant",
            entity_id=str(grant.id),
            before=grant.to_dict(),
            after=None,
            reason=reason,
        )
    return grant


#: The shortest password accepted (NCSC guidance favours length over complexity rules).
MIN_PASSWORD = 12

_HASHER = PasswordHasher()


def set_password(
    sessions: sessionmaker[Session],
    user_name: str,
    password: str,
    *,
    actor: str,
    clock: Clock,
    reason: str,
) -> User:
    """Set the web password of ``user_name`` (stored as an argon2 hash; the audit entry records
    that it changed, never the hash)."""
    if len(password) < MIN_PASSWORD:
        raise CaresignalError(
            f"a password needs at least {MIN_PASSWORD} characters",
            hint="a few unrelated words make a long password that is easy to remember",
        )
    hashed = _HASHER.hash(password)
    with transaction(sessions) as session:
        user = repo.find_user(session, user_name)
        if user is None:
            raise UnknownError(f"there is no user called {user_name!r}")
        had = repo.password_hash(session, user_name) is not None
        repo.set_password_hash(session, user, hashed)
        audit.append(
            session,
            clock=clock,
            actor=actor,
            action="user.password",
            entity="user",
            entity_id=user.name,
            before={"password": "set" if had else "none"},
            after={"password": "set"},
            reason=reason,
        )
    return user


def sign_in(sessions: sessionmaker[Session], user_name: str, password: str) -> User | None:
    """The user if ``password`` is theirs, else None (an unknown user, no password set, or a
    wrong one all look the same). Takes about as long whether or not the user exists."""
    with sessions() as session:
        user = repo.find_user(session, user_name)
        hashed = repo.password_hash(session, user_name)
    try:
        _HASHER.verify(hashed or _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or hashed is None:
        return None
    if _HASHER.check_needs_rehash(hashed):
        with transaction(sessions) as session:
            repo.set_password_hash(session, user, _HASHER.hash(password))
            audit.append(
                session, clock=SystemClock(), actor=user.name, action="user.password",
                entity="user", entity_id=user.name, before={"password": "set"},
                after={"password": "set"}, reason="stored again with today's hashing parameters",
            )  # fmt: skip
    return user


@functools.cache
def _dummy_hash() -> str:
    """A hash of nothing anyone can type, verified against when the user is unknown, so that
    "no such user" takes as long as "wrong password"."""
    return _HASHER.hash("\x00 caresignal: no such user \x00")
