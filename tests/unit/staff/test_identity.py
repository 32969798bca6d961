"""Identity: acting --as someone else needs their passphrase (salted scrypt), refusals are
audited, `desk passphrase` sets one's own (admins anyone's); roles agent/supervisor/admin."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from desk.bootstrap import Desk, open_desk
from desk.config import Settings
from desk.staff.identity import check_passphrase, hash_passphrase
from tests.helpers.cli import Cli
from tests.helpers.clock import FakeClock
from tests.helpers.desks import give_passphrases


def test_hashes_are_salted_and_checked() -> None:
    first, second = hash_passphrase("correct horse"), hash_passphrase("correct horse")
    assert first != second  # a fresh salt each time
    assert first.startswith("scrypt$16384$8$1$")
    assert check_passphrase("correct horse", first)
    assert not check_passphrase("correct horsE", first)
    assert not check_passphrase("x", "not a hash")
    assert "correct horse" not in first


def events(clock: FakeClock, settings: Settings, action: str) -> list[dict[str, object]]:
    desk = open_desk(settings, as_name="amelie", clock=clock)
    try:
        return [
            e.data | {"actor": e.actor}
            for e in desk.queries.audit_log(limit=200)
            if e.action == action
        ]
    finally:
        desk.close()


def test_as_someone_needs_their_passphrase(
    clock: FakeClock,
    cli: Cli,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    open_desk(
        settings, as_name="amelie", clock=clock
    ).close()  # a database whose staff have no passphrase
    assert cli("queue", as_name="bruno") == 2
    err = capsys.readouterr().err
    assert "acting as bruno needs bruno's passphrase, and bruno has not set one" in err
    assert events(clock, settings, "auth.failed")[0]["as"] == "bruno"
    monkeypatch.setenv("DESK_NEW_PASSPHRASE", "bruno's long phrase")
    monkeypatch.setenv("DESK_PASSPHRASE", "nope")
    monkeypatch.setattr(getpass, "getuser", lambda: "bgagnon")
    text = settings.config.read_text(encoding="utf-8")  # type: ignore[union-attr]
    settings.config.write_text(  # type: ignore[union-attr]
        text.replace('initials = "BG"', 'initials = "BG"\nos_users = ["bgagnon"]'), encoding="utf-8"
    )
    assert cli("passphrase", as_name=None) == 0  # bruno, by his OS login, sets his own
    assert "passphrase set for bruno" in capsys.readouterr().out
    monkeypatch.setattr(getpass, "getuser", lambda: "someone-else")
    assert cli("queue", as_name="bruno") == 2
    assert "wrong or missing passphrase for bruno" in capsys.readouterr().err
    failed = events(clock, settings, "auth.failed")[0]
    assert (failed["as"], failed["reason"], failed["actor"]) == (
        "bruno",
        "wrong passphrase",
        "someone-else",
    )
    monkeypatch.setenv("DESK_PASSPHRASE", "bruno's long phrase")
    assert cli("queue", as_name="bruno") == 0
    set_events = events(clock, settings, "staff.passphrase_set")
    assert set_events == [{"name": "bruno", "actor": "bruno"}]  # no hash in the trail


def test_who_may_set_whose_passphrase(
    clock: FakeClock,
    cli: Cli,
    settings: Settings,
    config_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = config_file.read_text(encoding="utf-8").replace('role = "supervisor"', 'role = "admin"')
    config_file.write_text(text, encoding="utf-8")
    desk: Desk = open_desk(settings, as_name="amelie", clock=clock)
    give_passphrases(desk)
    desk.close()
    monkeypatch.setenv("DESK_NEW_PASSPHRASE", "short")
    assert cli("passphrase", as_name="chloe") == 2
    assert "at least 8 characters" in capsys.readouterr().err
    monkeypatch.setenv("DESK_NEW_PASSPHRASE", "a long new phrase")
    assert cli("passphrase", "--for", "bruno", as_name="chloe") == 2
    assert "only bruno or an admin" in capsys.readouterr().err
    assert cli("passphrase", "--for", "bruno", as_name="amelie") == 0  # amelie is admin
    monkeypatch.setenv("DESK_PASSPHRASE", "a long new phrase")
    assert cli("queue", as_name="bruno") == 0
    admin = open_desk(settings, as_name="amelie", clock=clock)
    try:
        assert admin.me.is_supervisor  # an admin can do what a supervisor can
        assert admin.me.is_admin
    finally:
        admin.close()


def test_agents_cannot_retriage(
    cli: Cli, settings: Settings, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("triage", "rerun", as_name="bruno") == 2
    assert "only a supervisor can re-triage" in capsys.readouterr().err
    assert cli("triage", "rerun", as_name="amelie") == 0
