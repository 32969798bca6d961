"""LinePrompt: a modal asking for one line (the queue's filter, a tag), checked before it closes.

Enter runs ``check`` on the line (pure and quick, e.g. ``desk.search.parse``): when it raises,
what is wrong is said under the field in the interface's words (desk.tui.failures) and the
dialog stays open with the line as typed; otherwise the dialog closes with the line. Escape
closes with ``None`` (nothing changes). A ``hint`` line may say what can be typed.

The line is the person's own input; it is shown back only through the Input, never as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from desk.tui import stylesheets
from desk.tui.failures import explain
from desk.tui.host import DeskHost
from desk.tui.labels import translate_bindings
from desk.tui.safe import safe_str

Check = Callable[[str], object]
"""Raises when the line cannot be used (an InputError saying which part and why)."""


class LinePrompt(ModalScreen[str | None]):
    """Ask for one line under a title; dismissed with the line (once ``check`` accepted it)
    or ``None``."""

    CSS_PATH = stylesheets.SCREENS  # read when first shown (desk.tui.stylesheets)

    BINDINGS = [Binding("escape", "cancel", "tui.keys.cancel")]
    DEFAULT_CSS = """
    LinePrompt #line-prompt-hint { width: 100%; color: $text-muted; }
    """

    def __init__(
        self,
        title: str,
        initial: str = "",
        *,
        check: Check | None = None,
        hint: str = "",
        max_length: int = 1000,
    ) -> None:
        super().__init__()
        self._title = title
        self._initial = initial
        self._check = check
        self._hint = hint
        self._max_length = max_length

    @property
    def host(self) -> DeskHost:
        """The running app, as far as dialogs may use it."""
        return cast("DeskHost", self.app)

    def compose(self) -> ComposeResult:
        """A title, the field, what may be typed, and a line for what is wrong."""
        with Vertical(id="line-prompt", classes="dialog"):
            yield Label(Content(self._title), classes="dialog-title")
            yield Input(self._initial, id="line-prompt-input", max_length=self._max_length)
            if self._hint:
                yield Label(Content(self._hint), id="line-prompt-hint")
            yield Label(id="line-prompt-error", classes="dialog-error")

    def on_mount(self) -> None:
        """Focus the field, the cursor after what is already there."""
        translate_bindings(self, self.host.catalog)
        field = self.query_one(Input)
        field.focus()
        field.cursor_position = len(field.value)

    def say(self, message: str, hint: str | None = None) -> None:
        """Show what is wrong under the field (sanitised, never markup); the field keeps focus."""
        text = safe_str(message, max_len=600)
        if hint:
            text += "\n" + safe_str(hint, max_len=300)
        self.query_one("#line-prompt-error", Label).update(Content(text))
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: the line, if ``check`` takes it; else why not, the dialog still open."""
        event.stop()
        line = event.value.strip()
        if self._check is not None and line:
            try:
                self._check(line)
            except Exception as exc:  # noqa: BLE001 - every refusal is said in the dialog
                self.say(*explain(exc, self.host.catalog))
                return
        self.dismiss(line)

    def action_cancel(self) -> None:
        """Escape: nothing changes."""
        self.dismiss(None)
