"""Who may act where: a role held in an organisation reaches everything below it (a trust's
sites and units); a regulator's role reaches every organisation in its region.

Used by every use case of :mod:`caresignal.workflow` inside its transaction, before it changes
anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy.orm import Session

from caresignal.domain import Organisation, Role, RoleGrant, User
from caresignal.errors import CaresignalError
from caresignal.store import repo
from caresignal.store.service import UnknownError

__all__ = [
    "NotAllowedError",
    "Reach",
    "authorise",
    "chain_in",
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
    """``code`` and the codes of its parents up to the trust, nearest first (just ``code`` when
    the store does not know it)."""
    return [found for found, _ in repo.chain(session, code)] or [code]


def region_of(session: Session, code: str) -> str | None:
    """The region of the organisation ``code`` or of the nearest parent that names one."""
    return next((region for _, region in repo.chain(session, code) if region), None)


def holds(session: Session, actor: User, roles: Iterable[Role], code: str) -> bool:
    """Whether ``actor`` holds one of ``roles`` in ``code`` or above it (a regulator: in its
    region)."""
    return _holds(repo.chain(session, code), code, repo.grants_of(session, actor), set(roles))


def _holds(
    found: list[tuple[str, str | None]], code: str, grants: Iterable[RoleGrant], wanted: set[Role]
) -> bool:
    """Whether one of ``grants`` gives one of ``wanted`` in ``code`` (whose chain is ``found``)."""
    scope = {each for each, _ in found} or {code}
    region = next((region for _, region in found if region), None)
    for grant in grants:
        if grant.role not in wanted:
            continue
        if grant.organisation_code in scope:
            return True
        if grant.role is Role.REGULATOR and region is not None and grant.region == region:
            return True
    return False


class Reach:
    """Which organisations one user's roles reach, each answer worked out once: for listing many
    items of the same organisations inside one session."""

    def __init__(self, session: Session, user: User) -> None:
        self.session, self.user = session, user
        self.grants = repo.grants_of(session, user)  # read once, not once per organisation
        self.seen: dict[tuple[str, frozenset[Role]], bool] = {}

    def holds(self, organisation: str, roles: Iterable[Role] = frozenset(Role)) -> bool:
        """:func:`holds` for this user: any role by default."""
        key = (organisation, frozenset(roles))
        if key not in self.seen:
            found = repo.chain(self.session, organisation)
            self.seen[key] = _holds(found, organisation, self.grants, set(key[1]))
        return self.seen[key]

    def everywhere(
        self,
        organisations: Mapping[str, Organisation] | None = None,
        roles: Iterable[Role] = frozenset(Role),
    ) -> frozenset[str]:
        """The codes of every organisation the user's roles reach, by the rule of :meth:`holds`
        worked out on the whole organisation tree at once (read in one query unless given as
        ``organisations``, every organisation by code), not one query per organisation."""
        tree = organisations
        if tree is None:
            tree = {o.code: o for o in repo.organisations(self.session)}
        wanted = frozenset(roles)
        found: set[str] = set()
        for code in tree:
            key = (code, wanted)
            if key not in self.seen:
                self.seen[key] = _holds(chain_in(tree, code), code, self.grants, set(wanted))
            if self.seen[key]:
                found.add(code)
        return frozenset(found)


def chain_in(organisations: Mapping[str, Organisation], code: str) -> list[tuple[str, str | None]]:
    """What :func:`caresignal.store.repo.chain` reads from the store, from ``organisations``
    (every organisation by code): ``code`` and its parents up to the trust, nearest first, each
    with its region; empty when ``code`` is not among them."""
    found: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    step = organisations.get(code)
    while step is not None and len(found) <= repo.MAX_DEPTH and step.code not in seen:
        seen.add(step.code)
        found.append((step.code, step.region))
        step = organisations.get(step.parent_code) if step.parent_code is not None else None
    return found


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
    found = repo.chain(session, code)
    scopes = [each for each, _ in found] or [code]
    region = next((region for _, region in found if region), None)
    rank: dict[str, tuple[int, User]] = {}
    for holder, grant in repo.grants_in(
        session, role, scopes, region if role is Role.REGULATOR else None
    ):
        if grant.organisation_code in scopes:
            distance = scopes.index(grant.organisation_code)
        else:
            distance = len(scopes)
        if holder.name not in rank or distance < rank[holder.name][0]:
            rank[holder.name] = (distance, holder)
    return [holder for _, holder in sorted(rank.values(), key=lambda x: (x[0], x[1].name))]
