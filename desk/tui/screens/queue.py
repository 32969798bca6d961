"""QueueScreen: the main screen — filters, the virtual queue list, and actions on a mention.

The screen owns the filter (view + category) and a ``generation`` number. It counts the queue once
per filter change (or after an action), then fetches only the pages the list asks for, each in a
thread worker; the list drops pages of an older generation.

The header is one line: organisation, person, view, count — and, for whoever may approve
replies, how many wait for approval (``V`` opens them). When the line is wider than the
terminal, the organisation goes first, then the person's name (their initials stay), so the
counts stay in view.
"""

from __future__ import annotations

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Footer, Static

from desk.bootstrap import Desk
from desk.db.store import QueueFilter
from desk.errors import DeskError
from desk.i18n import Catalog
from desk.tui.dialogs.picker import PickerScreen
from desk.tui.labels import category_label, priority_label, status_label
from desk.tui.messages import ActionFailed, CountLoaded, OpenDetail, PageLoaded, PendingCounted
from desk.tui.safe import safe, safe_str
from desk.tui.screens.base import MentionScreen
from desk.tui.widgets.queue_list import QueueList
from desk.views import QueueRow
from desk.vocabulary import CATEGORIES

_VIEWS = Binding.Group("tui.keys.views", compact=True)
ALL_CATEGORIES = "*"


class QueueScreen(MentionScreen):
    """The shared inbox, most urgent first."""

    BINDINGS = [
        Binding("1", "view('open')", "tui.view.open", group=_VIEWS),
        Binding("2", "view('mine')", "tui.view.mine", group=_VIEWS),
        Binding("3", "view('unassigned')", "tui.view.unassigned", group=_VIEWS),
        Binding("4", "view('done')", "tui.view.done", group=_VIEWS),
        Binding("5", "view('all')", "tui.view.all", group=_VIEWS),
        Binding("c", "filter_category", "tui.keys.filter_category"),
        Binding("B", "app.open_answers", "tui.keys.library", show=False),
        Binding("W", "app.open_staff", "tui.keys.staff", show=False),
        Binding("f5", "refresh_queue", "tui.keys.refresh", show=False),
        Binding("q", "app.quit", "tui.keys.quit"),
    ]

    def __init__(self) -> None:
        super().__init__(id="queue-screen")
        self.view = "open"
        self.category: str | None = None
        self.generation = 0
        self.total: int | None = None
        self.pending: int | None = None  # replies waiting for approval (for those who approve)

    def compose(self) -> ComposeResult:
        """Header line, the list, a preview of the highlighted mention, the footer."""
        yield Static(id="queue-header", classes="header-line")
        yield QueueList(self.desk_app.catalog, clock=self.desk.clock, id="queue")
        yield Static(id="queue-preview")
        yield Footer(compact=True)

    REFRESH_SECONDS = 15.0  # colleagues' work (claims, replies, new mentions) shows up this fast

    def on_mount(self) -> None:
        """Follow inbox changes (here and, every few seconds, from other desks); load the view."""
        self.desk_app.inbox_changed.subscribe(self, lambda _id: self.reload(reset=False))
        self.desk_app.live.changed.subscribe(self, lambda _none: self._show_header())
        self.set_interval(self.REFRESH_SECONDS, lambda: self.reload(reset=False))
        self.query_one(QueueList).focus()
        self.reload(reset=True)

    # -- filter and loading --------------------------------------------------------------
    @staticmethod
    def home_filter(desk: Desk) -> QueueFilter:
        """The filter the queue opens with (all open items)."""
        return QueueFilter(view="open", me=desk.me.name)

    def queue_filter(self) -> QueueFilter:
        """The current filter, as the core understands it."""
        return QueueFilter(view=self.view, category=self.category, me=self.desk.me.name)

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
                queue.set_page(self.generation, 0, first_page)
            else:
                self.fetch_page(self.generation, flt, 0, queue.PAGE_SIZE)
        else:
            queue.invalidate(self.generation)
        self._show_header()
        self.count_rows(self.generation, flt)
        self.count_pending()

    @work(thread=True, exclusive=True, group="queue-count")
    def count_rows(self, generation: int, flt: QueueFilter) -> None:
        """Count the filtered queue (one query per filter change or refresh)."""
        try:
            total = self.desk.queries.count(flt)
        except DeskError as exc:
            self.post_message(ActionFailed(*exc.localized(self.desk_app.catalog.t)))
            return
        self.post_message(CountLoaded(generation, total))

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

    @on(QueueList.MentionHighlighted)
    def _highlighted(self, message: QueueList.MentionHighlighted) -> None:
        self._show_preview(self.query_one(QueueList).current)

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
        """Switch to one of the views: open, mine, unassigned, done, all."""
        self.view = view
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

    # -- labels --------------------------------------------------------------------------
    def relabel(self, catalog: Catalog) -> None:
        """Header, column titles and preview in the new language."""
        if self.is_mounted:
            self.query_one(QueueList).set_catalog(catalog)
            self._show_header()
            self._show_preview(self.query_one(QueueList).current)

    def _singular(self, count: int) -> bool:
        """French counts 0 and 1 in the singular, English only 1."""
        return count == 1 or (count == 0 and self.desk_app.catalog.language == "fr")

    def _show_header(self) -> None:
        me = self.desk.me
        view = self.t(f"tui.view.{self.view}")
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
        for head in ([organisation, person], [person], [safe(me.initials, one_line=True)]):
            header = Content("  ·  ").join([Content.assemble(part) for part in head + tail])
            if header.cell_length <= width:
                break
        self.query_one("#queue-header", Static).update(header)

    def _show_preview(self, row: QueueRow | None) -> None:
        preview = self.query_one("#queue-preview", Static)
        if row is None:
            preview.update(Content(self.t("tui.queue.empty") if self.total == 0 else ""))
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
        preview.update(Content("\n").join([head, safe(row.text, max_len=400)]))
