"""one voice per citizen: replies.voice, and a partial unique index so that a mention has at most
one answering reply (out, on its way or waiting for approval) per voice.

Existing files may already hold two answering replies to one mention (the command line had no
guard): they are numbered 0, 1, 2... by creation, so the index can be built and nothing is lost.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ANSWERING = "status IN ('pending_approval', 'queued', 'sending', 'sent', 'sent_offline', 'unknown')"


def upgrade() -> None:
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("voice", sa.Integer(), nullable=False, server_default="0"))
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(f"SELECT id, mention_id FROM replies WHERE {ANSWERING} ORDER BY mention_id, id")
    ).all()
    seen: dict[int, int] = {}
    for reply_id, mention_id in rows:
        voice = seen.get(mention_id, 0)
        seen[mention_id] = voice + 1
        if voice:
            connection.execute(
                sa.text("UPDATE replies SET voice = :v WHERE id = :id"),
                {"v": voice, "id": reply_id},
            )
    op.create_index(
        "uq_reply_one_voice",
        "replies",
        ["mention_id", "voice"],
        unique=True,
        sqlite_where=sa.text(ANSWERING),
        postgresql_where=sa.text(ANSWERING),
    )


def downgrade() -> None:
    op.drop_index("uq_reply_one_voice", table_name="replies")
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.drop_column("voice")
