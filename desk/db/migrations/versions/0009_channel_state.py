"""channel state: per live channel, the stored cursor and its health (desk.channels.pull).

One row per channel (``channels.id``): the cursor the connector resumes from (written in the same
transaction as the mentions of the page it follows), the last success and error, consecutive
failures, the circuit breaker's deadline, the last rate-limit headers, and how many new mentions
the last pull and all pulls brought. ``session_state`` is reserved for a platform session (a
Bluesky session holds a refresh token): desk.channels.pull does not fill it yet.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_state",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.String(), nullable=True),
        sa.Column("session_state", sa.String(), nullable=True),
        sa.Column("health", sa.String(), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("circuit_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rate_limit", sa.String(), nullable=True),
        sa.Column("last_new", sa.Integer(), nullable=False),
        sa.Column("total_new", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["channels.id"]),
        sa.PrimaryKeyConstraint("channel_id"),
    )


def downgrade() -> None:
    op.drop_table("channel_state")
