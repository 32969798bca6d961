"""collision guard: who is replying to a mention, and until when.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 10:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain nullable columns: added in place, no table rebuild (replies point at mentions).
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replying_by", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("replying_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.drop_column("replying_until")
        batch_op.drop_column("replying_by")
