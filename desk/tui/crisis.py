"""The crisis as every screen sees it: whether one is declared, and the surges going on.

``CrisisWatch`` belongs to the app (like desk.tui.live's LiveSide). It reads
``desk.crisis_state.status`` in a thread whenever the database changes (desk.db.changes, heard
through the app's ``inbox_changed``): another desk's ``desk crisis start`` shows here within the
change signal's delay. The declaration is one primary-key read; the surges (a few days of
mentions' times and tags: ~0.5 s for 14,000 mentions, benchmarks/bench_crisis_state.py) are
counted ``FIRST_SURGES_SECONDS`` after start (the queue paints first), then at most every
``SURGE_SECONDS``, and on a timer so that a surge that ends drops off a quiet desk. Screens follow ``changed`` and draw ``status`` with
desk.tui.widgets.crisis_banner.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any

from textual.app import App
from textual.signal import Signal

from desk.bootstrap import Desk
from desk.crisis.state import CrisisStatus

SURGE_SECONDS = 30.0
"""How often the surges going on are counted again (the declaration: at every change)."""
FIRST_SURGES_SECONDS = 1.0
"""The first count waits this long after start: the queue's first paint does not share the CPU."""


class CrisisWatch:
    """What the app knows of the crisis; ``changed`` is published when it may have changed."""

    def __init__(self, app: App[Any], desk: Desk, inbox_changed: Signal[int | None]) -> None:
        """``app`` runs the reads and the timer; ``inbox_changed`` says the database changed."""
        self.app = app
        self.desk = desk
        self.inbox_changed = inbox_changed
        self.status: CrisisStatus | None = None
        self.changed: Signal[None] = Signal(app, "crisis-changed")
        self._lock = threading.Lock()
        self._reading = False
        self._again: bool | None = None  # a read asked while one ran (True: with surges)
        self._surges_due = time.monotonic() + FIRST_SURGES_SECONDS

    def start(self) -> None:
        """Read the declaration now, the surges in FIRST_SURGES_SECONDS; then at every change
        and every SURGE_SECONDS."""
        self._surges_due = time.monotonic() + FIRST_SURGES_SECONDS
        self.inbox_changed.subscribe(self.app, lambda _id: self.refresh())
        self.app.set_timer(FIRST_SURGES_SECONDS, lambda: self.refresh(surges=True))
        self.app.set_interval(SURGE_SECONDS, lambda: self.refresh(surges=True))
        self.refresh()

    def refresh(self, *, surges: bool = False) -> None:
        """Read the status again in a thread (with the surges when asked or when they are
        SURGE_SECONDS old); one read at a time, a read asked meanwhile runs after it."""
        surges = surges or time.monotonic() >= self._surges_due
        with self._lock:
            if self._reading:
                self._again = surges or bool(self._again)
                return
            self._reading = True
        self.app.run_worker(
            lambda: self._read(surges), thread=True, group="crisis", exit_on_error=False
        )

    def _read(self, surges: bool) -> None:
        try:
            status: CrisisStatus | None = self.desk.crisis_state.status(with_surges=surges)
        except Exception:  # noqa: BLE001 - a banner must not cost the desk: the next change reads again
            status = None
        try:
            self.app.call_from_thread(self._loaded, status, surges)
        except RuntimeError:  # the app is closing
            pass

    def _loaded(self, status: CrisisStatus | None, surges: bool) -> None:
        with self._lock:
            self._reading = False
            again, self._again = self._again, None
        if status is not None:
            if surges:
                self._surges_due = time.monotonic() + SURGE_SECONDS
            elif self.status is not None:  # the last surges read stay until the next count
                status = replace(status, surges=self.status.surges)
            if status != self.status:
                self.status = status
                self.changed.publish(None)
        if again is not None:
            self.refresh(surges=again)
