"""Remote identity (desk.staff.remote): ``--as`` forced by an SSH key is believed only from the
shared account desk.toml names, desk.toml being out of that account's reach; a browser tab's
ticket is private, fresh and taken once. Environment variables alone never grant anything."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desk.bootstrap import open_desk
from desk.config import Settings
from desk.errors import PermissionDenied
from desk.staff import remote
from tests.helpers.cli import Cli
from tests.helpers.desks import DESK_TOML, log_in_as

NOW = datetime(2026, 11, 12, 14, 0, tzinfo=UTC)
OTHER_UID = 4242  # stands for the shared account: not the owner of the test's files
SHARED = DESK_TOML + '\n[ssh]\nshared_account = "desk-ssh"\n\n[web]\naccount = "desk-web"\n'


def _stat(uid: int, mode: int) -> os.stat_result:
    return os.stat_result((mode, 0, 0, 1, uid, 0, 0, 0, 0, 0))


@pytest.mark.parametrize(
    ("owner", "mode", "uid", "why"),
    [
        (0, stat.S_IFREG | 0o644, OTHER_UID, None),  # root's file, read by the shared account
        (OTHER_UID, stat.S_IFREG | 0o644, OTHER_UID, "owned"),  # the account wrote it
        (0, stat.S_IFREG | 0o664, OTHER_UID, "writable"),  # so could its group
        (0, stat.S_IFREG | 0o646, OTHER_UID, "writable"),  # or anyone
        (0, stat.S_IFIFO | 0o644, OTHER_UID, "not_regular"),
        (1000, stat.S_IFREG | 0o644, 0, "root"),  # root can write anything: never vouched for
    ],
)
def test_what_puts_desk_toml_out_of_an_accounts_reach(
    owner: int, mode: int, uid: int, why: str | None
) -> None:
    assert remote.out_of_reach(_stat(owner, mode), uid) == why


def test_the_account_is_read_from_desk_toml_itself(config_file: Path) -> None:
    config_file.write_text(SHARED, encoding="utf-8")
    config_file.chmod(0o644)
    assert remote.declared_account(config_file, "ssh", "shared_account", OTHER_UID) == "desk-ssh"
    assert remote.declared_account(config_file, "web", "account", OTHER_UID) == "desk-web"
    with pytest.raises(PermissionDenied) as owned:  # the test's own file, for the test's uid
        remote.declared_account(config_file, "ssh", "shared_account", config_file.stat().st_uid)
    assert owned.value.key in {"remote_owned", "remote_root"}
    config_file.chmod(0o664)
    with pytest.raises(PermissionDenied, match="changed by its group or by anyone"):
        remote.declared_account(config_file, "ssh", "shared_account", OTHER_UID)


def test_vouching_needs_ssh_the_declared_account_and_nothing_else(config_file: Path) -> None:
    config_file.write_text(SHARED, encoding="utf-8")
    config_file.chmod(0o644)
    ssh = {"SSH_CONNECTION": "192.0.2.1 50000 192.0.2.2 22"}

    def refusal(login: str, environ: dict[str, str], via: str = remote.VIA_SSH) -> str | None:
        try:
            remote.vouch(via, config_file, login, environ, OTHER_UID)
        except PermissionDenied as exc:
            return exc.key
        return None

    assert refusal("desk-ssh", ssh) is None
    assert refusal("desk-ssh", {}) == "remote_not_ssh"  # no SSH session
    assert refusal("mallory", ssh) == "remote_other_account"  # another account, same variables
    assert refusal("", ssh) == "remote_other_account"
    assert refusal("desk-web", {}, remote.VIA_WEB) is None
    assert refusal("desk-ssh", ssh, remote.VIA_WEB) == "remote_other_account"
    config_file.write_text(DESK_TOML, encoding="utf-8")  # nobody declared
    assert refusal("desk-ssh", ssh) == "remote_undeclared"


# -- the command line: `desk --as NAME` under a forced SSH key ------------------------------------


@pytest.fixture
def shared_desk(settings: Settings, config_file: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A desk whose desk.toml names ``desk-ssh`` the shared account; no passphrase is known."""
    config_file.write_text(SHARED, encoding="utf-8")
    config_file.chmod(0o644)
    open_desk(settings, as_name="amelie").close()
    monkeypatch.delenv("DESK_PASSPHRASE")  # only the shape may vouch, nothing typed
    monkeypatch.setenv("SSH_CONNECTION", "192.0.2.1 50000 192.0.2.2 22")
    monkeypatch.setenv("SSH_ORIGINAL_COMMAND", "desk --as amelie")  # ignored: the key decides
    return settings


def _audit(settings: Settings, action: str) -> list[dict[str, object]]:
    desk = open_desk(settings, as_name="amelie")
    try:
        return [
            e.data | {"actor": e.actor}
            for e in desk.queries.audit_log(limit=100)
            if e.action == action
        ]
    finally:
        desk.close()


