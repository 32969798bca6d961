"""AuditScreen: the hash-chained audit log, newest first, with the chain's verification status.

Filters combine: person (``p``), mention id (``i``), action or family of actions (``a``, chosen
among the actions present), and a range of days in the desk's time zone (``d``); ``c`` clears
them all and the header says which are on. Events are read 500 at a time by key (``n`` loads
the next, older page at the same cost however deep). ``t`` or Enter opens the timeline of the
highlighted event's mention. The chain is verified in a worker when the screen opens (``v``
runs it again).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Static

from desk.audit.chain import VerifyResult
from desk.audit.timeline import local_time
from desk.db.store import AuditFilter
from desk.errors import DeskError
from desk.i18n import Catalog
from desk.queries import day_bounds, parse_day
from desk.tui.dialogs.date_prompt import DatePrompt
from desk.tui.dialogs.picker import PickerScreen
from desk.tui.dialogs.prompt import NumberPrompt
from desk.tui.labels import zone_name
from desk.tui.messages import ActionFailed, AuditVerified, OpenTimeline
from desk.tui.safe import safe, safe_str, safe_text
from desk.tui.screens.base import DeskScreen
from desk.tui.widgets import tables
from desk.tui.widgets.footer import DeskFooter
from desk.tui.widgets.mention_view import data_words, event_sentences, event_words
from desk.views import AuditView

ANYONE = "*"
ANY_ACTION = "*"


@dataclass(frozen=True)
class AuditQuery:
    """The screen's filters: the core's AuditFilter plus the local days it was made from."""

    mention_id: int | None = None
    actor: str | None = None
    action: str | None = None  # an action, or a family ``reply.*``
    since: date | None = None
    until: date | None = None

    @property
    def active(self) -> bool:
        """Whether any filter is on."""
        return self != AuditQuery()


@dataclass
class AuditPageLoaded(Message):
    """One page of events for ``query``; ``before`` None replaces the list, a seq appends."""

    query: AuditQuery
    before: int | None
    events: list[AuditView]


@dataclass
class ActionsListed(Message):
    """The actions present in the trail, for the action filter."""

    actions: list[str]


class AuditScreen(DeskScreen):
    """Who did what, when — the whole trail or a filtered part of it."""

    PAGE = 500
    BINDINGS = [
        Binding("escape", "back", "tui.keys.back"),
        Binding("p", "filter_person", "tui.keys.filter_person"),
        Binding("i", "filter_mention", "tui.keys.filter_mention"),
        Binding("a", "filter_action", "tui.keys.filter_action"),
        Binding("d", "filter_dates", "tui.keys.filter_dates"),
        Binding("c", "clear_filters", "tui.keys.clear_filters"),
        Binding("t", "timeline", "tui.keys.timeline"),
        Binding("n", "load_more", "tui.keys.load_more"),
        Binding("v", "verify", "tui.keys.verify"),
    ]

    def __init__(self, *, mention_id: int | None = None, actor: str | None = None) -> None:
        super().__init__()  # no fixed id: audit -> timeline -> audit stacks two of them
        self.query_state = AuditQuery(mention_id=mention_id, actor=actor)
        self.events: list[AuditView] = []
        self.verified: VerifyResult | None = None
        self.exhausted = False

    @property
    def mention_filter(self) -> int | None:
        """The mention filter (None: every mention)."""
        return self.query_state.mention_id

    @property
    def actor_filter(self) -> str | None:
        """The person filter (None: everyone)."""
        return self.query_state.actor

    def compose(self) -> ComposeResult:
        """Header, chain status, the event table, the highlighted event in full."""
        yield Static(id="audit-header", classes="header-line")
        yield Static(id="audit-status")
        yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="audit-event", classes="section")
        yield DeskFooter()  # ctrl+p still works

    def on_mount(self) -> None:
        """Load the first page and verify the chain."""
        self.query_one(DataTable).focus()
        self.reload()
        self.action_verify()

    def filter_of(self, query: AuditQuery) -> AuditFilter:
        """The core's filter for the screen's: local days become instants in the desk's zone."""
        since, until = day_bounds(self.desk.config.hours.calendar().tz, query.since, query.until)
        return AuditFilter(
            mention_id=query.mention_id,
            actor=query.actor,
            actions=(query.action,) if query.action else (),
            since=since,
            until=until,
        )

    def set_query(self, query: AuditQuery) -> None:
        """Apply new filters and start again from the newest event."""
        self.query_state = query
        self.reload()

    def reload(self) -> None:
        """Start again from the newest event with the current filters."""
        self.load_events(self.query_state, None)

    @work(thread=True, exclusive=True, group="audit-load")
    def load_events(self, query: AuditQuery, before: int | None) -> None:
        """Read one page of events, newest first (older than ``before``, a seq, if given)."""
        try:
            events = self.desk.queries.audit_log(
                flt=self.filter_of(query), before_seq=before, limit=self.PAGE
            )
        except DeskError as exc:
            self.post_message(ActionFailed(*exc.localized(self.desk_app.catalog.t)))
            return
        self.post_message(AuditPageLoaded(query, before, events))

    @work(thread=True, exclusive=True, group="audit-verify")
    def verify_chain(self) -> None:
        """Recompute the whole hash chain."""
        self.post_message(AuditVerified(self.desk.queries.verify_audit()))

    @work(thread=True, exclusive=True, group="audit-actions")
    def list_actions(self) -> None:
        """Read the actions present (one pass over the trail), then offer them."""
        try:
            actions = self.desk.queries.audit_actions()
        except DeskError as exc:
            self.post_message(ActionFailed(*exc.localized(self.desk_app.catalog.t)))
            return
        self.post_message(ActionsListed(actions))

    def on_audit_page_loaded(self, message: AuditPageLoaded) -> None:
        """Replace or extend the table (late pages of other filters or places are dropped)."""
        if message.query != self.query_state:
            return
        last = self.events[-1].seq if self.events else None
        if message.before is not None and message.before != last:
            return
        table = self.query_one(DataTable)
        rows = [(self._row(e), None) for e in message.events]
        if message.before is None:
            self.events = []
            tables.fill(table, self._titles(), rows)
        else:
            tables.extend(table, rows)
        self.events.extend(message.events)
        self.exhausted = len(message.events) < self.PAGE
        self._show_header()
        if message.before is None:
            self._show_event(self.events[0] if self.events else None)

    def on_audit_verified(self, message: AuditVerified) -> None:
        """Show whether the chain holds."""
        self.verified = message.result
        self._show_status()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Show the highlighted event in full."""
        if 0 <= event.cursor_row < len(self.events):
            self._show_event(self.events[event.cursor_row])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter: the timeline of the event's mention."""
        event.stop()
        self.action_timeline()

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
        if self.exhausted or not self.events:
            self.notify(self.t("tui.audit.no_more"), markup=False)
            return
        self.load_events(self.query_state, self.events[-1].seq)

    def action_filter_person(self) -> None:
        """Only one person's events (or everyone's)."""
        options = [(ANYONE, self.t("tui.audit.everyone")), ("system", "system")]
        options += [(s.name, f"{s.display_name} ({s.name})") for s in self.desk.config.staff]

        def chosen(value: str | None) -> None:
            if value is not None:
                self.set_query(replace(self.query_state, actor=None if value == ANYONE else value))

        self.app.push_screen(
            PickerScreen(
                self.t("tui.audit.pick_person"), options, current=self.actor_filter or ANYONE
            ),
            chosen,
        )

    def action_filter_mention(self) -> None:
        """Only one mention's events (empty for all)."""

        def chosen(value: int | None) -> None:
            self.set_query(replace(self.query_state, mention_id=value))

        self.app.push_screen(
            NumberPrompt(self.t("tui.audit.ask_mention"), self.mention_filter), chosen
        )

    def action_filter_action(self) -> None:
        """Only one action, or one family of actions (read what the trail holds first)."""
        self.list_actions()

    def on_actions_listed(self, message: ActionsListed) -> None:
        """Offer every action present, each family (``reply.*``) before its actions."""
        options = [(ANY_ACTION, self.t("tui.audit.all_actions"))]
        families: dict[str, list[str]] = {}
        for action in message.actions:
            families.setdefault(action.partition(".")[0], []).append(action)
        for family, actions in sorted(families.items()):
            if len(actions) > 1:
                options.append((f"{family}.*", self.t("tui.audit.family", family=family)))
            options += [(a, a) for a in actions]

        def chosen(value: str | None) -> None:
            if value is not None:
                action = None if value == ANY_ACTION else value
                self.set_query(replace(self.query_state, action=action))

        self.app.push_screen(
            PickerScreen(
                self.t("tui.audit.pick_action"),
                options,
                current=self.query_state.action or ANY_ACTION,
            ),
            chosen,
        )

    def action_filter_dates(self) -> None:
        """A range of days (both included): first the start, then the end; empty = open."""
        tz = self.desk.config.hours.timezone

        def until_chosen(since: date | None, value: str | None) -> None:
            if value is None:  # Escape: the filter stays as it was
                return
            until = parse_day(value)
            try:
                day_bounds(self.desk.config.hours.calendar().tz, since, until)
            except DeskError as exc:
                self.desk_app.show_error(*exc.localized(self.desk_app.catalog.t))
                return
            self.set_query(replace(self.query_state, since=since, until=until))

        def since_chosen(value: str | None) -> None:
            if value is None:
                return
            since = parse_day(value)
            self.app.push_screen(
                DatePrompt(self.t("tui.audit.ask_until", tz=tz), self.query_state.until),
                lambda until: until_chosen(since, until),
            )

        self.app.push_screen(
            DatePrompt(self.t("tui.audit.ask_since", tz=tz), self.query_state.since),
            since_chosen,
        )

    def action_clear_filters(self) -> None:
        """Every filter off: the whole trail again."""
        if self.query_state.active:
            self.set_query(AuditQuery())

    def action_timeline(self) -> None:
        """The timeline of the highlighted event's mention."""
        row = self.query_one(DataTable).cursor_row
        event = self.events[row] if 0 <= row < len(self.events) else None
        if event is None or event.mention_id is None:
            self.notify(self.t("tui.audit.no_mention"), severity="warning", markup=False)
            return
        self.post_message(OpenTimeline(event.mention_id))

    # -- rendering -----------------------------------------------------------------------
    def relabel(self, catalog: Catalog) -> None:
        """Rebuild the column titles and lines in the new language."""
        if not self.is_mounted:
            return
        rows = [(self._row(e), None) for e in self.events]
        tables.fill(self.query_one(DataTable), self._titles(), rows)
        self._show_header()
        self._show_status()

    def _titles(self) -> dict[str, Text]:
        keys = ("seq", "time", "actor", "action", "mention", "data")
        titles = {key: Text(self.t(f"tui.audit.col.{key}")) for key in keys}
        zone = zone_name(self.desk.config.hours.calendar().tz, self.desk.clock())
        titles["time"] = Text(self.t("tui.card.time_in", zone=zone))  # the desk's zone
        return titles

    def _when(self, event: AuditView) -> str:
        return local_time(event.at, self.desk.config.hours.calendar().tz)

    def _row(self, event: AuditView) -> list[Text]:
        return [
            safe_text(str(event.seq)),
            safe_text(self._when(event)),
            safe_text(event.actor, one_line=True, max_len=24),
            safe_text(event.action, one_line=True, max_len=32),
            safe_text("" if event.mention_id is None else f"#{event.mention_id}"),
            safe_text(
                event_words(event, self.desk_app.catalog, self.desk.config.display_names()),
                one_line=True,
                max_len=200,
            ),
        ]

    def filters_text(self) -> str:
        """The active filters in words (plain text: the caller shows it literally)."""
        q = self.query_state
        parts = []
        if q.actor:
            parts.append(self.t("tui.audit.f_person", who=safe_str(q.actor, one_line=True)))
        if q.mention_id is not None:
            parts.append(self.t("tui.audit.f_mention", id=q.mention_id))
        if q.action:
            parts.append(self.t("tui.audit.f_action", action=safe_str(q.action, one_line=True)))
        if q.since and q.since == q.until:
            parts.append(self.t("tui.audit.f_day", day=q.since.isoformat()))
        else:
            if q.since:
                parts.append(self.t("tui.audit.f_since", day=q.since.isoformat()))
            if q.until:
                parts.append(self.t("tui.audit.f_until", day=q.until.isoformat()))
        return " · ".join(parts) if parts else self.t("tui.audit.no_filter")

    def _show_header(self) -> None:
        text = self.t(
            "tui.audit.header",
            filters=safe_str(self.filters_text(), max_len=200),
            count=len(self.events),
        )
        if self.query_state.active:
            text += "  ·  " + self.t("tui.audit.clear_hint")
        if not self.exhausted:
            text += "  ·  " + self.t("tui.audit.more")
        self.query_one("#audit-header", Static).update(Content(text))

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
        catalog = self.desk_app.catalog
        head = "  ".join(
            [
                f"#{event.seq}",
                f"{self._when(event)} ({self.desk.config.hours.timezone})",
                safe_str(event.actor, one_line=True),
                safe_str(event.action, one_line=True),
            ]
        )
        lines = [Content(head)]
        lines += [
            safe(line, max_len=600)
            for line in event_sentences(event, catalog, self.desk.config.display_names())
        ]
        # the fields in words, one a line (hashes stay in the record: `desk audit verify`)
        lines += [safe(line, max_len=600) for line in data_words(event.data, catalog)]
        panel.update(Content("\n").join(lines))
