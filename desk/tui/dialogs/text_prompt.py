"""TextPrompt: a modal asking for a few lines of text (a rejection note, an edited reply).

ctrl+s confirms, Escape cancels with ``None``. The dialog stays open until the text is right:

- ``missing`` is said in the dialog when ctrl+s finds the field blank (a refusal without a note,
  an empty correction); without it, blank text is an answer (a search for everything);
- ``submit`` is what the text is for (approve, reject): it runs in a worker under the app's
  write lock, and the dialog closes only once it succeeded. A refusal or a failure (a locked
  database) is said in the dialog, in the interface's words (desk.tui.failures), with the text
  kept, so what the person types next still goes into the dialog — never to the screen below.

The text is the person's own input; it is shown back only through the TextArea, never as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea

from desk.tui import stylesheets
from desk.tui.failures import explain
from desk.tui.host import DeskHost
from desk.tui.labels import translate_bindings
from desk.tui.safe import safe_str

Submit = Callable[[str], object]
"""The action the text is for, called from a worker thread; it raises to refuse."""


class TextPrompt(ModalScreen[str | None]):
    """Ask for text under a title; ``initial`` fills the field. Dismissed with the text (after
    ``submit`` succeeded, if given) or ``None``."""

    CSS_PATH = stylesheets.SCREENS  # read when first shown (desk.tui.stylesheets)

    BINDINGS = [
        Binding("escape", "cancel", "tui.keys.cancel"),
        Binding("ctrl+s", "confirm", "tui.keys.confirm", priority=True),
    ]

    def __init__(
        self,
        title: str,
        initial: str = "",
        *,
        missing: str | None = None,
        submit: Submit | None = None,
    ) -> None:
        super().__init__()
        self._title = title
        self._initial = initial
        self._missing = missing
        self._submit = submit
        self.busy = False  # ``submit`` is running: ctrl+s and Escape wait for its answer

    @property
    def host(self) -> DeskHost:
        """The running app, as far as dialogs may use it."""
        return cast("DeskHost", self.app)

    def compose(self) -> ComposeResult:
        """A title over a text area, and a line for what is wrong."""
        with Vertical(id="text-prompt", classes="dialog"):
            yield Label(Content(self._title), classes="dialog-title")
            yield TextArea(self._initial, id="text-prompt-area", soft_wrap=True)
            yield Label(id="text-prompt-error", classes="dialog-error")

    def on_mount(self) -> None:
        """Focus the field."""
        translate_bindings(self, self.host.catalog)
        self.query_one(TextArea).focus()

    @property
    def text(self) -> str:
        """What is in the field now."""
        return self.query_one(TextArea).text

    def say(self, message: str, hint: str | None = None, *, error: bool = True) -> None:
        """Show what is wrong under the field (sanitised, never markup); the field keeps focus."""
        text = safe_str(message, max_len=600)
        if hint:
            text += "\n" + safe_str(hint, max_len=300)
        line = self.query_one("#text-prompt-error", Label)
        line.update(Content(text))
        line.set_class(not error, "-busy")
        self.query_one(TextArea).focus()

    def action_confirm(self) -> None:
        """ctrl+s: the text — unless it is missing, or while the action still runs."""
        if self.busy:
            return
        text = self.text
        if self._missing is not None and not text.strip():
            self.say(self._missing)
            return
        if self._submit is None:
            self.dismiss(text)
            return
        self.busy = True
        self.say(self.host.catalog.t("tui.msg.working"), error=False)
        self._run(self._submit, text)

    @work(thread=True, exclusive=True, group="text-prompt")
    def _run(self, submit: Submit, text: str) -> None:
        host = self.host
        try:
            with host.write_lock:
                submit(text)
        except Exception as exc:  # noqa: BLE001 - every failure is said in the dialog, text kept
            self.app.call_from_thread(self._refused, *explain(exc, host.catalog))
            return
        self.app.call_from_thread(self.dismiss, text)

    def _refused(self, message: str, hint: str | None) -> None:
        self.busy = False
        self.say(message, hint)

    def action_cancel(self) -> None:
        """Escape: nothing (once a running action has answered)."""
        if not self.busy:
            self.dismiss(None)
