"""live outbox: the undo window, who is posting a reply, and how many attempts it took; and an
index (channel, created) so the report counts a channel's mentions from the index alone.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-21 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("send_after", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("delivery_owner", sa.String(), nullable=True))
        batch_op.add_column(
            sa.Column("delivery_started_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=True))
        batch_op.create_index("ix_replies_status", ["status"], unique=False)
    op.create_index("ix_mention_channel_created", "mentions", ["channel_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_mention_channel_created", table_name="mentions")
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.drop_index("ix_replies_status")
        batch_op.drop_column("attempts")
        batch_op.drop_column("delivery_started_at")
        batch_op.drop_column("delivery_owner")
        batch_op.drop_column("send_after")
