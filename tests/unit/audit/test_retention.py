"""Retention purges: only admins purge (supervisors may plan), only finished mentions go, the
audit trail loses a prefix and still verifies, and tampering with the anchor or cutting further
is caught. Real SQLite files throughout; tampering goes around the triggers on purpose."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from desk.audit.extract import verify_extract
from desk.bootstrap import Desk
from desk.config import Settings, load_config
from desk.db.store import ReplyFilter
from desk.errors import ActionRefused, ConfigError, InputError, PermissionDenied
from tests.helpers.cli import Cli
from tests.helpers.clock import FakeClock, clock_of
from tests.helpers.desks import DESK_TOML, add, mention
from tests.helpers.tui import workers_done

if TYPE_CHECKING:
    from textual.app import App
    from textual.pilot import Pilot

EXTRA = """\
[[staff]]
name = "dana"
display_name = "Dana Roy"
initials = "DR"
role = "admin"
languages = ["fr", "en"]

[approval]
categories = ["rumour"]

[routing]
"""
LATER = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)  # when the purges run
CUTOFF_DAY = date(2026, 12, 1)  # the actions happen on 2026-11-12, the clock's start


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """The shared desk.toml plus an admin (dana) and four eyes on rumours."""
    path = tmp_path / "desk.toml"
    path.write_text(DESK_TOML.replace("[routing]\n", EXTRA), encoding="utf-8")
    return path


def _db(desk: Desk) -> str:
    return str(desk.engine.url.database)


def _sql(desk: Desk, sql: str, *params: object) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(_db(desk))
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _tamper(desk: Desk, *statements: str) -> None:
    """Change the file behind desk's back, as someone with the file would."""
    desk.engine.dispose()
    conn = sqlite3.connect(_db(desk))
    for trigger in (
        "events_no_update",
        "events_no_delete",
        "anchors_no_update",
        "anchors_no_delete",
    ):
        conn.execute(f"DROP TRIGGER IF EXISTS audit_{trigger}")
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()


def scenario(make_desk: Callable[..., Desk]) -> tuple[Desk, Desk, dict[str, int]]:
    """Five old mentions in every state a purge must tell apart; (amelie, dana, ids)."""
    amelie = make_desk("amelie")
    clock = clock_of(amelie)
    done, spam, still_open, pending, recent = add(
        amelie,
        mention("1", "Quand passe la collecte des ordures?"),
        mention("2", "Achetez nos pilules miracles"),
        mention("3", "Toujours pas de réponse sur le déneigement"),
        mention("4", "On dit que le pont va fermer"),
        mention("5", "Question sur la piscine"),
    )
    amelie.replies.send(done, "La collecte passe mardi matin.")  # sent offline: closed
    amelie.inbox.mark_spam(spam)
    if amelie.queries.detail(pending).category != "rumour":  # triage may already say so
        amelie.inbox.categorise(pending, "rumour")
    waiting = amelie.replies.send(pending, "Le pont reste ouvert, vérification en cours.")
    assert waiting.status == "pending_approval"
    amelie.inbox.close(pending)
    amelie.inbox.close(recent)
    clock.now = datetime(2027, 2, 15, tzinfo=UTC)
    amelie.inbox.reopen(recent)  # touched after the cutoff: kept
    amelie.inbox.close(recent)
    dana = make_desk("dana")
    clock.now = LATER
    ids = {"done": done, "spam": spam, "open": still_open, "pending": pending, "recent": recent}
    return amelie, dana, ids


def _mention_ids(desk: Desk) -> set[int]:
    return {row[0] for row in _sql(desk, "SELECT id FROM mentions")}  # type: ignore[misc]


