"""DatePrompt: a modal asking for one day, typed ``YYYY-MM-DD`` (e.g. an audit filter's bound).

Dismisses with the day as typed and checked (``""`` when emptied: no bound), or ``None`` on
Escape (keep what was there). A malformed day is said under the field and the prompt stays.
"""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from desk.errors import DeskError
from desk.queries import parse_day
from desk.tui import stylesheets
from desk.tui.labels import translate_bindings
from desk.tui.safe import safe


class DatePrompt(ModalScreen[str | None]):
    """Ask for a day under a title; ``value`` fills the field."""

    CSS_PATH = stylesheets.SCREENS  # read when first shown (desk.tui.stylesheets)

    BINDINGS = [Binding("escape", "cancel", "tui.keys.cancel")]

    def __init__(self, title: str, value: date | None = None) -> None:
        super().__init__()
        self._title = title
        self._value = value

    def compose(self) -> ComposeResult:
        """A title, the field (digits and dashes only), a line for a mistake."""
        with Vertical(id="date-prompt", classes="dialog"):
            yield Label(Content(self._title), classes="dialog-title")
            yield Input(
                value="" if self._value is None else self._value.isoformat(),
                placeholder="2026-11-21",
                restrict=r"[0-9-]*",
                max_length=10,
            )
            yield Label(id="date-prompt-error", classes="dialog-error")

    def on_mount(self) -> None:
        """Focus the field."""
        translate_bindings(self, self.app.catalog)  # type: ignore[attr-defined]
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: the day (or empty); a malformed one is refused in place."""
        event.stop()
        try:
            day = parse_day(event.value)
        except DeskError as exc:
            message, hint = exc.localized(self.app.catalog.t)  # type: ignore[attr-defined]
            text = message + (f" — {hint}" if hint else "")
            self.query_one("#date-prompt-error", Label).update(safe(text, one_line=True))
            return
        self.dismiss("" if day is None else day.isoformat())

    def action_cancel(self) -> None:
        """Escape: keep the current bound."""
        self.dismiss(None)
