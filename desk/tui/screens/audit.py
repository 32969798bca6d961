"""AuditScreen: the hash-chained audit log, newest first, with the chain's verification status.

Events are read 500 at a time (``n`` loads more), filtered by person and/or mention id. The
chain is verified in a worker when the screen opens (``v`` runs it again).
"""

from __future__ import annotations

import json

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Footer, Static

from desk.audit import VerifyResult
from desk.errors import DeskError
from desk.i18n import Catalog
from desk.models import AuditView
from desk.tui.labels import when
from desk.tui.messages import ActionFailed, AuditLoaded, AuditVerified
from desk.tui.safe import safe, safe_str, safe_text
from desk.tui.screens.base import DeskScreen
from desk.tui.screens.picker import PickerScreen
from desk.tui.screens.prompt import NumberPrompt
from desk.tui.widgets.mention_view import short_data

ANYONE = "*"


class AuditScreen(DeskScreen):
    """Who did what, when — the whole trail or one mention's."""

    PAGE = 500
    BINDINGS = [
        Binding("escape", "back", "tui.keys.back"),
        Binding("p", "filter_person", "tui.keys.filter_person"),
        Binding("i", "filter_mention", "tui.keys.filter_mention"),
        Binding("n", "load_more", "tui.keys.load_more"),
        Binding("v", "verify", "tui.keys.verify"),
    ]

    def __init__(self, *, mention_id: int | None = None, actor: str | None = None) -> None:
        super().__init__(id="audit-screen")
        self.mention_filter = mention_id
        self.actor_filter = actor
        self.events: list[AuditView] = []
        self.verified: VerifyResult | None = None
        self.exhausted = False

    def compose(self) -> ComposeResult:
        """Header, chain status, the event table, the highlighted event in full."""
        yield Static(id="audit-header", classes="header-line")
        yield Static(id="audit-status")
        yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="audit-event", classes="section")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Load the first page and verify the chain."""
        self.query_one(DataTable).focus()
        self.reload()
        self.action_verify()

    def reload(self) -> None:
        """Start again from the newest event with the current filters."""
        self.load_events(0, self.mention_filter, self.actor_filter)

    @work(thread=True, exclusive=True, group="audit-load")
    def load_events(self, offset: int, mention_id: int | None, actor: str | None) -> None:
        """Read one page of events, newest first."""
        try:
            events = self.desk.queries.audit_log(
                mention_id=mention_id, actor=actor, offset=offset, limit=self.PAGE
            )
        except DeskError as exc:
            self.post_message(ActionFailed(*exc.localized(self.desk_app.catalog.t)))
            return
        self.post_message(AuditLoaded(offset, events, (mention_id, actor)))

    @work(thread=True, exclusive=True, group="audit-verify")
    def verify_chain(self) -> None:
        """Recompute the whole hash chain."""
        self.post_message(AuditVerified(self.desk.queries.verify_audit()))

    def on_audit_loaded(self, message: AuditLoaded) -> None:
        """Replace or extend the table (late pages of another filter or offset are dropped)."""
        if message.query != (self.mention_filter, self.actor_filter):
            return
        if message.offset and message.offset != len(self.events):
            return
        table = self.query_one(DataTable)
        if message.offset == 0:
            self.events = []
            self._build_columns(table)
        self.events.extend(message.events)
        self.exhausted = len(message.events) < self.PAGE
        table.add_rows(self._row(e) for e in message.events)
        self._show_header()
        if message.offset == 0:
            self._show_event(self.events[0] if self.events else None)

    def on_audit_verified(self, message: AuditVerified) -> None:
        """Show whether the chain holds."""
        self.verified = message.result
        self._show_status()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Show the highlighted event in full."""
        if 0 <= event.cursor_row < len(self.events):
            self._show_event(self.events[event.cursor_row])

    # -- actions -------------------------------------------------------------------------
    def action_back(self) -> None:
        """Back to the previous screen."""
        self.dismiss()

    def action_verify(self) -> None:
        """Verify the chain (again)."""
        self.verified = None
        self._show_status()
        self.verify_chain()

    def action_load_more(self) -> None:
        """The next 500 older events."""
        if self.exhausted:
            self.notify(self.t("tui.audit.no_more"), markup=False)
            return
        self.load_events(len(self.events), self.mention_filter, self.actor_filter)

    def action_filter_person(self) -> None:
        """Only one person's events (or everyone's)."""
        options = [(ANYONE, self.t("tui.audit.everyone")), ("system", "system")]
        options += [(s.name, f"{s.display_name} ({s.name})") for s in self.desk.config.staff]

        def chosen(value: str | None) -> None:
            if value is not None:
                self.actor_filter = None if value == ANYONE else value
                self.reload()

        self.app.push_screen(
            PickerScreen(
                self.t("tui.audit.pick_person"), options, current=self.actor_filter or ANYONE
            ),
            chosen,
        )

    def action_filter_mention(self) -> None:
        """Only one mention's events (empty for all)."""

        def chosen(value: int | None) -> None:
            self.mention_filter = value
            self.reload()

        self.app.push_screen(
            NumberPrompt(self.t("tui.audit.ask_mention"), self.mention_filter), chosen
        )

    # -- rendering -----------------------------------------------------------------------
    def relabel(self, catalog: Catalog) -> None:
        """Rebuild the column titles and lines in the new language."""
        if not self.is_mounted:
            return
        table = self.query_one(DataTable)
        self._build_columns(table)
        table.add_rows(self._row(e) for e in self.events)
        self._show_header()
        self._show_status()

    def _build_columns(self, table: DataTable[object]) -> None:
        table.clear(columns=True)
        for key in ("seq", "time", "actor", "action", "mention", "data"):
            table.add_column(Text(self.t(f"tui.audit.col.{key}")), key=key)

    def _row(self, event: AuditView) -> list[object]:
        return [
            safe_text(str(event.seq)),
            safe_text(when(event.at)),
            safe_text(event.actor, one_line=True, max_len=24),
            safe_text(event.action, one_line=True, max_len=32),
            safe_text("" if event.mention_id is None else f"#{event.mention_id}"),
            safe_text(short_data(event.data, 90)),
        ]

    def _show_header(self) -> None:
        who = self.actor_filter or self.t("tui.audit.everyone")
        what = (
            self.t("tui.audit.all_mentions")
            if self.mention_filter is None
            else f"#{self.mention_filter}"
        )
        text = self.t(
            "tui.audit.header",
            who=safe_str(who, one_line=True, max_len=40),
            what=what,
            count=len(self.events),
        )
        more = "" if self.exhausted else "  ·  " + self.t("tui.audit.more")
        self.query_one("#audit-header", Static).update(Content(text + more))

    def _show_status(self) -> None:
        status = self.query_one("#audit-status", Static)
        result = self.verified
        if result is None:
            status.update(Content(self.t("tui.audit.verifying")))
            status.set_classes("")
        elif result.ok:
            status.update(Content("✔ " + self.t("tui.audit.intact", count=result.checked)))
            status.set_classes("-ok")
        else:
            reason = safe_str(result.reason, one_line=True, max_len=200)
            status.update(
                Content("✘ " + self.t("tui.audit.broken", seq=result.bad_seq, reason=reason))
            )
            status.set_classes("-broken")

    def _show_event(self, event: AuditView | None) -> None:
        panel = self.query_one("#audit-event", Static)
        if event is None:
            panel.update(Content(self.t("tui.audit.empty")))
            return
        data = json.dumps(event.data, ensure_ascii=False, indent=1, sort_keys=True, default=str)
        head = f"#{event.seq}  {when(event.at)}  {safe_str(event.actor, one_line=True)}  {safe_str(event.action, one_line=True)}"
        panel.update(
            Content("\n").join(
                [Content(head), safe(data, max_len=2000), Content(f"hash {event.hash}")]
            )
        )