@pytest.mark.sqlite_only("reads or changes the SQLite file behind desk's back")
def test_agents_are_refused_supervisors_only_plan_admins_purge(
    clock: FakeClock,
    make_desk: Callable[..., Desk],
) -> None:
    _amelie, dana, ids = scenario(make_desk)
    bruno = make_desk("bruno")
    clock.now = LATER
    cutoff = dana.retention.cutoff(CUTOFF_DAY)
    with pytest.raises(PermissionDenied, match="supervisor or an admin"):
        bruno.retention.plan(cutoff)
    with pytest.raises(PermissionDenied, match="only an admin"):
        bruno.retention.purge(cutoff)
    supervisor = make_desk("amelie")
    clock.now = LATER
    assert supervisor.retention.plan(cutoff).mentions == 2  # a dry run is fine
    with pytest.raises(PermissionDenied, match="only an admin"):
        supervisor.retention.purge(cutoff)
    assert _mention_ids(dana) == set(ids.values())  # refused purges removed nothing
    assert dana.retention.purge(cutoff).mentions == 2
    assert _mention_ids(dana) == set(ids.values()) - {ids["done"], ids["spam"]}


@pytest.mark.sqlite_only("reads or changes the SQLite file behind desk's back")
def test_purge_removes_finished_mentions_and_keeps_the_rest(
    make_desk: Callable[..., Desk],
) -> None:
    amelie, dana, ids = scenario(make_desk)
    assert len(dana.queries.replies(flt=ReplyFilter(search="collecte mardi"))) == 1
    cutoff = dana.retention.cutoff(CUTOFF_DAY)
    plan = dana.retention.plan(cutoff)
    assert (plan.dry_run, plan.mentions, plan.replies, plan.outbox) == (True, 2, 1, 1)
    assert _mention_ids(dana) == set(ids.values())  # the plan changed nothing

    report = dana.retention.purge(cutoff)
    assert report.counts() == plan.counts()
    assert (report.kept_open, report.kept_unfinished, report.kept_recent) == (1, 1, 1)
    assert _mention_ids(dana) == {ids["open"], ids["pending"], ids["recent"]}
    assert _sql(dana, "SELECT count(*) FROM outbox") == [(0,)]
    # the purged reply is gone from the search index too (the FTS trigger followed the delete)
    assert dana.queries.replies(flt=ReplyFilter(search="collecte mardi")) == []
    assert _sql(dana, "SELECT rowid FROM replies_fts WHERE replies_fts MATCH 'collecte'") == []
    # the reply waiting for approval is kept, searchable, and still in the approval queue
    assert [r.mention_id for r in dana.queries.replies(flt=ReplyFilter(search="pont"))] == [
        ids["pending"]
    ]
    assert [p.reply.mention_id for p in amelie.approvals.pending()] == [ids["pending"]]


def test_the_trail_loses_a_prefix_and_still_verifies(make_desk: Callable[..., Desk]) -> None:
    _amelie, dana, ids = scenario(make_desk)
    before = {e.seq: e for e in dana.queries.audit_log(limit=500)}
    report = dana.retention.purge(dana.retention.cutoff(CUTOFF_DAY))
    assert report.anchor is not None
    anchor_seq, anchor_hash = report.anchor
    # the still-open mention's history holds the prefix back at its ingest event
    assert report.audit_held_by == ids["open"]
    held = next(e for e in before.values() if e.mention_id == ids["open"])
    assert anchor_seq == held.seq - 1
    assert anchor_hash == before[anchor_seq].hash
    assert report.audit_events == anchor_seq  # 1..anchor, all gone
    left = {e.seq for e in dana.queries.audit_log(limit=500)}
    assert min(left) == anchor_seq + 1
    assert dana.queries.detail(ids["open"]).history  # the kept mention's history is whole
    purged = dana.queries.audit_log(limit=1)[0]
    assert purged.action == "audit.purged"
    assert purged.data["anchor"] == {"seq": anchor_seq, "hash": anchor_hash}
    assert purged.data["previous_anchor"] is None
    assert purged.data["removed"] == report.counts()
    result = dana.queries.verify_audit()
    assert result.ok, result.reason
    assert result.start_seq == anchor_seq
    assert result.checked == len(left)
    assert dana.queries.verify_audit(result.head).ok


