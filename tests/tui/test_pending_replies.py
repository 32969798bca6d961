"""Replies that wait for approval, seen from the TUI (issue 12 #7): every supervisor's queue
header counts them, an author withdraws their own from the mention (w), and a reply nobody else
could approve is refused at send time in the interface's words. Also: a database locked by
another desk during a send is said in a plain sentence (issue 12 #17)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from textual.pilot import Pilot
from textual.screen import Screen

from desk.bootstrap import Desk
from desk.tui.app import DeskApp
from desk.tui.dialogs.picker import PickerScreen
from desk.tui.screens.approvals import ApprovalsScreen
from desk.tui.screens.detail import DetailScreen
from desk.tui.screens.queue import QueueScreen
from desk.tui.widgets.composer import Composer
from tests.helpers.desks import apply_approval
from tests.helpers.tui import (
    DeskEnv,
    goto,
    notes,
    notifications,
    open_composer,
    screen_lines,
    settle,
)

SIZE = (80, 24)  # the smallest terminal the desk is made for, in French


def crisis(env: DeskEnv) -> None:
    """desk.toml in crisis mode: every reply waits for a supervisor (desks opened after this)."""
    config = env.path / "desk.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[approval]\ncrisis = true\n")
    apply_approval(env.desk)  # recorded, as an admin's `desk staff apply` does


def header(app: DeskApp) -> str:
    return screen_lines(app)[0]


def current(app: DeskApp) -> Screen[Any]:
    """The screen on top (a function: mypy would keep an earlier isinstance narrowing)."""
    return app.screen


def footer(app: DeskApp) -> str:
    return screen_lines(app)[-1]


async def open_mention(pilot: Pilot[Any], desk: Desk, mention_id: int) -> DetailScreen:
    """From the queue, open a mention (enter): the detail screen, the mention's text focused."""
    await settle(pilot)
    await goto(pilot, desk, mention_id)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, DetailScreen)
    return screen


# -- the count in every supervisor's header ---------------------------------------------------
async def test_the_queue_header_counts_replies_waiting_for_approval(env: DeskEnv) -> None:
    crisis(env)
    bruno = env.open_as("bruno")
    try:
        first = bruno.replies.send(env.ids["en1"], "The pool opens June 20.")
        assert first.status == "pending_approval"
        app = DeskApp(env.desk)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            line = header(app)
            assert "1 à approuver (V)" in line
            assert "Vue : Ouvertes" in line  # the line fits 80 columns: the counts stay in view
            assert "mentions" in line

            bruno.replies.send(env.ids["fr1"], "La piscine ouvre le 20 juin.")  # another desk
            await pilot.press("f5")
            await settle(pilot)
            assert "2 à approuver (V)" in header(app)

            await pilot.press("V")
            await settle(pilot)
            assert isinstance(app.screen, ApprovalsScreen)
            await pilot.press("y")
            await settle(pilot, 8)
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, QueueScreen)
            assert "1 à approuver (V)" in header(app)
    finally:
        bruno.close()


async def test_an_agent_header_has_no_approval_count(env: DeskEnv) -> None:
    crisis(env)
    bruno = env.open_as("bruno")
    try:
        bruno.replies.send(env.ids["en1"], "The pool opens June 20.")
        app = DeskApp(bruno)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert "à approuver" not in header(app)
            assert "mentions" in header(app)
    finally:
        bruno.close()


