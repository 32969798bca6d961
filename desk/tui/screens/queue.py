"""QueueScreen: the main screen — filters, the virtual queue list, and actions on a mention.

The screen owns the filter (view + category) and a ``generation`` number. It counts the queue once
per filter change (or after an action), then fetches only the pages the list asks for, each in a
thread worker; the list drops pages of an older generation.

The header is one line: organisation, person, view, count — and, for whoever may approve
replies, how many wait for approval (``V`` opens them). When the line is wider than the
terminal, the organisation goes first, then the person's name (their initials stay), so the
counts stay in view. The filter line (``/``) and the marks show after the count, then the
other saved views' counts when they fit (desk.tui.saved_views: ``v`` chooses one, ``+`` saves
the line as one's own).

Under the header, the crisis banner (desk.tui.widgets.crisis_banner): a crisis declared on any
desk and the surges going on, as the app's CrisisWatch last read them; ``!`` filters the queue
to the first surge's mentions, ``K`` opens the crisis report.

Finding: ``/`` asks for a line of words and ``~`` patterns (desk.search, read in the desk's time
zone; a wrong line is said in the dialog, which stays open); Escape clears it. ``#`` asks for a
mention's number: the cursor goes there when it is in the view, else the mention opens.

Acting on many: space marks the row, ``*`` marks the whole view, ``U`` clears the marks. With
marks, the action keys (a, m, u, x, o, s, C, t) apply to every marked mention through
``InboxService.bulk`` in a worker, asked first above ``BULK_CONFIRM`` (the answer preset to no),
and the outcome is said with its counts; the skipped mentions stay marked. ``b`` sends one
library answer to the marked mentions as a batch waiting for one approval (batch_reply).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from desk.bootstrap import Desk
from desk.db.store import QueueFilter
from desk.errors import DeskError, rendered
from desk.i18n import Catalog
from desk.inbox import BulkReport
from desk.search import parse
from desk.tui import batch_reply
from desk.tui.dialogs.line_prompt import LinePrompt
from desk.tui.dialogs.picker import PickerScreen
from desk.tui.dialogs.prompt import NumberPrompt
from desk.tui.failures import explain
from desk.tui.labels import category_label, priority_label, status_label
from desk.tui.messages import ActionFailed, CountLoaded, OpenDetail, PageLoaded, PendingCounted
from desk.tui.safe import safe, safe_str
from desk.tui.saved_views import SavedViews
from desk.tui.screens.base import MENTION_BINDINGS, MentionScreen
from desk.tui.widgets.crisis_banner import CrisisBanner, filter_line
from desk.tui.widgets.footer import DeskFooter
from desk.tui.widgets.queue_list import QueueList
from desk.views import QueueRow
from desk.vocabulary import CATEGORIES

_VIEWS = Binding.Group("tui.keys.views", compact=True)
ALL_CATEGORIES = "*"
BULK_CONFIRM = 20  # more marked mentions than this: asked first (as desk bulk does)
MARK_LIMIT = 5000  # "mark all" marks at most this many (the first of the view)
JUMP_SCAN = 20_000  # rows of the view searched for a number before opening it instead
# MentionScreen's one-mention actions and what InboxService.bulk calls them
_BULK_OF = {
    "claim": "claim",
    "release": "release",
    "close": "close",
    "reopen": "reopen",
    "mark_spam": "spam",
}


def _queue_bindings() -> list[BindingType]:
    """Help first (the footer shows the keys in this order and is cut at the right on a narrow
    screen: "? Aide" must stay in view), then finding and marks, the mention keys, the views."""
    return [
        Binding("question_mark,f1", "app.toggle_help", "tui.keys.help"),
        Binding("slash", "find", "tui.find.key"),
        Binding("number_sign", "jump", "tui.jump.key"),
        Binding("space", "toggle_mark", "tui.marks.key_toggle"),
        *MENTION_BINDINGS,
        Binding("t", "tag", "tui.bulk.key_tag", show=False),
        Binding("b", "batch_reply", "tui.bulk.key_batch", show=False),
        Binding("asterisk", "mark_all", "tui.marks.key_all", show=False),
        Binding("U", "clear_marks", "tui.marks.key_clear", show=False),
        Binding("escape", "clear", "tui.find.key_clear", show=False),
        Binding("1", "view('open')", "tui.view.open", group=_VIEWS),
        Binding("2", "view('mine')", "tui.view.mine", group=_VIEWS),
        Binding("3", "view('unassigned')", "tui.view.unassigned", group=_VIEWS),
        Binding("4", "view('done')", "tui.view.done", group=_VIEWS),
        Binding("5", "view('all')", "tui.view.all", group=_VIEWS),
        Binding("c", "filter_category", "tui.keys.filter_category"),
        Binding("v", "choose_view", "tui.views.key"),
        Binding("plus", "save_view", "tui.views.key_save", show=False),
        Binding("B", "app.open_answers", "tui.keys.library", show=False),
        Binding("W", "app.open_staff", "tui.keys.staff", show=False),
        Binding("exclamation_mark", "open_surge", "tui.crisis.key_open", show=False),
        Binding("K", "app.open_crisis_report", "tui.crisis.key_report", show=False),
        Binding("D", "app.open_clusters", "tui.clusters.key_open", show=False),
        Binding("f5", "refresh_queue", "tui.keys.refresh", show=False),
        Binding("q", "app.quit", "tui.keys.quit"),
    ]


@dataclass
class Located(Message):
    """Where a mention asked for by number is in the current view (``index``), or not there."""

    generation: int
    mention_id: int
    index: int | None
    exists: bool


@dataclass
class MarksFound(Message):
    """The mentions of the whole view, to mark (``more``: the view holds more than these)."""

    ids: list[int]
    more: bool


@dataclass
class BulkDone(Message):
    """A bulk action's outcome."""

    report: BulkReport


