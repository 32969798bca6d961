"""The live side inside the terminal interface: channel health, arrivals, the undo window.

``LiveSide`` starts desk.channels.background's loop when desk.toml has ``[[channel]]`` tables and
turns its reports into what people see: the queue header's channel line (``✓ mastodon:ville
12:03 · ✗ bluesky:ville 429``), a notice for new mentions and for replies that went out, failed
or need a supervisor, and ``ctrl+z`` to cancel the last reply still in its undo window.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from textual.app import App
from textual.content import Content
from textual.signal import Signal

from desk.bootstrap import Desk
from desk.channels.background import BackgroundLoop
from desk.replies.outbox import OutboxReport
from desk.tui.labels import plural
from desk.tui.safe import safe_str
from desk.vocabulary import ChannelHealth

_GOOD = (ChannelHealth.OK, ChannelHealth.NEW)


class LiveSide:
    """What the app knows of its live channels and outbox."""

    def __init__(self, app: App[Any], desk: Desk, inbox_changed: Signal[int | None]) -> None:
        """``app`` runs the reports on its thread and shows the notices; ``desk`` is the open
        desk (its catalog is the interface's); ``inbox_changed`` is told of every change."""
        self.app = app
        self.desk = desk
        self.inbox_changed = inbox_changed
        self.health: dict[str, Any] = {}  # channel key -> last desk.channels.pull.ChannelReport
        self.changed: Signal[None] = Signal(app, "channels-changed")
        self.last_queued: tuple[int, int, str] | None = None  # (reply id, mention id, body)
        self.loop: BackgroundLoop | None = None

    def start(self) -> None:
        """Start polling and the outbox when desk.toml has live channels."""
        desk = self.desk
        if not desk.config.channel:
            return
        self.loop = BackgroundLoop(
            desk,
            on_channel=lambda report: self.app.call_from_thread(self._channel, report),
            on_outbox=lambda report: self.app.call_from_thread(self._outbox, report),
        )
        self.loop.start()

    def stop(self) -> None:
        """Stop the background thread (on exit)."""
        if self.loop is not None:
            self.loop.stop()

    # -- reports from the background thread (run on the UI thread) ------------------------
    def _channel(self, report: Any) -> None:
        if not getattr(report, "done", True):
            return
        self.health[report.key] = report
        if report.new:
            self.app.notify(
                plural(self.desk.catalog, "tui.live.new", report.new, channel=report.key),
                markup=False,
            )
            self.inbox_changed.publish(None)
        self.changed.publish(None)

    def _outbox(self, report: OutboxReport) -> None:
        catalog = self.desk.catalog
        settled = {*report.sent, *report.failed, *report.unknown}
        if self.last_queued is not None and self.last_queued[0] in settled:
            self.last_queued = None  # gone out (or settled): ctrl+z has nothing left to cancel
        if report.sent:
            self.app.notify(
                plural(catalog, "tui.live.sent", len(report.sent), ids=_ids(report.sent)),
                markup=False,
            )
        if report.failed:
            self.app.notify(
                plural(catalog, "tui.live.failed", len(report.failed), ids=_ids(report.failed)),
                severity="error",
                markup=False,
            )
        if report.unknown:
            self.app.notify(
                plural(catalog, "tui.live.unknown", len(report.unknown), ids=_ids(report.unknown)),
                severity="warning",
                markup=False,
            )
        self.inbox_changed.publish(None)

    # -- what the screens show ------------------------------------------------------------
    def summary(self) -> Content:
        """The queue header's channel line (empty without live channels)."""
        channels = self.desk.config.channel
        if not channels:
            return Content("")
        parts: list[Content] = []
        for channel in channels:
            report = self.health.get(channel.key)
            name = safe_str(channel.key, one_line=True, max_len=40)
            if not channel.enabled:
                parts.append(Content.styled(f"– {name}", "dim"))
            elif report is None:
                parts.append(Content.styled(f"… {name}", "dim"))
            elif report.health in _GOOD and report.status in (
                ChannelHealth.OK,
                ChannelHealth.SKIPPED,
            ):
                parts.append(Content.styled(f"✓ {name}", "green"))
            else:
                state = report.health if report.health not in _GOOD else report.status
                why = safe_str(
                    self.desk.catalog.t(f"cli.health.{state}"), one_line=True, max_len=40
                )
                parts.append(Content.styled(f"✗ {name} {why}", "bold red"))
        return Content(" · ").join(parts)

    def remember_queued(self, reply_id: int, mention_id: int, body: str) -> None:
        """The reply ``ctrl+z`` cancels."""
        self.last_queued = (reply_id, mention_id, body)

    def undo_target(self) -> tuple[int, int, str] | None:
        """The last queued reply, if its undo window may still be open."""
        return self.last_queued


def _ids(ids: list[int]) -> str:
    return ", ".join(str(i) for i in ids[:5]) + ("…" if len(ids) > 5 else "")


def seconds_left(send_after: datetime | None, now: datetime) -> int:
    """Whole seconds left at ``now`` in an undo window ending at ``send_after``."""
    if send_after is None:
        return 0
    return max(0, round((send_after - now).total_seconds()))
