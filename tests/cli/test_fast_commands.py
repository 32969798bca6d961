"""``desk queue`` and ``desk replies`` without opening the desk (desk.cli._fast): the same bytes
on stdout and stderr, the same exit status as the ordinary path, for every option those commands
take, in JSON and as text; and the ordinary path whenever something is not certain (no record of a
validated desk.toml, an edited one, staff records that disagree, another person's ``--as``,
an option the quick path does not read). Issue 16.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

import desk.cli
from desk.bootstrap import Desk
from desk.cli import _fast
from desk.clock import utcnow
from desk.config import Settings
from desk.db import transaction
from desk.db.tables import Staff
from desk.files import os_user
from desk.i18n import Catalog
from desk.triage.rules import MAX_RULES_BYTES
from tests.helpers.cli import Cli
from tests.helpers.desks import DESK_TOML, add, log_in_as, mention
from tests.helpers.paths import REPO

pytestmark = pytest.mark.sqlite_only("the quick path reads SQLite files only")

LOGIN = "deskfast"
REAL_LOGIN = os_user()  # read before any test makes the system say otherwise (log_in_as)


def _set_staff(desk: Desk, name: str, **values: Any) -> None:
    with transaction(desk.write_factory) as session:
        row = session.exec(select(Staff).where(Staff.name == name)).one()
        for key, value in values.items():
            setattr(row, key, value)
        session.add(row)


def _mapped(login: str) -> str:
    """The test desk.toml with amelie mapped to ``login``, in Toronto's time zone (a day is
    then not a UTC day)."""
    return DESK_TOML.replace(
        'role = "supervisor"\n', f'role = "supervisor"\nos_users = ["{login}"]\n', 1
    ).replace('timezone = "UTC"', 'timezone = "America/Toronto"')


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "desk.toml"
    path.write_text(_mapped(LOGIN), encoding="utf-8")
    return path


@pytest.fixture
def filled(make_desk: Callable[..., Desk], monkeypatch: pytest.MonkeyPatch) -> Desk:
    """amelie's desk (her login: LOGIN), with mentions on two platforms and a few replies."""
    log_in_as(monkeypatch, LOGIN)
    amelie, bruno = make_desk("amelie"), make_desk("bruno")
    ids = add(
        amelie,
        mention("1", "Panne d'électricité rue Saint-Denis", author_name="Émilie Côté"),
        mention("2", "Quand l'eau sera-t-elle potable? NEAR(eau)"),
        mention("3", "Collecte des ordures", language="en"),
        mention("4", "Rumeur: l'usine ferme", author_name="JOSÉ"),
        mention("6", "Plainte: trop de bruit la nuit"),
        mention("7", "Wann kommt der Müll?", language="de"),  # no routing: unassigned
    )
    ids += add(amelie, mention("5", "Déneigement pourri", platform="x"), platform="x")
    amelie.inbox.assign(ids[0], "amelie")
    amelie.inbox.close(ids[3])
    amelie.replies.send(ids[4], "L'ÉBULLITION n'est plus nécessaire.")
    bruno.replies.send(ids[2], "La collecte passe mardi.")
    bruno.replies.send(ids[6], "Nous passons aujourd'hui.")
    return amelie


