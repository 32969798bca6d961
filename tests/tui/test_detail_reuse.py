"""One detail screen serves every mention opened (desk.tui.navigation): nothing of the mention
shown before stays on it — text, sections, composer state, idempotency key — and each mention's
own draft comes back with it."""

from __future__ import annotations

from desk.tui.app import DeskApp
from desk.tui.messages import OpenDetail
from desk.tui.screens.detail import DetailScreen
from desk.tui.widgets.composer import Composer
from tests.helpers.tui import DeskEnv, goto, open_composer, screen_lines, settle


async def test_the_detail_screen_is_reused_and_shows_only_the_new_mention(env: DeskEnv) -> None:
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert app._detail is not None  # mounted, kept aside, once the queue was drawn
        kept = app._detail
        composer = await open_composer(pilot, env, "en1")
        assert app.screen is kept
        first_key = composer.idempotency_key
        await pilot.press(*"Brouillon")
        await pilot.press("escape")  # a draft: asked first; "leave" is the first choice
        await settle(pilot)
        await pilot.press("up", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, DetailScreen)

        await goto(pilot, env.desk, env.ids["news1"])  # news: no reply channel
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is kept
        assert kept.detail is not None
        assert kept.detail.id == env.ids["news1"]
        shown = "\n".join(screen_lines(app))
        assert "pont Champlain" in shown
        assert "outdoor pool" not in shown
        assert not kept.query_one(Composer).enabled
        await pilot.press("escape")
        await settle(pilot)

        composer = await open_composer(pilot, env, "fr1")  # enabled again, empty, a new key
        assert app.screen is kept
        assert kept.detail is not None
        assert kept.detail.id == env.ids["fr1"]
        assert composer.enabled
        assert composer.body == ""
        assert composer.idempotency_key != first_key
        shown = "\n".join(screen_lines(app))
        assert "collecte des ordures" in shown
        assert "pont Champlain" not in shown
        await pilot.press("escape", "escape")
        await settle(pilot)

        await open_composer(pilot, env, "en1")  # its draft is back
        assert app.screen is kept
        assert kept.query_one(Composer).body == "Brouillon"

        # another mention asked for over this one (as from the reply history): a screen of its own
        app.post_message(OpenDetail(env.ids["fr1"]))
        await settle(pilot)
        second = app.screen
        assert isinstance(second, DetailScreen)
        assert second is not kept
        assert second.detail is not None
        assert second.detail.id == env.ids["fr1"]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is kept
