"""The queue's saved views (desk.saved_views): counted in the header, chosen with ``v``, the
current filter line saved as one's own with ``+``.

A view is a name and a filter line: choosing one puts its line in the queue's filter (``/``
shows it, Escape clears it) and the header names the view instead of the line. The counts are
read in a worker on every reload, so another desk's change (the change signal) updates them;
the header shows the other views' counts only when they fit (at 80 columns ``v`` lists them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import work
from textual.content import Content
from textual.message import Message
from textual.screen import Screen

from desk.bootstrap import Desk
from desk.saved_views import SavedView, ViewCount
from desk.tui.dialogs.line_prompt import LinePrompt
from desk.tui.dialogs.picker import PickerScreen
from desk.tui.failures import explain
from desk.tui.host import DeskHost
from desk.tui.messages import ActionFailed
from desk.tui.safe import safe, safe_str

NO_VIEW = "\0none"  # the picker's "no saved view" choice (a view name never holds a NUL)


@dataclass
class ViewsCounted(Message):
    """Every saved view with its count now."""

    counts: list[ViewCount]


@dataclass
class ViewSaved(Message):
    """The person saved the current line as a view."""

    view: SavedView


class SavedViews(Screen[None]):
    """What the queue screen does with saved views (mixed into QueueScreen, after
    desk.tui.screens.base's MentionScreen, whose ``desk``, ``desk_app`` and ``t`` it uses: not
    imported here, screens import this module)."""

    @property
    def desk_app(self) -> DeskHost:
        """The running app (DeskScreen's)."""
        raise NotImplementedError

    @property
    def desk(self) -> Desk:
        """The open desk (DeskScreen's)."""
        raise NotImplementedError

    def t(self, key: str, **values: Any) -> str:
        """A string of the current catalog (DeskScreen's)."""
        raise NotImplementedError

    saved_view: SavedView | None = None
    view_counts: list[ViewCount] | None = None
    filter_line: str = ""

    def set_filter(self, line: str) -> None:
        """Filter the queue by ``line`` (QueueScreen's)."""
        raise NotImplementedError

    def _show_header(self) -> None:
        raise NotImplementedError

    @work(thread=True, exclusive=True, group="queue-views")
    def count_views(self) -> None:
        """Count every view (one count each, one read transaction); a failed read keeps the
        last counts: the next change or refresh tries again."""
        try:
            counts = self.desk.saved_views.counts(self.desk_app.catalog)  # after L too
        except Exception:  # noqa: BLE001 - a header badge must not cost the desk
            return
        self.post_message(ViewsCounted(counts))

    def on_views_counted(self, message: ViewsCounted) -> None:
        """Show the new counts."""
        if message.counts != self.view_counts:
            self.view_counts = message.counts
            self._show_header()

    def view_label(self) -> str | None:
        """The saved view's name while its line is the filter, else None."""
        if self.saved_view is not None and self.saved_view.line == self.filter_line:
            return self.saved_view.name
        return None

    def _count_of(self, view: SavedView) -> str:
        for found in self.view_counts or []:
            if found.view == view:
                return "?" if found.count is None else f"{found.count:,}".replace(",", "\u202f")
        return "…"

    def views_strips(self) -> list[Content]:
        """``urgentes 15 · à approuver 2 · …``: the other views with their counts, longest
        first (all of them, then one fewer...), for the header to take the first that fits."""
        current = self.view_label()
        parts = [
            Content.assemble(
                safe(c.view.name, one_line=True, max_len=40), " ", self._count_of(c.view)
            )
            for c in self.view_counts or []
            if c.view.name != current
        ]
        return [Content(" · ").join(parts[:n]) for n in range(len(parts), 0, -1)]

    def action_choose_view(self) -> None:
        """``v``: pick a saved view (each with its count), or none."""
        views = [c.view for c in self.view_counts or []] or self._listed()
        options = [(NO_VIEW, self.t("tui.views.none"))] + [
            (str(i), safe_str(f"{v.name} ({self._count_of(v)})", one_line=True, max_len=60))
            for i, v in enumerate(views)
        ]

        def chosen(value: str | None) -> None:
            if value == NO_VIEW:
                self.saved_view = None
                self.set_filter("")
            elif value is not None:
                self.saved_view = views[int(value)]
                self.set_filter(self.saved_view.line)

        current = self.view_label()
        index = next((str(i) for i, v in enumerate(views) if v.name == current), NO_VIEW)
        self.app.push_screen(
            PickerScreen(self.t("tui.views.title"), options, current=index), chosen
        )

    def _listed(self) -> list[SavedView]:
        try:
            return self.desk.saved_views.views(self.desk_app.catalog)
        except Exception as exc:  # noqa: BLE001 - an unreadable views file is said
            self.desk_app.show_error(*explain(exc, self.desk_app.catalog))
            return []

    def action_save_view(self) -> None:
        """``+``: save the current filter line as one's own view, under a name asked for."""
        line = self.filter_line
        if not line:
            self.notify(self.t("tui.views.no_line"), severity="warning", markup=False)
            return

        def named(name: str | None) -> None:
            if name and name.strip():
                self.save_view(name, line)

        title = self.t("tui.views.save_title", line=safe_str(line, one_line=True, max_len=60))
        self.app.push_screen(LinePrompt(title, self.view_label() or "", max_length=40), named)

    @work(thread=True, exclusive=True, group="queue-views-save")
    def save_view(self, name: str, line: str) -> None:
        """Write the person's views file (desk.saved_views), then count again."""
        try:
            view = self.desk.saved_views.save(name, line)
        except Exception as exc:  # noqa: BLE001 - a refusal is said, the desk goes on
            self.post_message(ActionFailed(*explain(exc, self.desk_app.catalog)))
            return
        self.post_message(ViewSaved(view))

    def on_view_saved(self, message: ViewSaved) -> None:
        """Name the filter after the new view and say so."""
        self.saved_view = message.view
        self.notify(
            self.t("tui.views.saved", name=safe_str(message.view.name, one_line=True, max_len=40)),
            markup=False,
        )
        self._show_header()
        self.count_views()
