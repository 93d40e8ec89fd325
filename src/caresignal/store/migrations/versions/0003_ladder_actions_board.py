"""The escalation ladder, the notification outbox, recommendations and actions, and the board
ledger.

Signal episodes gain ``rung`` (the lowest rung of the escalation ladder that owns them: 0 until
escalated, the executive's rung from the start for a red signal) and ``escalated_on``.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("signal_episodes") as batch:
        batch.add_column(sa.Column("rung", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("escalated_on", sa.Date))
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("recipient", sa.String(200)),
        sa.Column("address", sa.String(320)),
        sa.Column("subject", sa.String(400), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("entity", sa.String(100), nullable=False),
        sa.Column("entity_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("next_attempt_at", sa.String(40)),
        sa.Column("sent_at", sa.String(40)),
    )
    op.create_index("ix_notifications_status", "notifications", ["status"])
    op.create_table(
        "recommendations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "organisation_code",
            sa.String(64),
            sa.ForeignKey("organisations.code"),
            nullable=False,
        ),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("title", sa.String(400), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("episode_id", sa.Integer, sa.ForeignKey("signal_episodes.id")),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("closed_on", sa.Date),
        sa.Column("closed_by", sa.String(200)),
        sa.Column("closing_reason", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("organisation_code", "reference", name="uq_recommendations_reference"),
    )
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "recommendation_id",
            sa.Integer,
            sa.ForeignKey("recommendations.id"),
            nullable=False,
        ),
        sa.Column("title", sa.String(400), nullable=False),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("done_on", sa.Date),
        sa.Column("done_by", sa.String(200)),
        sa.Column("verified_on", sa.Date),
        sa.Column("verified_by", sa.String(200)),
        sa.Column("rung", sa.Integer, nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("escalated_on", sa.Date),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_actions_recommendation_id", "actions", ["recommendation_id"])
    op.create_index("ix_actions_status", "actions", ["status"])
    op.create_table(
        "board_meetings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("trust_code", sa.String(64), sa.ForeignKey("organisations.code"), nullable=False),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("title", sa.String(400), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("trust_code", "held_on", "title", name="uq_board_meetings_meeting"),
    )
    op.create_table(
        "board_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("board_meetings.id"), nullable=False),
        sa.Column("entity", sa.String(100), nullable=False),
        sa.Column("entity_id", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("decision", sa.Text, nullable=False),
        sa.Column("presented_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("meeting_id", "entity", "entity_id", name="uq_board_items_item"),
    )
    op.create_index("ix_board_items_entity", "board_items", ["entity", "entity_id"])


def downgrade() -> None:
    op.drop_index("ix_board_items_entity", table_name="board_items")
    op.drop_table("board_items")
    op.drop_table("board_meetings")
    op.drop_index("ix_actions_status", table_name="actions")
    op.drop_index("ix_actions_recommendation_id", table_name="actions")
    op.drop_table("actions")
    op.drop_table("recommendations")
    op.drop_index("ix_notifications_status", table_name="notifications")
    op.drop_table("notifications")
    with op.batch_alter_table("signal_episodes") as batch:
        batch.drop_column("escalated_on")
        batch.drop_column("rung")
