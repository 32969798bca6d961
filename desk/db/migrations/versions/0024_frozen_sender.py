"""frozen sender: what a reply is sent from is decided when it is queued, not when it goes out.

``replies.sender`` (nullable text, JSON): what the reply's platform needs to send the reply
exactly as it was approved (or submitted, when no approval was needed), asked of the platform
(``Platform.frozen_sender``) by ``ReplyService.start_delivery`` in the transaction that queues
it. For e-mail: ``{"address": "contact@ville.example", "name": "Mairie"}``, the From address
and display name, from which the Message-ID's domain is also taken, so a desk.toml change
between approval and sending changes nothing that goes out, and one between sending and
reconciliation does not make the outbox look for another Message-ID. NULL for platforms that
need nothing frozen and for replies queued before this migration: they follow the channel's
settings at send time, as before. The ``reply.queued`` audit event records the same value.

Plain ``ALTER TABLE ... ADD/DROP COLUMN`` (SQLite 3.35+ and PostgreSQL alike), so the replies
table keeps its search and report triggers and its one-voice index.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 23:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("replies", sa.Column("sender", sa.String(), nullable=True))


def downgrade() -> None:
    op.drop_column("replies", "sender")
