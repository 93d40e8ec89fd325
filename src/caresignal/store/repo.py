"""Repositories: reading and writing rows inside the caller's session, never committing.

Every function takes the :class:`~sqlalchemy.orm.Session` of a transaction a use case opened
(:mod:`caresignal.store.service`) and returns frozen domain objects, converted from rows here
and only here.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, Select, bindparam, literal, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from caresignal.domain import Organisation, Role, RoleGrant, User
from caresignal.store.tables import GrantRow, OrganisationRow, UserRow

__all__ = [
    "add_grant",
    "add_user",
    "chain",
    "delete_grant",
    "find_grant",
    "find_organisation",
    "find_user",
    "grants_in",
    "grants_of",
    "grants_with_users",
    "organisation_and_below",
    "organisations",
    "password_hash",
    "put_organisation",
    "regions",
    "set_password_hash",
    "to_organisation",
    "users",
]


def to_organisation(row: OrganisationRow) -> Organisation:
    """The domain object of an organisations row."""
    return Organisation(
        code=row.code,
        name=row.name,
        level=row.level,
        parent_code=row.parent_code,
        unit_type=row.unit_type,
        comparator_group=row.comparator_group,
        region=row.region,
    )


def _to_user(row: UserRow) -> User:
    return User(id=row.id, name=row.name, email=row.email)


def _to_grant(row: GrantRow, user_name: str) -> RoleGrant:
    return RoleGrant(
        id=row.id,
        user_name=user_name,
        role=Role(row.role),
        organisation_code=row.organisation_code,
        region=row.region,
    )


def organisations(session: Session) -> list[Organisation]:
    """Every organisation, by code."""
    rows = session.scalars(select(OrganisationRow).order_by(OrganisationRow.code))
    return [to_organisation(row) for row in rows]


def find_organisation(session: Session, code: str) -> Organisation | None:
    """The organisation with ``code``, or None."""
    row = session.get(OrganisationRow, code)
    return None if row is None else to_organisation(row)


def put_organisation(session: Session, organisation: Organisation) -> None:
    """Insert ``organisation``, or overwrite the one with its code."""
    session.info.pop("chains", None)  # what :func:`chain` kept may no longer hold
    row = session.get(OrganisationRow, organisation.code) or OrganisationRow(code=organisation.code)
    row.name = organisation.name
    row.level = organisation.level
    row.parent_code = organisation.parent_code
    row.unit_type = organisation.unit_type
    row.comparator_group = organisation.comparator_group
    row.region = organisation.region
    session.add(row)
    session.flush()


def regions(session: Session) -> list[str]:
    """The regions of the trusts in the store, sorted."""
    query = select(OrganisationRow.region).where(OrganisationRow.region.is_not(None)).distinct()
    return sorted(region for region in session.scalars(query) if region)


def find_user(session: Session, name: str) -> User | None:
    """The user called ``name``, or None."""
    row = session.scalar(select(UserRow).where(UserRow.name == name))
    return None if row is None else _to_user(row)


def add_user(session: Session, name: str, email: str) -> User:
    """Insert a user (the name must be new)."""
    row = UserRow(name=name, email=email)
    session.add(row)
    session.flush()
    return _to_user(row)


def find_grant(
    session: Session, user: User, role: Role, organisation_code: str | None, region: str | None
) -> RoleGrant | None:
    """The grant of ``role`` to ``user`` in exactly this scope, or None."""
    row = session.scalar(
        select(GrantRow).where(
            GrantRow.user_id == user.id,
            GrantRow.role == role.value,
            _equal(GrantRow.organisation_code, organisation_code),
            _equal(GrantRow.region, region),
        )
    )
    return None if row is None else _to_grant(row, user.name)


def _equal(column: InstrumentedAttribute[str | None], value: str | None) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def add_grant(
    session: Session, user: User, role: Role, organisation_code: str | None, region: str | None
) -> RoleGrant:
    """Insert a grant of ``role`` to ``user`` in one organisation or (a regulator) one region."""
    row = GrantRow(
        user_id=user.id, role=role.value, organisation_code=organisation_code, region=region
    )
    session.add(row)
    session.flush()
    return _to_grant(row, user.name)


def grants_of(session: Session, user: User) -> list[RoleGrant]:
    """The roles ``user`` holds, in the order they were granted."""
    rows = session.scalars(
        select(GrantRow).where(GrantRow.user_id == user.id).order_by(GrantRow.id)
    )
    return [_to_grant(row, user.name) for row in rows]


def grants_with_users(session: Session, role: Role) -> list[tuple[User, RoleGrant]]:
    """Every grant of ``role`` with the user holding it, in the order they were granted."""
    rows = session.execute(
        select(UserRow, GrantRow)
        .join(GrantRow, GrantRow.user_id == UserRow.id)
        .where(GrantRow.role == role.value)
        .order_by(GrantRow.id)
    )
    return [(_to_user(user), _to_grant(grant, user.name)) for user, grant in rows.tuples()]


def users(session: Session) -> list[User]:
    """Every user, by name."""
    return [_to_user(row) for row in session.scalars(select(UserRow).order_by(UserRow.name))]


def delete_grant(session: Session, grant: RoleGrant) -> None:
    """Remove a grant."""
    row = session.get(GrantRow, grant.id)
    if row is not None:
        session.delete(row)
        session.flush()


def password_hash(session: Session, name: str) -> str | None:
    """The argon2 hash of the password of the user called ``name``, or None (no such user, or
    no password set)."""
    return session.scalar(select(UserRow.password_hash).where(UserRow.name == name))


def set_password_hash(session: Session, user: User, hashed: str) -> None:
    """Store a new password hash for ``user``."""
    row = session.get(UserRow, user.id)
    if row is None:
        raise LookupError(f"there is no user {user.name!r}")
    row.password_hash = hashed
    session.flush()


def organisation_and_below(session: Session, code: str) -> list[str]:
    """``code`` and the codes of every organisation below it (a trust's sites and units)."""
    children: dict[str | None, list[str]] = {}
    for child, parent in session.execute(
        select(OrganisationRow.code, OrganisationRow.parent_code)
    ).tuples():
        children.setdefault(parent, []).append(child)
    found, waiting = [code], [code]
    while waiting:
        for child in sorted(children.get(waiting.pop(), [])):
            if child not in found:
                found.append(child)
                waiting.append(child)
    return found


def chain(session: Session, code: str) -> list[tuple[str, str | None]]:
    """``code`` and its parents up to the trust, nearest first, each with its region, in one
    query (empty when ``code`` is not in the store). Kept for the rest of the session, which
    asks again and again while a use case checks roles and finds whom to tell."""
    known: dict[str, list[tuple[str, str | None]]] = session.info.setdefault("chains", {})
    if code not in known:
        rows = session.execute(_CHAIN, {"code": code}).tuples()
        known[code] = [(found, region) for found, region in rows]
    return list(known[code])


def _chain_query() -> Select[tuple[str, str | None]]:
    start = (
        select(
            OrganisationRow.code,
            OrganisationRow.parent_code,
            OrganisationRow.region,
            literal(0).label("depth"),
        )
        .where(OrganisationRow.code == bindparam("code"))
        .cte("chain", recursive=True)
    )
    parent = aliased(OrganisationRow)
    steps = start.union_all(
        select(parent.code, parent.parent_code, parent.region, start.c.depth + 1)
        .join(start, parent.code == start.c.parent_code)
        .where(start.c.depth < MAX_DEPTH)
    )
    return select(steps.c.code, steps.c.region).order_by(steps.c.depth)


#: Organisations are nested trust → site → unit; a deeper chain (a loop in bad data) is cut here.
MAX_DEPTH = 16
#: The query of :func:`chain`, built once so that SQLAlchemy compiles it once.
_CHAIN = _chain_query()


def grants_in(
    session: Session, role: Role, codes: Collection[str], region: str | None
) -> list[tuple[User, RoleGrant]]:
    """The grants of ``role`` in one of ``codes`` or (a regulator) in ``region``, with their
    users, in the order they were granted."""
    where: ColumnElement[bool] = GrantRow.organisation_code.in_(sorted(codes))
    if region is not None:
        where = or_(where, GrantRow.region == region)
    rows = session.execute(
        select(UserRow, GrantRow)
        .join(GrantRow, GrantRow.user_id == UserRow.id)
        .where(GrantRow.role == role.value, where)
        .order_by(GrantRow.id)
    )
    return [(_to_user(user), _to_grant(grant, user.name)) for user, grant in rows.tuples()]
