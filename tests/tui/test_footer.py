"""DeskFooter: the same keys keep the same key widgets; changed keys are drawn anew."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from desk.tui.widgets.footer import DeskFooter


class FooterApp(App[None]):
    """One shown key (``w``) that the app can hide, and a footer."""

    BINDINGS = [Binding("w", "withdraw", "Retirer"), Binding("q", "quit", "Quitter")]

    def __init__(self) -> None:
        super().__init__()
        self.offered = True

    def compose(self) -> ComposeResult:
        yield Static("x")
        yield DeskFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.offered if action == "withdraw" else True

    def action_withdraw(self) -> None:
        """Nothing: only its key matters here."""


def keys(app: App[None]) -> list[FooterKey]:
    return list(app.screen.query(FooterKey))


async def test_footer_keeps_its_keys_until_they_change() -> None:
    app = FooterApp()
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        before = keys(app)
        assert [k.description for k in before] == ["Retirer", "Quitter"]
        app.refresh_bindings()  # the same keys: nothing rebuilt
        await pilot.pause()
        await pilot.pause()
        assert keys(app) == before
        assert all(k.is_attached for k in before)
        app.offered = False  # w is no longer offered: the footer is drawn again without it
        app.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert [k.description for k in keys(app)] == ["Quitter"]
        assert not any(k.is_attached for k in before)


def test_keys_as_shown_follow_from_the_bindings_alone() -> None:
    """The footer compares ``key`` and ``key_display`` rather than asking the app how each key
    shows: true as long as desk's app shows keys as Textual does."""
    from desk.tui.app import DeskApp

    assert DeskApp.get_key_display is App.get_key_display
