"""Command palette provider: every desk action, labelled in the current language.

Actions of the screen under the palette (queue or detail) are listed only when that screen has
them; app-wide ones (language, audit, replies, quit) are always there.
"""

from __future__ import annotations

from collections.abc import Coroutine
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

# (action, catalog key of its label); "app." actions run on the app, the rest on the screen.
ENTRIES: tuple[tuple[str, str], ...] = (
    ("view('open')", "tui.cmd.view_open"),
    ("view('mine')", "tui.cmd.view_mine"),
    ("view('unassigned')", "tui.cmd.view_unassigned"),
    ("view('done')", "tui.cmd.view_done"),
    ("view('all')", "tui.cmd.view_all"),
    ("filter_category", "tui.cmd.filter_category"),
    ("choose_view", "tui.cmd.choose_view"),
    ("save_view", "tui.cmd.save_view"),
    ("assign", "tui.cmd.assign"),
    ("claim", "tui.cmd.claim"),
    ("release", "tui.cmd.release"),
    ("close_mention", "tui.cmd.close"),
    ("reopen", "tui.cmd.reopen"),
    ("spam", "tui.cmd.spam"),
    ("categorise", "tui.cmd.categorise"),
    ("reply", "tui.cmd.reply"),
    ("history", "tui.cmd.history"),
    ("filter_action", "tui.cmd.filter_action"),
    ("filter_dates", "tui.cmd.filter_dates"),
    ("clear_filters", "tui.cmd.clear_filters"),
    ("timeline", "tui.cmd.timeline"),
    ("raw_log", "tui.cmd.raw_log"),
    ("handover", "tui.cmd.handover"),
    ("app.reload_rules", "tui.cmd.reload_rules"),
    ("app.open_audit", "tui.cmd.audit"),
    ("app.open_replies", "tui.cmd.replies"),
    ("app.open_approvals", "tui.cmd.approvals"),
    ("app.open_report", "tui.cmd.report"),
    ("app.open_crisis_report", "tui.cmd.crisis_report"),
    ("app.open_clusters", "tui.cmd.clusters"),
    ("app.purge", "tui.cmd.purge"),
    ("app.open_staff", "tui.cmd.staff"),
    ("app.open_answers", "tui.cmd.answers"),
    ("app.switch_language", "tui.cmd.language"),
    ("app.toggle_help", "tui.cmd.help"),
    ("app.quit", "tui.cmd.quit"),
)


class DeskCommands(Provider):
    """Lists desk's actions for the command palette."""

    def available(self) -> list[tuple[str, str]]:
        """(label, action) of every entry the screen under the palette offers, in the current
        language."""
        catalog = self.app.catalog  # type: ignore[attr-defined]
        screen = self.screen
        found = []
        for action, key in ENTRIES:
            if not action.startswith("app."):
                name = action.split("(", 1)[0]
                if not hasattr(screen, f"action_{name}"):
                    continue
            found.append((catalog.t(key), action))
        return found

    def _run(self, action: str) -> partial[Coroutine[Any, Any, bool]]:
        return partial(self.app.run_action, action, self.screen)

    async def discover(self) -> Hits:
        """Everything, when nothing is typed yet."""
        for label, action in self.available():
            yield DiscoveryHit(Content(label), self._run(action), text=label)

    async def search(self, query: str) -> Hits:
        """The actions whose label matches what is typed."""
        matcher = self.matcher(query)
        for label, action in self.available():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), self._run(action), text=label)
