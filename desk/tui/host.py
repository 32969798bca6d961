"""What screens and dialogs may use of the running app, as a protocol DeskApp satisfies.

Screens and dialogs are typed against ``DeskHost`` instead of importing DeskApp: the app imports
the screens (through desk.tui.navigation), so nothing under it imports the app back.
"""

from __future__ import annotations

import threading
from typing import Protocol

from textual.signal import Signal

from desk.bootstrap import Desk
from desk.i18n import Catalog
from desk.tui.crisis import CrisisWatch
from desk.tui.live import LiveSide
from desk.views import QueueRow


class DeskHost(Protocol):
    """The state every screen shares, held by the app (desk.tui.app.DeskApp)."""

    desk: Desk
    catalog: Catalog
    language_changed: Signal[Catalog]
    inbox_changed: Signal[int | None]
    drafts: dict[int, str]  # unsent replies by mention id, kept while moving between screens
    write_lock: threading.Lock  # actions from this app run one at a time, in order
    live: LiveSide
    crisis: CrisisWatch  # the crisis declared and the surges going on (the banner)
    first_page: list[QueueRow] | None  # the home view's rows read before start, taken once

    def show_error(self, message: str, hint: str | None = None, *, timeout: float = 8) -> None:
        """A service's refusal in a notification: sanitised, never parsed as markup."""
        ...