async def test_the_header_count_goes_when_nothing_waits(env: DeskEnv) -> None:
    app = DeskApp(env.desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "approuver" not in header(app)
        assert app.screen.pending == 0  # type: ignore[attr-defined]


# -- withdrawing one's own waiting reply ------------------------------------------------------
async def test_an_author_withdraws_their_waiting_reply(env: DeskEnv) -> None:
    crisis(env)
    bruno = env.open_as("bruno")
    try:
        reply = bruno.replies.send(env.ids["en1"], "Pool opens soon.")
        app = DeskApp(bruno)
        async with app.run_test(size=(200, 60)) as pilot:
            screen = await open_mention(pilot, bruno, env.ids["en1"])
            assert "w Retirer ma réponse" in footer(app)
            assert "w : la retirer (elle ne partira pas)" in "\n".join(screen_lines(app))
            await pilot.press("w")
            await settle(pilot)
            assert isinstance(app.screen, PickerScreen)
            text = "\n".join(screen_lines(app))
            assert f"Retirer votre réponse {reply.id}" in text
            await pilot.press("enter")  # "no" is highlighted first: nothing happens
            await settle(pilot)
            assert current(app) is screen
            assert bruno.queries.detail(env.ids["en1"]).replies[0].status == "pending_approval"

            await pilot.press("w")
            await settle(pilot)
            await pilot.press("up", "enter")  # yes
            await settle(pilot, 8)
            assert current(app) is screen
            said = notes(app).replace("\u00a0", " ")  # French spacing: a no-break space before ':'
            assert f"Réponse {reply.id} retirée : rien n'a été publié" in said
            assert "son texte est revenu dans l'éditeur" in said
            # the composer was empty: the text is back in it, to be corrected and sent again
            assert screen.query_one(Composer).body == "Pool opens soon."
            assert "w Retirer" not in footer(app)  # nothing of mine waits any more
            await pilot.press("escape")
            await settle(pilot)
            assert "w Retirer" not in footer(app)
        (withdrawn,) = env.desk.queries.detail(env.ids["en1"]).replies
        assert (withdrawn.status, withdrawn.sent_at) == ("withdrawn", None)
        history = env.desk.queries.detail(env.ids["en1"]).history
        assert [e.actor for e in history if e.action == "reply.withdrawn"] == ["bruno"]
        assert env.desk.approvals.pending_count() == 0
    finally:
        bruno.close()


async def test_w_does_nothing_without_a_waiting_reply_of_mine(env: DeskEnv) -> None:
    """A colleague's waiting reply cannot be withdrawn from my desk: w is not even offered."""
    crisis(env)
    bruno = env.open_as("bruno")
    try:
        bruno.replies.send(env.ids["en1"], "Pool opens soon.")
        app = DeskApp(env.desk)  # amelie
        async with app.run_test(size=(200, 60)) as pilot:
            screen = await open_mention(pilot, env.desk, env.ids["en1"])
            assert "Retirer" not in footer(app)
            assert "la retirer" not in "\n".join(screen_lines(app))
            await pilot.press("w")
            await settle(pilot)
            assert current(app) is screen  # no dialog
        assert env.desk.approvals.pending_count() == 1
    finally:
        bruno.close()


async def test_a_reply_decided_meanwhile_is_not_withdrawn(env: DeskEnv) -> None:
    """The supervisor approved it after the author opened the mention: the withdrawal is refused
    with the core's reason, in the interface's words (no command line)."""
    crisis(env)
    bruno = env.open_as("bruno")
    try:
        reply = bruno.replies.send(env.ids["en1"], "Pool opens soon.")
        app = DeskApp(bruno)
        async with app.run_test(size=SIZE) as pilot:
            await open_mention(pilot, bruno, env.ids["en1"])
            env.desk.approvals.approve(reply.id)  # amelie, at her desk
            await pilot.press("w")
            await settle(pilot)
            await pilot.press("up", "enter")
            await settle(pilot, 8)
            errors = [n.message for n in notifications(app) if n.severity == "error"]
            assert any(f"la réponse {reply.id} n'attend pas d'approbation" in m for m in errors)
            assert "desk " not in "\n".join(errors)
        assert env.desk.queries.detail(env.ids["en1"]).replies[0].status == "sent_offline"
    finally:
        bruno.close()


async def test_my_waiting_reply_says_withdraw_it_to_replace_it(env: DeskEnv) -> None:
    crisis(env)
    bruno = env.open_as("bruno")
    try:
        bruno.replies.send(env.ids["en1"], "Pool opens soon.")
        app = DeskApp(bruno)
        async with app.run_test(size=SIZE) as pilot:
            composer = await open_composer(pilot, env, "en1")
            composer.text_area.text = "The pool opens June 20."
            await pilot.press("ctrl+s")
            await settle(pilot, 8)
            said = notes(app)
            assert "retirez-la d'abord (tab, puis w)" in said
            assert "--again" not in said
            assert "desk withdraw" not in said
            assert composer.body == "The pool opens June 20."
        assert len(env.desk.queries.detail(env.ids["en1"]).replies) == 1
    finally:
        bruno.close()


# -- no one else can approve ------------------------------------------------------------------
async def test_no_one_else_can_approve_is_said_at_send_time(env: DeskEnv) -> None:
    """amelie is the only supervisor: in crisis mode her own reply could never be approved. The
    composer says so when she sends, keeps her text, and nothing is stored."""
    crisis(env)
    amelie = env.open_as("amelie")
    try:
        app = DeskApp(amelie)
        async with app.run_test(size=SIZE) as pilot:
            composer = await open_composer(pilot, env, "en1")
            composer.text_area.text = "The pool opens June 20."
            await pilot.press("ctrl+s")
            await settle(pilot, 8)
            assert isinstance(app.screen, DetailScreen)
            errors = [n for n in notifications(app) if n.severity == "error"]
            assert errors
            said = "\n".join(f"{n.message}\n{n.title}" for n in errors)
            assert "personne d'autre que vous ne peut le faire" in said + notes(app)
            assert "votre texte reste dans l'éditeur" in said + notes(app)
            assert composer.body == "The pool opens June 20."
        assert amelie.queries.detail(env.ids["en1"]).replies == []
    finally:
        amelie.close()


# -- a database locked by another desk (issue 12 #17) -----------------------------------------
@contextmanager
def held_write_lock(env: DeskEnv, desk: Desk) -> Iterator[None]:
    """Another process holds SQLite's write lock; this desk gives up after 0.2 s instead of 10."""

    def short_wait(conn: Any) -> None:
        conn.exec_driver_sql("PRAGMA busy_timeout=200")

    event.listen(desk.engine, "begin", short_wait, insert=True)
    other = sqlite3.connect(env.path / "desk.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()
        event.remove(desk.engine, "begin", short_wait)


@pytest.mark.sqlite_only("holds SQLite's file lock; PostgreSQL waits on its own locks instead")
async def test_a_locked_database_during_a_send_is_said_plainly(env: DeskEnv) -> None:
    app = DeskApp(env.desk)
    async with app.run_test(size=SIZE) as pilot:
        composer = await open_composer(pilot, env, "en1")
        composer.text_area.text = "The pool opens June 20."
        with held_write_lock(env, env.desk):
            await pilot.press("ctrl+s")
            await settle(pilot, 8)
        errors = [n for n in notifications(app) if n.severity == "error"]
        assert errors
        said = "\n".join(f"{n.message} {n.title}" for n in errors)
        assert "La base est occupée" in said
        assert "database is locked" not in said
        assert "sqlalchemy" not in said.lower()
        assert "BEGIN" not in said
        assert composer.body == "The pool opens June 20."  # kept: ctrl+s again sends it
        assert env.desk.queries.detail(env.ids["en1"]).replies == []
        await pilot.press("ctrl+s")
        await settle(pilot, 8)
    assert [r.text for r in env.desk.queries.detail(env.ids["en1"]).replies] == [
        "The pool opens June 20.\n—AB"
    ]
