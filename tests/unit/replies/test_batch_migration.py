"""Migration 0017 on SQLite: a database with replies upgrades (its replies keep their search
index and get no batch), downgrades (the batch table and column go, the replies stay), and
upgrades again; the models and the schema agree (tests/unit/db/test_migrations.py checks that for the head)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command

from desk import db
from tests.helpers.old_rows import add_channel_and_mention


def test_0017_upgrades_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    engine = db.make_engine(str(tmp_path / "old.db"))
    db.upgrade(engine, "0016")
    with engine.begin() as conn:
        add_channel_and_mention(conn)
        conn.execute(
            sa.text(
                "INSERT INTO replies (id, mention_id, author, body, signature, text, status,"
                " idempotency_key, created_at, voice) VALUES (1, 1, 'bruno', 'b', '—BG',"
                " 'eau potable', 'sent_offline', 'k1', '2026-11-01 00:00:00', 0)"
            )
        )
    db.upgrade(engine, "0017")
    assert db.current_revision(engine) == "0017"
    inspector = sa.inspect(engine)
    assert "reply_batches" in inspector.get_table_names()
    assert "ix_replies_batch_id" in {i["name"] for i in inspector.get_indexes("replies")}
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT batch_id FROM replies")).scalar_one() is None
        found = conn.execute(
            sa.text("SELECT rowid FROM replies_fts WHERE replies_fts MATCH 'potable'")
        ).all()
        assert len(found) == 1  # the search triggers and index survived the new column

    command.downgrade(db.alembic_config(engine), "0016")
    inspector = sa.inspect(engine)
    assert "reply_batches" not in inspector.get_table_names()
    assert "batch_id" not in {c["name"] for c in inspector.get_columns("replies")}
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT text FROM replies")).scalar_one() == "eau potable"
    db.upgrade(engine)
    assert db.current_revision(engine) == db.SCHEMA_HEAD
    engine.dispose()
