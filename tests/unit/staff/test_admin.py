"""Staff administration (desk.staff): only admins change staff; desk.toml is rewritten with its
comments, atomically, and stays loadable; the database mirror and one audit event per change land
in the same transaction; the last admin is kept; a deactivated person keeps their history, gets no
new work and cannot open the desk. Plus the `desk staff` command line."""

from __future__ import annotations

import difflib
import errno
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from desk.bootstrap import Desk, open_desk
from desk.config import Settings, load_config
from desk.config.editing import write_atomically
from desk.db.store import staff_rows
from desk.errors import ActionRefused, ConfigError, InputError, NotFound, PermissionDenied
from desk.staff.identity import check_passphrase
from desk.staff.service import NewStaff, StaffService
from tests.helpers.cli import Cli
from tests.helpers.clock import FakeClock
from tests.helpers.desks import DESK_TOML, TEST_PASSPHRASE, add, log_in_as, mention

ADMIN_TOML = "# The team's own desk.toml: its comments must survive desk's edits.\n" + (
    DESK_TOML.replace('role = "supervisor"', 'role = "admin"          # manages the staff')
)

DORA = NewStaff(
    name="dora",
    display_name="Dora Laporte",
    initials="DL",
    role="agent",
    languages=("fr",),
    topics=("water",),
    os_users=("dlaporte",),
)


@pytest.fixture
def admin_file(config_file: Path) -> Path:
    """desk.toml of the shared fixtures, with amelie as the one admin and a few comments."""
    config_file.write_text(ADMIN_TOML, encoding="utf-8")
    return config_file


@pytest.fixture
def admin(admin_file: Path, make_desk: Callable[..., Desk]) -> Desk:
    return make_desk("amelie")


def staff_events(desk: Desk) -> list[tuple[str, str, dict[str, object]]]:
    """(action, actor, data) of every staff.* event written by a person, oldest first."""
    events = [
        (e.action, e.actor, e.data)
        for e in reversed(desk.queries.audit_log(limit=500))
        if e.action.startswith("staff.") and e.actor != "system"
    ]
    return events


def row(desk: Desk, name: str) -> dict[str, object]:
    with desk.inbox.write_factory() as session:
        found = staff_rows(session=session)[name]
        return {
            k: getattr(found, k)
            for k in ("display_name", "initials", "role", "languages", "active")
        }


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


# -- listing ---------------------------------------------------------------------------------


def test_anyone_lists_the_staff_with_their_open_load(
    admin: Desk, make_desk: Callable[..., Desk]
) -> None:
    add(admin, mention("1", "Bonjour, une question"), mention("2", "Autre question"))
    add(admin, mention("3", "A question in English", language="en"))
    bruno = make_desk("bruno")  # an agent may look
    people = {p.name: p for p in bruno.staff.list_staff()}
    assert list(people) == ["amelie", "bruno", "chloe"]
    assert (people["amelie"].role, people["bruno"].role) == ("admin", "agent")
    assert people["bruno"].open_mentions == 2  # [routing] fr = "bruno"
    assert people["chloe"].open_mentions == 1
    assert people["chloe"].languages == ("en", "fr")
    assert all(p.active and p.has_passphrase for p in people.values())


# -- adding ----------------------------------------------------------------------------------


