"""A long import never holds the database's write lock long enough for another desk to give up
(its busy timeout is 10 s): the rules run before any write transaction, the mentions are written
in batches of one transaction each, and a database that stays busy is said plainly, never with
SQLAlchemy's text (SQL, parameters, a link to its docs)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from desk.bootstrap import Desk
from desk.channels import ingest
from desk.config import Settings
from desk.db import session_factory
from desk.db.busy import is_busy
from desk.platforms.parsed import ParseResult
from desk.triage import pipeline
from tests.helpers.cli import Cli
from tests.helpers.desks import mention
from tests.helpers.paths import PAYLOADS


def another_desk_can_write(db: str) -> bool:
    """Whether another connection gets the write lock at once (no wait at all)."""
    con = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        con.close()


def stored(db: str) -> int:
    con = sqlite3.connect(db)
    try:
        return int(con.execute("SELECT count(*) FROM mentions").fetchone()[0])
    finally:
        con.close()


def items(n: int) -> ParseResult:
    return ParseResult(
        platform="mastodon",
        items=[mention(str(i), f"Bonjour, quand passe la collecte ? {i}") for i in range(1, n + 1)],
    )


@pytest.mark.sqlite_only(
    "SQLite's single-writer file lock (PostgreSQL: the writers' advisory lock)"
)
def test_the_rules_run_while_other_desks_can_still_write(
    desk: Desk, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A slow rule regex runs on every mention: if that happened under the write lock, another
    # desk's write would wait, and after 10 s fail with "database is locked".
    # The rules run over the mentions a page at a time (desk.triage.batch.evaluate_many).
    free: list[bool] = []
    real = pipeline.evaluate_many

    def evaluate_many(facts: list[Any], ruleset: Any) -> Any:
        free.extend([another_desk_can_write(str(settings.db))] * len(facts))
        return real(facts, ruleset)

    monkeypatch.setattr(pipeline, "evaluate_many", evaluate_many)
    report = desk.ingest.ingest_parsed(items(4), "slow.json")
    assert report.new == 4
    assert free == [True] * 4


@pytest.mark.sqlite_only("SQLite's single-writer file lock and its busy timeout")
def test_a_long_import_commits_batch_by_batch(
    desk: Desk, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "BATCH", 3)
    seen: list[int] = []
    real = desk.ingest._write_batch

    def write(*args: Any, **kw: Any) -> list[int]:
        seen.append(stored(str(settings.db)))  # what other desks see when a batch begins
        return real(*args, **kw)

    monkeypatch.setattr(desk.ingest, "_write_batch", write)
    report = desk.ingest.ingest_parsed(items(8), "long.json")
    assert (report.new, report.duplicate) == (8, 0)
    assert report.new_ids == list(range(report.new_ids[0], report.new_ids[0] + 8))
    assert seen == [0, 3, 6]  # each batch was committed before the next one began
    with session_factory(desk.engine)() as session:
        from desk.audit import chain

        assert chain.verify(session).ok  # one chain across the batches
    again = desk.ingest.ingest_parsed(items(8), "long.json")
    assert (again.new, again.duplicate) == (0, 8)


def locked_on_batch(desk: Desk, monkeypatch: pytest.MonkeyPatch, which: int) -> None:
    """The ``which``-th batch finds the database locked past the busy timeout, as SQLAlchemy
    reports it: an OperationalError carrying the SQL and its parameters."""
    real = desk.ingest._write_batch
    calls = {"n": 0}

    def write(*args: Any, **kw: Any) -> list[int]:
        calls["n"] += 1
        if calls["n"] == which:
            raise OperationalError(
                "INSERT INTO mentions (id, text) VALUES (?, ?)",
                (7, "secret text"),
                sqlite3.OperationalError("database is locked"),
            )
        return real(*args, **kw)

    monkeypatch.setattr(desk.ingest, "_write_batch", write)


@pytest.mark.sqlite_only("SQLite's single-writer file lock and its busy timeout")
def test_a_busy_database_stops_the_import_keeping_what_was_stored(
    desk: Desk, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(ingest, "BATCH", 3)
    locked_on_batch(desk, monkeypatch, 2)
    payload = tmp_path / "a.json"
    payload.write_text("[]", encoding="utf-8")
    monkeypatch.setattr(desk.ingest, "ingest_bytes", lambda data, source: _parsed(desk, source))
    first, rest = desk.ingest.ingest_files([payload, tmp_path / "b.json"])
    assert (first.new, first.unstored, first.busy, first.rejected) == (3, 5, True, 1)
    assert stored(str(settings.db)) == 3  # the first batch stays stored
    assert "the database is busy" in first.errors[-1]
    assert "SQL" not in first.errors[-1]
    assert "INSERT" not in first.errors[-1]
    assert rest.busy
    assert rest.new == 0


def _parsed(desk: Desk, source: str) -> ingest.FileReport:
    return desk.ingest.ingest_parsed(items(8), source)


def test_ingest_says_a_busy_database_plainly_in_both_languages(
    cli: Cli, desk: Desk, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def locked(*args: Any, **kw: Any) -> list[int]:
        raise OperationalError(
            "INSERT INTO mentions VALUES (?)",
            ("x",),
            sqlite3.OperationalError("database is locked"),
        )

    monkeypatch.setattr(ingest.IngestService, "_write_batch", locked)
    payload = PAYLOADS / "mastodon" / "notifications_mentions_list.json"
    for lang, says in (
        ("en", "stopped, the database stayed busy"),
        ("fr", "arrêté, la base de données est restée occupée"),
    ):
        assert cli("ingest", str(payload), lang=lang) == 1
        captured = capsys.readouterr()
        assert says in captured.err
        assert "INSERT" not in captured.err + captured.out
        assert "sqlalche.me" not in captured.err + captured.out
        assert "Traceback" not in captured.err


def test_any_command_says_a_busy_database_plainly(capsys: pytest.CaptureFixture[str]) -> None:
    from desk.cli._shared import print_error
    from desk.i18n import Catalog

    locked = OperationalError(
        "UPDATE mentions SET status=? WHERE id=?",
        ("closed", 3),
        sqlite3.OperationalError("database is locked"),
    )
    assert is_busy(locked)
    for lang, says in (("en", "the database is busy"), ("fr", "la base de données est occupée")):
        assert print_error(locked, Catalog(lang)) == 2
        err = capsys.readouterr().err
        assert says in err
        assert "UPDATE" not in err
        assert "sqlalche.me" not in err
