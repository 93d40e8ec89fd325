"""Signal episodes, the findings linked to each, and each episode's history.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signal_episodes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("indicator", sa.String(100), nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("first_finding", sa.Date, nullable=False),
        sa.Column("last_finding", sa.Date, nullable=False),
        sa.Column("opened_on", sa.Date, nullable=False),
        sa.Column("closed_on", sa.Date),
        sa.Column("times_closed", sa.Integer, nullable=False),
        sa.Column("owner_role", sa.String(64)),
        sa.Column("deadline", sa.Date),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.UniqueConstraint(
            "unit_code", "indicator", "direction", name="uq_signal_episodes_problem"
        ),
    )
    op.create_index("ix_signal_episodes_state", "signal_episodes", ["state"])
    op.create_table(
        "signal_findings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("episode_id", sa.Integer, sa.ForeignKey("signal_episodes.id"), nullable=False),
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("indicator", sa.String(100), nullable=False),
        sa.Column("method", sa.String(64), nullable=False),
        sa.Column("chart", sa.String(200), nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("first_crossed", sa.Date, nullable=False),
        sa.Column("change_began", sa.Date, nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("seen_as_of", sa.Date, nullable=False),
        sa.UniqueConstraint(
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
    op.create_index("ix_signal_findings_episode_id", "signal_findings", ["episode_id"])
    op.create_table(
        "signal_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("episode_id", sa.Integer, sa.ForeignKey("signal_episodes.id"), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(32)),
        sa.Column("to_state", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
    )
    op.create_index("ix_signal_events_episode_id", "signal_events", ["episode_id"])


def downgrade() -> None:
    op.drop_index("ix_signal_events_episode_id", table_name="signal_events")
    op.drop_table("signal_events")
    op.drop_index("ix_signal_findings_episode_id", table_name="signal_findings")
    op.drop_table("signal_findings")
    op.drop_index("ix_signal_episodes_state", table_name="signal_episodes")
    op.drop_table("signal_episodes")