def test_an_admin_adds_a_person(admin: Desk, admin_file: Path, settings: Settings) -> None:
    member = admin.staff.add(DORA)
    assert (member.name, member.role, member.languages, member.active) == (
        "dora",
        "agent",
        ("fr",),
        True,
    )
    text = admin_file.read_text(encoding="utf-8")
    assert changed_lines(ADMIN_TOML, text) == [  # after the last [[staff]]; nothing else moves
        "+[[staff]]",
        '+name = "dora"',
        '+display_name = "Dora Laporte"',
        '+initials = "DL"',
        '+role = "agent"',
        '+languages = ["fr"]',
        '+topics = ["water"]',
        '+os_users = ["dlaporte"]',
        "+",
    ]
    assert text.index('name = "dora"') < text.index("[routing]")
    reloaded = load_config(admin_file)  # the loader desk starts with accepts the new file
    dora = reloaded.staff_named("dora")
    assert dora is not None
    assert (dora.topics, dora.os_users, dora.active) == (["water"], ["dlaporte"], True)
    assert row(admin, "dora") == {
        "display_name": "Dora Laporte",
        "initials": "DL",
        "role": "agent",
        "languages": "fr",
        "active": True,
    }
    assert staff_events(admin) == [
        (
            "staff.added",
            "amelie",
            {
                "name": "dora",
                "display_name": "Dora Laporte",
                "initials": "DL",
                "role": "agent",
                "languages": ["fr"],
                "topics": ["water"],
                "os_users": ["dlaporte"],
            },
        )
    ]
    assert admin.config.staff_named("dora") is not None  # this session can assign to her now
    reopened = open_desk(settings, as_name="amelie", clock=FakeClock())
    try:  # desk.toml and the mirror agree: opening the desk records nothing more
        assert [e.action for e in reopened.queries.audit_log(limit=1)] == ["staff.added"]
    finally:
        reopened.close()


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        ({"name": "Dora L"}, InputError, "cannot be a staff name"),
        ({"name": "bruno"}, ActionRefused, "already a staff member named bruno"),
        ({"initials": "BG"}, ActionRefused, "initials BG are already bruno's"),
        ({"initials": "D L"}, InputError, "no spaces"),
        ({"role": "boss"}, InputError, "unknown role 'boss'"),
        ({"languages": ("french",)}, InputError, "'french' is not a language code"),
        ({"languages": ()}, InputError, "at least one language"),
        ({"display_name": "Dora\x1b]52;c;x\x07"}, InputError, "control characters"),
        ({"display_name": ""}, InputError, "display_name"),
    ],
)
def test_adding_refuses_bad_or_clashing_values(
    admin: Desk, admin_file: Path, change: dict[str, object], error: type, words: str
) -> None:
    values = {f: getattr(DORA, f) for f in DORA.__dataclass_fields__} | change
    with pytest.raises(error, match=words):
        admin.staff.add(NewStaff(**values))
    assert admin_file.read_text(encoding="utf-8") == ADMIN_TOML
    assert staff_events(admin) == []


def test_an_os_login_maps_to_one_person(admin: Desk, admin_file: Path) -> None:
    admin.staff.add(DORA)
    clash = NewStaff("eve", "Eve", "EV", os_users=("dlaporte",))
    with pytest.raises(ActionRefused, match="dlaporte already opens the desk as dora"):
        admin.staff.add(clash)


def test_a_name_kept_by_the_history_is_not_reused(
    clock: FakeClock, admin: Desk, admin_file: Path, settings: Settings
) -> None:
    text = ADMIN_TOML.replace(
        '[[staff]]\nname = "chloe"\ndisplay_name = "Chloe Martin"\ninitials = "CM"\nrole = "agent"\nlanguages = ["en", "fr"]\n',
        "",
    ).replace('en = "chloe"', 'en = "amelie"')
    admin_file.write_text(text, encoding="utf-8")  # chloe left desk.toml by hand
    open_desk(
        settings, as_name="amelie", clock=clock
    ).close()  # the mirror keeps her name, inactive
    with pytest.raises(ActionRefused, match="belongs to someone removed from desk.toml"):
        admin.staff.add(NewStaff("chloe", "Chloé Autre", "CA"))


# -- who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["bruno", "chloe"])  # an agent, and a supervisor
def test_only_admins_change_staff(
    who: str, admin_file: Path, make_desk: Callable[..., Desk]
) -> None:
    text = ADMIN_TOML.replace(
        'initials = "CM"\nrole = "agent"', 'initials = "CM"\nrole = "supervisor"'
    )
    admin_file.write_text(text, encoding="utf-8")
    desk = make_desk(who)
    assert desk.staff.list_staff()  # reading is for everyone
    attempts = [
        lambda: desk.staff.add(DORA),
        lambda: desk.staff.set_role(who, "admin"),
        lambda: desk.staff.set_role("bruno", "supervisor"),
        lambda: desk.staff.deactivate("amelie"),
        lambda: desk.staff.reactivate("amelie"),
        lambda: desk.staff.set_passphrase("amelie", "a long passphrase"),
        desk.staff.require_admin,
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied) as refused:
            attempt()
        assert "only" in str(refused.value)
    with pytest.raises(PermissionDenied, match="only an admin can manage staff") as refused:
        desk.staff.add(DORA)
    assert (
        refused.value.hint
        == "ask an admin (amelie); an admin's role is in the staff records (desk staff)"
    )
    assert admin_file.read_text(encoding="utf-8") == text
    assert staff_events(desk) == []


