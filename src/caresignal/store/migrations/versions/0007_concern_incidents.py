"""Patient-safety incidents linked to a concern: the references of the trust's incident system
(LFPSE, Datix and the like), kept as a JSON list beside the linked signal episodes
(docs/concerns.md).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("concerns") as batch:
        batch.add_column(
            sa.Column("incident_references", sa.Text, nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("concerns") as batch:
        batch.drop_column("incident_references")
