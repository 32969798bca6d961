"""retention: purge anchors, so the audit trail may start after seq 1 and still be verified.

``audit_anchors`` records, for each retention purge (desk.audit.retention), the seq and hash of the
last audit event it removed. On SQLite the anchors are append-only like the trail, and the
trail's delete guard now lets through only events at or before the newest anchor: a purge writes
its anchor first, then removes the prefix, in one transaction.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_REFUSE = "BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"


def upgrade() -> None:
    op.create_table(
        "audit_anchors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("cutoff", sa.DateTime(timezone=True), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seq"),
    )
    if op.get_bind().dialect.name != "sqlite":
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_anchors_no_{verb.lower()} BEFORE {verb} ON audit_anchors "
            + _REFUSE.format(table="audit_anchors")
        )
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    op.execute(
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
        "WHEN old.seq > (SELECT COALESCE(MAX(seq), 0) FROM audit_anchors) "
        + _REFUSE.format(table="audit_events")
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
        op.execute(
            "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
            + _REFUSE.format(table="audit_events")
        )
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_anchors_no_{verb}")
    op.drop_table("audit_anchors")
