"""reply batches: one approved correction to many (desk bulk reply, desk approve --batch).

- ``reply_batches``: a prepared batch of replies waiting for one approval — the library answer
  it uses, who prepared it and when, who approved it, whether it is paused, the pace of each
  platform it posts to (``pacing``, JSON: platform -> seconds between two replies) and the
  mentions it left out with their reason (``skipped``, JSON).
- ``replies.batch_id``: the batch a reply belongs to (NULL for every reply written one at a
  time), indexed: the outbox paces and pauses a batch's replies by it.

Plain ``ALTER TABLE ... ADD/DROP COLUMN`` (SQLite 3.35+ and PostgreSQL alike), so the replies
table keeps its search triggers and its one-voice index.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 06:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reply_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pacing", sa.String(), nullable=False),
        sa.Column("skipped", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reply_batches_status", "reply_batches", ["status"])
    op.add_column("replies", sa.Column("batch_id", sa.Integer(), nullable=True))
    op.create_index("ix_replies_batch_id", "replies", ["batch_id"])


def downgrade() -> None:
    op.drop_index("ix_replies_batch_id", table_name="replies")
    op.drop_column("replies", "batch_id")
    op.drop_index("ix_reply_batches_status", table_name="reply_batches")
    op.drop_table("reply_batches")
