"""PickerScreen: a small modal list to choose one value (a staff member, a category...).

Dismisses with the chosen value, or ``None`` on Escape. Labels go through ``safe`` because staff
names come from desk.toml and categories may one day come from data.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from desk.tui import stylesheets
from desk.tui.labels import translate_bindings
from desk.tui.safe import safe


class PickerScreen(ModalScreen[str | None]):
    """Choose one of ``options`` (value, label) under a title."""

    CSS_PATH = stylesheets.SCREENS  # read when first shown (desk.tui.stylesheets)

    BINDINGS = [Binding("escape", "cancel", "tui.keys.cancel")]

    def __init__(
        self, title: str, options: list[tuple[str, str]], *, current: str | None = None
    ) -> None:
        super().__init__()
        self._title = title
        self._options = options
        self._current = current

    def compose(self) -> ComposeResult:
        """A title over the list of choices."""
        with Vertical(id="picker", classes="dialog"):
            yield Label(Content(self._title), classes="dialog-title")
            yield OptionList(
                *(
                    Option(safe(label, one_line=True, max_len=80), id=value)
                    for value, label in self._options
                )
            )

    def on_mount(self) -> None:
        """Start on the current value, if any."""
        translate_bindings(self, self.app.catalog)  # type: ignore[attr-defined]
        options = self.query_one(OptionList)
        values = [value for value, _ in self._options]
        options.highlighted = values.index(self._current) if self._current in values else 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a choice."""
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Escape: choose nothing."""
        self.dismiss(None)