@dataclass
class DeskEmpty(Message):
    """The desk holds no mention at all (a fresh desk): the empty queue says how to begin."""

    empty: bool


class QueueScreen(MentionScreen, SavedViews, inherit_bindings=False):
    """The shared inbox, most urgent first."""

    BINDINGS = _queue_bindings()
    CSS_PATH = None  # the app's stylesheet is the queue's (desk.tui.stylesheets)
    # Its widgets cover the whole screen (header, list, preview, footer: every line, full
    # width): the screen's own lines, drawn first and covered, are blank lines in its colours
    # (Textual's BLANK), not its background drawn through the style cache (~0.6 ms a frame).
    BLANK = True

    def __init__(self) -> None:
        super().__init__(id="queue-screen")
        self.view = "open"
        self.category: str | None = None
        self.filter_line = ""  # the typed line of words and patterns ("" : none)
        self.filter_fields: dict[str, Any] = {}
        self.generation = 0
        self.total: int | None = None
        self.pending: int | None = None  # replies waiting for approval (for those who approve)
        self.fresh = False  # no mention at all in the desk yet

    def compose(self) -> ComposeResult:
        """Header line, the list, a preview of the highlighted mention, the footer's line
        (the footer itself is mounted in it once the first screen is drawn: ``_mount_footer``;
        the crisis banner, under the header, once there is a crisis to show: ``show_crisis``)."""
        yield Static(id="queue-header", classes="header-line")
        yield QueueList(self.desk_app.catalog, clock=self.desk.clock, id="queue")
        yield Static(id="queue-preview")
        yield Static(id="queue-footer")

    REFRESH_SECONDS = 15.0  # colleagues' work (claims, replies, new mentions) shows up this fast

    def on_mount(self) -> None:
        """Follow inbox changes (here and, every few seconds, from other desks); load the view."""
        self.desk_app.inbox_changed.subscribe(self, lambda _id: self.reload(reset=False))
        self.desk_app.live.changed.subscribe(self, lambda _none: self._show_header())
        self.set_interval(self.REFRESH_SECONDS, lambda: self.reload(reset=False))
        queue = self.query_one(QueueList)
        # at once, in the move's call: the preview is drawn in the same frame as the cursor
        queue.highlighted.subscribe(
            self, lambda _id: self._show_preview(queue.current), immediate=True
        )
        queue.focus()
        self.reload(reset=True)
        self.call_after_refresh(self._mount_footer)

    def show_crisis(self) -> None:
        """As every screen's; the banner (under the header) is mounted the first time there is
        a crisis or a surge to show: the crisis watch starts after the first paint, which
        needs neither the banner's widget nor its stylesheet (~0.5 ms)."""
        if not self.query(CrisisBanner):
            status = self.desk_app.crisis.status
            if status is None or not (status.declared or status.surges):
                return
            self.mount(CrisisBanner(id="crisis-banner"), after="#queue-header")
        super().show_crisis()

    def _language_changed(self, catalog: Catalog) -> None:
        """As every screen's, but at mount the keys' descriptions wait for ``_mount_footer``:
        only the footer and the help panel show them, both after the first paint (~0.5 ms of
        it)."""
        if self.is_mounted:
            super()._language_changed(catalog)
        else:
            self.relabel(catalog)  # before mount: the help's text alone
            self.show_crisis()

    async def _mount_footer(self) -> None:
        """The footer (without the command palette's key: ctrl+p still opens it, and the
        footer keeps room), once the first screen is drawn. Its keys come in a frame of their
        own anyway (Textual's Footer draws them once the bindings are known), so the first
        frame showed an empty footer line: its line (``#queue-footer``, in the footer's colour)
        is drawn instead, and the footer's stylesheet, its widget, the keys' descriptions
        and the reading of the bindings (~2.5 ms, bench_ui) come after the first paint."""
        self.translate_keys(self.desk_app.catalog)  # the keys the footer is about to show
        footer = DeskFooter()
        await self.query_one("#queue-footer").mount(footer)
        # the bindings were announced before it was there (called in its own context: its keys
        # are composed bound to it)
        footer.call_next(footer.bindings_changed, self)

    # -- filter and loading --------------------------------------------------------------
    @staticmethod
    def home_filter(desk: Desk) -> QueueFilter:
        """The filter the queue opens with (all open items)."""
        return QueueFilter(view="open", me=desk.me.name)

    def queue_filter(self) -> QueueFilter:
        """The current filter, as the core understands it (the view, the category, the line)."""
        flt = QueueFilter(view=self.view, category=self.category, me=self.desk.me.name)
        return replace(flt, **self.filter_fields) if self.filter_fields else flt

    def reload(self, *, reset: bool) -> None:
        """Recount and refetch; ``reset`` (a new filter) also forgets rows and the cursor."""
        self.generation += 1
        queue = self.query_one(QueueList)
        flt = self.queue_filter()
        if reset:
            self.total = None
            first_page, self.desk_app.first_page = self.desk_app.first_page, None
            queue.reset(self.generation, first_page_requested=True)
            if first_page is not None and flt == self.home_filter(self.desk):
                # fewer rows than asked for: the whole queue; else the page's first rows
                whole = len(first_page) < queue.FIRST_ROWS
                queue.set_page(self.generation, 0, first_page, whole=whole)
                # The first screen needs no read: the counts start once it is drawn (their
                # threads would otherwise share the interpreter with the first drawing).
                self._show_header()
                self.call_after_refresh(self._count, self.generation, flt)
                return
            self.fetch_page(self.generation, flt, 0, queue.PAGE_SIZE)
        else:
            queue.invalidate(self.generation)
        self._show_header()
        self._count(self.generation, flt)

    def _count(self, generation: int, flt: QueueFilter) -> None:
        """Count the view, the replies waiting for approval, the saved views (in workers)."""
        self.count_rows(generation, flt)
        self.count_pending()
        self.count_views()

    @work(thread=True, exclusive=True, group="queue-count")
    def count_rows(self, generation: int, flt: QueueFilter) -> None:
        """Count the filtered queue (one query per filter change or refresh)."""
        try:
            total = self.desk.queries.count(flt)
            fresh = not total and not self.desk.queries.count(QueueFilter(view="all"))
        except DeskError as exc:
            self.post_message(ActionFailed(*exc.localized(self.desk_app.catalog.t)))
            return
        self.post_message(DeskEmpty(fresh))
        self.post_message(CountLoaded(generation, total))

    def on_desk_empty(self, message: DeskEmpty) -> None:
        """A fresh desk: the empty queue says how to begin; otherwise what to try."""
        if message.empty != self.fresh:
            self.fresh = message.empty
            self._show_empty()

    @work(thread=True, exclusive=True, group="queue-pending")
    def count_pending(self) -> None:
        """Count the replies waiting for approval, for a supervisor's header (read-only; a
        failed read keeps the last count: the header is refreshed every few seconds)."""
        approvals = self.desk.approvals
        try:
            if not approvals.may_approve():
                return
            count = approvals.pending_count()
        except Exception:  # noqa: BLE001 - a header badge must not cost the desk
            return
        self.post_message(PendingCounted(count))

    def on_pending_counted(self, message: PendingCounted) -> None:
        """Show the new count of replies waiting for approval."""
        if message.count != self.pending:
            self.pending = message.count
            self._show_header()

    def on_resize(self, _event: events.Resize) -> None:
        """Fit the header to the new width."""
        self._show_header()

    # Not exclusive: the list may need two pages at once; stale generations are dropped on arrival.
    @work(thread=True, group="queue-page")
    def fetch_page(self, generation: int, flt: QueueFilter, offset: int, limit: int) -> None:
        """Read one page of the queue."""
        try:
            rows = self.desk.queries.page(flt, offset, limit)
        except DeskError as exc:
            self.post_message(ActionFailed(*exc.localized(self.desk_app.catalog.t)))
            return
        self.post_message(PageLoaded(generation, offset, rows))

    def on_count_loaded(self, message: CountLoaded) -> None:
        """Give the list its new size."""
        if message.generation == self.generation:
            self.total = message.total
            self.query_one(QueueList).set_total(message.generation, message.total)
            self._show_header()
            if not message.total:
                self._show_preview(None)

    @on(QueueList.RowsNeeded)
    def _rows_needed(self, message: QueueList.RowsNeeded) -> None:
        if message.generation == self.generation:
            self.fetch_page(message.generation, self.queue_filter(), message.offset, message.limit)

    def on_page_loaded(self, message: PageLoaded) -> None:
        """Hand a fetched page to the list."""
        self.query_one(QueueList).set_page(message.generation, message.offset, message.rows)

    @on(QueueList.MentionSelected)
    def _selected(self, message: QueueList.MentionSelected) -> None:
        self.open_detail(message.mention_id)

    # -- actions -------------------------------------------------------------------------
    def mention_id(self) -> int | None:
        """The highlighted mention."""
        row = self.query_one(QueueList).current
        return row.id if row else None

    def open_detail(self, mention_id: int, *, compose: bool = False) -> None:
        """Ask the app to show one mention (optionally with the reply composer focused)."""
        self.post_message(OpenDetail(mention_id, compose=compose))

    def action_reply(self) -> None:
        """Open the highlighted mention with the composer focused."""
        mention_id = self._target()
        if mention_id is not None:
            self.open_detail(mention_id, compose=True)

    def action_view(self, view: str) -> None:
        """Switch to one of the views: open, mine, unassigned, done, all (the filter line
        stays, no longer named after a saved view)."""
        self.view = view
        self.saved_view = None
        self.reload(reset=True)

    def action_filter_category(self) -> None:
        """Choose a category to filter by (or all)."""
        catalog = self.desk_app.catalog
        options = [(ALL_CATEGORIES, self.t("tui.category.all"))] + [
            (c, category_label(catalog, c)) for c in CATEGORIES
        ]

        def chosen(value: str | None) -> None:
            if value is not None:
                self.category = None if value == ALL_CATEGORIES else value
                self.reload(reset=True)

        self.app.push_screen(
            PickerScreen(
                self.t("tui.pick.filter_category"), options, current=self.category or ALL_CATEGORIES
            ),
            chosen,
        )

    def action_refresh_queue(self) -> None:
        """Recount and refetch, keeping the cursor."""
        self.reload(reset=False)

    # -- finding -------------------------------------------------------------------------
    def parse_line(self, line: str) -> dict[str, Any]:
        """The QueueFilter fields a typed line asks for (InputError when it is wrong); dates
        are read in the desk's time zone, words of both languages are understood."""
        catalogs = [Catalog("fr"), Catalog("en")]
        tz = self.desk.config.hours.calendar().tz
        return parse(line, now=self.desk.clock(), tz=tz, catalogs=catalogs).filter_fields()

    def action_find(self) -> None:
        """``/``: a line of words and patterns; a wrong line is said in the dialog."""

        def chosen(line: str | None) -> None:
            if line is not None:
                self.set_filter(line)

        self.app.push_screen(
            LinePrompt(
                self.t("tui.find.title"),
                self.filter_line,
                check=self.parse_line,
                hint=self.t("tui.find.hint"),
            ),
            chosen,
        )

    def set_filter(self, line: str) -> None:
        """Filter the queue by ``line`` ("" shows the whole view again)."""
        try:
            fields = self.parse_line(line) if line else {}
        except Exception as exc:  # noqa: BLE001 - the dialog checked it; said, never raised
            self.desk_app.show_error(*explain(exc, self.desk_app.catalog))
            return
        self.filter_line, self.filter_fields = line, fields
        if self.saved_view is not None:
            if self.saved_view.line == line:  # a saved view reads the open mentions
                self.view, self.category = "open", None
            else:  # the line was changed: no longer that view
                self.saved_view = None
        self.reload(reset=True)

    def action_clear(self) -> None:
        """Escape: clear the filter line; with none, clear the marks."""
        if self.filter_line:
            self.set_filter("")
        elif self.marks:
            self.action_clear_marks()

    def action_jump(self) -> None:
        """``#``: go to a mention by its number (open it when it is not in this view)."""

        def chosen(number: int | None) -> None:
            if number is None or number <= 0:
                return
            queue = self.query_one(QueueList)
            index = queue.index_of(number)
            if index is not None:
                queue.move_to(index)
            else:
                self.locate(self.generation, self.queue_filter(), number)

        self.app.push_screen(NumberPrompt(self.t("tui.jump.title")), chosen)

    @work(thread=True, exclusive=True, group="queue-locate")
    def locate(self, generation: int, flt: QueueFilter, mention_id: int) -> None:
        """Find where a mention is in the view: a few pages of ids, read until it is found."""
        queries = self.desk.queries
        try:
            if not queries.count(replace(flt, ids=(mention_id,))):
                exists = bool(queries.count(QueueFilter(view="all", ids=(mention_id,))))
                self.post_message(Located(generation, mention_id, None, exists))
                return
            step = 2000
            for offset in range(0, JUMP_SCAN, step):
                rows = queries.page(flt, offset, step)
                for i, row in enumerate(rows):
                    if row.id == mention_id:
                        self.post_message(Located(generation, mention_id, offset + i, True))
                        return
                if len(rows) < step:
                    break
        except Exception as exc:  # noqa: BLE001 - a failed read is said, the desk goes on
            self.post_message(ActionFailed(*explain(exc, self.desk_app.catalog)))
            return
        self.post_message(Located(generation, mention_id, None, True))  # too far down: open it

    def on_located(self, message: Located) -> None:
        """Move the cursor there, or open the mention, or say it does not exist."""
        if message.index is not None and message.generation == self.generation:
            self.query_one(QueueList).move_to(message.index)
        elif message.exists:
            self.open_detail(message.mention_id)
        else:
            self.notify(
                self.t("tui.jump.missing", id=message.mention_id), severity="warning", markup=False
            )

    # -- marks and actions on many ---------------------------------------------------------
    def action_toggle_mark(self) -> None:
        """Space: mark or unmark the highlighted mention, then go to the next."""
        self.query_one(QueueList).action_toggle_mark()

    def action_clear_marks(self) -> None:
        """Unmark everything."""
        self.query_one(QueueList).set_marks(set())

    def action_mark_all(self) -> None:
        """Mark every mention of the view (as filtered)."""
        self.find_marks(self.queue_filter())

    @work(thread=True, exclusive=True, group="queue-marks")
    def find_marks(self, flt: QueueFilter) -> None:
        """Read the ids of the view (at most MARK_LIMIT)."""
        try:
            rows = self.desk.queries.page(flt, 0, MARK_LIMIT + 1)
        except Exception as exc:  # noqa: BLE001 - a failed read is said, the desk goes on
            self.post_message(ActionFailed(*explain(exc, self.desk_app.catalog)))
            return
        ids = [row.id for row in rows[:MARK_LIMIT]]
        self.post_message(MarksFound(ids, len(rows) > MARK_LIMIT))

    def on_marks_found(self, message: MarksFound) -> None:
        """Mark them (added to the marks already there)."""
        queue = self.query_one(QueueList)
        queue.set_marks(queue.marked | set(message.ids))
        if message.more:
            self.notify(self.t("tui.marks.limit", n=MARK_LIMIT), severity="warning", markup=False)

    @property
    def marks(self) -> int:
        """How many mentions are marked (the list holds them: a key pressed right after
        space sees its mark, before the list's message arrives)."""
        return len(self.query_one(QueueList).marked) if self.is_mounted else 0

    @on(QueueList.MarksChanged)
    def _marks_changed(self, _message: QueueList.MarksChanged) -> None:
        self._show_header()

    def marked(self) -> list[int]:
        """The marked mentions, in number order."""
        return sorted(self.query_one(QueueList).marked)

    def bulk(self, action: str, value: str | None = None, ids: list[int] | None = None) -> None:
        """Run ``action`` on the marked mentions (or ``ids``), asked first above BULK_CONFIRM."""
        targets = self.marked() if ids is None else ids
        if not targets:
            return
        if len(targets) <= BULK_CONFIRM:
            self.run_bulk(action, targets, value)
            return
        count = len(targets)
        options = [
            ("yes", self.t("tui.bulk.yes", n=count, action=self.t(f"tui.bulk.action.{action}"))),
            ("no", self.t("tui.bulk.no")),
        ]

        def answered(answer: str | None) -> None:
            if answer == "yes":
                self.run_bulk(action, targets, value)

        self.app.push_screen(
            PickerScreen(self.t("tui.bulk.confirm", n=count), options, current="no"), answered
        )

    @work(thread=True, group="mention-action")
    def run_bulk(self, action: str, ids: list[int], value: str | None) -> None:
        """``InboxService.bulk`` off the UI thread, under the app's write lock."""
        done, report = self.run_service(lambda: self.desk.inbox.bulk(action, ids, value))
        if done and report is not None:
            self.post_message(BulkDone(report))

    def on_bulk_done(self, message: BulkDone) -> None:
        """Say what was done and skipped (with the first reason); unmark what was done."""
        report = message.report
        catalog = self.desk_app.catalog
        action = self.t(f"tui.bulk.action.{report.action}")
        done = len(report.done)
        text = self.t(
            "tui.bulk.done_one" if self._singular(done) else "tui.bulk.done", n=done, action=action
        )
        if report.skipped:
            first = report.skipped[0]
            reason = catalog.t(f"errors.{first.key}", **rendered(first.params, catalog.t))
            text += " " + self.t(
                "tui.bulk.skipped_one"
                if self._singular(len(report.skipped))
                else "tui.bulk.skipped",
                n=len(report.skipped),
                id=first.mention_id,
                reason=reason,
            )
        self.notify(
            safe_str(text, max_len=600),
            severity="warning" if report.skipped else "information",
            markup=False,
        )
        queue = self.query_one(QueueList)
        queue.set_marks(queue.marked - set(report.done))
        self.desk_app.inbox_changed.publish(None)

    def _run(self, action: str) -> None:
        """With marks, the one-mention keys (m, u, x, o, s) act on every marked mention."""
        if self.marks and action in _BULK_OF:
            self.bulk(_BULK_OF[action])
        else:
            super()._run(action)

    def action_assign(self) -> None:
        """With marks: pick a person and assign every marked mention to them."""
        if not self.marks:
            super().action_assign()
            return
        staff = [
            (s.name, f"{s.display_name} ({s.initials}) — {s.name}")
            for s in self.desk.config.staff
            if s.active
        ]

        def chosen(name: str | None) -> None:
            if name:
                self.bulk("assign", name)

        self.app.push_screen(
            PickerScreen(self.t("tui.bulk.pick_assign", n=self.marks), staff), chosen
        )

    def action_categorise(self) -> None:
        """With marks: pick a category for every marked mention."""
        if not self.marks:
            super().action_categorise()
            return
        catalog = self.desk_app.catalog
        options = [(c, category_label(catalog, c)) for c in CATEGORIES]

        def chosen(category: str | None) -> None:
            if category:
                self.bulk("categorise", category)

        self.app.push_screen(
            PickerScreen(self.t("tui.bulk.pick_category", n=self.marks), options), chosen
        )

    def action_batch_reply(self) -> None:
        """``b``: one library answer to the marked mentions (or the highlighted one), as a batch
        waiting for one approval (desk.tui.batch_reply)."""
        ids = self.marked() or [i for i in [self._target()] if i is not None]
        if ids:
            batch_reply.start(self, ids)

    def action_tag(self) -> None:
        """``t``: tag the marked mentions (or the highlighted one) with a word."""
        ids = None if self.marks else [self._target()]
        if ids == [None]:
            return
        title = (
            self.t("tui.bulk.tag_many", n=self.marks)
            if self.marks
            else self.t("tui.bulk.tag_one", id=ids[0] if ids else "")
        )

        def chosen(word: str | None) -> None:
            if word:
                self.bulk("tag", word, None if ids is None else [i for i in ids if i is not None])

        self.app.push_screen(LinePrompt(title, max_length=60), chosen)

    # -- labels --------------------------------------------------------------------------
    def relabel(self, catalog: Catalog) -> None:
        """Header, column titles, preview and the help's patterns in the new language."""
        # shown by ? (the help panel, which reads HELP up from the focused widget) beside the keys;
        # the class's: a desk has one queue screen, and each relabels it in its language
        QueueScreen.HELP = catalog.t("tui.find.help")
        if self.is_mounted:
            self._show_empty()
            self.query_one(QueueList).set_catalog(catalog)
            self._show_header()
            self._show_preview(self.query_one(QueueList).current)
            self.count_views()  # the built-in views' names in the new language

    def _singular(self, count: int) -> bool:
        """French counts 0 and 1 in the singular, English only 1."""
        return count == 1 or (count == 0 and self.desk_app.catalog.language == "fr")

    def _show_header(self) -> None:
        me = self.desk.me
        named = self.view_label()  # a saved view: its name stands for its line
        view = named or self.t(f"tui.view.{self.view}")
        if self.category:
            view = f"{view} · {category_label(self.desk_app.catalog, self.category)}"
        count = (
            "…"
            if self.total is None
            else self.t(
                "tui.header.count_one" if self._singular(self.total) else "tui.header.count",
                count=f"{self.total:,}".replace(",", "\u202f"),
            )
        )
        tail: list[Content | tuple[str, str]] = [
            (self.t("tui.header.view", view=view), "bold"),
            Content(count),
        ]
        if self.marks:
            tail.append(
                (
                    self.t(
                        "tui.marks.header_one"
                        if self._singular(self.marks)
                        else "tui.marks.header",
                        n=self.marks,
                    ),
                    "bold $accent",
                )
            )
        if self.filter_line and named is None:  # the person's own line, shown literally
            tail.append(
                safe(self.t("tui.find.header", line=self.filter_line), max_len=70, one_line=True)
            )
        if self.pending:  # replies wait for this supervisor's decision
            tail.append((self.t("tui.header.pending", count=self.pending), "bold $warning"))
        channels = self.desk_app.live.summary()
        if channels:  # the live channels' health, on the same line (the header is one line)
            tail.append(channels)
        organisation: Content | tuple[str, str] = (
            safe_str(self.desk.config.desk.organisation, one_line=True, max_len=60),
            "bold",
        )
        person: Content | tuple[str, str] = safe(
            f"{me.display_name} ({me.initials})", one_line=True, max_len=60
        )
        width = self.app.size.width - 2  # the header's padding
        header = Content()
        strips = self.views_strips()  # the other views' counts, as many as fit
        Head = list[Content | tuple[str, str]]
        candidates: list[tuple[Head, Content | None]] = [
            ([organisation, person], s) for s in strips
        ]
        candidates += [([person], s) for s in strips]
        candidates += [([organisation, person], None), ([person], None)]
        candidates.append(([safe(me.initials, one_line=True)], None))
        for head, strip in candidates:
            views = [strip.stylize_before("$text-muted")] if strip else []
            header = Content("  ·  ").join([Content.assemble(part) for part in head + tail + views])
            if header.cell_length <= width:
                break
        self.query_one("#queue-header", Static).update(header, layout=False)  # one line, always

    def action_open_surge(self) -> None:
        """``!``: the mentions of the first surge the banner shows — its tag (``~t WORD``), or
        else everything posted since it began (``~d <Nm``)."""
        status = self.desk_app.crisis.status
        if status is None or not status.surges:
            self.notify(self.t("tui.crisis.no_surge_open"), markup=False)
            return
        self.view = "open"
        self.set_filter(filter_line(status.surges[0], self.desk.clock()))

    def _show_empty(self) -> None:
        """What the empty queue of a fresh desk says: how to bring mentions in."""
        lines: list[Content] = []
        if self.fresh:
            where = self.desk.config.path
            lines = [
                Content(self.t("tui.fresh.title")),
                Content(self.t("tui.fresh.ingest")),
                Content(self.t("tui.fresh.channel")),
                safe(self.t("tui.fresh.config", path=str(where) if where else "desk.toml")),
            ]
        self.query_one(QueueList).set_empty_text(lines)

    def _show_preview(self, row: QueueRow | None) -> None:
        preview = self.query_one("#queue-preview", Static)
        if row is None:
            if self.total != 0 or self.fresh:  # a fresh desk's list says how to begin
                preview.update(Content(""), layout=False)
            elif self.filter_line:
                preview.update(Content(self.t("tui.find.empty")), layout=False)
            else:
                preview.update(Content(self.t("tui.queue.empty")), layout=False)
            return
        catalog = self.desk_app.catalog
        head = Content.assemble(
            (f"#{row.id}", "bold"),
            "  ",
            safe(row.author, one_line=True, max_len=80),
            "  ·  ",
            safe(row.platform, one_line=True, max_len=20),
            "  ·  ",
            Content(
                f"{priority_label(catalog, row.priority)} · {category_label(catalog, row.category)} · {status_label(catalog, row.status)}"
            ),
        )
        preview.update(Content("\n").join([head, safe(row.text, max_len=400)]), layout=False)
