"""The store's tables as SQLAlchemy 2 typed declarative models.

These describe the schema the migrations build; they never change it (only a migration in
``migrations/versions/`` does), and they never leave the store: :mod:`caresignal.store.repo`
converts each row to a frozen domain object.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["AuditRow", "Base", "GrantRow", "OrganisationRow", "UserRow"]


class Base(DeclarativeBase):
    """The declarative base of every table."""


class OrganisationRow(Base):
    """A trust, site or unit, copied from the data directory's organisations table."""

    __tablename__ = "organisations"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(400))
    level: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("organisations.code"))
    unit_type: Mapped[str | None] = mapped_column(String(64))
    comparator_group: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(200))


class UserRow(Base):
    """A person who uses caresignal."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    email: Mapped[str] = mapped_column(String(320))


class GrantRow(Base):
    """A role held by a user in one organisation, or (a regulator) in one region."""

    __tablename__ = "role_grants"
    __table_args__ = (
        CheckConstraint(
            "(role = 'regulator' AND region IS NOT NULL AND organisation_code IS NULL) OR "
            "(role <> 'regulator' AND region IS NULL AND organisation_code IS NOT NULL)",
            name="ck_role_grants_scope",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(64))
    organisation_code: Mapped[str | None] = mapped_column(ForeignKey("organisations.code"))
    region: Mapped[str | None] = mapped_column(String(200))


class AuditRow(Base):
    """One entry of the hash-chained audit log; ``seq`` runs 1, 2, 3, … with no gaps.

    ``at`` is the ISO 8601 UTC time as hashed, and ``before``/``after`` the canonical JSON of the
    entity (or null), so that verifying recomputes the hash from exactly what is stored.
    """

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    entity: Mapped[str] = mapped_column(String(100))
    entity_id: Mapped[str] = mapped_column(String(200))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
