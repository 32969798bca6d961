"""desk.db's schema: the migrations build it from nothing and upgrade older files, the models
agree with it, SQLite is set up as desk needs, a second open takes no write lock."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from desk import db
from desk.config import Settings
from desk.errors import ConfigError
from tests.helpers.cli import Cli
from tests.helpers.clock import FakeClock
from tests.helpers.old_rows import add_channel_and_mention


def test_migrations_from_empty_database(tmp_path: Path) -> None:
    engine = db.make_engine(str(tmp_path / "new.db"))
    assert db.current_revision(engine) is None
    db.upgrade(engine)
    assert db.current_revision(engine) == db.SCHEMA_HEAD
    tables = set(sa.inspect(engine).get_table_names())
    assert {
        "channels",
        "mentions",
        "staff",
        "replies",
        "outbox",
        "audit_events",
        "channel_state",
    } <= tables
    assert "connector_cursors" not in tables  # dropped by 0011
    uniques = sa.inspect(engine).get_unique_constraints("mentions")
    assert any(set(u["column_names"]) == {"channel_id", "remote_id"} for u in uniques)
    db.upgrade(engine)  # idempotent
    engine.dispose()


def test_a_file_from_before_0011_upgrades_and_downgrades(tmp_path: Path) -> None:
    """A user's database at 0010 still has the never-used connector_cursors table: the upgrade
    drops it and keeps everything else; the downgrade puts it back; upgrading again works."""
    engine = db.make_engine(str(tmp_path / "old.db"))
    db.upgrade(engine, "0010")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO channels (platform, name, live, created_at) VALUES (:p, :n, 0, :t)"
            ),
            {"p": "rss", "n": "avis", "t": "2026-11-01 00:00:00"},
        )
    assert "connector_cursors" in sa.inspect(engine).get_table_names()
    db.upgrade(engine, "0011")
    assert db.current_revision(engine) == "0011"
    assert "connector_cursors" not in sa.inspect(engine).get_table_names()
    from alembic import command

    command.downgrade(db.alembic_config(engine), "0010")
    assert "connector_cursors" in sa.inspect(engine).get_table_names()
    db.upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT name FROM channels")).scalar_one() == "avis"
    engine.dispose()


def test_a_file_with_two_answers_to_one_mention_upgrades_to_one_voice(tmp_path: Path) -> None:
    """Before 0012 the command line could send two replies to one mention: the upgrade numbers
    them (voice 0, 1) instead of failing to build the one-voice index, and loses nothing."""
    engine = db.make_engine(str(tmp_path / "old.db"))
    db.upgrade(engine, "0011")
    with engine.begin() as conn:
        add_channel_and_mention(conn)
        for n, status in enumerate(("sent_offline", "sent_offline", "rejected"), start=1):
            conn.execute(
                sa.text(
                    "INSERT INTO replies (id, mention_id, author, body, signature, text, status,"
                    " idempotency_key, created_at) VALUES (:id, 1, 'bruno', 'b', '—BG', 't',"
                    " :status, :key, '2026-11-01 00:00:00')"
                ),
                {"id": n, "status": status, "key": f"k{n}"},
            )
    db.upgrade(engine)
    with engine.connect() as conn:
        voices = conn.execute(sa.text("SELECT id, voice FROM replies ORDER BY id")).all()
    assert [tuple(v) for v in voices] == [(1, 0), (2, 1), (3, 0)]
    with pytest.raises(sa.exc.IntegrityError):  # a third answer at voice 0 is refused
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO replies (mention_id, author, body, signature, text, status,"
                    " idempotency_key, created_at, voice) VALUES (1, 'chloe', 'b', '—CM', 't',"
                    " 'queued', 'k9', '2026-11-02 00:00:00', 0)"
                )
            )
    from alembic import command

    command.downgrade(db.alembic_config(engine), "0011")
    db.upgrade(engine)
    engine.dispose()


def test_the_models_and_the_migrations_agree(tmp_path: Path) -> None:
    """``alembic check``: autogenerate finds nothing to add or drop after the migrations, and
    again after every migration went down to nothing and up (as tests/postgres checks there)."""
    from alembic import command

    engine = db.make_engine(str(tmp_path / "check.db"))
    config = db.alembic_config(engine)
    db.upgrade(engine)
    command.check(config)  # raises when the models and the schema differ
    command.downgrade(config, "base")
    assert sa.inspect(engine).get_table_names() == ["alembic_version"]
    command.upgrade(config, "head")
    assert db.current_revision(engine) == db.SCHEMA_HEAD
    command.check(config)
    engine.dispose()


def test_schema_head_constant_matches_alembic() -> None:
    assert db.head_revision() == db.SCHEMA_HEAD


def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = db.make_engine(str(tmp_path / "p.db"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    engine.dispose()


def test_opening_the_desk_again_takes_no_write_lock(clock: FakeClock, tmp_path: Path) -> None:
    """A read-only command must not wait behind a long import: staff are only written when changed."""
    import sqlite3

    from desk.bootstrap import open_desk
    from desk.config import Settings
    from desk.db.store import QueueFilter
    from tests.helpers.desks import DESK_TOML

    config = tmp_path / "desk.toml"
    config.write_text(DESK_TOML)
    settings = Settings(db=str(tmp_path / "d.db"), config=config)
    open_desk(settings, as_name="amelie", clock=clock).close()
    writer = sqlite3.connect(tmp_path / "d.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # someone else is writing (e.g. an import)
    try:
        desk = open_desk(settings, as_name="bruno", clock=clock)
        assert desk.queries.count(QueueFilter(view="all")) == 0
        desk.close()
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    config.write_text(DESK_TOML.replace('initials = "BG"', 'initials = "BGa"'))
    writer = sqlite3.connect(tmp_path / "d.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:  # a desk.toml edited by hand is reported, not written: still no write lock
        desk = open_desk(settings, as_name="bruno", clock=clock)
        assert [(d.name, d.field) for d in desk.staff_drift] == [("bruno", "initials")]
        assert desk.me.initials == "BG"  # the records decide
        desk.close()
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_migrations_build_exactly_the_models(tmp_path: Path) -> None:
    """Alembic's autogenerate finds nothing to add: the models and the migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import desk.db.tables  # noqa: F401 - registers the tables

    engine = db.make_engine(str(tmp_path / "m.db"))
    db.upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "include_name": lambda name, kind, _parent: (
                    not (name or "").startswith(("replies_fts", "mentions_fts"))
                )
            },
        )
        assert compare_metadata(context, SQLModel.metadata) == []  # the FTS indexes are SQL-only
    engine.dispose()


def test_a_database_from_a_newer_desk_is_refused_plainly_and_left_as_it_is(
    tmp_path: Path, cli: Cli, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # An older desk opening a database a newer one upgraded printed Alembic's traceback
    # ("Can't locate revision identified by '0099'").
    path = tmp_path / "newer.db"
    engine = db.make_engine(str(path))
    db.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(ConfigError) as caught:
        db.upgrade(engine)
    assert caught.value.key == "database_newer"
    assert db.stored_revision(engine) == "0099"  # nothing changed
    engine.dispose()
    assert db.known_revisions() >= {"0001", db.SCHEMA_HEAD}
    for lang, words in (
        ("en", "written by a newer desk"),
        ("fr", "écrite par un desk plus récent"),
    ):
        command = ["--lang", lang, "--db", str(path), "--config", str(settings.config), "queue"]
        assert cli.raw(command) == 2
        err = capsys.readouterr().err
        assert words in err
        assert "0099" in err
        assert "Traceback" not in err
