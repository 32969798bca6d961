"""Migration 0024 on SQLite: ``replies.sender`` is added and dropped with plain ALTER TABLE, so
the replies table keeps every trigger (search index, report summaries) and its rows; replies
written before it have no sender (they follow the channel's settings when sent)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command

from desk import db
from tests.helpers.old_rows import add_channel_and_mention


def _triggers(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'replies'"
            )
        )
        return {name for (name,) in rows}


def test_0024_adds_and_drops_the_sender_and_the_replies_keep_their_triggers(
    tmp_path: Path,
) -> None:
    engine = db.make_engine(str(tmp_path / "old.db"))
    db.upgrade(engine, "0023")
    with engine.begin() as conn:
        add_channel_and_mention(
            conn,
            platform="email",
            name="contact",
            live=1,
            remote_id="<r1@x>",
            handle="a@x",
            kind="email",
            status="open",
        )
        conn.execute(
            sa.text(
                "INSERT INTO replies (id, mention_id, author, body, signature, text, status,"
                " idempotency_key, created_at, voice) VALUES (1, 1, 'bruno', 'b', '—BG',"
                " 'eau potable', 'queued', 'k1', '2026-11-01 00:00:00', 0)"
            )
        )
    triggers = _triggers(engine)
    assert triggers  # the search index's and the reports' (0006, 0021)
    db.upgrade(engine, "0024")
    assert _triggers(engine) == triggers
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT sender FROM replies")).scalar_one() is None

    command.downgrade(db.alembic_config(engine), "0023")
    assert "sender" not in {c["name"] for c in sa.inspect(engine).get_columns("replies")}
    assert _triggers(engine) == triggers
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT text FROM replies")).scalar_one() == "eau potable"
    db.upgrade(engine)
    assert db.current_revision(engine) == db.SCHEMA_HEAD
    engine.dispose()
