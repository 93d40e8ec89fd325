"""Repositories: reading and writing rows inside the caller's session, never committing.

Every function takes the :class:`~sqlalchemy.orm.Session` of a transaction a use case opened
(:mod:`caresignal.store.service`) and returns frozen domain objects, converted from rows here
and only here.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from caresignal.domain import Organisation, Role, RoleGrant, User
from caresignal.store.tables import GrantRow, OrganisationRow, UserRow

__all__ = [
    "add_grant",
    "add_user",
    "delete_grant",
    "find_grant",
    "find_organisation",
    "find_user",
    "grants_of",
    "grants_with_users",
    "organisations",
    "put_organisation",
    "regions",
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
