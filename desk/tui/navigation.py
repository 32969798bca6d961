"""Navigation: which screen opens for which intent, and the keys that open a screen app-wide.

Screens never import one another. A screen that wants another one posts an intent
(``OpenDetail``, ``OpenTimeline``, ``OpenAudit`` from desk.tui.messages); the message bubbles
from the screen to the app, and ``Navigator`` — the part of DeskApp that moves between screens —
pushes it. The keys bound to ``app.open_*`` (A, R, V, S, B, W, K, D and the palette's purge) land here
too. This is the only module that imports the screens (besides the app's home screen).
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.screen import Screen

from desk.tui import stylesheets
from desk.tui.dialogs.purge import PurgeScreen
from desk.tui.messages import FilterQueue, OpenAudit, OpenDetail, OpenTimeline
from desk.tui.screens.answers import AnswersScreen
from desk.tui.screens.approvals import ApprovalsScreen
from desk.tui.screens.audit import AuditScreen
from desk.tui.screens.clusters import ClustersScreen
from desk.tui.screens.crisis_report import CrisisReportScreen
from desk.tui.screens.detail import DetailScreen
from desk.tui.screens.queue import QueueScreen
from desk.tui.screens.replies import RepliesScreen
from desk.tui.screens.report import ReportScreen
from desk.tui.screens.staff import StaffScreen
from desk.tui.screens.timeline import TimelineScreen


class Navigator(App[None]):
    """Pushes the screen each intent asks for; DeskApp inherits it."""

    _detail: DetailScreen | None = None  # the detail screen, kept mounted between mentions

    def get_default_screen(self) -> Screen[Any]:
        """The queue is the home screen."""
        return QueueScreen()

    def prepare_detail(self) -> None:
        """Mount the detail screen now, kept aside (installed, not shown): the first mention
        opened then costs no more than the next ones. Called once the queue is drawn; the
        other screens' stylesheet is read first (desk.tui.stylesheets), so the detail's widgets
        are styled once, as they mount."""
        if self._detail is None:
            stylesheets.read_screens(self)
            screen = self._detail = DetailScreen()
            self.install_screen(screen, "detail")
            # What push_screen does first for a screen not running yet (compose and mount it),
            # without putting it on the stack: keys keep going to the queue.
            self._register(self, screen)

    # -- intents posted by screens ---------------------------------------------------------
    def on_open_detail(self, message: OpenDetail) -> None:
        """One mention in full (from the queue, the reply history).

        The same DetailScreen each time (installed: popping it keeps it mounted), pointed at
        the mention (it pushes itself once the mention is read); a new one only when it is already in the stack (a mention opened from a
        screen above another's detail)."""
        screen = self._detail
        if screen is None:
            screen = self._detail = DetailScreen(message.mention_id, compose=message.compose)
            self.install_screen(screen, "detail")
        elif screen in self.screen_stack:
            screen = DetailScreen(message.mention_id, compose=message.compose)
        elif screen.reopen(message.mention_id, compose=message.compose):
            return  # it shows itself when the mention has been read
        self.push_screen(screen)

    def on_open_timeline(self, message: OpenTimeline) -> None:
        """A mention's timeline (``h`` on a mention, ``t`` or Enter in the audit trail)."""
        self.push_screen(TimelineScreen(message.mention_id))

    def on_open_audit(self, message: OpenAudit) -> None:
        """The audit trail, filtered (``l`` in a timeline: that mention's raw events)."""
        self.push_screen(AuditScreen(mention_id=message.mention_id, actor=message.actor))

    def on_filter_queue(self, message: FilterQueue) -> None:
        """Back to the queue, filtered (Enter on a cluster: its mentions)."""
        while len(self.screen_stack) > 1 and not isinstance(self.screen, QueueScreen):
            self.pop_screen()
        if isinstance(self.screen, QueueScreen):
            self.screen.view = "open"
            self.screen.set_filter(message.line)

    # -- app-wide keys and palette entries -------------------------------------------------
    def _open(self, screen_type: type[Screen[Any]]) -> None:
        """Push a new ``screen_type``, unless it is the screen already shown."""
        if not isinstance(self.screen, screen_type):
            self.push_screen(screen_type())

    def action_open_audit(self) -> None:
        """The audit log (all events)."""
        self._open(AuditScreen)

    def action_open_approvals(self) -> None:
        """The replies waiting for a supervisor's approval."""
        self._open(ApprovalsScreen)

    def action_open_answers(self) -> None:
        """The answer library (supervisors edit it there)."""
        self._open(AnswersScreen)

    def action_open_report(self) -> None:
        """The supervisor's figures."""
        self._open(ReportScreen)

    def action_open_crisis_report(self) -> None:
        """The report of the crisis going on, or of the last one."""
        self._open(CrisisReportScreen)

    def action_open_clusters(self) -> None:
        """The groups of open mentions saying the same thing (crisis mode)."""
        self._open(ClustersScreen)

    def action_purge(self) -> None:
        """The retention purge: a dry run, then ``y`` to purge (admins; desk.audit.retention)."""
        self._open(PurgeScreen)

    def action_open_replies(self) -> None:
        """The reply history."""
        self._open(RepliesScreen)

    def action_open_staff(self) -> None:
        """The staff: roles, languages, load (admins change them)."""
        self._open(StaffScreen)
