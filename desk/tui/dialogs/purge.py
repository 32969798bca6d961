"""PurgeScreen: the retention purge from the command palette — a dry run first, then ``y``.

The cutoff is desk.toml's ``[retention] days`` (a purge to another date is ``desk purge
--before`` on the command line). The plan and the purge run in thread workers through
desk.audit.retention, which checks the role: supervisors see the plan, only admins can confirm it;
a refusal is shown as any other service error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from desk.audit.retention import PurgeReport
from desk.errors import DeskError
from desk.tui import stylesheets
from desk.tui.labels import translate_bindings

T = TypeVar("T")


class PurgeScreen(ModalScreen[bool]):
    """Shows what the retention purge would remove; ``y`` purges, Escape or ``n`` closes."""

    CSS_PATH = stylesheets.SCREENS  # read when first shown (desk.tui.stylesheets)

    BINDINGS = [
        Binding("escape,n", "cancel", "tui.keys.cancel"),
        Binding("y", "confirm", "tui.keys.confirm"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.plan: PurgeReport | None = None
        self._busy = False

    def t(self, key: str, **values: object) -> str:
        """A string of the current catalog."""
        return self.app.catalog.t(key, **values)  # type: ignore[attr-defined]

    def count(self, what: str, n: int) -> str:
        """``1 reply``, ``2 replies``: a count in the catalog's plural forms."""
        return self.app.catalog.plural(f"tui.purge.n.{what}", n)  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        """A title over the plan."""
        with Vertical(id="purge", classes="dialog"):
            yield Label(Content(self.t("tui.purge.title")), classes="dialog-title")
            yield Static(Content(self.t("tui.purge.planning")), id="purge-body")

    def on_mount(self) -> None:
        """Translate the keys and start the dry run."""
        translate_bindings(self, self.app.catalog)  # type: ignore[attr-defined]
        self.load_plan()

    def _call(self, call: Callable[[], T], *, write: bool = False) -> T | None:
        """Run a service call from the worker; a refusal closes the dialog with its message."""
        try:
            if write:
                with self.app.write_lock:  # type: ignore[attr-defined]
                    return call()
            return call()
        except DeskError as exc:
            message, hint = exc.localized(self.app.catalog.t)  # type: ignore[attr-defined]
            self.app.call_from_thread(self.app.show_error, message, hint)  # type: ignore[attr-defined]
            self.app.call_from_thread(self.dismiss, False)
        return None

    @work(thread=True, exclusive=True, group="purge")
    def load_plan(self) -> None:
        """The dry run at the configured cutoff."""
        retention = self.app.desk.retention  # type: ignore[attr-defined]
        plan = self._call(lambda: retention.plan(retention.cutoff()))
        if plan is not None:
            self.app.call_from_thread(self._show, plan)

    def _show(self, plan: PurgeReport) -> None:
        self.plan = plan
        zone = self.app.desk.config.hours.calendar().tz  # type: ignore[attr-defined]
        lines = [
            self.t(
                "tui.purge.plan",
                cutoff=f"{plan.cutoff.astimezone(zone):%Y-%m-%d %H:%M}",
                mentions=self.count("mentions", plan.mentions),
                replies=self.count("replies", plan.replies),
                outbox=self.count("outbox", plan.outbox),
                events=self.count("events", plan.audit_events),
            ),
            self.t(
                "tui.purge.kept",
                open=plan.kept_open,
                unfinished=plan.kept_unfinished,
                recent=plan.kept_recent,
            ),
        ]
        if plan.audit_held_by is not None:
            lines.append(self.t("tui.purge.held", id=plan.audit_held_by))
        admin = self.app.desk.me.is_admin  # type: ignore[attr-defined]
        lines += ["", self.t("tui.purge.ask" if admin else "tui.purge.view_only")]
        self.query_one("#purge-body", Static).update(Content("\n".join(lines)))

    def action_confirm(self) -> None:
        """``y``: purge now (the service refuses anyone but an admin)."""
        if self.plan is None or self._busy:
            return
        self._busy = True
        self.query_one("#purge-body", Static).update(Content(self.t("tui.purge.running")))
        self.run_purge(self.plan)

    @work(thread=True, exclusive=True, group="purge")
    def run_purge(self, plan: PurgeReport) -> None:
        """Purge at the cutoff that was shown."""
        retention = self.app.desk.retention  # type: ignore[attr-defined]
        done = self._call(lambda: retention.purge(plan.cutoff), write=True)
        if done is not None:
            self.app.call_from_thread(self._purged, done)

    def _purged(self, done: PurgeReport) -> None:
        self.notify(
            self.t(
                "tui.purge.done",
                mentions=self.count("mentions", done.mentions),
                events=self.count("events", done.audit_events),
            ),
            markup=False,
        )
        self.app.inbox_changed.publish(None)  # type: ignore[attr-defined]
        self.dismiss(True)

    def action_cancel(self) -> None:
        """Escape or ``n``: nothing is removed."""
        if not self._busy:
            self.dismiss(False)
