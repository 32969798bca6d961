"""DeskFooter: the same keys keep the same key widgets; changed keys are drawn anew."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import Static

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


def keys(app: App[None]) -> list[Any]:
    """The footer's key widgets (Textual's FooterKey, found by its CSS type name: the module
    that defines it is private)."""
    return list(app.screen.query("FooterKey"))


async def until(pilot: Pilot[None], condition: Callable[[], bool]) -> None:
    """Pause until ``condition`` holds (the footer rebuilds its keys when the bindings signal
    reaches it, a few message rounds later), at most a second."""
    for _ in range(100):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("the footer never showed the keys expected")


async def test_footer_keeps_its_keys_until_they_change() -> None:
    app = FooterApp()
    async with app.run_test(size=(80, 10)) as pilot:
        await until(pilot, lambda: bool(keys(app)))
        before = keys(app)
        assert [k.description for k in before] == ["Retirer", "Quitter"]
        app.refresh_bindings()  # the same keys: nothing rebuilt
        await pilot.pause(0.2)  # time enough to rebuild, as the change below shows
        assert keys(app) == before
        assert all(k.is_attached for k in before)
        app.offered = False  # w is no longer offered: the footer is drawn again without it
        app.refresh_bindings()
        await until(pilot, lambda: [k.description for k in keys(app)] == ["Quitter"])
        assert not any(k.is_attached for k in before)


def test_keys_as_shown_follow_from_the_bindings_alone() -> None:
    """The footer compares ``key`` and ``key_display`` rather than asking the app how each key
    shows: true as long as desk's app shows keys as Textual does."""
    from desk.tui.app import DeskApp

    assert DeskApp.get_key_display is App.get_key_display
