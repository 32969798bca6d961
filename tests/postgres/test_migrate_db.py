"""``desk migrate-db`` (issue 15): a team's SQLite history moved to PostgreSQL, every table with
its ids, sequences moved past them, the audit chain verified on arrival; refused, with nothing
kept, into a database that holds data or when the chain does not verify."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from desk import db
from desk.cli import main
from desk.config import Settings
from tests.helpers.clock import FakeClock
from tests.helpers.desks import add, mention, open_test_desk


def _team_history(path: Path, config: Path) -> None:
    """An SQLite desk that worked a little: mentions, claims, a reply, a close, a tag."""
    desk = open_test_desk(Settings(db=str(path), config=config), "amelie")
    try:
        ids = add(desk, *(mention(str(i), f"Coupure d'électricité nº {i} ?") for i in range(1, 8)))
        desk.inbox.claim(ids[0])
        desk.replies.send(ids[0], "Merci, nos équipes sont sur place.")
        desk.inbox.close(ids[1], "doublon")
        desk.inbox.tag(ids[2], "coupure-nord")
        desk.inbox.assign(ids[3], "chloe")
    finally:
        desk.close()


def _contents(engine: sa.Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table of the schema, in primary-key order."""
    with engine.connect() as conn:
        return {
            table.name: [
                dict(row)
                for row in conn.execute(
                    sa.select(table).order_by(*table.primary_key.columns)
                ).mappings()
            ]
            for table in SQLModel.metadata.sorted_tables
        }


def test_the_history_arrives_whole_and_the_desk_goes_on_there(
    tmp_path: Path,
    config_file: Path,
    postgres_empty_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "team.db"
    _team_history(source, config_file)
    status = main(
        ["--lang", "en", "migrate-db", "--from", f"sqlite:///{source}", "--to", postgres_empty_url],
        clock=FakeClock(),
    )
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "audit chain verified on arrival" in out
    assert "mentions: 7 of 7" in err  # progress, table by table

    before, after = db.make_engine(str(source)), db.make_engine(postgres_empty_url)
    try:
        copied = _contents(before)
        assert copied["mentions"]
        assert copied["replies"]
        assert _contents(after) == copied  # every table, every row, ids kept
    finally:
        before.dispose()
        after.dispose()

    desk = open_test_desk(Settings(db=postgres_empty_url, config=config_file), "amelie")
    try:
        head = desk.queries.verify_audit()
        assert head.ok
        assert head.checked == sum(1 for _ in copied["audit_events"])
        # The sequences continue after the copied ids: the next mention is the next number.
        (new,) = add(desk, mention("100", "Et l'eau ?"))
        assert new == max(m["id"] for m in copied["mentions"]) + 1
        desk.inbox.claim(new)
        assert desk.queries.verify_audit().ok
    finally:
        desk.close()

    # Into a database that holds data: refused, saying which tables, nothing copied again.
    status = main(
        ["--lang", "en", "migrate-db", "--from", f"sqlite:///{source}", "--to", postgres_empty_url],
        clock=FakeClock(),
    )
    err = capsys.readouterr().err
    assert status == 2
    assert "already holds data" in err
    assert "mentions (8)" in err


def test_a_chain_that_does_not_verify_is_not_kept(
    tmp_path: Path,
    config_file: Path,
    postgres_empty_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "team.db"
    _team_history(source, config_file)
    forged = sqlite3.connect(source)  # someone rewrote an event in the file
    forged.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
    forged.execute("UPDATE audit_events SET actor = 'bruno' WHERE seq = 5")
    forged.commit()
    forged.close()
    status = main(
        ["--lang", "fr", "migrate-db", "--from", f"sqlite:///{source}", "--to", postgres_empty_url],
        clock=FakeClock(),
    )
    err = capsys.readouterr().err
    assert status == 2
    assert "la chaîne d'audit arrivée ne se vérifie pas (seq 5" in err
    target = db.make_engine(postgres_empty_url)
    try:
        assert all(rows == [] for rows in _contents(target).values())  # rolled back
    finally:
        target.dispose()


def test_clear_refusals_before_anything_is_copied(
    tmp_path: Path, postgres_empty_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.db"
    assert (
        main(["--lang", "en", "migrate-db", "--from", str(missing), "--to", postgres_empty_url])
        == 2
    )
    assert "does not exist" in capsys.readouterr().err
    assert not missing.exists()  # not created by looking
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    assert (
        main(["--lang", "en", "migrate-db", "--from", str(empty), "--to", postgres_empty_url]) == 2
    )
    assert "is not a desk database" in capsys.readouterr().err
    unreachable = "postgresql+psycopg://desk:secret@127.0.0.1:1/nothing"
    source = tmp_path / "team.db"
    engine = db.make_engine(str(source))
    db.upgrade(engine)
    engine.dispose()
    assert main(["--lang", "en", "migrate-db", "--from", str(source), "--to", unreachable]) == 2
    err = capsys.readouterr().err
    assert "does not answer" in err
    assert "secret" not in err  # a password never on screen
