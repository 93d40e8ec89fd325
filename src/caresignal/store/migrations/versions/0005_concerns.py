"""Concerns from patients, families and staff: the concern, how to reach the person (only when
given), and its conversation (docs/concerns.md).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "concerns",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("reference", sa.String(40), nullable=False, unique=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "organisation_code", sa.String(64), sa.ForeignKey("organisations.code"), nullable=False
        ),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("happened_on", sa.Date),
        sa.Column("relationship", sa.String(32), nullable=False),
        sa.Column("contact_by", sa.String(16), nullable=False),
        sa.Column("anonymous", sa.Boolean, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("acknowledge_by", sa.Date, nullable=False),
        sa.Column("acknowledged_on", sa.Date),
        sa.Column("response_due", sa.Date),
        sa.Column("response_agreed", sa.Boolean, nullable=False),
        sa.Column("responded_on", sa.Date),
        sa.Column("explanation_due", sa.Date, nullable=False),
        sa.Column("explained_on", sa.Date),
        sa.Column("closed_on", sa.Date),
        sa.Column("outcome", sa.String(32)),
        sa.Column("ombudsman_offered", sa.Boolean, nullable=False),
        sa.Column("hcat_domain", sa.String(32)),
        sa.Column("hcat_category", sa.String(64)),
        sa.Column("severity", sa.String(16)),
        sa.Column("episode_ids", sa.Text, nullable=False),
        sa.Column("duty_of_candour", sa.Boolean),
        sa.Column("source_reference", sa.String(200), unique=True),
        sa.Column("rung", sa.Integer, nullable=False),
        sa.Column("deadline", sa.Date),
        sa.Column("escalated_on", sa.Date),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_concerns_organisation_code", "concerns", ["organisation_code"])
    op.create_index("ix_concerns_state", "concerns", ["state"])
    op.create_table(
        "concern_contacts",
        sa.Column("concern_id", sa.Integer, sa.ForeignKey("concerns.id"), primary_key=True),
        sa.Column("name", sa.String(200)),
        sa.Column("email", sa.String(320)),
        sa.Column("phone", sa.String(40)),
        sa.Column("address", sa.Text),
    )
    op.create_table(
        "concern_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("concern_id", sa.Integer, sa.ForeignKey("concerns.id"), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_index("ix_concern_events_concern_id", "concern_events", ["concern_id"])


def downgrade() -> None:
    op.drop_index("ix_concern_events_concern_id", table_name="concern_events")
    op.drop_table("concern_events")
    op.drop_table("concern_contacts")
    op.drop_index("ix_concerns_state", table_name="concerns")
    op.drop_index("ix_concerns_organisation_code", table_name="concerns")
    op.drop_table("concerns")
