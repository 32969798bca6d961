"""Identity: acting --as someone else needs their passphrase (salted scrypt), refusals are
audited, `desk passphrase` sets one's own (admins anyone's); roles agent/supervisor/admin."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from desk import db
from desk.bootstrap import Desk, open_desk
from desk.config import Settings, os_user
from desk.db import transaction
from desk.errors import PermissionDenied
from desk.staff import identity
from desk.staff.identity import check_passphrase, hash_passphrase
from desk.views import StaffView
from tests.helpers.cli import Cli
from tests.helpers.clock import FakeClock
from tests.helpers.desks import DESK_TOML, TEST_PASSPHRASE, give_passphrases, log_in_as


def test_hashes_are_salted_and_checked_at_owasps_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 12 #4: scrypt ran at N=2^14; OWASP says N=2^17, r=8, p=1."""
    monkeypatch.setattr(identity, "SCRYPT", identity.OWASP)  # the suite lowers it elsewhere
    first, second = hash_passphrase("correct horse"), hash_passphrase("correct horse")
    assert first != second  # a fresh salt each time
    assert first.startswith("scrypt$131072$8$1$")
    assert check_passphrase("correct horse", first)
    assert not check_passphrase("correct horsE", first)
    assert not check_passphrase("x", "not a hash")
    assert not check_passphrase("x", "scrypt$1099511627776$8$1$AAAA$AAAA")  # no gigantic work
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
    with transaction(db.write_session_factory(db.make_engine(str(settings.db)))) as session:
        session.execute(sa.text("UPDATE staff SET os_users = 'bgagnon' WHERE name = 'bruno'"))
    log_in_as(monkeypatch, "bgagnon")  # as an admin would have recorded his login
    assert cli("passphrase", as_name=None) == 0  # bruno, by his OS login, sets his own
    assert "passphrase set for bruno" in capsys.readouterr().out
    log_in_as(monkeypatch, "someone-else")
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


ROLES_TOML = DESK_TOML.replace(
    'role = "supervisor"', 'role = "admin"\nos_users = ["aadmin"]'
).replace('initials = "BG"', 'initials = "BG"\nos_users = ["bgagnon"]')


