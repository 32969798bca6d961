"""reply search: an FTS5 index of the replies' text, accent-insensitive (SQLite only).

Kept in step with ``replies`` by triggers; filled from the existing replies on upgrade.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 10:25:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL searches with its own text search (desk.db.store.reply_search)
    op.execute(
        "CREATE VIRTUAL TABLE replies_fts USING fts5(text, content='replies', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER replies_fts_insert AFTER INSERT ON replies BEGIN "
        "INSERT INTO replies_fts(rowid, text) VALUES (new.id, new.text); END"
    )
    op.execute(
        "CREATE TRIGGER replies_fts_update AFTER UPDATE OF text ON replies BEGIN "
        "INSERT INTO replies_fts(replies_fts, rowid, text) VALUES ('delete', old.id, old.text); "
        "INSERT INTO replies_fts(rowid, text) VALUES (new.id, new.text); END"
    )
    op.execute(
        "CREATE TRIGGER replies_fts_delete AFTER DELETE ON replies BEGIN "
        "INSERT INTO replies_fts(replies_fts, rowid, text) VALUES ('delete', old.id, old.text); END"
    )
    op.execute("INSERT INTO replies_fts(rowid, text) SELECT id, text FROM replies")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("replies_fts_insert", "replies_fts_update", "replies_fts_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS replies_fts")
