"""The reply composer: live counter with the signature, send once, refusals keep the text."""

from __future__ import annotations

from textual.widgets import Static

from desk.tui.app import DeskApp
from desk.tui.dialogs.picker import PickerScreen
from desk.tui.screens.detail import DetailScreen
from desk.tui.widgets.composer import Composer
from tests.helpers.tui import DeskEnv, goto, notifications, open_composer, screen_lines, settle


def counter(composer: Composer) -> str:
    return str(composer.query_one("#composer-counter", Static).render())


async def test_counter_send_and_stored_reply(env: DeskEnv) -> None:
    target = env.ids["en1"]
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        composer = await open_composer(pilot, env, "en1")
        await pilot.press(*"Merci")
        await settle(pilot)
        assert composer.body == "Merci"
        body = "Merci, la piscine ouvre le 20 juin."
        composer.text_area.text = body
        await settle(pilot)
        remaining = 500 - len(body + "\n—AB")
        assert "—AB" in counter(composer)
        assert f"il reste {remaining} sur 500" in counter(composer)

        await pilot.press("ctrl+s")
        await settle(pilot)
        replies = env.desk.queries.detail(target).replies
        assert len(replies) == 1
        assert replies[0].text == body + "\n—AB"
        assert replies[0].status == "sent_offline"
        assert replies[0].author == "amelie"
        assert composer.body == ""  # cleared after the send
        assert env.desk.queries.detail(target).status == "closed"
        assert "envoyée hors ligne" in "\n".join(screen_lines(app))  # replies section re-read


async def test_over_long_reply_is_refused_and_kept(env: DeskEnv) -> None:
    target = env.ids["fr1"]
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        composer = await open_composer(pilot, env, "fr1")
        body = "a" * 497  # 497 + "\n—AB" = 501 > 500
        composer.text_area.text = body
        await settle(pilot)
        assert "1 de trop" in counter(composer)
        assert composer.query_one("#composer-counter").has_class("-over")

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert env.desk.queries.detail(target).replies == []
        assert composer.body == body
        assert sum("la limite de 500 de mastodon" in n.message for n in notifications(app)) == 1

        composer.text_area.text = "   "
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert env.desk.queries.detail(target).replies == []
        assert any("la réponse est vide" in n.message for n in notifications(app))


async def test_send_twice_stores_one_reply(env: DeskEnv) -> None:
    target = env.ids["fr1"]
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        composer = await open_composer(pilot, env, "fr1")
        composer.text_area.text = "Bonjour, la collecte reprend lundi."
        await settle(pilot)
        key = composer.idempotency_key
        await pilot.press("ctrl+s", "ctrl+s")
        composer.sending = False  # even if the guard were bypassed, the key makes it a no-op
        composer.post_message(
            Composer.ReplySubmitted(composer, "Bonjour, la collecte reprend lundi.", key)
        )
        await settle(pilot)
        replies = env.desk.queries.detail(target).replies
        assert len(replies) == 1
        assert len(env.desk.queries.replies()) == 1
        assert composer.idempotency_key != key  # a new reply gets a new key


async def test_news_items_have_no_reply_channel(env: DeskEnv) -> None:
    target = env.ids["news1"]
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await goto(pilot, env.desk, target)
        await pilot.press("enter")
        await settle(pilot)
        composer = app.screen.query_one(Composer)
        assert not composer.enabled
        assert composer.text_area.disabled
        assert "Aucun canal de réponse pour les nouvelles" in counter(composer)
        text = "\n".join(screen_lines(app))
        assert "Fermeture du pont" in text
        assert "https://journal.example/pont" in text
        await pilot.press("r", "ctrl+s")
        await settle(pilot)
        assert env.desk.queries.detail(target).replies == []


async def test_draft_survives_leaving_the_mention(env: DeskEnv) -> None:
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_composer(pilot, env, "fr1")
        await pilot.press(*"Brouillon")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)  # unsent text: asked first
        await pilot.press("up", "enter")  # leave (the draft is kept)
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert app.screen.query_one(Composer).body == "Brouillon"


async def test_typing_in_the_composer_never_triggers_action_keys(env: DeskEnv) -> None:
    target = env.ids["fr1"]
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        composer = await open_composer(pilot, env, "fr1")
        await pilot.press(*"axsmLqRAh?")
        await settle(pilot)
        assert composer.body == "axsmLqRAh?"
        assert isinstance(app.screen, DetailScreen)
        assert app.is_running
        assert app.catalog.language == "fr"
        detail = env.desk.queries.detail(target)
        assert (detail.status, detail.assignee, detail.category) == ("open", "bruno", "question")