def test_the_login_is_the_real_uids_never_the_environments(
    config_file: Path,
    cli: Cli,
    make_desk: Callable[..., Desk],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 12 #1: `LOGNAME=root desk staff role bob supervisor`, run by an unprivileged uid,
    succeeded and credited the impersonated admin."""
    config_file.write_text(ROLES_TOML, encoding="utf-8")
    desk = make_desk("amelie")
    log_in_as(monkeypatch, "bgagnon")  # the real uid is bruno's, an agent
    for var in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(var, "aadmin")  # the admin's login, claimed through the environment
    assert os_user() == "bgagnon"
    assert cli("staff", "role", "bruno", "supervisor", as_name=None) == 2
    assert "only an admin can manage staff" in capsys.readouterr().err
    assert row_role(desk, "bruno") == "agent"
    monkeypatch.setenv("DESK_PASSPHRASE", "not amelie's")
    assert cli("queue", as_name="amelie") == 2
    failed = [e for e in desk.queries.audit_log(limit=20) if e.action == "auth.failed"]
    assert [(e.actor, e.data["as"]) for e in failed] == [("bgagnon", "amelie")]


def test_a_private_copy_of_desk_toml_grants_no_role(
    tmp_path: Path,
    config_file: Path,
    cli: Cli,
    make_desk: Callable[..., Desk],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 12 #2: `desk --config mycopy.toml` where only os_users changed made the caller
    supervisor or admin, with no audit event. The staff records decide; the copy is reported."""
    config_file.write_text(ROLES_TOML, encoding="utf-8")
    desk = make_desk("amelie")
    before = len(desk.queries.audit_log(limit=500))
    copy = tmp_path / "mycopy.toml"
    copy.write_text(ROLES_TOML.replace('os_users = ["aadmin"]', 'os_users = ["bgagnon"]'))
    log_in_as(monkeypatch, "bgagnon")
    assert cli("staff", "role", "bruno", "admin", as_name=None, config=copy) == 2
    err = capsys.readouterr().err
    assert "only an admin can manage staff" in err
    assert "desk.toml differs from this desk's staff records" in err
    assert "amelie os_users: bgagnon in desk.toml, aadmin recorded" in err
    assert row_role(desk, "bruno") == "agent"
    assert len(desk.queries.audit_log(limit=500)) == before  # nothing was recorded
    assert cli("queue", as_name=None, config=copy) == 0  # the copy still opens as bruno...
    assert "agent" in row_role(desk, "bruno")  # ...with bruno's role
    # a copy that also makes bruno an admin: refused, and the hint names the recorded admins
    promoted = tmp_path / "promoted.toml"
    text = copy.read_text(encoding="utf-8")
    promoted.write_text(text.replace('role = "agent"', 'role = "admin"'), encoding="utf-8")
    assert cli("staff", "role", "bruno", "admin", as_name=None, config=promoted) == 2
    err = capsys.readouterr().err
    assert "ask an admin (amelie); an admin's role is in the staff records (desk staff)" in err


def row_role(desk: Desk, name: str) -> str:
    return next(p.role for p in desk.staff.list_staff() if p.name == name)


def test_wrong_passphrases_lock_the_person_then_a_correct_one_clears_it(
    clock: FakeClock, make_desk: Callable[..., Desk], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12 #4: there was no limit on guessing. After five wrong tries in a row each further
    try waits out a lock that doubles; every refusal is audited; a correct one clears it."""
    desk = make_desk("amelie")
    asked: list[str] = []

    def ask(answer: str) -> Callable[[str], str]:
        def give(_name: str) -> str:
            asked.append(answer)
            return answer

        return give

    bruno = records_view(desk, "bruno")
    for _ in range(identity.FREE_ATTEMPTS):
        with pytest.raises(PermissionDenied, match="wrong or missing passphrase for bruno"):
            identity.authenticate(
                desk.replies.write_factory,
                desk.queries.read_factory,
                desk.config,
                bruno,
                ask("nope"),
                clock,
            )
    with pytest.raises(PermissionDenied, match="the next try waits until 14:01") as locked:
        identity.authenticate(
            desk.replies.write_factory,
            desk.queries.read_factory,
            desk.config,
            bruno,
            ask(TEST_PASSPHRASE),
            clock,
        )
    assert locked.value.hint is not None
    assert asked == ["nope"] * 5  # while locked, not even asked
    clock.advance(61)
    identity.authenticate(
        desk.replies.write_factory,
        desk.queries.read_factory,
        desk.config,
        bruno,
        ask(TEST_PASSPHRASE),
        clock,
    )
    failed = [e.data for e in desk.queries.audit_log(limit=50) if e.action == "auth.failed"][::-1]
    assert [d["reason"] for d in failed] == ["wrong passphrase"] * 5 + ["locked"]
    assert failed[4]["locked_seconds"] == 60
    for _ in range(identity.FREE_ATTEMPTS):  # the count started again from zero
        with pytest.raises(PermissionDenied, match="wrong or missing"):
            identity.authenticate(
                desk.replies.write_factory,
                desk.queries.read_factory,
                desk.config,
                bruno,
                ask("nope"),
                clock,
            )


def test_tries_in_flight_at_once_get_no_more_guesses_than_one_after_another(
    clock: FakeClock, make_desk: Callable[..., Desk]
) -> None:
    """Ten `desk --as bruno` processes started at once all passed the lock check before any
    failure was counted: ten guesses instead of five. Each try now counts before the check
    (a correct one clears it), so tries in flight are counted as they start."""
    desk = make_desk("amelie")
    bruno = records_view(desk, "bruno")
    asked: list[str] = []
    refusals: list[str] = []

    def one_try() -> None:
        try:
            identity.authenticate(
                desk.replies.write_factory,
                desk.queries.read_factory,
                desk.config,
                bruno,
                guess,
                clock,
            )
        except PermissionDenied as exc:
            refusals.append(str(exc))

    def guess(_name: str) -> str:  # while this try checks its guess, the next one starts
        asked.append("nope")
        if len(asked) < 10:
            one_try()
        return "nope"

    one_try()
    assert len(asked) == identity.FREE_ATTEMPTS
    assert len(refusals) == identity.FREE_ATTEMPTS + 1
    assert sum("the next try waits" in r for r in refusals) == 1


def test_an_older_hash_is_replaced_at_the_next_correct_passphrase(
    clock: FakeClock, make_desk: Callable[..., Desk], monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = make_desk("amelie")
    monkeypatch.setattr(identity, "SCRYPT", {"n": 2**9, "r": 8, "p": 1})
    with transaction(desk.replies.write_factory) as session:
        session.execute(
            sa.text("UPDATE staff SET passphrase_hash = :h WHERE name = 'bruno'"),
            {"h": hash_passphrase("bruno's old phrase")},
        )
    monkeypatch.setattr(identity, "SCRYPT", {"n": 2**10, "r": 8, "p": 1})  # today's, higher
    bruno = records_view(desk, "bruno")
    identity.authenticate(
        desk.replies.write_factory,
        desk.queries.read_factory,
        desk.config,
        bruno,
        lambda _n: "bruno's old phrase",
        clock,
    )
    with desk.replies.write_factory() as session:
        stored = session.execute(
            sa.text("SELECT passphrase_hash FROM staff WHERE name = 'bruno'")
        ).scalar_one()
    assert stored.startswith("scrypt$1024$8$1$")
    assert check_passphrase("bruno's old phrase", stored)
    assert desk.queries.audit_log(limit=1)[0].action == "staff.passphrase_rehashed"


def records_view(desk: Desk, name: str) -> StaffView:
    return next(
        StaffView(p.name, p.display_name, p.initials, p.role, p.languages)
        for p in desk.staff.list_staff()
        if p.name == name
    )
