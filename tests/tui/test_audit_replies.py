"""The audit screen (chain status, filters) and the reply-history screen."""

from __future__ import annotations

import sqlite3

import pytest
from textual.widgets import DataTable, Static

from desk.tui.app import DeskApp
from desk.tui.dialogs.picker import PickerScreen
from desk.tui.screens.audit import AuditScreen
from desk.tui.screens.replies import RepliesScreen
from tests.helpers.tui import DeskEnv, ingest, mention, settle


def status(app: DeskApp) -> str:
    return str(app.screen.query_one("#audit-status", Static).render())


def tamper(env: DeskEnv, seq: int) -> None:
    con = sqlite3.connect(env.path / "desk.db")
    con.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
    con.execute("UPDATE audit_events SET data = ? WHERE seq = ?", ('{"forged":true}', seq))
    con.commit()
    con.close()


@pytest.mark.sqlite_only(
    "tampers with the SQLite file directly; PostgreSQL refuses the edit (append-only triggers, "
    "tests/postgres/test_engine.py)"
)
async def test_audit_screen_shows_intact_then_broken(env: DeskEnv) -> None:
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        events = env.desk.queries.audit_log(limit=1000)
        assert f"Chaîne intacte ({len(events)} événements)" in status(app)
        table = app.screen.query_one(DataTable)
        assert table.row_count == len(events)
        assert str(table.get_row_at(0)[0]) == str(events[0].seq)  # newest first

        tamper(env, 5)
        await pilot.press("v")
        await settle(pilot)
        assert "Chaîne ROMPUE à l'événement nº 5" in status(app)
        assert app.screen.query_one("#audit-status").has_class("-broken")


async def test_audit_filters_by_mention_and_person(env: DeskEnv) -> None:
    target = env.ids["fr1"]
    env.desk.inbox.claim(target)
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        await pilot.press(*str(target), "enter")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert [str(table.get_row_at(i)[4]) for i in range(table.row_count)] == [f"#{target}"] * 2
        await pilot.press("p")
        await settle(pilot)
        picker = app.screen  # mypy keeps isinstance(app.screen, ...) after the screen changes
        assert isinstance(picker, PickerScreen)
        await pilot.press("down", "enter")  # everyone, system, amelie...
        await settle(pilot)
        audit = app.screen
        assert isinstance(audit, AuditScreen)
        assert audit.actor_filter == "system"
        assert table.row_count == 0  # system did nothing to this mention (ingest ran as amelie)


async def test_audit_pages_by_500(env: DeskEnv) -> None:
    ingest(env.desk, "mastodon", [mention(f"p{i}", f"texte {i}") for i in range(600)])
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 500
        await pilot.press("n")
        await settle(pilot)
        assert table.row_count == len(env.desk.queries.audit_log(limit=5000))


async def test_reply_history_screen(env: DeskEnv) -> None:
    env.desk.replies.send(env.ids["fr1"], "Première réponse")
    env.desk.replies.send(env.ids["en1"], "Second reply")
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        assert isinstance(app.screen, RepliesScreen)
        table = app.screen.query_one(DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [r[2] for r in rows] == [f"#{env.ids['en1']}", f"#{env.ids['fr1']}"]  # newest first
        assert rows[0][1] == "amelie"
        assert rows[0][3] == "envoyée hors ligne"
        assert "Second reply\n—AB" in str(app.screen.query_one("#replies-text", Static).render())
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("down", "down", "enter")  # everyone, amelie, bruno
        await settle(pilot)
        assert table.row_count == 0
