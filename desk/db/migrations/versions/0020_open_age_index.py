"""open mentions by posting time: the report's backlog ages read from an index.

The backlog's median and 90th-percentile age are the open mention at a given rank by
``created_at``; with ``(status, created_at)`` indexed the database walks to that rank instead of
sorting every open mention (desk.reports, issue 16: 6.4 s at 1M mentions before).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 09:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_mention_status_created", "mentions", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_mention_status_created", table_name="mentions")
