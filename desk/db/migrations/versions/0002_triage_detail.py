"""triage: tags, approval flag, suggested answer and structured explanation on mentions;
routing_state for round-robin turns.

Existing mentions keep their triage; their new columns get neutral values.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tags", sa.String(), nullable=False, server_default="[]"))
        # A plain "0", not sa.false(): an expression default makes Alembic rebuild the table on
        # SQLite, and dropping the old one fails (foreign keys) once a reply points at a mention.
        batch_op.add_column(
            sa.Column("needs_approval", sa.Boolean(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("suggested_answer", sa.String(), nullable=True))
        batch_op.add_column(
            sa.Column("triage_detail", sa.String(), nullable=False, server_default="{}")
        )
    # Surge detection reads the tags of recent mentions on every import.
    op.create_index("ix_mention_created", "mentions", ["created_at"])
    op.create_table(
        "routing_state",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("routing_state")
    op.drop_index("ix_mention_created", table_name="mentions")
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.drop_column("triage_detail")
        batch_op.drop_column("suggested_answer")
        batch_op.drop_column("needs_approval")
        batch_op.drop_column("tags")
