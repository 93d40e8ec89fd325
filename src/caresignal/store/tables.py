"""The store's tables as SQLAlchemy 2 typed declarative models.

These describe the schema the migrations build; they never change it (only a migration in
``migrations/versions/`` does), and they never leave the store: :mod:`caresignal.store.repo`
converts each row to a frozen domain object.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AuditRow",
    "Base",
    "EpisodeEventRow",
    "EpisodeFindingRow",
    "EpisodeRow",
    "GrantRow",
    "OrganisationRow",
    "UserRow",
]


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


class EpisodeRow(Base):
    """A signal episode: one per (unit, indicator, direction), reopened rather than duplicated.

    ``unit_code`` is not a foreign key: scans run on the data directory, whose units need not have
    been copied into the store. ``version`` is SQLAlchemy's version counter: an update whose
    version no longer matches the row's is refused.
    """

    __tablename__ = "signal_episodes"
    __table_args__ = (
        UniqueConstraint("unit_code", "indicator", "direction", name="uq_signal_episodes_problem"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_code: Mapped[str] = mapped_column(String(64))
    indicator: Mapped[str] = mapped_column(String(100))
    direction: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(32), index=True)
    level: Mapped[str] = mapped_column(String(32))
    first_finding: Mapped[date] = mapped_column(Date)
    last_finding: Mapped[date] = mapped_column(Date)
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    times_closed: Mapped[int] = mapped_column(Integer)
    owner_role: Mapped[str | None] = mapped_column(String(64))
    deadline: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[str] = mapped_column(String(40))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it as is)


class EpisodeFindingRow(Base):
    """A distinct finding linked to an episode; the unique key makes re-running a scan add
    nothing."""

    __tablename__ = "signal_findings"
    __table_args__ = (
        UniqueConstraint(
            "unit_code",
            "indicator",
            "method",
            "chart",
            "level",
            "direction",
            "first_crossed",
            name="uq_signal_findings_finding",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("signal_episodes.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(64))
    indicator: Mapped[str] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(64))
    chart: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(16))
    first_crossed: Mapped[date] = mapped_column(Date)
    change_began: Mapped[date] = mapped_column(Date)
    explanation: Mapped[str] = mapped_column(Text)
    seen_as_of: Mapped[date] = mapped_column(Date)


class EpisodeEventRow(Base):
    """One step of an episode's history; ``evidence`` is a JSON list of references (closing)."""

    __tablename__ = "signal_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("signal_episodes.id"), index=True)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)
