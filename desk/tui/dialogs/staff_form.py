"""StaffForm: a small modal form (a new person, a passphrase typed twice).

One row per field: a label and an input (masked for passphrases) or a choice list. Enter moves to
the next field, ctrl+s dismisses with the values by field key, Escape with ``None``. Checking the
values is the service's job (desk.staff); the screen reopens the form with them when refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select

from desk.tui import stylesheets
from desk.tui.labels import translate_bindings


@dataclass(frozen=True)
class FormField:
    """One field: ``choices`` (value, label) makes it a choice list, ``password`` masks it."""

    key: str
    label: str
    value: str = ""
    password: bool = False
    choices: tuple[tuple[str, str], ...] = ()


class StaffForm(ModalScreen[dict[str, str] | None]):
    """Ask for ``fields`` under a title; ctrl+s gives ``{key: value}``."""

    CSS_PATH = stylesheets.SCREENS  # read when first shown (desk.tui.stylesheets)

    BINDINGS = [
        Binding("escape", "cancel", "tui.keys.cancel"),
        Binding("ctrl+s", "confirm", "tui.keys.confirm", priority=True),
    ]

    def __init__(self, title: str, fields: list[FormField], keys: str) -> None:
        super().__init__()
        self._title = title
        self._fields = fields
        self._keys = keys

    def compose(self) -> ComposeResult:
        """The title, a row per field, the keys."""
        with Vertical(id="staff-form", classes="dialog"):
            yield Label(Content(self._title), classes="dialog-title")
            for spec in self._fields:
                with Horizontal(classes="form-row"):
                    yield Label(Content(spec.label), classes="form-label")
                    if spec.choices:
                        yield Select(
                            [(Content(label), value) for value, label in spec.choices],
                            value=spec.value or spec.choices[0][0],
                            allow_blank=False,
                            compact=True,
                            id=f"field-{spec.key}",
                        )
                    else:
                        yield Input(
                            spec.value, password=spec.password, compact=True, id=f"field-{spec.key}"
                        )
            yield Label(Content(self._keys), classes="form-keys")

    def on_mount(self) -> None:
        """Focus the first field."""
        translate_bindings(self, self.app.catalog)  # type: ignore[attr-defined]
        self.query_one(f"#field-{self._fields[0].key}").focus()

    def values(self) -> dict[str, str]:
        """What is in the fields now."""
        out = {}
        for spec in self._fields:
            widget = self.query_one(f"#field-{spec.key}")
            value = widget.value if isinstance(widget, Input | Select) else ""
            out[spec.key] = "" if value is Select.NULL else str(value)
        return out

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: the next field (ctrl+s saves)."""
        event.stop()
        self.focus_next()

    def action_confirm(self) -> None:
        """ctrl+s: the values."""
        self.dismiss(self.values())

    def action_cancel(self) -> None:
        """Escape: nothing."""
        self.dismiss(None)
