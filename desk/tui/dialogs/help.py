"""HelpScreen: a screen's help on a small terminal — its text and every key, in one scroll.

Textual's help panel (``?`` on a wide terminal) shows the focused widget's ``HELP`` over the
screen's keys in a narrow column; at 80×24 both are cut (the filter patterns after three lines,
the keys after fifteen) and neither scrolls from the keyboard. On a terminal smaller than
``SMALL`` the app shows this screen instead: the same text, then every key with its
description (those the footer leaves out too), scrolled with the arrows and page keys; Escape,
``?`` or F1 closes it. The text comes from the catalogs (Markdown); keys and descriptions are
shown as plain text.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Markdown, Static

from desk.tui import stylesheets
from desk.tui.labels import translate_bindings

SMALL = (120, 35)
"""Below this many columns or rows, ``?`` shows HelpScreen rather than Textual's panel."""


class HelpScreen(ModalScreen[None]):
    """``text`` (Markdown, may be empty) over ``keys`` (key as shown, description)."""

    CSS_PATH = stylesheets.SCREENS  # read when first shown (desk.tui.stylesheets)

    BINDINGS = [Binding("escape,question_mark,f1", "close", "tui.keys.back")]

    def __init__(self, title: str, text: str, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self._title = title
        self._text = text
        self._keys = keys

    def compose(self) -> ComposeResult:
        """The title, the text, the keys, in one scrolled column."""
        width = max((len(key) for key, _ in self._keys), default=0)
        lines = "\n".join(f"{key:>{width}}  {description}" for key, description in self._keys)
        with VerticalScroll(id="help-scroll"):
            yield Label(Content(self._title), classes="dialog-title")
            if self._text:
                yield Markdown(self._text)
            yield Static(Content(lines), id="help-keys")

    def on_mount(self) -> None:
        """Keys in the interface language; the arrows and page keys scroll at once."""
        translate_bindings(self, self.app.catalog)  # type: ignore[attr-defined]
        self.query_one(VerticalScroll).focus()

    def action_close(self) -> None:
        """Back to the screen."""
        self.dismiss(None)
