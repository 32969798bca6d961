"""Identity: acting --as someone else needs their passphrase (salted scrypt), refusals are
audited, `desk passphrase` sets one's own (admins anyone's); roles agent/supervisor/admin."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from desk.cli import main
from desk.config import Settings
from desk.identity import check_passphrase, hash_passphrase
from desk.services import Desk, open_desk


def test_hashes_are_salted_and_checked() -> None:
    first, second = hash_passphrase("correct horse"), hash_passphrase("correct horse")
    assert first != second  # a fresh salt each time
    assert first.startswith("scrypt$16384$8$1$")
    assert check_passphrase("correct horse", first)
    assert not check_passphrase("correct horsE", first)
    assert not check_passphrase("x", "not a hash")
    assert "correct horse" not in first


def events(settings: Settings, action: str) -> list[dict[str, object]]:
    desk = open_desk(settings, as_name="amelie")
    try:
        return [
            e.data | {"actor": e.actor}
            for e in desk.queries.audit_log(limit=200)
            if e.action == action
        ]
    finally:
        desk.close()


def test_as_someone_needs_their_passphrase(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--db", str(settings.db), "--config", str(settings.config)]
    open_desk(settings, as_name="amelie").close()  # a database whose staff have no passphrase
    assert main([*base, "--as", "bruno", "queue"]) == 2
    err = capsys.readouterr().err
    assert "acting as bruno needs bruno's passphrase, and bruno has not set one" in err
    assert events(settings, "auth.failed")[0]["as"] == "bruno"
    monkeypatch.setenv("DESK_NEW_PASSPHRASE", "bruno's long phrase")
    monkeypatch.setenv("DESK_PASSPHRASE", "nope")
    monkeypatch.setattr(getpass, "getuser", lambda: "bgagnon")
    text = settings.config.read_text(encoding="utf-8")  # type: ignore[union-attr]
    settings.config.write_text(  # type: ignore[union-attr]
        text.replace('initials = "BG"', 'initials = "BG"\nos_users = ["bgagnon"]'), encoding="utf-8"
    )
    assert main([*base, "passphrase"]) == 0  # bruno, by his OS login, sets his own
    assert "passphrase set for bruno" in capsys.readouterr().out
    monkeypatch.setattr(getpass, "getuser", lambda: "someone-else")
    assert main([*base, "--as", "bruno", "queue"]) == 2
    assert "wrong or missing passphrase for bruno" in capsys.readouterr().err
    failed = events(settings, "auth.failed")[0]
    assert (failed["as"], failed["reason"], failed["actor"]) == (
        "bruno",
        "wrong passphrase",
        "someone-else",
    )
    monkeypatch.setenv("DESK_PASSPHRASE", "bruno's long phrase")
    assert main([*base, "--as", "bruno", "queue"]) == 0
    set_events = events(settings, "staff.passphrase_set")
    assert set_events == [{"name": "bruno", "actor": "bruno"}]  # no hash in the trail


def test_who_may_set_whose_passphrase(
    settings: Settings,
    config_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = config_file.read_text(encoding="utf-8").replace('role = "supervisor"', 'role = "admin"')
    config_file.write_text(text, encoding="utf-8")
    desk: Desk = open_desk(settings, as_name="amelie")
    from tests.conftest import give_passphrases

    give_passphrases(desk)
    desk.close()
    base = ["--db", str(settings.db), "--config", str(settings.config)]
    monkeypatch.setenv("DESK_NEW_PASSPHRASE", "short")
    assert main([*base, "--as", "chloe", "passphrase"]) == 2
    assert "at least 8 characters" in capsys.readouterr().err
    monkeypatch.setenv("DESK_NEW_PASSPHRASE", "a long new phrase")
    assert main([*base, "--as", "chloe", "passphrase", "--for", "bruno"]) == 2
    assert "only bruno or an admin" in capsys.readouterr().err
    assert main([*base, "--as", "amelie", "passphrase", "--for", "bruno"]) == 0  # amelie is admin
    monkeypatch.setenv("DESK_PASSPHRASE", "a long new phrase")
    assert main([*base, "--as", "bruno", "queue"]) == 0
    admin = open_desk(settings, as_name="amelie")
    try:
        assert admin.me.is_supervisor  # an admin can do what a supervisor can
        assert admin.me.is_admin
    finally:
        admin.close()


def test_agents_cannot_retriage(
    settings: Settings, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--db", str(settings.db), "--config", str(settings.config)]
    assert main([*base, "--as", "bruno", "triage", "rerun"]) == 2
    assert "only a supervisor can re-triage" in capsys.readouterr().err
    assert main([*base, "--as", "amelie", "triage", "rerun"]) == 0