class Spy:
    """Counts the ordinary openings of the command line (desk.cli.opened)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = desk.cli.opened

        def opened(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(desk.cli, "opened", opened)


def _run(cli: Cli, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli(*argv, as_name=None)
    out = capsys.readouterr()
    return status, out.out, out.err


QUEUE = [
    [],
    ["--view", "mine"],
    ["--view", "unassigned", "--limit", "2"],
    ["--view", "all", "--offset", "1", "--limit", "3"],
    ["--view", "done"],
    ["--view", "all", "--status", "closed"],
    ["--category", "plainte", "--view", "all"],
    ["--category", "rumour", "--view", "all"],
    ["--assignee", "bruno"],
    ["--search", "electricite"],
    ["--search", "NEAR(eau)"],
    ["--search", 'eau" OR "panne'],
    ["--search", "emilie cote", "--view", "all"],
    ["--search", "   "],  # refused, as before
    ["--category", "nope"],  # refused, listing the categories
]
REPLIES = [
    [],
    ["--staff", "bruno"],
    ["--category", "complaint"],
    ["--channel", "x:saved payloads"],
    ["--channel", "mastodon"],
    ["--since", "2026-11-12", "--until", "2026-11-12"],
    ["--since", "2026-11-13"],
    ["--search", "ebullition"],
    ["--search", "COLLECTE mardi"],
    ["--search", '"'],
    ["--limit", "1"],
    ["--search", " "],  # refused
]


def test_same_output_both_ways(
    filled: Desk,
    cli: Cli,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spy = Spy(monkeypatch)
    assert _run(cli, capsys, "queue", "--json")[0] == 0  # the first opening: desk.toml checked
    assert spy.count == 1
    commands = [["queue", "--json", *a] for a in QUEUE] + [
        ["replies", "--json", *a] for a in REPLIES
    ]
    texts = [["queue", *a] for a in QUEUE[:6]] + [["replies", *a] for a in REPLIES[4:8]]
    found = 0
    for argv in commands + texts:
        before = spy.count
        quick = _run(cli, capsys, *argv)
        assert spy.count == before, argv  # answered without opening the desk
        with monkeypatch.context() as m:
            m.setattr(_fast, "run", lambda *args: None)
            ordinary = _run(cli, capsys, *argv)
        assert spy.count == before + 1
        assert quick == ordinary, argv
        if quick[0] == 0 and "--json" in argv:
            found += bool(json.loads(quick[1]))
    assert found == len(commands) - 7  # all but 3 refusals and 4 questions that find nothing
    mine = json.loads(_run(cli, capsys, "queue", "--json", "--view", "mine")[1])
    assert [row["author"] for row in mine] == ["@user1"]  # amelie's: her login, mapped


def test_the_ordinary_way_when_not_certain(
    filled: Desk,
    cli: Cli,
    settings: Settings,
    config_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spy = Spy(monkeypatch)

    def opens(*argv: str, as_name: str | None = None) -> bool:
        before = spy.count
        cli(*argv, as_name=as_name)
        capsys.readouterr()
        return spy.count > before

    assert opens("replies", "--json")  # nothing recorded yet: desk.toml is checked first
    assert not opens("replies", "--json")
    config_file.write_text(config_file.read_text() + "\n# edited\n", encoding="utf-8")
    assert opens("replies", "--json")  # edited: checked again
    assert not opens("replies", "--json")
    assert not opens("queue")  # the table too
    assert opens("queue", "--view", "nope")  # a saved view (none by that name): the ordinary way
    assert opens("queue", "--json", "--filter", "~c plainte")
    assert opens("queue", "--json", as_name="bruno")  # someone else: a passphrase is asked
    assert not opens("queue", "--json", as_name="AMELIE")  # herself
    raw = ["--config", str(config_file), "queue", "--json"]
    monkeypatch.setenv("desk_db", str(settings.db))  # pydantic-settings reads any case
    before = spy.count
    assert cli.raw(raw) == 0
    assert spy.count == before + 1  # the quick path leaves that to Settings
    monkeypatch.delenv("desk_db")
    monkeypatch.setenv("DESK_DB", str(settings.db))
    assert cli.raw(raw) == 0
    assert spy.count == before + 1
    capsys.readouterr()
    log_in_as(monkeypatch, "stranger")
    assert opens("queue", "--json")  # refused there, as before
    log_in_as(monkeypatch, LOGIN)
    _set_staff(filled, "bruno", display_name="Bruno G.")  # the records now differ from desk.toml
    assert cli("queue", "--json", as_name=None) == 0
    assert "Bruno G." in capsys.readouterr().err  # the drift is reported, as before
    assert spy.count > 0


def test_a_database_url_takes_the_ordinary_way() -> None:
    args = desk.cli.build_parser("en").parse_args(
        ["--db", "postgresql+psycopg://u@h/desk", "queue", "--json"]
    )
    assert _fast.run(args.fast, args, Catalog("en"), utcnow) is None


def test_the_record_names_what_was_checked(
    filled: Desk, cli: Cli, settings: Settings, config_file: Path
) -> None:
    assert cli("queue", "--json", as_name=None) == 0
    checked = _fast.checked(config_file)
    assert checked is not None
    assert checked["tz"] == "America/Toronto"
    assert checked["staff"]["amelie"]["os_users"] == LOGIN
    assert checked["rules"] is None  # the bundled pack, which comes with desk's version
    assert _fast.MAX_RULES_BYTES == MAX_RULES_BYTES


def test_no_sqlalchemy_loaded(
    filled: Desk,
    cli: Cli,
    settings: Settings,
    config_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The point of it all: a process answering ``queue --json`` loads none of the heavy
    packages (with the real OS login, mapped to amelie)."""
    if not REAL_LOGIN:
        pytest.skip("this uid has no login name: desk cannot map it to anyone")
    log_in_as(monkeypatch, REAL_LOGIN)
    config_file.write_text(_mapped(REAL_LOGIN), encoding="utf-8")
    _set_staff(filled, "amelie", os_users=REAL_LOGIN)
    assert cli("queue", "--json", as_name=None) == 0  # the ordinary opening records desk.toml
    expected = capsys.readouterr().out
    code = (
        "import sys\nfrom desk.cli import main\n"
        f"status = main(['--db', {str(settings.db)!r}, '--config', {str(config_file)!r}, "
        "'queue', '--json'])\n"
        "heavy = {'sqlalchemy', 'sqlmodel', 'pydantic', 'alembic', 'textual'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}), status, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stderr.strip() == "[] 0"
    assert done.stdout == expected


def test_a_broken_desk_toml_or_rule_file_is_reported_as_before(
    filled: Desk, cli: Cli, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("queue", "--json", as_name=None) == 0  # recorded as checked
    good = config_file.read_text(encoding="utf-8")
    config_file.write_text(good.replace('role = "agent"', 'role = "boss"', 1), encoding="utf-8")
    assert cli("queue", "--json", as_name=None) == 2
    assert "staff.1.role" in capsys.readouterr().err
    assert _fast.checked(config_file) is None  # and not recorded
    rules = config_file.parent / "rules.toml"
    rules.write_text("[[rule]]\nname = 'x'\nwhen = 'not a condition'\n", encoding="utf-8")
    with_rules = good.replace("[desk]\n", '[desk]\nrules = "rules.toml"\n', 1)
    config_file.write_text(with_rules, encoding="utf-8")
    assert cli("queue", "--json", as_name=None) == 2
    assert "rules.toml" in capsys.readouterr().err
    assert _fast.checked(config_file) is None
    assert _fast._validated(with_rules.encode(), config_file) is None


def test_a_fallback_examples_file_is_checked_like_the_rules(
    filled: Desk, cli: Cli, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the rule file's [fallback] examples are read and checked when the rules load: the record
    # names them too, so a broken examples file is reported as before, never skipped
    examples = config_file.parent / "corrections.jsonl"
    examples.write_text('{"text": "Merci pour tout", "category": "praise"}\n', encoding="utf-8")
    rules = config_file.parent / "rules.toml"
    rules.write_text('[fallback]\nexamples = "corrections.jsonl"\n', encoding="utf-8")
    good = config_file.read_text(encoding="utf-8")
    config_file.write_text(good.replace("[desk]\n", '[desk]\nrules = "rules.toml"\n', 1))
    assert cli("queue", "--json", as_name=None) == 0
    checked = _fast.checked(config_file)
    assert checked is not None
    assert checked["examples"][0] == str(examples)
    examples.write_text("not json\n", encoding="utf-8")
    assert _fast.checked(config_file) is None  # changed since it was checked
    assert cli("queue", "--json", as_name=None) == 2
    assert "corrections.jsonl" in capsys.readouterr().err


def test_a_record_edited_by_hand_sends_the_command_the_ordinary_way(
    filled: Desk, cli: Cli, config_file: Path
) -> None:
    assert cli("queue", "--json", as_name=None) == 0
    path = _fast._record_path(config_file)
    record = json.loads(path.read_text(encoding="utf-8"))
    for broken in ({"tz": "Nowhere/Else"}, {"staff": {"amelie": "x"}}):
        path.write_text(json.dumps(record | broken), encoding="utf-8")
        assert _fast.checked(config_file) is None
        assert cli("queue", "--json", as_name=None) == 0  # answered all the same


def test_a_command_that_does_not_triage_reads_no_rules_checked_before(
    filled: Desk,
    cli: Cli,
    config_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``desk report`` reads the rule file as it opens the desk only while its bytes (and
    desk.toml's) were never validated: then it has nothing to triage and no reason to parse
    them. A rule file edited since is read again, and a broken one still stops it."""
    from desk.triage import service

    read: list[object] = []
    real = service.load_configured_rules

    def spy(config: Any) -> Any:
        read.append(config.path)
        return real(config)

    monkeypatch.setattr(service, "load_configured_rules", spy)
    assert cli("report", "--json", as_name=None) == 0
    assert read == [config_file]  # not validated yet: read, then recorded as checked
    assert cli("report", "--json", as_name=None) == 0
    assert read == [config_file]  # the same bytes: not read again
    rules = config_file.parent / "rules.toml"
    rules.write_text("[[rule]]\nname = 'x'\nwhen = 'not a condition'\n", encoding="utf-8")
    good = config_file.read_text(encoding="utf-8")
    config_file.write_text(good.replace("[desk]\n", '[desk]\nrules = "rules.toml"\n', 1))
    capsys.readouterr()
    assert cli("report", "--json", as_name=None) == 2
    assert "rules.toml" in capsys.readouterr().err
    assert len(read) == 2
