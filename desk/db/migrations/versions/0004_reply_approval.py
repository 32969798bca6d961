"""four-eyes approval: who submitted a reply for approval, who approved or rejected it, when.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 10:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns only: added in place (no rebuild of a table others point at).
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("approval_reasons", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("reviewer", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("review_note", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("replies", schema=None) as batch_op:
        for column in (
            "review_note",
            "reviewed_at",
            "reviewer",
            "approval_reasons",
            "submitted_at",
        ):
            batch_op.drop_column(column)
