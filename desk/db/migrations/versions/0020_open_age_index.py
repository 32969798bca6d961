"""mentions by posting time with their status: the report's backlog ages read from an index.

The backlog's median and 90th-percentile age are the open mention at a given rank by
``created_at``; with ``(created_at, status)`` indexed the database walks the index in time order,
reading the status there, to that rank instead of sorting every open mention (desk.reports,
issue 16: 6.4 s at 1M mentions before). Not ``(status, created_at)``: SQLite would take that
one for the queue's ``status = ?`` and sort the whole queue (1.3 s at 1M) instead of walking
``ix_mention_queue`` in its order.

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
    op.create_index("ix_mention_created_status", "mentions", ["created_at", "status"])


def downgrade() -> None:
    op.drop_index("ix_mention_created_status", table_name="mentions")