@pytest.mark.sqlite_only("reads or changes the SQLite file behind desk's back")
def test_a_second_purge_moves_the_anchor_and_names_the_first(
    clock: FakeClock,
    make_desk: Callable[..., Desk],
) -> None:
    amelie, dana, ids = scenario(make_desk)
    first = dana.retention.purge(dana.retention.cutoff(CUTOFF_DAY))
    clock.now = datetime(2027, 2, 16, tzinfo=UTC)
    amelie.inbox.close(ids["open"])  # finished at last: it no longer holds the trail back
    clock.now = datetime(2027, 9, 1, tzinfo=UTC)
    second = dana.retention.purge(dana.retention.cutoff(date(2027, 3, 1)))
    assert first.anchor
    assert second.anchor
    assert second.mentions == 2  # the one closed since, and the one touched in February
    assert _mention_ids(dana) == {ids["pending"]}
    # now the mention whose reply waits for approval holds the trail, at its ingest event
    assert second.audit_held_by == ids["pending"]
    assert second.anchor[0] == first.anchor[0] + 1
    assert second.audit_events == 1
    event = dana.queries.audit_log(limit=1)[0]
    assert event.data["previous_anchor"] == {"seq": first.anchor[0], "hash": first.anchor[1]}
    assert dana.queries.verify_audit().ok
    assert _sql(dana, "SELECT seq FROM audit_anchors ORDER BY seq") == [
        (first.anchor[0],),
        (second.anchor[0],),
    ]


def test_purging_every_event_keeps_the_chain_going(
    clock: FakeClock, make_desk: Callable[..., Desk]
) -> None:
    """All events older than the cutoff and no mention to keep: the table empties, and the
    purge event chains onto the anchor rather than restarting at seq 1."""
    amelie = make_desk("amelie")
    (only,) = add(amelie, mention("1", "Merci pour le déneigement"))
    amelie.inbox.close(only)
    dana = make_desk("dana")
    clock.now = LATER
    head_seq = dana.queries.audit_log(limit=1)[0].seq
    report = dana.retention.purge(dana.retention.cutoff(CUTOFF_DAY))
    assert report.audit_events == head_seq
    assert report.anchor
    assert report.anchor[0] == head_seq
    events = dana.queries.audit_log(limit=10)
    assert [(e.seq, e.action) for e in events] == [(head_seq + 1, "audit.purged")]
    assert dana.queries.verify_audit().ok


@pytest.mark.sqlite_only("reads or changes the SQLite file behind desk's back")
def test_the_database_lets_audit_events_go_only_up_to_an_anchor(
    make_desk: Callable[..., Desk],
) -> None:
    _amelie, dana, _ids = scenario(make_desk)
    report = dana.retention.purge(dana.retention.cutoff(CUTOFF_DAY))
    assert report.anchor
    conn = sqlite3.connect(_db(dana))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit_events WHERE seq = ?", (report.anchor[0] + 1,))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit_anchors SET seq = seq + 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit_anchors")
    conn.close()


@pytest.mark.sqlite_only("reads or changes the SQLite file behind desk's back")
@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        # one more event cut after the anchor: the chain no longer joins the anchor
        ("DELETE FROM audit_events WHERE seq = {next}", "missing event"),
        # the anchor's hash edited
        ("UPDATE audit_anchors SET hash = '{fake}'", "prev_hash does not match"),
        # the anchor removed: the trail starts after seq 1 with nothing to say why
        ("DELETE FROM audit_anchors", "no purge anchor records their removal"),
        # an anchor forged further on, to hide that more events were cut
        (
            "INSERT INTO audit_anchors (seq, hash, removed, actor, cutoff, at) "
            "SELECT seq, hash, 1, 'dana', at, at FROM audit_events WHERE seq = {next}",
            "no audit.purged event names the purge anchor",
        ),
    ],
)
def test_tampering_after_a_purge_is_detected(
    make_desk: Callable[..., Desk], tamper: str, expected: str
) -> None:
    _amelie, dana, _ids = scenario(make_desk)
    report = dana.retention.purge(dana.retention.cutoff(CUTOFF_DAY))
    assert report.anchor
    assert dana.queries.verify_audit().ok
    statements = [tamper.format(next=report.anchor[0] + 1, fake="f" * 64)]
    if "INSERT" in tamper:
        statements.append(f"DELETE FROM audit_events WHERE seq = {report.anchor[0] + 1}")
    _tamper(dana, *statements)
    result = dana.queries.verify_audit()
    assert not result.ok
    assert expected in (result.reason or "")


