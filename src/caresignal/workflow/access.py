"""Who may act where: a role held in an organisation reaches everything below it (a trust's
sites and units); a regulator's role reaches every organisation in its region.

Used by every use case of :mod:`caresignal.workflow` inside its transaction, before it changes
anything.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from caresignal.domain import Role, User
from caresignal.errors import CaresignalError
from caresignal.store import repo
from caresignal.store.service import UnknownError

__all__ = [
    "NotAllowedError",
    "authorise",
    "holders",
    "holds",
    "organisation_and_above",
    "region_of",
    "user",
]


class NotAllowedError(CaresignalError, PermissionError):
    """The user does not hold a role that may do this here."""


def user(session: Session, name: str) -> User:
    """The user called ``name``; an unknown name is refused."""
    found = repo.find_user(session, name)
    if found is None:
        raise UnknownError(
            f"there is no user called {name!r}", hint="add them with `caresignal user add`"
        )
    return found


def organisation_and_above(session: Session, code: str) -> list[str]:
    """``code`` and the codes of its parents up to the trust, nearest first."""
    chain: list[str] = []
    current: str | None = code
    while current is not None and current not in chain:
        chain.append(current)
        organisation = repo.find_organisation(session, current)
        current = None if organisation is None else organisation.parent_code
    return chain


def region_of(session: Session, code: str) -> str | None:
    """The region of the organisation ``code`` or of the nearest parent that names one."""
    for each in organisation_and_above(session, code):
        organisation = repo.find_organisation(session, each)
        if organisation is not None and organisation.region:
            return organisation.region
    return None


def holds(session: Session, actor: User, roles: Iterable[Role], code: str) -> bool:
    """Whether ``actor`` holds one of ``roles`` in ``code`` or above it (a regulator: in its
    region)."""
    wanted = set(roles)
    scope = set(organisation_and_above(session, code))
    region = region_of(session, code) if Role.REGULATOR in wanted else None
    for grant in repo.grants_of(session, actor):
        if grant.role not in wanted:
            continue
        if grant.organisation_code in scope or (region is not None and grant.region == region):
            return True
    return False


def authorise(
    session: Session, actor: str, roles: frozenset[Role], code: str, doing: str, subject: str
) -> User:
    """The user ``actor`` if they hold one of ``roles`` in ``code`` or above; refused otherwise.

    ``doing`` and ``subject`` make the refusal read "lead may not close it: signal episode 4
    needs one of the roles ... in RZZ01 or above".
    """
    found = user(session, actor)
    if holds(session, found, roles, code):
        return found
    needed = ", ".join(sorted(role.value for role in roles))
    raise NotAllowedError(
        f"{actor} may not {doing}: {subject} needs one of the roles {needed} in {code} or above",
        hint=f"an administrator can grant one: `caresignal user grant {actor} ROLE {code}`",
    )


def holders(session: Session, role: Role, code: str) -> list[User]:
    """The users holding ``role`` in ``code`` or above it (a regulator: in its region), nearest
    organisation first, each once."""
    scopes = organisation_and_above(session, code)
    region = region_of(session, code) if role is Role.REGULATOR else None
    rank: dict[str, tuple[int, User]] = {}
    for holder, grant in repo.grants_with_users(session, role):
        if grant.organisation_code in scopes:
            distance = scopes.index(grant.organisation_code)
        elif region is not None and grant.region == region:
            distance = len(scopes)
        else:
            continue
        if holder.name not in rank or distance < rank[holder.name][0]:
            rank[holder.name] = (distance, holder)
    return [holder for _, holder in sorted(rank.values(), key=lambda x: (x[0], x[1].name))]
