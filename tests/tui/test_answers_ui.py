"""ctrl+o in the composer: pick a library answer suggested for the mention, send it as is."""

from __future__ import annotations

from desk.tui.app import DeskApp
from desk.tui.dialogs.picker import PickerScreen
from tests.helpers.tui import DeskEnv, notes, open_composer, screen_lines, settle

LIBRARY = """
[[answer]]
name = "hours"
language = "{lang}"
title = "Heures d'ouverture [bold]x[/bold]"
body = "Bonjour {author}, voici nos heures : {link}"
source_url = "https://ville.example/heures"
categories = ["question", "rumour", "complaint", "praise", "spam", "other"]
pre_approved = true
"""


async def test_insert_a_suggested_answer_and_send_it(env: DeskEnv) -> None:
    target = env.ids["en1"]
    language = env.desk.queries.detail(target).language or "en"
    path = env.path / "answers.toml"
    path.write_text(LIBRARY.replace("{lang}", language), encoding="utf-8")
    env.desk.answers.import_file(path)
    author = env.desk.queries.detail(target).author_handle
    app = DeskApp(env.desk)
    async with app.run_test(size=(150, 40)) as pilot:
        composer = await open_composer(pilot, env, "en1")
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        assert "Heures d'ouverture [bold]x[/bold] (v1) — pré-approuvée" in "\n".join(
            screen_lines(app)
        )
        await pilot.press("enter")
        await settle(pilot)
        assert composer.body == f"Bonjour {author}, voici nos heures : https://ville.example/heures"
        await pilot.press("ctrl+s")
        await settle(pilot, 8)
        assert "envoyée" in notes(app)
    (reply,) = env.desk.queries.detail(target).replies
    assert reply.text.startswith(f"Bonjour {author}, voici nos heures")
    assert reply.status == "sent_offline"