@pytest.mark.sqlite_only("reads or changes the SQLite file behind desk's back")
def test_moving_the_anchor_and_cutting_to_it_is_detected(
    make_desk: Callable[..., Desk],
) -> None:
    """The anchor rewritten in place to a later event, the events up to it removed: the chain
    joins the new anchor, but the audit.purged event names the old one."""
    _amelie, dana, _ids = scenario(make_desk)
    report = dana.retention.purge(dana.retention.cutoff(CUTOFF_DAY))
    assert report.anchor
    moved = report.anchor[0] + 2
    _tamper(
        dana,
        f"UPDATE audit_anchors SET seq = {moved}, "
        f"hash = (SELECT hash FROM audit_events WHERE seq = {moved})",
        f"DELETE FROM audit_events WHERE seq <= {moved}",
    )
    result = dana.queries.verify_audit()
    assert not result.ok
    assert "not in audit_anchors" in (result.reason or "")
    assert result.bad_seq == dana.queries.audit_log(limit=1)[0].seq  # the audit.purged event


@pytest.mark.sqlite_only("reads or changes the SQLite file behind desk's back")
def test_an_anchor_without_its_purge_event_is_detected(make_desk: Callable[..., Desk]) -> None:
    _amelie, dana, _ids = scenario(make_desk)
    dana.retention.purge(dana.retention.cutoff(CUTOFF_DAY))
    head = dana.queries.audit_log(limit=1)[0].seq
    _tamper(dana, f"DELETE FROM audit_events WHERE seq = {head}")  # the audit.purged event
    result = dana.queries.verify_audit()
    assert not result.ok
    assert "no audit.purged event names the purge anchor" in (result.reason or "")


@pytest.mark.sqlite_only("reads or changes the SQLite file behind desk's back")
def test_a_broken_trail_is_not_purged(make_desk: Callable[..., Desk]) -> None:
    _amelie, dana, ids = scenario(make_desk)
    _tamper(dana, "UPDATE audit_events SET actor = 'chloe' WHERE seq = 2")
    with pytest.raises(ActionRefused, match="seq 2"):
        dana.retention.purge(dana.retention.cutoff(CUTOFF_DAY))
    assert _mention_ids(dana) == set(ids.values())
    assert _sql(dana, "SELECT min(seq) FROM audit_events") == [(1,)]


def test_export_after_a_purge_verifies(make_desk: Callable[..., Desk], tmp_path: Path) -> None:
    _amelie, dana, ids = scenario(make_desk)
    report = dana.retention.purge(dana.retention.cutoff(CUTOFF_DAY))
    assert report.anchor
    out = tmp_path / "x.jsonl"
    done = dana.exports.export(date(2026, 11, 1), date(2027, 3, 1), fmt="jsonl", out=out)
    manifest = done.manifest
    assert manifest["counts"]["mentions"] == 3
    assert manifest["chain_anchor"] == {"seq": report.anchor[0], "hash": report.anchor[1]}
    verified = verify_extract(out)
    assert (verified.ok, verified.findings) == (True, [])
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()[1:]]
    events = [r for r in records if r["type"] == "audit_event"]
    assert verified.checked == len(events)
    assert min(e["seq"] for e in events) > report.anchor[0]
    assert "audit.purged" in {e["action"] for e in events}
    assert {r["id"] for r in records if r["type"] == "mention"} == {
        ids["open"],
        ids["pending"],
        ids["recent"],
    }
    assert dana.queries.verify_audit(done.head[1]).ok


