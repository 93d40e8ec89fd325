"""Martha's Rule urgent reviews: the calls, and the outbox's channel (e-mail or the paging
webhook) (docs/concerns.md, "Martha's Rule").

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "urgent_reviews",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("reference", sa.String(40), nullable=False, unique=True),
        sa.Column("unit_code", sa.String(64), sa.ForeignKey("organisations.code"), nullable=False),
        sa.Column("site_code", sa.String(64), sa.ForeignKey("organisations.code"), nullable=False),
        sa.Column("caller", sa.String(16), nullable=False),
        sa.Column("patient", sa.String(100), nullable=False),
        sa.Column("worry", sa.String(200), nullable=False),
        sa.Column("callback", sa.String(40)),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("called_at", sa.String(40), nullable=False),
        sa.Column("limit_minutes", sa.Integer, nullable=False),
        sa.Column("due_at", sa.String(40), nullable=False),
        sa.Column("escalated_at", sa.String(40)),
        sa.Column("review_begun_at", sa.String(40)),
        sa.Column("review_begun_by", sa.String(200)),
        sa.Column("outcomes", sa.Text, nullable=False),
        sa.Column("outcome_note", sa.Text),
        sa.Column("outcome_at", sa.String(40)),
        sa.Column("outcome_by", sa.String(200)),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_urgent_reviews_site_code", "urgent_reviews", ["site_code"])
    op.create_index("ix_urgent_reviews_state", "urgent_reviews", ["state"])
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(
            sa.Column("channel", sa.String(16), nullable=False, server_default="email")
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("channel")
    op.drop_index("ix_urgent_reviews_state", table_name="urgent_reviews")
    op.drop_index("ix_urgent_reviews_site_code", table_name="urgent_reviews")
    op.drop_table("urgent_reviews")
