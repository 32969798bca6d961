"""Composer: the reply text area, its live length counter, and the send key.

The composer only posts intent: ``DraftChanged`` on every edit (the screen answers with
``show_preview`` using ``desk.replies.preview``) and ``ReplySubmitted`` on ctrl+s. It makes one
idempotency key when it opens and keeps it until a send succeeds, so pressing send twice (or
retrying after a refusal) can never post the same reply twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Static, TextArea

from desk.i18n import Catalog
from desk.replies.compose import ComposedReply
from desk.tui.safe import safe_str


class Composer(Vertical):
    """A TextArea with a signature/length line under it."""

    BINDINGS = [Binding("ctrl+s", "send", "tui.keys.send", priority=True)]

    @dataclass
    class DraftChanged(Message):
        """The text changed."""

        composer: Composer
        body: str

    @dataclass
    class ReplySubmitted(Message):
        """Send was pressed with this body and key."""

        composer: Composer
        body: str
        idempotency_key: str

    def __init__(self, catalog: Catalog, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.catalog = catalog
        self.idempotency_key = str(uuid.uuid4())
        self.sending = False
        self.enabled = True
        self._last_preview: ComposedReply | None = None

    def compose(self) -> ComposeResult:
        """The text area and the counter line."""
        yield TextArea(
            id="composer-text", soft_wrap=True, show_line_numbers=False, tab_behavior="focus"
        )
        yield Static(id="composer-counter")

    @property
    def text_area(self) -> TextArea:
        """The editing widget."""
        return self.query_one("#composer-text", TextArea)

    @property
    def body(self) -> str:
        """What has been typed."""
        return self.text_area.text

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        """Ask the screen to measure the new text."""
        event.stop()
        self.post_message(self.DraftChanged(self, self.text_area.text))

    def action_send(self) -> None:
        """ctrl+s: submit once; further presses wait until the first send is answered."""
        if not self.enabled or self.sending:
            return
        self.sending = True
        self.add_class("-sending")
        self.post_message(self.ReplySubmitted(self, self.text_area.text, self.idempotency_key))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the send key when there is no reply channel."""
        if action == "send":
            return self.enabled
        return True

    # -- told by the screen --------------------------------------------------------------
    def show_preview(self, composed: ComposedReply) -> None:
        """Show the signature to be appended and the length left (red when over the limit)."""
        self._last_preview = composed
        self._render_counter()

    def set_catalog(self, catalog: Catalog) -> None:
        """Relabel in another language."""
        self.catalog = catalog
        self._render_counter()

    def disable(self) -> None:
        """No reply channel (news, RSS): the text area is read-only and greyed out."""
        self.enabled = False
        self.text_area.disabled = True
        self.text_area.display = False  # nothing to type: give the room to the mention
        self._render_counter()

    def reset(self, text: str = "") -> None:
        """Ready for another mention (the detail screen is reused): holding ``text`` (its
        draft), enabled, a new key, no counter."""
        self.sending = False
        self.remove_class("-sending")
        self.idempotency_key = str(uuid.uuid4())
        self.enabled = True
        area = self.text_area
        area.disabled = False
        area.display = True
        area.text = text
        self._last_preview = None
        self._render_counter()

    def sent(self) -> None:
        """The reply went out: empty the text and take a new key for the next reply."""
        self.sending = False
        self.remove_class("-sending")
        self.idempotency_key = str(uuid.uuid4())
        self.text_area.text = ""

    def failed(self, *, new_key: bool = False) -> None:
        """The send was refused: keep the text, allow another try.

        The key is kept after a refusal (nothing was stored under it); ``new_key`` is for a
        delivery that failed after being recorded, so a deliberate retry is a new reply.
        """
        self.sending = False
        if new_key:
            self.idempotency_key = str(uuid.uuid4())
        self.remove_class("-sending")

    def _render_counter(self) -> None:
        counter = self.query_one("#composer-counter", Static)
        t = self.catalog.t
        if not self.enabled:
            counter.update(Content(t("tui.composer.no_channel")))
            counter.set_class(False, "-over")
            return
        composed = self._last_preview
        if composed is None:
            counter.update(Content(""))
            return
        signature = safe_str(composed.signature, one_line=True, max_len=40)
        if composed.remaining is None:
            text = t("tui.composer.no_limit", signature=signature)
        elif composed.remaining < 0:
            text = t(
                "tui.composer.over",
                signature=signature,
                over=-composed.remaining,
                limit=composed.limit,
            )
        else:
            text = t(
                "tui.composer.left",
                signature=signature,
                remaining=composed.remaining,
                limit=composed.limit,
            )
        counter.update(Content(text + "   " + t("tui.composer.hint")))
        counter.set_class(composed.remaining is not None and composed.remaining < 0, "-over")
        counter.set_class(composed.remaining is not None and 0 <= composed.remaining < 20, "-near")