@pytest.mark.sqlite_only("reads or changes the SQLite file behind desk's back")
def test_cutoffs_too_recent_or_missing_are_refused(make_desk: Callable[..., Desk]) -> None:
    _amelie, dana, ids = scenario(make_desk)
    with pytest.raises(InputError, match="must be kept 30 days") as refused:
        dana.retention.purge(dana.retention.cutoff(date(2027, 2, 20)))
    assert refused.value.hint == "choose a cutoff on or before 2027-01-30"
    with pytest.raises(InputError, match="nothing says what is old enough"):
        dana.retention.cutoff(None)  # no [retention] days in this desk.toml
    assert _mention_ids(dana) == set(ids.values())


def test_retention_days_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "desk.toml"
    path.write_text(DESK_TOML + "\n[retention]\ndays = 7\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"retention\.days: .*at least 30") as error:
        load_config(path)
    assert "not 7" in str(error.value)
    path.write_text(DESK_TOML + "\n[retention]\ndays = 365\n", encoding="utf-8")
    assert load_config(path).retention.days == 365
    path.write_text(DESK_TOML, encoding="utf-8")
    assert load_config(path).retention.days is None  # absent: keep everything


def test_retention_days_sets_the_cutoff_and_its_floor(
    make_desk: Callable[..., Desk], config_file: Path
) -> None:
    config_file.write_text(
        config_file.read_text(encoding="utf-8") + "\n[retention]\ndays = 200\n", encoding="utf-8"
    )
    _amelie, dana, _ids = scenario(make_desk)
    assert dana.retention.cutoff() == datetime(2026, 8, 13, 12, 0, 1, tzinfo=UTC)  # 200 days
    assert dana.retention.plan(dana.retention.cutoff()).mentions == 0  # all newer than that
    with pytest.raises(InputError, match="must be kept 200 days"):
        dana.retention.plan(dana.retention.cutoff(CUTOFF_DAY))  # --before cannot undercut it


def later(settings: Settings) -> Cli:
    """The command line as of LATER (the purge refuses cutoffs younger than 30 days)."""
    return Cli(settings, lambda: LATER)


@pytest.mark.sqlite_only("reads or changes the SQLite file behind desk's back")
def test_cli_dry_run_then_purge_then_verify(
    make_desk: Callable[..., Desk],
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _amelie, dana, ids = scenario(make_desk)
    dry = ["purge", "--before", CUTOFF_DAY.isoformat(), "--dry-run"]
    assert later(settings)(*dry, "--json", as_name="amelie") == 0
    planned = json.loads(capsys.readouterr().out)
    assert planned["dry_run"] is True
    assert planned["removed"] == {"mentions": 2, "replies": 1, "outbox": 1, "audit_events": 7}
    assert planned["kept"] == {"open": 1, "unfinished": 1, "recent": 1}
    assert planned["audit_held_by_mention"] == ids["open"]
    assert later(settings)(*dry, as_name="amelie") == 0
    out = capsys.readouterr().out
    assert "would remove (cutoff 2026-12-01 00:00 UTC): 2 mentions, 1 replies" in out
    assert f"held back at the history of mention #{ids['open']}" in out
    assert _mention_ids(dana) == set(ids.values())

    assert later(settings)("purge", "--before", "2026-12-01", as_name="amelie") == 2
    assert "only an admin" in capsys.readouterr().err

    assert later(settings)("purge", "--before", "2026-12-01", as_name="dana") == 0
    out = capsys.readouterr().out
    assert "removed (cutoff 2026-12-01 00:00 UTC): 2 mentions, 1 replies, 1 outbox" in out
    assert "the audit trail now starts after seq 7" in out
    assert _mention_ids(dana) == {ids["open"], ids["pending"], ids["recent"]}

    assert later(settings)("audit", "verify", as_name="dana") == 0
    assert "intact" in (verified := capsys.readouterr().out)
    assert "after the purge anchor at seq 7" in verified
    assert later(settings)("purge", as_name="dana") == 2  # no --before, no days
    assert "[retention] days" in capsys.readouterr().err


@pytest.fixture
def keep_60_days(config_file: Path) -> None:
    """desk.toml keeps 60 days: the TUI purges by the configured policy only."""
    config_file.write_text(
        config_file.read_text(encoding="utf-8") + "\n[retention]\ndays = 60\n", encoding="utf-8"
    )


async def _settle(pilot: Pilot[Any]) -> None:
    for _ in range(4):
        await pilot.pause()
        await workers_done(pilot.app)
    await pilot.pause()


def _dialog_text(app: App[Any]) -> str:
    from textual.widgets import Static

    return str(app.screen.query_one("#purge-body", Static).render())


async def _open_purge_from_palette(pilot: Pilot[Any]) -> None:
    from desk.tui.dialogs.purge import PurgeScreen

    await _settle(pilot)
    await pilot.press("ctrl+p")
    await _settle(pilot)
    await pilot.press(*"purge by the retention")
    await _settle(pilot)
    await pilot.press("enter")
    await _settle(pilot)
    assert isinstance(pilot.app.screen, PurgeScreen)


@pytest.mark.usefixtures("keep_60_days")
@pytest.mark.sqlite_only("reads or changes the SQLite file behind desk's back")
async def test_tui_palette_shows_the_dry_run_then_purges_on_y(
    make_desk: Callable[..., Desk],
) -> None:
    from desk.tui.app import DeskApp
    from desk.tui.dialogs.purge import PurgeScreen

    _amelie, dana, ids = scenario(make_desk)
    app = DeskApp(dana)
    async with app.run_test(size=(150, 40)) as pilot:
        await _open_purge_from_palette(pilot)
        text = _dialog_text(app)
        assert "2 mentions, 1 reply, 1 outbox entry and 7 audit events would be removed" in text
        assert f"held back at mention #{ids['open']}" in text
        assert "y: purge now" in text
        assert _mention_ids(dana) == set(ids.values())  # the dry run removed nothing
        await pilot.press("y")
        await _settle(pilot)
        assert not isinstance(app.screen, PurgeScreen)
        assert any(
            "Purge done: 2 mentions and 7 audit events removed." in str(n.message)
            for n in app._notifications
        )
    assert _mention_ids(dana) == {ids["open"], ids["pending"], ids["recent"]}
    assert dana.queries.verify_audit().ok


@pytest.mark.usefixtures("keep_60_days")
@pytest.mark.sqlite_only("reads or changes the SQLite file behind desk's back")
async def test_tui_supervisor_sees_the_plan_but_y_is_refused(
    clock: FakeClock,
    make_desk: Callable[..., Desk],
) -> None:
    from desk.tui.app import DeskApp

    _amelie, dana, ids = scenario(make_desk)
    supervisor = make_desk("amelie")
    clock.now = LATER
    app = DeskApp(supervisor)
    async with app.run_test(size=(150, 40)) as pilot:
        await _open_purge_from_palette(pilot)
        assert "Only an admin can purge" in _dialog_text(app)
        await pilot.press("y")
        await _settle(pilot)
        assert any("only an admin can purge" in str(n.message) for n in app._notifications)
    assert _mention_ids(dana) == set(ids.values())


@pytest.mark.sqlite_only("reads or changes the SQLite file behind desk's back")
def test_the_purge_names_the_rows_it_removed(make_desk: Callable[..., Desk]) -> None:
    """Events about purged mentions stay after the anchor: the audit.purged event names the rows
    it removed, so `audit verify` can tell them from rows deleted behind desk's back."""
    _amelie, dana, ids = scenario(make_desk)
    report = dana.retention.purge(dana.retention.cutoff(CUTOFF_DAY))
    purged = next(e for e in dana.queries.audit_log(limit=5) if e.action == "audit.purged")
    assert purged.data["removed_ids"]["mentions"] == [[ids["done"], ids["spam"]]]
    assert sum(b - a + 1 for a, b in purged.data["removed_ids"]["replies"]) == report.replies
    result = dana.queries.verify_audit()
    assert result.ok, result.reason
    assert result.rows is not None
    assert result.rows.purged >= 1
    # a row deleted without a purge is named
    _tamper(dana, f"DELETE FROM replies WHERE mention_id = {ids['pending']}")
    result = dana.queries.verify_audit()
    assert result.rows is not None
    assert [(f.kind, f.problem) for f in result.rows.findings] == [("reply", "missing")]
