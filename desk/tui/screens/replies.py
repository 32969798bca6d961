"""RepliesScreen: replies written from desk, newest first, optionally by one person.

Read 500 at a time (``n`` loads more). The highlighted reply is shown in full under the table;
Enter opens the mention it answered.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Static

from desk.db.store import ReplyFilter
from desk.errors import DeskError
from desk.i18n import Catalog
from desk.tui.dialogs.picker import PickerScreen
from desk.tui.dialogs.text_prompt import TextPrompt
from desk.tui.labels import status_label, when
from desk.tui.messages import ActionFailed, OpenDetail, RepliesLoaded
from desk.tui.safe import safe_str, safe_text
from desk.tui.screens.base import DeskScreen
from desk.tui.widgets import tables
from desk.tui.widgets.footer import DeskFooter
from desk.tui.widgets.mention_view import reply_block
from desk.views import ReplyView

ANYONE = "*"


class RepliesScreen(DeskScreen):
    """The team's replies: who answered what, when, and how it went out."""

    PAGE = 500
    BINDINGS = [
        Binding("escape", "back", "tui.keys.back"),
        Binding("p", "filter_person", "tui.keys.filter_person"),
        Binding("n", "load_more", "tui.keys.load_more"),
        Binding("slash", "search", "tui.keys.search"),
    ]

    def __init__(self, *, author: str | None = None) -> None:
        super().__init__(id="replies-screen")
        self.author_filter = author
        self.search: str | None = None  # words every reply shown must contain (FTS5)
        self.replies: list[ReplyView] = []
        self.exhausted = False

    def compose(self) -> ComposeResult:
        """Header, the table of replies, the highlighted reply in full."""
        yield Static(id="replies-header", classes="header-line")
        yield DataTable(id="replies-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="replies-text", classes="section")
        yield DeskFooter()  # ctrl+p still works

    def on_mount(self) -> None:
        """Load the newest replies."""
        self.query_one(DataTable).focus()
        self.load_replies(0, self.author_filter)

    @work(thread=True, exclusive=True, group="replies-load")
    def load_replies(self, offset: int, author: str | None) -> None:
        """Read one page of replies."""
        try:
            flt = ReplyFilter(author=author, search=self.search)
            replies = self.desk.queries.replies(flt=flt, offset=offset, limit=self.PAGE)
        except DeskError as exc:
            self.post_message(ActionFailed(*exc.localized(self.desk_app.catalog.t)))
            return
        self.post_message(RepliesLoaded(offset, replies, author))

    def on_replies_loaded(self, message: RepliesLoaded) -> None:
        """Replace or extend the table (late pages of another filter or offset are dropped)."""
        if message.author != self.author_filter:
            return
        if message.offset and message.offset != len(self.replies):
            return
        table = self.query_one(DataTable)
        rows = [(self._row(r), None) for r in message.replies]
        if message.offset == 0:
            self.replies = []
            tables.fill(table, self._titles(), rows)
        else:
            tables.extend(table, rows)
        self.replies.extend(message.replies)
        self.exhausted = len(message.replies) < self.PAGE
        self._show_header()
        if message.offset == 0:
            self._show_reply(self.replies[0] if self.replies else None)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Show the highlighted reply in full."""
        if 0 <= event.cursor_row < len(self.replies):
            self._show_reply(self.replies[event.cursor_row])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter: open the mention this reply answered."""
        if 0 <= event.cursor_row < len(self.replies):
            self.post_message(OpenDetail(self.replies[event.cursor_row].mention_id))

    # -- actions -------------------------------------------------------------------------
    def action_back(self) -> None:
        """Back to the previous screen."""
        self.dismiss()

    def action_load_more(self) -> None:
        """The next 500 older replies."""
        if self.exhausted:
            self.notify(self.t("tui.audit.no_more"), markup=False)
            return
        self.load_replies(len(self.replies), self.author_filter)

    def action_search(self) -> None:
        """Only the replies containing these words (accents and case ignored); empty: all."""

        def typed(text: str | None) -> None:
            if text is not None:
                self.search = text.strip() or None
                self.load_replies(0, self.author_filter)

        self.app.push_screen(TextPrompt(self.t("tui.replies.search"), self.search or ""), typed)

    def action_filter_person(self) -> None:
        """Only one person's replies (or everyone's)."""
        options = [(ANYONE, self.t("tui.audit.everyone"))]
        options += [(s.name, f"{s.display_name} ({s.name})") for s in self.desk.config.staff]

        def chosen(value: str | None) -> None:
            if value is not None:
                self.author_filter = None if value == ANYONE else value
                self.load_replies(0, self.author_filter)

        self.app.push_screen(
            PickerScreen(
                self.t("tui.replies.pick_person"), options, current=self.author_filter or ANYONE
            ),
            chosen,
        )

    # -- rendering -----------------------------------------------------------------------
    def relabel(self, catalog: Catalog) -> None:
        """Rebuild the column titles and lines in the new language."""
        if not self.is_mounted:
            return
        table = self.query_one(DataTable)
        tables.fill(table, self._titles(), [(self._row(r), None) for r in self.replies])
        self._show_header()
        if self.replies:
            self._show_reply(self.replies[min(table.cursor_row, len(self.replies) - 1)])

    def _titles(self) -> dict[str, Text]:
        keys = ("time", "author", "mention", "status", "text")
        return {key: Text(self.t(f"tui.replies.col.{key}")) for key in keys}

    def _row(self, reply: ReplyView) -> list[Text]:
        return [
            safe_text(
                when(reply.sent_at or reply.created_at, self.desk.config.hours.calendar().tz)
            ),
            safe_text(reply.author, one_line=True, max_len=24),
            safe_text(f"#{reply.mention_id}"),
            safe_text(status_label(self.desk_app.catalog, reply.status)),
            safe_text(reply.text, one_line=True, max_len=80),
        ]

    def _show_header(self) -> None:
        who = self.author_filter or self.t("tui.audit.everyone")
        text = self.t(
            "tui.replies.header",
            who=safe_str(who, one_line=True, max_len=40),
            count=len(self.replies),
        )
        more = "" if self.exhausted else "  ·  " + self.t("tui.audit.more")
        if self.search:
            more += "  ·  " + self.t(
                "tui.replies.searching", words=safe_str(self.search, one_line=True, max_len=60)
            )
        self.query_one("#replies-header", Static).update(Content(text + more))

    def _show_reply(self, reply: ReplyView | None) -> None:
        panel = self.query_one("#replies-text", Static)
        if reply is None:
            panel.update(Content(self.t("tui.replies.empty")))
        else:
            panel.update(
                reply_block(reply, self.desk_app.catalog, self.desk.config.hours.calendar().tz)
            )
