"""``desk demo`` only ever touches its own files (issue 12 #3).

A desk's environment names the real database (DESK_DB, DESK_CONFIG): the demo ignores both and
builds its own demo.db in the user data folder. Any existing file without the demo's mark —
a production database, a file that is not SQLite — is refused, ``--fresh`` included, and left
byte for byte as it was. The demo's passphrases are set through the audit trail.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from desk.config import Settings, default_data_dir
from desk.db.marker import DEMO_MARK, is_demo
from tests.helpers.cli import Cli


def digest(path: Path) -> str:
    """The file's content, as a hash."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def production(cli: Cli, settings: Settings, capsys: pytest.CaptureFixture[str]) -> Path:
    """A real desk with one mention in it, closed (every byte on disk)."""
    assert cli("init") == 0
    db = Path(str(settings.db))
    assert is_demo(db) is False
    capsys.readouterr()
    return db


def test_desk_db_and_desk_config_are_not_the_demo(
    cli: Cli,
    settings: Settings,
    production: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = digest(production)
    monkeypatch.setenv("DESK_DB", str(production))
    monkeypatch.setenv("DESK_CONFIG", str(settings.config))
    monkeypatch.setenv("DESK_PASSPHRASE", "demo")
    assert cli.raw(["--lang", "en", "demo", "--fresh", "--no-ui"]) == 0
    out = capsys.readouterr().out
    demo_db = default_data_dir() / "demo.db"
    assert f"demo database: {demo_db}" in out
    assert is_demo(demo_db) is True
    assert digest(production) == before  # untouched, not even opened for writing


@pytest.mark.parametrize("fresh", [[], ["--fresh"]])
def test_an_existing_database_that_is_not_a_demo_is_refused(
    cli: Cli, production: Path, fresh: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    before = digest(production)
    code = cli.raw(["--lang", "en", "--db", str(production), "demo", *fresh, "--no-ui"])
    err = capsys.readouterr().err
    assert code != 0
    assert "is not a demo database: desk demo never touches any other file" in err
    assert "Traceback" not in err
    assert production.exists()
    assert digest(production) == before


def test_a_file_that_is_not_sqlite_is_refused(
    cli: Cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("minutes of the council meeting\n", encoding="utf-8")
    code = cli.raw(["--lang", "fr", "--db", str(notes), "demo", "--fresh", "--no-ui"])
    assert code != 0
    assert "n'est pas une base de démonstration" in capsys.readouterr().err
    assert notes.read_text(encoding="utf-8") == "minutes of the council meeting\n"


def test_config_and_urls_are_refused(
    cli: Cli, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--lang", "en", "--config", str(settings.config), "demo", "--no-ui"]
    assert cli.raw(argv) != 0
    assert "--config is for a real desk" in capsys.readouterr().err
    url = "postgresql+psycopg://desk@localhost/desk"
    assert cli.raw(["--lang", "en", "--db", url, "demo", "--no-ui"]) != 0
    assert f"not {url}" in capsys.readouterr().err


def test_the_demo_marks_its_file_and_audits_its_passphrases(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DESK_PASSPHRASE", "demo")
    db = tmp_path / "mine.db"
    assert cli.raw(["--db", str(db), "demo", "--no-ui"]) == 0
    assert is_demo(db) is True
    config = db.with_name("mine-desk.toml")
    demo = Cli(Settings(db=str(db), config=config), cli.clock)
    capsys.readouterr()
    argv = ("audit", "log", "--json", "--action", "staff.passphrase_set")
    assert demo(*argv, as_name="amelie") == 0
    events = json.loads(capsys.readouterr().out)
    given = sorted(e["data"]["name"] for e in events if e["data"].get("demo") is True)
    assert given == ["amelie", "bruno", "chloe"]
    assert demo("audit", "verify", as_name="amelie") == 0
    # run again, and --fresh: the demo's own file is rebuilt, still marked
    assert cli.raw(["--db", str(db), "demo", "--fresh", "--no-ui"]) == 0
    assert is_demo(db) is True
    assert DEMO_MARK == int.from_bytes(db.read_bytes()[68:72], "big")  # SQLite's header field
