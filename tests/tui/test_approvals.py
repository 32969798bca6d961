"""The approval queue (V): a supervisor approves, corrects-and-approves or refuses a colleague's
reply; an agent is refused; the author sees the decision and the note on the mention."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from desk.bootstrap import Desk
from desk.tui.app import DeskApp
from desk.tui.dialogs.text_prompt import TextPrompt
from desk.tui.screens.approvals import ApprovalsScreen
from tests.helpers.tui import DeskEnv, colleague, goto, notes, screen_lines, settle


def crisis_reply(env: DeskEnv, key: str, text: str) -> tuple[Desk, int]:
    """bruno, with desk.toml in crisis mode, writes a reply that must wait for approval."""
    config = env.path / "desk.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[approval]\ncrisis = true\n")
    bruno = colleague(env, "bruno")
    reply = bruno.replies.send(env.ids[key], text)
    assert reply.status == "pending_approval"
    return bruno, reply.id


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
