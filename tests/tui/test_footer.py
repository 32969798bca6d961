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
