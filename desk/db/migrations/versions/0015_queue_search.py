"""queue search: an FTS5 index of the mentions' text, author handle and name (SQLite only).

Accent- and case-insensitive (``unicode61 remove_diacritics 2``), kept in step with
``mentions`` by triggers, filled from the existing mentions on upgrade. ``desk queue --search``
and the TUI's ``/`` read it through desk.db.store (``QueueFilter.search``).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_COLUMNS = "text, author_handle, author_name"
_NEW = "new.id, new.text, new.author_handle, new.author_name"
_OLD = "old.id, old.text, old.author_handle, old.author_name"
_TRIGGERS = ("mentions_fts_insert", "mentions_fts_update", "mentions_fts_delete")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL searches with its own text search (issue 15)
    op.execute(
        f"CREATE VIRTUAL TABLE mentions_fts USING fts5({_COLUMNS}, content='mentions', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER mentions_fts_insert AFTER INSERT ON mentions BEGIN "
        f"INSERT INTO mentions_fts(rowid, {_COLUMNS}) VALUES ({_NEW}); END"
    )
    op.execute(
        "CREATE TRIGGER mentions_fts_update AFTER UPDATE OF text, author_handle, author_name "
        "ON mentions BEGIN "
        f"INSERT INTO mentions_fts(mentions_fts, rowid, {_COLUMNS}) VALUES ('delete', {_OLD}); "
        f"INSERT INTO mentions_fts(rowid, {_COLUMNS}) VALUES ({_NEW}); END"
    )
    op.execute(
        "CREATE TRIGGER mentions_fts_delete AFTER DELETE ON mentions BEGIN "
        f"INSERT INTO mentions_fts(mentions_fts, rowid, {_COLUMNS}) VALUES ('delete', {_OLD}); "
        "END"
    )
    op.execute(f"INSERT INTO mentions_fts(rowid, {_COLUMNS}) SELECT id, {_COLUMNS} FROM mentions")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS mentions_fts")