def test_the_forced_as_of_the_shared_account_is_believed(
    shared_desk: Settings, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_in_as(monkeypatch, "desk-ssh")
    monkeypatch.setattr(remote, "real_uid", lambda: OTHER_UID)
    assert cli("queue", as_name="bruno") == 0
    [login] = _audit(shared_desk, "auth.remote")
    assert (login["actor"], login["via"], login["login"]) == ("bruno", "ssh", "desk-ssh")


@pytest.mark.parametrize(
    ("login", "uid", "ssh"),
    [
        ("desk-ssh", OTHER_UID, False),  # the account, outside SSH: a passphrase is needed
        ("mallory", OTHER_UID, True),  # any other local account setting SSH_* itself
        ("desk-ssh", None, True),  # the account owning desk.toml (a private copy of its own)
    ],
    ids=["not-ssh", "other-account", "own-desk-toml"],
)
def test_the_forced_as_is_refused_elsewhere(
    shared_desk: Settings,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    login: str,
    uid: int | None,
    ssh: bool,
) -> None:
    log_in_as(monkeypatch, login)
    if uid is not None:
        monkeypatch.setattr(remote, "real_uid", lambda: uid)
    if not ssh:
        monkeypatch.delenv("SSH_CONNECTION")
    assert cli("queue", as_name="bruno") == 2
    assert "needs bruno's passphrase" in capsys.readouterr().err  # asked, as for any --as
    assert _audit(shared_desk, "auth.remote") == []
    assert _audit(shared_desk, "auth.failed")[0]["as"] == "bruno"


# -- tickets: from desk serve to one tab ---------------------------------------------------------


def test_a_ticket_is_taken_once_and_only_fresh(tmp_path: Path) -> None:
    folder = remote.ticket_folder(tmp_path)
    uid = os.getuid()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    ticket = remote.write_ticket(folder, "bruno", NOW)
    assert stat.S_IMODE(ticket.stat().st_mode) == 0o600
    assert "bruno" not in ticket.name  # the path names nobody
    assert remote.take_ticket(ticket, uid, NOW + timedelta(seconds=59)) == "bruno"
    with pytest.raises(PermissionDenied) as again:
        remote.take_ticket(ticket, uid, NOW)
    assert again.value.key == "ticket_missing"
    late = remote.write_ticket(folder, "bruno", NOW)
    with pytest.raises(PermissionDenied) as expired:
        remote.take_ticket(late, uid, NOW + remote.TICKET_LIFETIME + timedelta(seconds=1))
    assert expired.value.key == "ticket_expired"
    assert not late.exists()  # taken even when refused: never a second try


def test_a_ticket_anyone_could_have_written_is_refused(tmp_path: Path) -> None:
    uid = os.getuid()
    folder = remote.ticket_folder(tmp_path)

    def key(path: Path, as_uid: int = uid) -> str | None:
        try:
            remote.take_ticket(path, as_uid, NOW)
        except PermissionDenied as exc:
            return exc.key
        return None

    assert key(remote.write_ticket(folder, "bruno", NOW), OTHER_UID) == "ticket_folder"
    folder.chmod(0o755)  # a folder others can list
    assert key(remote.write_ticket(folder, "bruno", NOW)) == "ticket_folder"
    folder.chmod(0o700)
    loose = remote.write_ticket(folder, "bruno", NOW)
    loose.chmod(0o644)
    assert key(loose) == "ticket_file"
    target = remote.write_ticket(folder, "bruno", NOW)
    link = folder / "link"
    link.symlink_to(target)
    assert key(link) == "ticket_missing"  # never followed
    hard = folder / "hard"
    os.link(remote.write_ticket(folder, "bruno", NOW), hard)
    assert key(hard) == "ticket_file"  # a second name for someone else's ticket
    forged = folder / "forged"
    forged.write_text("bruno", encoding="utf-8")
    forged.chmod(0o600)
    assert key(forged) == "ticket_unreadable"


def test_a_tab_opens_as_its_ticket_says_only_for_the_web_account(
    settings: Settings, config_file: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`desk ui` with DESK_WEB_TICKET: bruno's ticket, taken by desk-web (desk.toml's [web]
    account), opens the desk as bruno; the same ticket path in mallory's hands does not."""
    if os.getuid() != 0:
        pytest.skip("handing the ticket's files to another uid needs root (CI runs as root)")
    config_file.write_text(SHARED, encoding="utf-8")
    config_file.chmod(0o644)
    open_desk(settings, as_name="amelie").close()
    monkeypatch.delenv("DESK_PASSPHRASE")
    monkeypatch.setattr(remote, "real_uid", lambda: OTHER_UID)
    ran: list[str] = []
    monkeypatch.setattr("desk.tui.app.run_ui", lambda desk: ran.append(desk.me.name))
    folder = remote.ticket_folder(config_file.parent)

    def ticket() -> str:
        path = remote.write_ticket(folder, "bruno", NOW)  # the Cli clock starts at NOW
        for made in (folder, path):
            os.chown(made, OTHER_UID, -1)
        return str(path)

    log_in_as(monkeypatch, "mallory")
    monkeypatch.setenv(remote.TICKET_VARIABLE, ticket())
    assert cli("ui", as_name=None) == 2
    log_in_as(monkeypatch, "desk-web")
    monkeypatch.setenv(remote.TICKET_VARIABLE, ticket())
    assert cli("ui", as_name=None) == 0
    assert ran == ["bruno"]
    refused, vouched = _audit(settings, "auth.failed"), _audit(settings, "auth.remote")
    assert [(e["as"], e["via"], e["reason"]) for e in refused] == [
        ("bruno", "web", "remote_other_account")
    ]
    assert [(e["actor"], e["via"], e["login"]) for e in vouched] == [("bruno", "web", "desk-web")]
