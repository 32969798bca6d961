"""Small foundations: migrations, import hygiene, length counting, sanitising, catalogs, triage."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from desk import db, i18n
from desk.i18n import LANGUAGES, Catalog, choose_language, load_strings
from desk.platforms.registry import PLATFORMS
from desk.text.length import graphemes
from desk.text.safe import clean
from tests.helpers.clock import FakeClock


def _core_modules() -> list[str]:
    """Every module of the package outside desk.tui (new modules are checked automatically)."""
    import pkgutil

    import desk

    return sorted(
        m.name
        for m in pkgutil.walk_packages(desk.__path__, "desk.")
        if not m.name.startswith(("desk.tui", "desk.db.migrations", "desk.__main__"))
    )


CORE = _core_modules()


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
        conn.execute(
            sa.text(
                "INSERT INTO channels (id, platform, name, live, created_at)"
                " VALUES (1, 'mastodon', 'ville', 0, '2026-11-01 00:00:00')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO mentions (id, channel_id, platform, remote_id, author_handle, author_name,"
                " text, kind, created_at, received_at, raw, status, category, priority, triage_reason,"
                " triage_rules, tags, needs_approval, triage_detail) VALUES (1, 1, 'mastodon', 'r1',"
                " '@a', 'A', 'Bonjour', 'mention', '2026-11-01 00:00:00', '2026-11-01 00:00:00', '{}',"
                " 'closed', 'question', 1, '', '[]', '[]', 0, '{}')"
            )
        )
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


def test_core_never_imports_textual() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE)
        + "print(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"


@pytest.mark.parametrize(
    ("platform", "text", "expected"),
    [
        ("mastodon", "bonjour", 7),
        ("mastodon", "voir https://example.org/" + "a" * 80, 5 + 23),
        ("bluesky", "👨‍👩‍👧 é", 3),
        ("x", "abc", 3),
        ("x", "日本", 4),
        ("x", "👍🏽", 2),
        ("x", "lien https://example.org/very/long/path", 5 + 23),
    ],
)
def test_measure(platform: str, text: str, expected: int) -> None:
    assert PLATFORMS[platform].reply_length(text).length == expected


def test_remaining_and_graphemes() -> None:
    assert PLATFORMS["x"].reply_length("a" * 281).remaining == -1
    assert PLATFORMS["rss"].reply_length("x").remaining is None
    assert graphemes("e\u0301") == 1


def test_clean_neutralises_controls_and_bidi() -> None:
    hostile = "a\x1b]52;c;SGVsbG8=\x07b\x1b[2J\u202ec\u2066d\x9be\x7f"
    out = clean(hostile)
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "\u202e" not in out
    assert "\u2066" not in out
    assert "\x9b" not in out
    assert "\x7f" not in out
    assert out.startswith("a␛]52;c;SGVsbG8=␇b")
    assert clean("[bold]x[/") == "[bold]x[/"  # markup is the TUI's concern: literal here
    assert clean("l1\nl2", one_line=True) == "l1 l2"
    assert clean("x" * 50, max_len=10) == "x" * 9 + "…"


def test_catalogs_have_the_same_keys() -> None:
    assert set(load_strings("fr")) == set(load_strings("en"))
    assert len(load_strings("en")) > 1
    assert set(i18n.FILES) == {"cli", "core", "tui"}
    for name in i18n.FILES:  # each file holds its own keys only (load_file refuses others)
        for language in LANGUAGES:
            keys = set(i18n.load_file(language, name))
            assert keys
            assert all(k.startswith(f"{name}.") for k in keys) or name == "core"
            assert not any(k.startswith(("cli.", "tui.")) for k in keys) or name != "core"


def test_a_catalog_reads_a_file_when_one_of_its_strings_is_first_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read: list[tuple[str, str]] = []
    real = i18n.load_file.__wrapped__

    def spy(language: str, name: str) -> dict[str, str]:
        read.append((language, name))
        return real(language, name)

    monkeypatch.setattr(i18n, "load_file", spy)
    catalog = Catalog("fr")
    assert read == []
    assert catalog.t("tui.title").startswith("desk")
    assert read == [("fr", "tui")]  # the terminal interface reads neither cli nor core yet
    assert catalog.t("cli.missing.key") == "cli.missing.key"
    assert catalog.t("tui.title").startswith("desk")
    assert read == [("fr", "tui"), ("fr", "cli")]
    assert catalog.t("no.such.key") == "no.such.key"
    assert read[-1] == ("fr", "core")


def test_a_key_in_the_wrong_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "tui.toml").write_text('[cli]\nx = "y"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "_DIR", tmp_path)
    with pytest.raises(ValueError, match="belong in another file"):
        i18n.load_file.__wrapped__("fr", "tui")


def test_the_compiled_catalogs_are_current() -> None:
    from desk.i18n import compile as compile_catalogs

    assert compile_catalogs.stale() == [], "run: python -m desk.i18n.compile"


def test_a_catalog_is_read_from_its_json_only_while_that_matches_its_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "fr").mkdir()
    toml = tmp_path / "fr" / "tui.toml"
    toml.write_text('[tui]\ntitle = "desk"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "_DIR", tmp_path)
    load = i18n.load_file.__wrapped__
    assert load("fr", "tui") == {"tui.title": "desk"}  # no JSON: the TOML

    stamp = i18n.stamp(toml.read_bytes())
    compiled = {"stamp": stamp, "strings": {"tui.title": "from the JSON"}}
    toml.with_suffix(".json").write_text(json.dumps(compiled), encoding="utf-8")
    assert load("fr", "tui") == {"tui.title": "from the JSON"}  # made from this TOML: used

    toml.write_text('[tui]\ntitle = "edited"\n', encoding="utf-8")
    assert load("fr", "tui") == {"tui.title": "edited"}  # the TOML changed since: ignored
    for broken in ("{", "[]", '{"stamp": 1}', json.dumps({**compiled, "strings": [1]})):
        toml.with_suffix(".json").write_text(broken, encoding="utf-8")
        assert load("fr", "tui") == {"tui.title": "edited"}


def test_choose_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "fr_CA.UTF-8")
    assert choose_language() == "fr"
    assert choose_language(configured="en") == "en"
    assert choose_language(explicit="fr", configured="en") == "fr"
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    assert choose_language() == "en"
    assert Catalog("fr").t("missing.key") == "missing.key"


def test_service_errors_speak_the_interface_language() -> None:
    """Refusals carry a catalog key: English text for the CLI, French for a French interface."""
    from desk.errors import ActionRefused

    error = ActionRefused.from_catalog("already_closed", id=7)
    assert error.message == "mention 7 is already closed"
    assert error.localized(Catalog("fr").t) == ("la mention nº 7 est déjà fermée", None)
    message, hint = ActionRefused.from_catalog("reply_empty").localized(Catalog("fr").t)
    assert (message, hint) == ("la réponse est vide", "écrivez quelque chose avant d'envoyer")
    assert ActionRefused("plain").localized(Catalog("fr").t) == ("plain", None)


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


def test_the_roles_of_the_vocabulary_are_those_desk_toml_accepts() -> None:
    from typing import get_args

    from desk.config import Role
    from desk.vocabulary import ROLES

    assert get_args(Role) == ROLES
