"""``desk demo`` only ever touches its own files (issue 12 #3).

A desk's environment names the real database (DESK_DB, DESK_CONFIG): the demo ignores both and
builds its own demo.db in the user data folder. Any existing file without the demo's mark —
a production database, a file that is not SQLite — is refused, ``--fresh`` included, and left
byte for byte as it was. The demo's passphrases are set through the audit trail.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desk.config import Settings, default_data_dir
from desk.db.marker import DEMO_MARK, is_demo
from tests.helpers.cli import Cli
from tests.helpers.clock import FakeClock


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


@pytest.mark.sqlite_only("the demo database is a SQLite file")
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


@pytest.mark.sqlite_only("the demo database is a SQLite file")
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


SUNDAY = datetime(2027, 2, 7, 16, 0, tzinfo=UTC)  # 11:00 in Québec, a Sunday
WEDNESDAY = datetime(2027, 2, 10, 15, 0, tzinfo=UTC)  # 10:00 in Québec
MONDAY = datetime(2027, 2, 8, 20, 0, tzinfo=UTC)  # 15:00 in Québec; Chloé works Tuesday-Saturday


@pytest.mark.parametrize(
    "built", [SUNDAY, WEDNESDAY, MONDAY], ids=["sunday", "wednesday", "monday-afternoon"]
)
def test_the_demo_is_alive_on_any_day(
    tmp_path: Path,
    built: datetime,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DESK_PASSPHRASE", "demo")
    clock = FakeClock(built)
    db = tmp_path / "demo.db"
    assert Cli(Settings(), clock).raw(["--lang", "en", "--db", str(db), "demo", "--no-ui"]) == 0
    out = capsys.readouterr().out
    config = db.with_name("demo-desk.toml")
    assert f"export DESK_DB={db} DESK_CONFIG={config}" in out  # the one line for the CLI
    demo = Cli(Settings(db=str(db), config=config), clock)
    assert demo("queue", "--json", "--view", "all", "--limit", "1000", as_name="amelie") == 0
    rows = json.loads(capsys.readouterr().out)
    newest = max(datetime.fromisoformat(r["created_at"]) for r in rows)
    # weeks ago no more: at most the Friday before (a Monday, Chloé's day off, goes back to it)
    assert built - timedelta(days=4) < newest <= built
    for person in ("amelie", "bruno", "chloe"):  # routed as in business hours: everyone has work
        assert demo("queue", "--json", "--view", "mine", as_name=person) == 0
        said = capsys.readouterr()
        assert json.loads(said.out), person
        assert "desk.toml differs" not in said.err  # your login is in the demo's own desk.toml
    assert demo("report", "--json", as_name="amelie") == 0  # the last 7 days are filled
    assert json.loads(capsys.readouterr().out)["mentions"] > 0


def test_after_the_demo_a_command_points_at_it_not_at_init(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DESK_PASSPHRASE", "demo")
    assert cli.raw(["--lang", "en", "demo", "--no-ui"]) == 0  # in the user data folder
    capsys.readouterr()
    assert cli.raw(["--lang", "en", "queue"]) != 0  # no desk.toml of a real desk anywhere
    err = capsys.readouterr().err
    assert f"export DESK_DB={default_data_dir() / 'demo.db'}" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("fresh", [False, True], ids=["again", "fresh"])
def test_a_symlinked_demo_desk_toml_never_writes_through_to_its_target(
    tmp_path: Path, fresh: bool
) -> None:
    """A demo-desk.toml that is a symlink to a real desk.toml: the demo replaces the link with
    its own copy (fresh or not, so its staff edits land there too); the real file is untouched."""
    from desk.cli.demo import bundled_feeds, demo_config

    real = tmp_path / "real" / "desk.toml"
    real.parent.mkdir()
    real.write_text('[desk]\norganisation = "Production"\n', encoding="utf-8")
    before = digest(real)
    copy = tmp_path / "demo-desk.toml"
    copy.symlink_to(real)
    assert demo_config(bundled_feeds(), tmp_path / "demo.db", fresh) == copy
    assert digest(real) == before
    assert not copy.is_symlink()
    assert "Belleville" in copy.read_text(encoding="utf-8")
