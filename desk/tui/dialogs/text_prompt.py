"""TextPrompt: a modal asking for a few lines of text (a rejection note, an edited reply).

ctrl+s confirms with the text, Escape cancels with ``None``. The text is the person's own input;
it is shown back only through the TextArea, never as markup.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea

from desk.tui.labels import translate_bindings


class TextPrompt(ModalScreen[str | None]):
    """Ask for text under a title; ``initial`` fills the field."""

    BINDINGS = [
        Binding("escape", "cancel", "tui.keys.cancel"),
        Binding("ctrl+s", "confirm", "tui.keys.confirm", priority=True),
    ]

    def __init__(self, title: str, initial: str = "") -> None:
        super().__init__()
        self._title = title
        self._initial = initial

    def compose(self) -> ComposeResult:
        """A title over a text area."""
        with Vertical(id="text-prompt", classes="dialog"):
            yield Label(Content(self._title), classes="dialog-title")
            yield TextArea(self._initial, id="text-prompt-area", soft_wrap=True)

    def on_mount(self) -> None:
        """Focus the field."""
        translate_bindings(self, self.app.catalog)  # type: ignore[attr-defined]
        self.query_one(TextArea).focus()

    def action_confirm(self) -> None:
        """ctrl+s: the text."""
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        """Escape: nothing."""
        self.dismiss(None)
