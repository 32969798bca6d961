"""ClustersScreen (``D``: duplicates, doublons): open mentions that say the same thing, largest group first.

Each row is one group (desk.crisis.clusters, the same as ``desk crisis clusters``): its size, its
growth (posts in the last hour against the hour before), its languages, how many authors, and the
text most repeated in it. The highlighted group is shown below: its words, links, most frequent
authors, first and last post (in the desk's zone). Enter shows the group's mentions in the queue
(the filter ``~i N,M,...``), where they can be marked, answered together (``desk crisis answer``)
or closed in one action. Every text comes from citizens: drawn as literal Content, made safe.
Computed in a worker; F5 computes again; changes made elsewhere recompute it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Static

from desk.crisis.clusters import Cluster
from desk.tui.messages import FilterQueue
from desk.tui.safe import safe, safe_str, safe_text
from desk.tui.screens.base import DeskScreen
from desk.tui.widgets import tables
from desk.tui.widgets.footer import DeskFooter

MAX_IDS = 120
"""Mentions of one group the queue filter names at most (the filter line stays readable)."""


@dataclass
class ClustersLoaded(Message):
    """The groups, largest first."""

    clusters: list[Cluster]


def filter_line(cluster: Cluster) -> str:
    """The queue filter showing ``cluster``'s mentions (the newest ``MAX_IDS``)."""
    ids = sorted(cluster.mention_ids, reverse=True)[:MAX_IDS]
    return "~i " + ",".join(str(i) for i in ids)


class ClustersScreen(DeskScreen):
    """The groups of open mentions saying the same thing."""

    BINDINGS = [
        Binding("escape", "back", "tui.keys.back"),
        Binding("enter", "show_mentions", "tui.clusters.key_show"),
        Binding("f5", "reload", "tui.keys.refresh", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="clusters-screen")
        self.clusters: list[Cluster] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        """Header, the groups, the highlighted group in full."""
        yield Static(id="clusters-header", classes="header-line")
        yield DataTable(id="clusters-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="clusters-text", classes="section")
        yield DeskFooter()

    def on_mount(self) -> None:
        """Compute the groups; again when another desk changes the queue."""
        self.desk_app.inbox_changed.subscribe(self, lambda _id: self.load())
        self.query_one("#clusters-header", Static).update(Content(self.t("tui.clusters.loading")))
        self.query_one(DataTable).focus()
        self.load()

    @work(thread=True, exclusive=True, group="clusters-load")
    def load(self) -> None:
        """Group the open mentions off the UI thread (reads only)."""
        done, found = self.run_service(self.desk.crisis.clusters)
        if done and found is not None:
            self.post_message(ClustersLoaded(found))

    def on_clusters_loaded(self, message: ClustersLoaded) -> None:
        """Fill the table, the cursor kept on the group it was on when it still exists."""
        table = self.query_one(DataTable)
        current = self._current()
        self.clusters, self.loaded = message.clusters, True
        self._fill()
        ids = [c.id for c in self.clusters]
        if current is not None and current.id in ids and ids.index(current.id) > 0:
            table.move_cursor(row=ids.index(current.id), animate=False)
        self._show(self._current())

    def _fill(self) -> None:
        titles = {
            key: Text(self.t(f"tui.clusters.col.{key}"))
            for key in ("id", "size", "growth", "languages", "authors", "text")
        }
        rows = []
        for c in self.clusters:
            languages = " ".join(f"{lang}:{n}" for lang, n in c.languages)
            cells = [
                safe_text(str(c.id)),
                safe_text(str(c.size)),
                safe_text(f"{c.growth:+d}"),
                safe_text(languages, one_line=True, max_len=20),
                safe_text(str(c.authors)),
                safe_text(c.representative, one_line=True, max_len=70),
            ]
            rows.append((cells, str(c.id)))
        tables.fill(self.query_one(DataTable), titles, rows)
        header = self.t("tui.clusters.header", count=len(self.clusters))
        self.query_one("#clusters-header", Static).update(Content(header))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Show the highlighted group in full."""
        if 0 <= event.cursor_row < len(self.clusters):
            self._show(self.clusters[event.cursor_row])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row (the table takes the key): the group's mentions."""
        event.stop()
        self.action_show_mentions()

    def _current(self) -> Cluster | None:
        row = self.query_one(DataTable).cursor_row
        return self.clusters[row] if 0 <= row < len(self.clusters) else None

    def _show(self, cluster: Cluster | None) -> None:
        box = self.query_one("#clusters-text", Static)
        if cluster is None:
            box.update(Content(self.t("tui.clusters.empty") if self.loaded else ""))
            return
        calendar = self.desk.config.hours.calendar()
        label = "bold $text-secondary"

        def pairs(items: tuple[tuple[str, int], ...], size: int) -> str:
            return ", ".join(f"{safe_str(k, one_line=True, max_len=size)} ({n})" for k, n in items)

        lines: list[Content | tuple[str, str] | str] = [
            (self.t("tui.clusters.text") + " ", label),
            safe(cluster.representative, max_len=600),
            "\n",
            (self.t("tui.clusters.words") + " ", label),
            safe(pairs(cluster.top_words, 30), one_line=True, max_len=300),
        ]
        if cluster.top_links:
            lines += [
                "\n",
                (self.t("tui.clusters.links") + " ", label),
                safe(pairs(cluster.top_links, 80), one_line=True, max_len=300),
            ]
        lines += [
            "\n",
            (self.t("tui.clusters.authors") + " ", label),
            safe(pairs(cluster.top_authors, 40), one_line=True, max_len=300),
            "\n",
            (
                self.t(
                    "tui.clusters.seen",
                    first=f"{calendar.local(cluster.first_seen):%Y-%m-%d %H:%M}",
                    last=f"{calendar.local(cluster.last_seen):%Y-%m-%d %H:%M}",
                    hour=cluster.last_hour,
                    before=cluster.hour_before,
                ),
                "$text-muted",
            ),
        ]
        box.update(Content.assemble(*lines))

    def action_show_mentions(self) -> None:
        """Enter: the group's mentions in the queue."""
        cluster = self._current()
        if cluster is None:
            return
        self.post_message(FilterQueue(filter_line(cluster)))

    def action_reload(self) -> None:
        """Compute again."""
        self.load()

    def action_back(self) -> None:
        """Back."""
        self.dismiss()
