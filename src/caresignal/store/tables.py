"""The store's tables as SQLAlchemy 2 typed declarative models.

These describe the schema the migrations build; they never change it (only a migration in
``migrations/versions/`` does), and they never leave the store: :mod:`caresignal.store.repo`
converts each row to a frozen domain object.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "ActionRow",
    "AuditRow",
    "Base",
    "BoardItemRow",
    "BoardMeetingRow",
    "ConcernContactRow",
    "ConcernEventRow",
    "ConcernRow",
    "EpisodeEventRow",
    "EpisodeFindingRow",
    "EpisodeRow",
    "GrantRow",
    "NotificationRow",
    "OrganisationRow",
    "RecommendationRow",
    "UrgentReviewRow",
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
    #: The argon2 hash of the user's web password; None until one is set (they cannot sign in).
    password_hash: Mapped[str | None] = mapped_column(String(200))


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
    #: The lowest rung of the escalation ladder that owns the episode (0 until escalated).
    rung: Mapped[int] = mapped_column(Integer, server_default="0")
    escalated_on: Mapped[date | None] = mapped_column(Date)
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


class NotificationRow(Base):
    """A message in the outbox: written in the transaction of the change it tells of, delivered
    afterwards. ``status`` is ``pending``, ``sent``, ``failed`` (no more retries) or
    ``undeliverable`` (nobody holds the role, or the user has no address)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(400))
    body: Mapped[str] = mapped_column(Text)
    entity: Mapped[str] = mapped_column(String(100))
    entity_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[str | None] = mapped_column(String(40))
    sent_at: Mapped[str | None] = mapped_column(String(40))
    #: ``email`` (to ``address``) or ``webhook`` (a JSON body POSTed to the paging webhook).
    channel: Mapped[str] = mapped_column(String(16), server_default="email")


class RecommendationRow(Base):
    """A recommendation from a signal review, an inspection, a coroner, an investigation, an
    internal review or a complaint; ``reference`` is unique within its organisation."""

    __tablename__ = "recommendations"
    __table_args__ = (
        UniqueConstraint("organisation_code", "reference", name="uq_recommendations_reference"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"))
    reference: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(400))
    detail: Mapped[str] = mapped_column(Text)
    received_on: Mapped[date] = mapped_column(Date)
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("signal_episodes.id"))
    state: Mapped[str] = mapped_column(String(16))
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_by: Mapped[str | None] = mapped_column(String(200))
    closing_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[str] = mapped_column(String(40))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it as is)


class ActionRow(Base):
    """One action of a recommendation: an owner, a due date and a status; ``evidence`` is a JSON
    list; ``deadline`` is the due date until the action is escalated, then the rung's clock."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"), index=True)
    title: Mapped[str] = mapped_column(String(400))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), index=True)
    evidence: Mapped[str] = mapped_column(Text)
    done_on: Mapped[date | None] = mapped_column(Date)
    done_by: Mapped[str | None] = mapped_column(String(200))
    verified_on: Mapped[date | None] = mapped_column(Date)
    verified_by: Mapped[str | None] = mapped_column(String(200))
    rung: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[date] = mapped_column(Date)
    escalated_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[str] = mapped_column(String(40))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it as is)


class BoardMeetingRow(Base):
    """A meeting of a trust's board."""

    __tablename__ = "board_meetings"
    __table_args__ = (
        UniqueConstraint("trust_code", "held_on", "title", name="uq_board_meetings_meeting"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trust_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"))
    held_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(200))


class BoardItemRow(Base):
    """Something presented at a board meeting (a signal episode, an action, a recommendation),
    what it looked like then (``summary``) and what the board decided."""

    __tablename__ = "board_items"
    __table_args__ = (
        UniqueConstraint("meeting_id", "entity", "entity_id", name="uq_board_items_item"),
        Index("ix_board_items_entity", "entity", "entity_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("board_meetings.id"))
    entity: Mapped[str] = mapped_column(String(100))
    entity_id: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(Text)
    presented_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[str] = mapped_column(String(40))


class ConcernRow(Base):
    """A concern raised by a patient, a family or a member of staff (docs/concerns.md).

    ``token_hash`` is the SHA-256 of the private follow-up token, never the token itself;
    ``episode_ids`` a JSON list of linked signal episodes; ``incident_references`` a JSON list of
    the linked patient-safety incidents' references; ``source_reference`` the previous system's
    reference of an imported concern. ``deadline``, ``rung`` and ``escalated_on`` belong
    to the escalation ladder.
    """

    __tablename__ = "concerns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    happened_on: Mapped[date | None] = mapped_column(Date)
    relationship: Mapped[str] = mapped_column(String(32))
    contact_by: Mapped[str] = mapped_column(String(16))
    anonymous: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(String(16), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    acknowledge_by: Mapped[date] = mapped_column(Date)
    acknowledged_on: Mapped[date | None] = mapped_column(Date)
    response_due: Mapped[date | None] = mapped_column(Date)
    response_agreed: Mapped[bool] = mapped_column(Boolean)
    responded_on: Mapped[date | None] = mapped_column(Date)
    explanation_due: Mapped[date] = mapped_column(Date)
    explained_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(32))
    ombudsman_offered: Mapped[bool] = mapped_column(Boolean)
    hcat_domain: Mapped[str | None] = mapped_column(String(32))
    hcat_category: Mapped[str | None] = mapped_column(String(64))
    severity: Mapped[str | None] = mapped_column(String(16))
    episode_ids: Mapped[str] = mapped_column(Text)
    incident_references: Mapped[str] = mapped_column(Text, server_default="[]")
    duty_of_candour: Mapped[bool | None] = mapped_column(Boolean)
    source_reference: Mapped[str | None] = mapped_column(String(200), unique=True)
    rung: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[date | None] = mapped_column(Date)
    escalated_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[str] = mapped_column(String(40))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it as is)


class ConcernContactRow(Base):
    """How to reach the person who raised a concern: a row only when they gave details, and
    never for an anonymous concern."""

    __tablename__ = "concern_contacts"

    concern_id: Mapped[int] = mapped_column(ForeignKey("concerns.id"), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(Text)


class ConcernEventRow(Base):
    """One entry of a concern's conversation: a reply, a message, the final response, the
    person's answer to it."""

    __tablename__ = "concern_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    concern_id: Mapped[int] = mapped_column(ForeignKey("concerns.id"), index=True)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)


class UrgentReviewRow(Base):
    """A Martha's Rule call for an urgent review (docs/concerns.md, "Martha's Rule").

    ``callback`` is the call-back number, set to null when the outcome is recorded; times are
    ISO 8601 UTC; ``outcomes`` a JSON list.
    """

    __tablename__ = "urgent_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"))
    site_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"), index=True)
    caller: Mapped[str] = mapped_column(String(16))
    patient: Mapped[str] = mapped_column(String(100))
    worry: Mapped[str] = mapped_column(String(200))
    callback: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(24), index=True)
    called_at: Mapped[str] = mapped_column(String(40))
    limit_minutes: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[str] = mapped_column(String(40))
    escalated_at: Mapped[str | None] = mapped_column(String(40))
    review_begun_at: Mapped[str | None] = mapped_column(String(40))
    review_begun_by: Mapped[str | None] = mapped_column(String(200))
    outcomes: Mapped[str] = mapped_column(Text)
    outcome_note: Mapped[str | None] = mapped_column(Text)
    outcome_at: Mapped[str | None] = mapped_column(String(40))
    outcome_by: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it as is)