def test_an_admin_demoted_meanwhile_is_refused(
    admin: Desk, admin_file: Path, make_desk: Callable[..., Desk]
) -> None:
    admin.staff.set_role("bruno", "admin")
    bruno = make_desk("bruno")
    bruno.staff.set_role("amelie", "supervisor")  # amelie's open desk still says "admin"
    assert admin.me.is_admin
    with pytest.raises(PermissionDenied, match="only an admin"):
        admin.staff.add(DORA)  # ...but the file, read at the change, says otherwise


def test_an_admin_demoted_meanwhile_cannot_reset_a_passphrase(
    admin: Desk, admin_file: Path, make_desk: Callable[..., Desk]
) -> None:
    """A passphrase reset is a staff change too: else a demoted admin whose desk is still open
    could reset an admin's passphrase and act ``--as`` them, admin again."""
    admin.staff.set_role("bruno", "admin")
    bruno = make_desk("bruno")
    bruno.staff.set_role("amelie", "supervisor")  # amelie's open desk still says "admin"
    with pytest.raises(PermissionDenied, match="only an admin"):
        admin.staff.set_passphrase("bruno", "amelie knows it now")
    with admin.inbox.write_factory() as session:
        stored = staff_rows(session=session)["bruno"].passphrase_hash or ""
    assert check_passphrase(TEST_PASSPHRASE, stored)  # unchanged
    assert [e for e in staff_events(admin) if e[0] == "staff.passphrase_set"] == []
    admin.staff.set_passphrase("amelie", "still my own to set")  # one's own stays allowed


# -- roles and the last admin ------------------------------------------------------------------


def test_changing_a_role_touches_one_line(
    clock: FakeClock, admin: Desk, admin_file: Path, settings: Settings
) -> None:
    member = admin.staff.set_role("bruno", "supervisor")
    assert member.role == "supervisor"
    after = admin_file.read_text(encoding="utf-8")
    assert changed_lines(ADMIN_TOML, after) == ['-role = "agent"', '+role = "supervisor"']
    assert "# always open, so routing tests" in after  # a comment elsewhere in the file
    assert row(admin, "bruno")["role"] == "supervisor"
    assert staff_events(admin) == [
        ("staff.role_changed", "amelie", {"name": "bruno", "from": "agent", "to": "supervisor"})
    ]
    with pytest.raises(ActionRefused, match="bruno is already supervisor"):
        admin.staff.set_role("bruno", "supervisor")
    with pytest.raises(InputError, match="unknown role 'boss'"):
        admin.staff.set_role("bruno", "boss")
    with pytest.raises(NotFound, match="no staff member named 'zoe'"):
        admin.staff.set_role("zoe", "agent")
    bruno = open_desk(settings, as_name="bruno", clock=clock)
    try:
        assert bruno.me.is_supervisor
    finally:
        bruno.close()


def test_the_last_admin_stays(admin: Desk, admin_file: Path) -> None:
    for attempt in (
        lambda: admin.staff.set_role("amelie", "supervisor"),
        lambda: admin.staff.deactivate("amelie"),
    ):
        with pytest.raises(ActionRefused, match="amelie is the last active admin") as refused:
            attempt()
        assert refused.value.hint == "give someone else the admin role first"
    assert admin_file.read_text(encoding="utf-8") == ADMIN_TOML
    assert staff_events(admin) == []
    admin.staff.set_role("chloe", "admin")
    admin.staff.set_role("amelie", "supervisor")  # now someone else can manage staff
    assert load_config(admin_file).staff_named("amelie").role == "supervisor"  # type: ignore[union-attr]
    with pytest.raises(PermissionDenied):
        admin.staff.set_role("amelie", "admin")  # and amelie no longer can


# -- deactivation ------------------------------------------------------------------------------


