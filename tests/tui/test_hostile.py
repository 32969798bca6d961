"""Hostile mentions: markup, actions, links, terminal escapes and bidi overrides stay inert text."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.content import Content
from textual.style import Style
from textual.widgets import Static

from desk.tui.app import DeskApp
from desk.tui.safe import safe, safe_str, safe_text
from desk.tui.screens.detail import DetailScreen
from desk.tui.screens.queue import QueueScreen
from tests.helpers.tui import (
    HOSTILE_NAME,
    HOSTILE_TEXTS,
    DeskEnv,
    controls_on_screen,
    goto,
    links_on_screen,
    screen_lines,
    settle,
)

BAD = ("\x1b", "\u202e", "\x07", "\x9b")


@pytest.mark.parametrize(
    "text", [*HOSTILE_TEXTS.values(), HOSTILE_NAME, "[$accent]x", "[ bold]y", "\x9b31m"]
)
def test_safe_is_literal_and_clean(text: str) -> None:
    content = safe(text)
    assert isinstance(content, Content)
    assert not content.spans
    assert not any(ch in content.plain for ch in BAD)
    assert not any(ch in safe_text(text).plain for ch in BAD)
    assert not safe_text(text).spans
    assert "\n" not in safe_str("a\nb\r\nc\u2028d", one_line=True)
    assert len(safe("x" * 50, max_len=10).plain) == 10


def assert_clean(app: DeskApp) -> str:
    """No control or bidi character in any cell of a full repaint (so no OSC 52, CSI 2J, bidi
    override reaches the terminal), and no text became a hyperlink (OSC 8)."""
    text = "\n".join(screen_lines(app))
    assert not any(ch in text for ch in BAD), [ch for ch in BAD if ch in text]
    assert controls_on_screen(app) == []
    assert links_on_screen(app) == set()
    return text


async def test_hostile_items_in_queue_and_detail(
    env: DeskEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = DeskApp(env.desk)
    exits: list[object] = []
    async with app.run_test(size=(160, 45)) as pilot:
        monkeypatch.setattr(app, "exit", lambda *a, **k: exits.append(a))
        await settle(pilot)
        text = assert_clean(app)
        assert "[bold]x[/" in text
        assert "[@click=app.quit()]clic[/]" in text
        assert "[link=http://evil]x[/link]" in text

        for key in [*HOSTILE_TEXTS, "h-name"]:
            await goto(pilot, env.desk, env.ids[key])
            assert_clean(app)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, DetailScreen)
            assert app.screen.detail is not None
            text = assert_clean(app)
            if key == "h-markup":
                assert "[bold]x[/" in text
            if key == "h-name":
                assert "[red]boss[/red]␛[31m" in text
            if key == "h-click":
                lines = screen_lines(app)
                y = next(i for i, line in enumerate(lines) if "[@click=app.quit()]clic" in line)
                x = lines[y].index("[@click") + 3
                await pilot.click(offset=(x, y))
                await pilot.click(offset=(x, y), times=2)
                await settle(pilot)
            if key == "h-long":
                assert len(app.screen.detail.text) == 12_000
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, QueueScreen)
        assert app.is_running
        assert exits == []  # the [@click=app.quit()] text never quit the app
        monkeypatch.undo()


async def test_hostile_error_message_is_not_markup(env: DeskEnv) -> None:
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        app.show_error("[bold]x[/ \x1b]52;c;SGVsbG8=\x07", "[@click=app.quit()]y[/]")
        await settle(pilot)
        assert app.is_running
        text = assert_clean(app)
        assert "[bold]x[/" in text


class _Unsafe(App[None]):
    """What a mistake would look like: raw escapes and a link put on the screen unsanitised."""

    def compose(self) -> ComposeResult:
        yield Static(Content("a \x1b]52;c;SGVsbG8=\x07 b \x9b2J c \u202eevil"))
        yield Static(Content("lien").stylize(Style(link="http://evil")))


async def test_the_screen_checks_see_what_they_look_for() -> None:
    """controls_on_screen and links_on_screen are not vacuous: unsanitised text is caught."""
    app = _Unsafe()
    async with app.run_test(size=(40, 4)):
        assert {"\x1b", "\x9b", "\u202e"} <= set(controls_on_screen(app))
        assert links_on_screen(app) == {"http://evil"}
