"""NumberPrompt: a modal asking for a whole number (e.g. a mention id to filter by)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from desk.tui import stylesheets
from desk.tui.labels import translate_bindings


class NumberPrompt(ModalScreen[int | None]):
    """Ask for a number; Enter with an empty field dismisses with ``None`` (no filter)."""

    CSS_PATH = stylesheets.SCREENS  # read when first shown (desk.tui.stylesheets)

    BINDINGS = [Binding("escape", "cancel", "tui.keys.cancel")]

    def __init__(self, title: str, value: int | None = None) -> None:
        super().__init__()
        self._title = title
        self._value = value

    def compose(self) -> ComposeResult:
        """A title over a digits-only input."""
        with Vertical(id="prompt", classes="dialog"):
            yield Label(Content(self._title), classes="dialog-title")
            yield Input(
                value="" if self._value is None else str(self._value), type="integer", max_length=12
            )

    def on_mount(self) -> None:
        """Focus the field."""
        translate_bindings(self, self.app.catalog)  # type: ignore[attr-defined]
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: the number, or None when empty."""
        event.stop()
        text = event.value.strip()
        self.dismiss(int(text) if text.lstrip("-").isdigit() else None)

    def action_cancel(self) -> None:
        """Escape: keep the current filter."""
        self.dismiss(self._value)