def test_deactivating_keeps_history_reports_open_work_and_stops_routing(
    clock: FakeClock,
    admin: Desk,
    admin_file: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = add(admin, mention("1", "Bonjour"), mention("2", "Allo"))  # [routing] fr = "bruno"
    admin.inbox.close(ids[1])
    done = admin.staff.deactivate("bruno")
    assert done.open_mentions == (ids[0],)
    assert done.named_in == ("routing.fr",)
    assert not done.member.active
    after = admin_file.read_text(encoding="utf-8")
    assert changed_lines(ADMIN_TOML, after) == ["+active = false"]
    assert load_config(admin_file).staff_named("bruno").active is False  # type: ignore[union-attr]
    assert row(admin, "bruno")["active"] is False
    assert staff_events(admin) == [
        ("staff.deactivated", "amelie", {"name": "bruno", "open_mentions": 1})
    ]
    assert admin.queries.detail(ids[0]).assignee == "bruno"  # his work waits for a hand-over
    # routing: this session and a new one give him nothing, and say why
    (new_id,) = add(admin, mention("3", "Encore une question"))
    detail = admin.queries.detail(new_id)
    assert detail.assignee in {"amelie", "chloe"}
    assert {"key": "inactive", "who": "bruno"} in detail.triage["route"]["notes"]
    with pytest.raises(ActionRefused, match="bruno is deactivated and is given no new work"):
        admin.inbox.assign(new_id, "bruno")
    fresh = open_desk(settings, as_name="amelie", clock=FakeClock())
    try:
        (later,) = add(fresh, mention("4", "Et encore"))
        assert fresh.queries.detail(later).assignee != "bruno"
        assert fresh.inbox.handover("bruno", "chloe") == [ids[0]]  # an admin hands over
    finally:
        fresh.close()
    # he can neither be acted --as nor open the desk with his own login
    with pytest.raises(PermissionDenied, match="bruno is deactivated") as refused:
        open_desk(settings, as_name="bruno", clock=clock)
    assert refused.value.hint == "an admin can reactivate bruno (desk staff reactivate bruno)"
    admin_file.write_text(
        admin_file.read_text(encoding="utf-8").replace(
            'initials = "BG"', 'initials = "BG"\nos_users = ["bgagnon"]'
        ),
        encoding="utf-8",
    )
    assert admin.staff.apply_file().people == 1  # an admin records his login
    log_in_as(monkeypatch, "bgagnon")
    with pytest.raises(PermissionDenied, match="bruno is deactivated"):
        open_desk(settings, clock=clock)
    with pytest.raises(ActionRefused, match="already deactivated"):
        admin.staff.deactivate("bruno")


def test_reactivating_gives_back_the_file_as_it_was(admin: Desk, admin_file: Path) -> None:
    admin.staff.deactivate("chloe")
    member = admin.staff.reactivate("chloe")
    assert member.active
    assert admin_file.read_text(encoding="utf-8") == ADMIN_TOML
    assert row(admin, "chloe")["active"] is True
    assert [(a, d) for a, _, d in staff_events(admin)] == [
        ("staff.deactivated", {"name": "chloe", "open_mentions": 0}),
        ("staff.reactivated", {"name": "chloe"}),
    ]
    with pytest.raises(ActionRefused, match="chloe is already active"):
        admin.staff.reactivate("chloe")


def test_a_hand_edited_desk_toml_is_reported_and_applied_only_by_an_admin(
    clock: FakeClock, admin: Desk, admin_file: Path, settings: Settings
) -> None:
    """Issue 12 #2: desk.toml no longer decides who is who; a hand edit is reported on every
    opening until an admin applies it (audited under the admin's name), or corrects the file."""
    admin_file.write_text(
        ADMIN_TOML.replace('initials = "CM"', 'initials = "CM"\nactive = false').replace(
            'role = "agent"', 'role = "admin"', 1
        ),
        encoding="utf-8",
    )
    for _ in range(2):
        desk = open_desk(settings, as_name="bruno", clock=clock)
        try:
            assert not desk.me.is_admin  # the records say agent, whatever the file says
            assert {(d.name, d.field) for d in desk.staff_drift} == {
                ("bruno", "role"),
                ("chloe", "active"),
            }
            with pytest.raises(PermissionDenied, match="only an admin"):
                desk.staff.apply_file()
            changes = [e for e in desk.queries.audit_log(limit=50) if e.action.startswith("staff.")]
            assert {e.action for e in changes} == {"staff.added"}  # the first seeding only
        finally:
            desk.close()
    assert row(admin, "chloe")["active"] is True
    assert admin.staff.apply_file().people == 2
    events = [
        (e.action, e.actor, e.data["name"])
        for e in admin.queries.audit_log(limit=50)
        if e.action.startswith("staff.") and e.action != "staff.added"
    ]
    assert sorted(events) == [
        ("staff.deactivated", "amelie", "chloe"),
        ("staff.updated", "amelie", "bruno"),
    ]
    assert row(admin, "chloe")["active"] is False
    reopened = open_desk(settings, as_name="bruno", clock=clock)
    try:
        assert reopened.me.is_admin
        assert reopened.staff_drift == []
    finally:
        reopened.close()


# -- writing desk.toml ---------------------------------------------------------------------------


def test_a_failed_write_records_nothing(
    admin: Desk, admin_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(src: object, dst: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("desk.config.editing.os.replace", refuse)
    with pytest.raises(ConfigError, match="cannot write .*desk.toml: Permission denied; nothing"):
        admin.staff.set_role("bruno", "supervisor")
    assert admin_file.read_text(encoding="utf-8") == ADMIN_TOML
    assert row(admin, "bruno")["role"] == "agent"
    assert staff_events(admin) == []
    assert sorted(p.name for p in admin_file.parent.iterdir() if p.name.startswith(".")) == []
    assert admin.config.staff_named("bruno").role == "agent"  # type: ignore[union-attr]


def test_a_failed_commit_puts_desk_toml_back(admin: Desk, admin_file: Path) -> None:
    factory = admin.inbox.write_factory

    def failing() -> object:
        session = factory()

        def commit() -> None:
            raise OSError("disk full")

        session.commit = commit  # type: ignore[method-assign]
        return session

    service = StaffService(
        write_factory=failing,  # type: ignore[arg-type]
        read_factory=factory,
        config=admin.config,
        actor=admin.me,
    )
    with pytest.raises(OSError, match="disk full"):
        service.set_role("bruno", "supervisor")
    assert admin_file.read_text(encoding="utf-8") == ADMIN_TOML
    assert row(admin, "bruno")["role"] == "agent"
    assert staff_events(admin) == []


def test_atomic_write_keeps_permissions_and_symlinks(tmp_path: Path) -> None:
    real = tmp_path / "real.toml"
    real.write_text("a = 1\n", encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "desk.toml"
    link.symlink_to(real)
    write_atomically(link, "a = 2\r\n")
    assert link.is_symlink()
    assert real.read_bytes() == b"a = 2\r\n"  # line endings as given
    assert oct(real.stat().st_mode & 0o777) == "0o640"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["desk.toml", "real.toml"]


def test_the_staff_module_has_no_ui() -> None:
    code = (
        "import sys, desk.staff, desk.cli.staff, desk.config.editing\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


# -- command line --------------------------------------------------------------------------------


def test_desk_staff_commands(
    cli: Cli, admin: Desk, admin_file: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    add(admin, mention("1", "Bonjour"))
    assert cli("staff", as_name="bruno", lang="en", config=admin_file) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "Name",
        "Display",
        "name",
        "Init.",
        "Role",
        "Languages",
        "Status",
        "Open",
    ]
    assert lines[2].split() == ["bruno", "Bruno", "Gagnon", "BG", "agent", "fr", "active", "1"]
    assert cli("staff", "list", "--json", as_name="bruno", lang="en", config=admin_file) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(p["name"], p["open_mentions"]) for p in listed] == [
        ("amelie", 0),
        ("bruno", 1),
        ("chloe", 0),
    ]
    assert (
        cli("staff", "role", "bruno", "admin", as_name="bruno", lang="en", config=admin_file) == 2
    )
    assert "error: only an admin can manage staff" in capsys.readouterr().err
    adding = ["staff", "add", "dora", "--display-name", "Dora Laporte", "--initials", "DL"]
    assert (
        cli(
            *adding,
            "--languages",
            "fr, en",
            "--role",
            "supervisor",
            as_name="amelie",
            lang="en",
            config=admin_file,
        )
        == 0
    )
    assert capsys.readouterr().out == "dora added to the staff (supervisor).\n"
    assert load_config(admin_file).staff_named("dora").languages == ["fr", "en"]  # type: ignore[union-attr]
    assert (
        cli("staff", "role", "dora", "agent", as_name="amelie", lang="en", config=admin_file) == 0
    )
    assert capsys.readouterr().out == "dora: role agent.\n"
    assert cli("staff", "deactivate", "bruno", as_name="amelie", lang="en", config=admin_file) == 0
    assert capsys.readouterr().out.splitlines() == [
        "bruno deactivated; 1 open mention is still theirs: hand it over.",  # its plural form
        "  to hand them over: desk handover bruno NAME",
        "bruno is still named in desk.toml: routing.fr (routing skips them there).",
    ]
    assert cli("queue", as_name="bruno", lang="en", config=admin_file) == 2
    assert "error: bruno is deactivated" in capsys.readouterr().err
    assert cli("handover", "bruno", "chloe", as_name="amelie", lang="en", config=admin_file) == 0
    assert cli("staff", "reactivate", "bruno", as_name="amelie", lang="en", config=admin_file) == 0
    assert capsys.readouterr().out.endswith("bruno reactivated.\n")
    assert cli("staff", "deactivate", "amelie", as_name="amelie", lang="en", config=admin_file) == 2
    assert "amelie is the last active admin" in capsys.readouterr().err
    assert (
        cli("staff", "role", "amelie", "boss", as_name="amelie", lang="fr", config=admin_file) == 2
    )
    err = capsys.readouterr().err
    assert "rôle inconnu\u00a0: 'boss'" in err


def test_the_demo_edits_its_own_copy_of_desk_toml(tmp_path: Path) -> None:
    from desk.cli.demo import demo_config as _demo_config

    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "desk.toml").write_text(
        ADMIN_TOML.replace(
            'signature_format = "—{initials}"',
            'signature_format = "—{initials}"\nrules = "rules.toml"',
        ),
        encoding="utf-8",
    )
    (feeds / "rules.toml").write_text("", encoding="utf-8")
    db = tmp_path / "data" / "demo.db"
    db.parent.mkdir()
    copy = _demo_config(feeds, db, fresh=False)
    assert copy == tmp_path / "data" / "demo-desk.toml"
    assert load_config(copy).rules_path() == feeds / "rules.toml"  # still found from the copy
    copy.write_text(copy.read_text(encoding="utf-8") + "# changed in the demo\n", encoding="utf-8")
    assert _demo_config(feeds, db, fresh=False).read_text(encoding="utf-8").endswith("demo\n")
    assert "changed in the demo" not in _demo_config(feeds, db, fresh=True).read_text(
        encoding="utf-8"
    )


def test_a_hand_edited_approval_policy_is_reported_and_applied_only_by_an_admin(
    clock: FakeClock,
    admin: Desk,
    admin_file: Path,
    settings: Settings,
    cli: Cli,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 12 #2 (audit): desk.toml's [approval] decided who approves and what waits, whatever
    copy was given. The first opening records it (as ``system``); a hand edit is reported until
    an admin applies it with `desk staff apply` (audited under the admin's name)."""
    first = [e for e in admin.queries.audit_log(limit=50) if e.action == "approval.policy_set"]
    assert [(e.actor, e.data["fallback"]) for e in first] == [("system", None)]
    admin_file.write_text(
        admin_file.read_text(encoding="utf-8")
        + '\n[approval]\ncategories = ["rumour"]\nfallback = "bruno"\n',
        encoding="utf-8",
    )
    bruno = open_desk(settings, as_name="bruno", clock=clock)
    try:
        assert [(d.field, d.in_file, d.in_records) for d in bruno.approval_drift] == [
            ("categories", ["rumour"], []),
            ("fallback", "bruno", None),
        ]
        assert not bruno.approvals.may_approve()  # the records name no fallback
        with pytest.raises(PermissionDenied, match="only an admin"):
            bruno.staff.apply_file()
    finally:
        bruno.close()
    capsys.readouterr()
    assert cli("staff", "apply", as_name="amelie") == 0
    assert "approval policy recorded from desk.toml (audited)" in capsys.readouterr().out
    events = [e for e in admin.queries.audit_log(limit=50) if e.action == "approval.policy_set"]
    assert [(e.actor, e.data["fallback"]) for e in events][0] == ("amelie", "bruno")
    reopened = open_desk(settings, as_name="bruno", clock=clock)
    try:
        assert reopened.approval_drift == []
        assert reopened.approvals.may_approve()  # the fallback, as recorded now
    finally:
        reopened.close()
