"""The approval queue (V): a supervisor approves, corrects-and-approves or refuses a colleague's
reply; an agent is refused; the author sees the decision and the note on the mention."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
import sqlalchemy.exc
from textual.pilot import Pilot
from textual.widgets import DataTable

from desk.bootstrap import Desk
from desk.tui.app import DeskApp
from desk.tui.dialogs.text_prompt import TextPrompt
from desk.tui.screens.approvals import ApprovalsScreen
from tests.helpers.desks import apply_approval
from tests.helpers.tui import DeskEnv, colleague, goto, notes, screen_lines, settle


def crisis_reply(env: DeskEnv, key: str, text: str) -> tuple[Desk, int]:
    """bruno, with desk.toml in crisis mode, writes a reply that must wait for approval."""
    config = env.path / "desk.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[approval]\ncrisis = true\n")
    apply_approval(env.desk)  # recorded, as an admin's `desk staff apply` does
    bruno = colleague(env, "bruno")
    reply = bruno.replies.send(env.ids[key], text)
    assert reply.status == "pending_approval"
    return bruno, reply.id


def locked(*_args: object, **_kwargs: object) -> object:
    raise sqlalchemy.exc.OperationalError(
        "UPDATE reply", {}, sqlite3.OperationalError("database is locked")
    )


async def open_queue(pilot: Pilot[Any]) -> ApprovalsScreen:
    await settle(pilot)
    await pilot.press("V")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ApprovalsScreen)
    return pilot.app.screen


async def test_approve_from_the_queue(env: DeskEnv) -> None:
    bruno, reply_id = crisis_reply(env, "en1", "The pool opens June 20.")
    try:
        app = DeskApp(env.desk)
        async with app.run_test(size=(150, 40)) as pilot:
            await open_queue(pilot)
            text = "\n".join(screen_lines(app))
            assert "Réponses en attente d'un superviseur · 1" in text
            assert "crise : texte libre" in text
            assert "The pool opens June 20." in text
            await pilot.press("y")
            await settle(pilot, 8)
            assert f"Réponse {reply_id} approuvée et envoyée." in notes(app)
            assert "Rien n'attend d'approbation." in "\n".join(screen_lines(app))
        (reply,) = env.desk.queries.detail(env.ids["en1"]).replies
        assert (reply.status, reply.reviewer, reply.author) == ("sent_offline", "amelie", "bruno")
    finally:
        bruno.close()


async def test_correct_then_approve(env: DeskEnv) -> None:
    bruno, _ = crisis_reply(env, "en1", "Pool opens soon.")
    try:
        app = DeskApp(env.desk)
        async with app.run_test(size=(150, 40)) as pilot:
            await open_queue(pilot)
            await pilot.press("e")
            await settle(pilot)
            assert isinstance(app.screen, TextPrompt)
            app.screen.query_one("#text-prompt-area").text = "The pool opens June 20 at 10 a.m."  # type: ignore[attr-defined]
            await pilot.press("ctrl+s")
            await settle(pilot, 8)
        (reply,) = env.desk.queries.detail(env.ids["en1"]).replies
        assert reply.text == "The pool opens June 20 at 10 a.m.\n—BG"
        assert reply.status == "sent_offline"
    finally:
        bruno.close()


async def test_refuse_with_a_note_the_author_sees(env: DeskEnv) -> None:
    bruno, reply_id = crisis_reply(env, "en1", "Yes it is closed.")
    try:
        app = DeskApp(env.desk)
        async with app.run_test(size=(150, 40)) as pilot:
            await open_queue(pilot)
            await pilot.press("n")
            await settle(pilot)
            await pilot.press(*"Not confirmed [bold]yet[/bold]")
            await pilot.press("ctrl+s")
            await settle(pilot, 8)
            assert f"Réponse {reply_id} refusée" in notes(app)
        bruno_app = DeskApp(bruno)
        async with bruno_app.run_test(size=(150, 40)) as pilot:
            await settle(pilot)
            await goto(pilot, bruno, env.ids["en1"])
            await pilot.press("enter")
            await settle(pilot, 6)
            text = "\n".join(screen_lines(bruno_app))
            assert "[refusée]" in text
            assert "révisée par amelie — Not confirmed [bold]yet[/bold]" in text  # literal
    finally:
        bruno.close()


async def test_an_agent_cannot_approve(env: DeskEnv) -> None:
    bruno, _ = crisis_reply(env, "en1", "The pool opens June 20.")
    chloe = colleague(env, "chloe")
    try:
        app = DeskApp(chloe)
        async with app.run_test(size=(150, 40)) as pilot:
            await open_queue(pilot)
            await pilot.press("y")
            await settle(pilot, 8)
            assert "seul un superviseur peut approuver" in notes(app)
        (reply,) = chloe.queries.detail(env.ids["en1"]).replies
        assert reply.status == "pending_approval"
    finally:
        chloe.close()
        bruno.close()


async def test_search_the_reply_history(env: DeskEnv) -> None:
    env.desk.replies.send(env.ids["en1"], "The pool opens June 20.")
    env.desk.replies.send(env.ids["fr1"], "La collecte passe mardi.")
    app = DeskApp(env.desk)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        await pilot.press(*"MARDI")
        await pilot.press("ctrl+s")
        await settle(pilot, 8)
        text = "\n".join(screen_lines(app))
        assert "contenant : MARDI" in text
        assert "La collecte passe mardi." in text
        assert "The pool opens June 20." not in text


async def test_report_screen(env: DeskEnv) -> None:
    env.desk.replies.send(env.ids["en1"], "The pool opens June 20.")
    app = DeskApp(env.desk)
    async with app.run_test(size=(150, 60)) as pilot:
        await settle(pilot)
        await pilot.press("S")
        await settle(pilot, 8)
        text = "\n".join(screen_lines(app))
        assert "Rapport " in text
        assert "Par catégorie" in text
        assert "Première réponse (depuis l'arrivée)" in text
        assert "n=1" in text  # the reply just sent
        await pilot.press("L")
        await settle(pilot)
        assert "By category" in "\n".join(screen_lines(app))


# -- issue 12 #6: a refusal can never publish ---------------------------------------------------
def crisis_replies(env: DeskEnv, *keys: str) -> tuple[Desk, list[int]]:
    """bruno, in crisis mode, writes one reply to each mention ``keys``; all wait for approval."""
    config = env.path / "desk.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[approval]\ncrisis = true\n")
    apply_approval(env.desk)  # recorded, as an admin's `desk staff apply` does
    bruno = colleague(env, "bruno")
    ids = [bruno.replies.send(env.ids[key], f"Réponse de Bruno à {key}.").id for key in keys]
    return bruno, ids


async def test_an_empty_note_keeps_the_dialog_and_the_note_typed_after_refuses(
    env: DeskEnv,
) -> None:
    """n, then ctrl+s with no note: the dialog stays and says the note is missing (no CLI
    hint). The note typed next — with a y and an e in it, the approve and correct keys of the
    screen below — goes into the dialog; the reply is refused, never sent."""
    bruno, reply_id = crisis_reply(env, "en1", "Yes it is closed.")
    try:
        app = DeskApp(env.desk)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_queue(pilot)
            await pilot.press("n")
            await settle(pilot)
            assert isinstance(app.screen, TextPrompt)
            await pilot.press("ctrl+s")
            await settle(pilot, 8)
            assert isinstance(app.screen, TextPrompt)  # still open
            text = "\n".join(screen_lines(app))
            assert "Écrivez une note pour l'auteur" in text
            assert "--note" not in text + notes(app)
            await pilot.press(*"Yes, rewrite it: cite the notice.")
            await pilot.press("ctrl+s")
            await settle(pilot, 8)
            assert isinstance(app.screen, ApprovalsScreen)
            assert f"Réponse {reply_id} refusée" in notes(app)
        (reply,) = env.desk.queries.detail(env.ids["en1"]).replies
        assert (reply.status, reply.review_note) == (
            "rejected",
            "Yes, rewrite it: cite the notice.",
        )
        assert reply.sent_at is None
    finally:
        bruno.close()


async def test_an_empty_correction_keeps_the_dialog(env: DeskEnv) -> None:
    bruno, _ = crisis_reply(env, "en1", "Pool opens soon.")
    try:
        app = DeskApp(env.desk)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_queue(pilot)
            await pilot.press("e")
            await settle(pilot)
            app.screen.query_one("#text-prompt-area").text = "  "  # type: ignore[attr-defined]
            await pilot.press("ctrl+s")
            await settle(pilot, 8)
            assert isinstance(app.screen, TextPrompt)
            assert "Le texte de la réponse est vide" in "\n".join(screen_lines(app))
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, ApprovalsScreen)
        (reply,) = env.desk.queries.detail(env.ids["en1"]).replies
        assert reply.status == "pending_approval"
    finally:
        bruno.close()


async def test_a_refused_correction_stays_in_the_dialog_with_its_text(env: DeskEnv) -> None:
    """The service refuses the corrected text (too long): the dialog stays with the text and
    says why, in its own words; nothing is sent."""
    bruno, _ = crisis_reply(env, "en1", "Pool opens soon.")
    try:
        app = DeskApp(env.desk)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_queue(pilot)
            await pilot.press("e")
            await settle(pilot)
            area = app.screen.query_one("#text-prompt-area")
            area.text = "x" * 600  # type: ignore[attr-defined]
            await pilot.press("ctrl+s")
            await settle(pilot, 8)
            assert isinstance(app.screen, TextPrompt)
            assert area.text == "x" * 600  # type: ignore[attr-defined]
            assert "dépasse de 104" in "\n".join(screen_lines(app))
        (reply,) = env.desk.queries.detail(env.ids["en1"]).replies
        assert reply.status == "pending_approval"
    finally:
        bruno.close()


async def test_after_a_decision_the_cursor_goes_to_the_next_reply(env: DeskEnv) -> None:
    bruno, ids = crisis_replies(env, "fr1", "en1", "flood", "root")
    try:
        app = DeskApp(env.desk)
        async with app.run_test(size=(120, 30)) as pilot:
            screen = await open_queue(pilot)
            await pilot.press("down")  # the second reply (oldest first)
            await settle(pilot)
            assert "Réponse de Bruno à en1." in "\n".join(screen_lines(app))
            await pilot.press("y")
            await settle(pilot, 8)
            text = "\n".join(screen_lines(app))
            assert "Réponses en attente d'un superviseur · 3" in text
            assert "Réponse de Bruno à flood." in text.split("Réponse de bruno")[-1]
            assert screen.query_one(DataTable).cursor_row == 1
            await pilot.press("down")  # the last one
            await settle(pilot)
            await pilot.press("n")
            await settle(pilot)
            await pilot.press(*"Pas encore.")
            await pilot.press("ctrl+s")
            await settle(pilot, 8)
            text = "\n".join(screen_lines(app))
            assert "Réponses en attente d'un superviseur · 2" in text
            # the last row went: the cursor stays on the new last one
            assert "Réponse de Bruno à flood." in text.split("Réponse de bruno")[-1]
        assert [r.status for r in env.desk.queries.detail(env.ids["root"]).replies] == ["rejected"]
        assert ids
    finally:
        bruno.close()


async def test_a_locked_database_keeps_the_refusal_dialog_and_its_note(
    env: DeskEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another desk holds the write lock: the dialog says so in plain words (no SQL), keeps the
    note, and the next ctrl+s refuses the reply."""
    bruno, reply_id = crisis_reply(env, "en1", "Yes it is closed.")
    try:
        app = DeskApp(env.desk)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_queue(pilot)
            await pilot.press("n")
            await settle(pilot)
            with monkeypatch.context() as patched:
                patched.setattr(env.desk.approvals, "reject", locked)
                await pilot.press(*"Citez l'avis.")
                await pilot.press("ctrl+s")
                await settle(pilot, 8)
            assert isinstance(app.screen, TextPrompt)
            text = "\n".join(screen_lines(app))
            assert "La base est occupée" in text
            assert "database is locked" not in text
            assert "UPDATE" not in text
            assert app.screen.text == "Citez l'avis."
            await pilot.press("ctrl+s")
            await settle(pilot, 8)
            assert isinstance(app.screen, ApprovalsScreen)
            assert f"Réponse {reply_id} refusée" in notes(app)
        (reply,) = env.desk.queries.detail(env.ids["en1"]).replies
        assert (reply.status, reply.review_note) == ("rejected", "Citez l'avis.")
    finally:
        bruno.close()
