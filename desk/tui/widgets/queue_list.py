"""QueueList: a virtual list of mentions that renders only the visible lines (Line API).

The widget never holds the whole queue. It knows ``total`` (one count per filter) and keeps a small
cache of pages (``PAGE_SIZE`` rows, at most ``MAX_PAGES`` of them). When the viewport or the cursor
comes within a screen of rows it does not have, it posts ``RowsNeeded``; the screen fetches that
page in a worker and hands it back with ``set_page`` — usually before those rows come into view.
Rows not loaded yet are drawn as placeholders. Each filter change or data refresh bumps a
``generation`` so late pages of an old query are dropped. On a refresh (``invalidate``: this
desk's action or another desk's change) the cursor stays on its mention when that mention
moved, and on its row when the mention left the view.

The row under the cursor is announced on the ``highlighted`` signal (its mention id, or None),
whose subscribers run at once, in the same call as the move: what they change (the screen's
preview) is drawn in the same frame as the cursor. A message would reach the screen after the
frame is drawn, and its own frame would hold up the next key by up to a frame (bench_ui).

Marks: ``action_toggle_mark`` (the screen's space) marks or unmarks the row under the cursor
and moves down; a marked row carries a
``●`` in the first cells. The list keeps only the marked ids and posts ``MarksChanged``; the
screen marks many at once (``set_marks``) and runs actions on them. An empty queue shows the
lines the screen gave (``set_empty_text``) instead of blank rows.

Drawing: a cursor move that does not scroll redraws only the two rows concerned; a scroll
draws every visible line again (Textual does not shift lines), so each row's drawn line is kept
(``_strips``, at most ``STRIP_CACHE`` lines, forgotten on new data for those rows, language,
marks or style) and a scroll by one row draws one new row instead of all of them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual._styles_cache import StylesCache
from textual.binding import Binding
from textual.color import Color
from textual.content import Content
from textual.css.styles import StylesBase
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.signal import Signal
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.widget import Widget

from desk.clock import Clock
from desk.i18n import Catalog
from desk.tui.widgets.queue_row import (
    header_line,
    layout_cells,
    placeholder_line,
    row_line,
    row_text,
)
from desk.tui.widgets.scrollbar import LineScrollBar, thumb
from desk.views import QueueRow

_PRIORITY_CLASSES = {3: "queue-list--urgent", 2: "queue-list--high", 0: "queue-list--low"}
MARK = "● "
MARK_WIDTH = 2  # the cells before each row where its mark shows


class QueueList(ScrollView, can_focus=True):
    """The paged, virtual queue of mentions with a row cursor."""

    PAGE_SIZE = 200
    FIRST_ROWS = 100  # read before the app starts (a tall terminal's screen); then the page
    MAX_PAGES = 5
    STRIP_CACHE = 400  # drawn rows kept (a few screens' worth), whatever the queue's size

    BINDINGS = [
        Binding("up,k", "cursor_up", "tui.keys.up", show=False),
        Binding("down,j", "cursor_down", "tui.keys.down", show=False),
        Binding("pageup", "page_up", "tui.keys.page_up", show=False),
        Binding("pagedown", "page_down", "tui.keys.page_down", show=False),
        Binding("home,g", "first", "tui.keys.first", show=False),
        Binding("end,G", "last", "tui.keys.last", show=False),
        Binding("enter", "select", "tui.keys.open", show=False),
    ]

    COMPONENT_CLASSES = {
        "queue-list--header",
        "queue-list--cursor",
        "queue-list--placeholder",
        "queue-list--urgent",
        "queue-list--high",
        "queue-list--low",
        "queue-list--mark",
    }

    DEFAULT_CSS = """
    QueueList { overflow-x: hidden; overflow-y: scroll; }
    QueueList > .queue-list--header { text-style: bold; background: $panel; }
    QueueList > .queue-list--cursor { background: $block-cursor-blurred-background; }
    QueueList:focus > .queue-list--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    QueueList > .queue-list--placeholder { color: $text-muted; }
    QueueList > .queue-list--urgent { color: $error; text-style: bold; }
    QueueList > .queue-list--high { color: $warning; }
    QueueList > .queue-list--low { color: $text-muted; }
    QueueList > .queue-list--mark { color: $accent; text-style: bold; }
    """

    @dataclass
    class RowsNeeded(Message):
        """Rows ``offset .. offset+limit`` of the current generation are missing."""

        queue: QueueList
        generation: int
        offset: int
        limit: int

    @dataclass
    class MentionSelected(Message):
        """Enter (or a double click) on this mention."""

        queue: QueueList
        mention_id: int

    @dataclass
    class MarksChanged(Message):
        """The marked mentions changed; ``count`` of them now."""

        queue: QueueList
        count: int

    def __init__(self, catalog: Catalog, *, clock: Clock, id: str | None = None) -> None:
        super().__init__(id=id)
        self._styles_cache: _RowsStylesCache = _RowsStylesCache()
        self.catalog = catalog
        self.clock = clock
        self._now = clock()  # ages are reckoned from one reading per area drawn
        self.total = 0
        self.cursor = 0
        self.generation = 0
        self.counted = False  # False until the count of this filter arrives; total is then a floor
        self._pages: OrderedDict[int, list[QueueRow]] = OrderedDict()
        self._stale: set[int] = set()
        self._requested: set[int] = set()
        self._highlighted: int | None = None
        self.marked: set[int] = set()
        self._empty: list[Content] = []
        self._strips: dict[tuple[object, ...], Strip] = {}
        self._area: tuple[int, int, bool] | None = None  # (width, first row, focus) while an
        # area is drawn
        self._area_styles: dict[tuple[object, ...], VisualStyle] | None = None  # meanwhile
        self._area_end: tuple[int, RichStyle] | None = None  # meanwhile, in a plain list
        self.highlighted: Signal[int | None] = Signal(self, "mention-highlighted")
        """The cursor is on this mention (None when the queue is empty); see the module doc."""

    # -- data in -------------------------------------------------------------------------
    def reset(self, generation: int, *, first_page_requested: bool = False) -> None:
        """A new filter: forget every row and go back to the top.

        ``first_page_requested``: the screen fetches page 0 alongside the count, so the first
        rows can be drawn before the (slower) count of a large queue arrives.
        """
        self.generation = generation
        self._pages.clear()
        self._strips.clear()
        self._stale.clear()
        self._requested = {0} if first_page_requested else set()
        self.counted = False
        self.total = 0
        self._highlighted = None
        self.cursor = 0
        self.scroll_to(y=0, animate=False)
        self.refresh()

    def invalidate(self, generation: int) -> None:
        """Same filter, changed data: keep showing the old rows until fresh pages arrive
        (only the rows that changed are drawn again then: ``set_page``)."""
        self.generation = generation
        self._stale = set(self._pages)
        self._requested.clear()
        self._request_missing()

    def set_total(self, generation: int, total: int) -> None:
        """The row count for ``generation``; the cursor is clamped to it."""
        if generation != self.generation:
            return
        self.total = max(0, total)
        self.counted = True
        self._update_virtual_size()
        self._move(min(self.cursor, max(0, self.total - 1)), force=True)
        self.refresh()

    def set_page(
        self, generation: int, offset: int, rows: list[QueueRow], *, whole: bool = True
    ) -> None:
        """Rows fetched from ``offset`` (a page boundary) for ``generation``. ``whole=False``:
        only the page's first rows (those a screen shows, read before the app started); the
        whole page is fetched when the list next draws."""
        if generation != self.generation:
            return
        page = offset // self.PAGE_SIZE
        self._requested.discard(page)
        refreshed = page in self._stale
        self._stale.discard(page)
        before = self._pages.get(page)
        self._pages[page] = list(rows)
        if not whole:
            self._stale.add(page)
        self._pages.move_to_end(page)
        self._evict()
        if not self.counted and offset + len(rows) > self.total:
            self.total = offset + len(rows)  # provisional, until the count arrives
            self._update_virtual_size()
        if refreshed and self._follow(offset, rows):
            return
        self._announce()
        if before is None:
            self._forget_strips({offset + i for i in range(self.PAGE_SIZE)})
            self.refresh()
            return
        # The same rows read again (a refresh, the rest of a first page): only the rows that
        # changed are drawn again, not the whole screen.
        changed = {
            offset + i
            for i in range(max(len(before), len(rows)))
            if i >= len(before) or i >= len(rows) or before[i] != rows[i]
        }
        if changed:
            self._forget_strips(changed)
            self._refresh_rows(*changed)

    def _follow(self, offset: int, rows: list[QueueRow]) -> bool:
        """The rows read again after a change (another desk's too): when the mention under the
        cursor is among them at another place (a mention above it went), the cursor follows
        it and the whole list is drawn again (True); a mention that went itself leaves the
        cursor on its row, now the next one (False)."""
        followed = self._highlighted
        index = next((offset + i for i, row in enumerate(rows) if row.id == followed), None)
        if followed is None or index is None or index == self.cursor:
            return False
        self._forget_strips({offset + i for i in range(self.PAGE_SIZE)})
        self._move(index, force=True)
        self.refresh()
        return True

    def _forget_strips(self, indexes: set[int]) -> None:
        """Forget the drawn lines of these rows."""
        for key in [k for k in self._strips if k[0] in indexes]:
            del self._strips[key]

    @property
    def loaded_rows(self) -> int:
        """How many rows the cache holds (at most ``PAGE_SIZE * MAX_PAGES``)."""
        return sum(len(rows) for rows in self._pages.values())

    def row_at(self, index: int) -> QueueRow | None:
        """The loaded row at ``index``, or None."""
        rows = self._pages.get(index // self.PAGE_SIZE)
        offset = index % self.PAGE_SIZE
        return rows[offset] if rows is not None and offset < len(rows) else None

    @property
    def current(self) -> QueueRow | None:
        """The row under the cursor, when loaded."""
        return self.row_at(self.cursor) if self.total else None

    def index_of(self, mention_id: int) -> int | None:
        """Where a loaded row of this mention is, or None (not in the view, or not loaded)."""
        for page, rows in self._pages.items():
            for offset, row in enumerate(rows):
                if row.id == mention_id:
                    return page * self.PAGE_SIZE + offset
        return None

    def move_to(self, index: int) -> None:
        """Put the cursor on row ``index`` (its page is fetched if needed)."""
        self._move(index)

    def set_empty_text(self, lines: list[Content]) -> None:
        """What an empty queue says (already safe Content), one entry per paragraph."""
        self._empty = lines
        self.refresh()

    # -- marks ---------------------------------------------------------------------------
    def action_toggle_mark(self) -> None:
        """Mark or unmark the row under the cursor, then go to the next row."""
        row = self.current
        if row is None:
            return
        self.marked.symmetric_difference_update({row.id})
        self.post_message(self.MarksChanged(self, len(self.marked)))
        self._move(self.cursor + 1, force=True)

    def set_marks(self, ids: set[int]) -> None:
        """Mark exactly these mentions (an empty set clears every mark)."""
        self.marked = set(ids)
        self._strips.clear()
        self.post_message(self.MarksChanged(self, len(self.marked)))
        self.refresh()

    def set_catalog(self, catalog: Catalog) -> None:
        """Relabel the column titles and values in another language."""
        self.catalog = catalog
        self._strips.clear()
        self.refresh()

    # -- paging --------------------------------------------------------------------------
    def _visible_rows(self) -> range:
        start = int(self.scroll_offset.y)
        return range(
            start, min(self.total, start + max(1, self.scrollable_content_region.height - 1))
        )

    def _wanted_pages(self) -> set[int]:
        """The cursor's page and those of the rows in view or within a screen of it (read
        ahead: a page usually arrives before its rows are scrolled into view)."""
        rows = self._visible_rows()
        pages = {self.cursor // self.PAGE_SIZE} if self.total else set()
        if rows:
            ahead = len(rows)
            first = max(0, rows.start - ahead)
            last = min(self.total, rows.stop + ahead) - 1
            pages.update(range(first // self.PAGE_SIZE, last // self.PAGE_SIZE + 1))
        return pages

    def _request_missing(self) -> None:
        for page in sorted(self._wanted_pages()):
            if (page not in self._pages or page in self._stale) and page not in self._requested:
                self._requested.add(page)
                self.post_message(
                    self.RowsNeeded(self, self.generation, page * self.PAGE_SIZE, self.PAGE_SIZE)
                )

    def _evict(self) -> None:
        keep = self._wanted_pages()
        for page in list(self._pages):
            if len(self._pages) <= self.MAX_PAGES:
                break
            if page not in keep:
                del self._pages[page]
                self._stale.discard(page)

    # -- cursor --------------------------------------------------------------------------
    def _move(self, index: int, *, force: bool = False) -> None:
        if not self.total:
            self.cursor = 0
            self._announce()
            return
        index = max(0, min(index, self.total - 1))
        if index == self.cursor and not force:
            return
        before = self.cursor
        self.cursor = index
        rows_shown = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_offset.y)
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + rows_shown:
            self.scroll_to(y=index - rows_shown + 1, animate=False)
        self._request_missing()
        self._announce()
        if int(self.scroll_offset.y) == top:
            # Not scrolled: only the two rows the cursor left and reached change (drawing every
            # visible row again costs a frame at 45 lines; bench_ui's move figures).
            self._refresh_rows(before, index)
        else:
            self.refresh()

    def _refresh_rows(self, *indexes: int) -> None:
        """Redraw only the lines of these rows (those in view), below the header line."""
        top = int(self.scroll_offset.y)
        shown = range(top, top + max(1, self.scrollable_content_region.height - 1))
        width = self.size.width
        regions = [Region(0, i - top + 1, width, 1) for i in set(indexes) if i in shown]
        if regions:
            self.refresh(*regions)

    def _announce(self) -> None:
        row = self.current
        mention_id = row.id if row else None
        if mention_id != self._highlighted and (row is not None or not self.total):
            self._highlighted = mention_id
            self.highlighted.publish(mention_id)

    def action_cursor_up(self) -> None:
        """Previous row."""
        self._move(self.cursor - 1)

    def action_cursor_down(self) -> None:
        """Next row."""
        self._move(self.cursor + 1)

    def action_page_up(self) -> None:
        """One screen up."""
        self._move(self.cursor - max(1, self.scrollable_content_region.height - 2))

    def action_page_down(self) -> None:
        """One screen down."""
        self._move(self.cursor + max(1, self.scrollable_content_region.height - 2))

    def action_first(self) -> None:
        """First row."""
        self._move(0)

    def action_last(self) -> None:
        """Last row (its page is fetched on demand)."""
        self._move(self.total - 1)

    def action_select(self) -> None:
        """Open the mention under the cursor."""
        row = self.current
        if row is not None:
            self.post_message(self.MentionSelected(self, row.id))

    def on_click(self, event: events.Click) -> None:
        """A click moves the cursor; a double click opens the row."""
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        self._move(int(self.scroll_offset.y) + offset.y - 1)
        if event.chain >= 2:
            self.action_select()

    # -- rendering -----------------------------------------------------------------------
    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self.total + 1)

    def on_resize(self, _event: events.Resize) -> None:
        """Keep the scrollable size in step with the width."""
        self._strips.clear()
        self._update_virtual_size()

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """As Textual's (made on first use, started as its child), but a ``LineScrollBar``:
        the same bar, drawn without Rich's console (desk.tui.widgets.scrollbar)."""
        if self._vertical_scrollbar is None:
            bar = LineScrollBar(
                vertical=True, name="vertical", thickness=self.scrollbar_size_vertical
            )
            bar.display = False
            self._vertical_scrollbar = bar
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar

    def watch_has_focus(self, has_focus: bool) -> None:
        """Styled again for ``:focus`` (the cursor's colours), as any widget, except before
        its screen is first shown: Textual focuses the list while composing the screen, and
        the screen's first resume styles every widget anyway (focus included), so that first
        restyle (~1 ms of the first paint, bench_ui) would be thrown away."""
        if self.screen.stack_updates:  # 0 until the screen is first resumed (shown)
            super().watch_has_focus(has_focus)

    def notify_style_update(self) -> None:
        """Styles changed (focus, theme, CSS): rows are drawn again in the new ones."""
        self._strips.clear()
        super().notify_style_update()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """As ScrollView's, but the scrollbar is drawn again only when its thumb moves: a
        scroll by one row of a long queue moves the thumb by less than an eighth of a cell
        (its smallest step), and drawing the whole bar again cost a millisecond per key."""
        if self.show_vertical_scrollbar:
            bar = self.vertical_scrollbar
            before = thumb(bar, bar.position)
            bar.set_reactive(ScrollBar.position, bar.validate_position(new_value))
            if thumb(bar, bar.position) != before:
                bar.refresh()
        if round(old_value) != round(new_value):
            self.refresh(self.size.region)

    def render_lines(self, crop: Region) -> list[Strip]:
        """Ask for missing pages of the area about to be drawn, then draw it (Textual's
        style cache asks ``render_line`` for the lines not drawn yet or refreshed)."""
        self._request_missing()
        self._now = self.clock()
        # read once for every line of the area (each reading costs as much as a cached line)
        self._area = (
            self.scrollable_content_region.width,
            int(self.scroll_offset.y),
            self.has_focus,
        )
        self._area_styles = {}
        plain = self._styles_cache.plain = self._plain_box()
        if plain:  # the widget's width and background: what the rows are filled to
            base_background, background = self.background_colors
            inner = VisualStyle(background=base_background + background).rich_style
            self._area_end = (self.size.width, inner)
        try:
            return super().render_lines(crop)
        finally:
            self._area = None
            self._area_styles = None
            self._area_end = None

    def forget_drawn(self) -> None:
        """Forget every line drawn, finished or not: the next drawing starts afresh."""
        self._styles_cache.clear()
        self._strips.clear()

    @property
    def finished_itself(self) -> bool:
        """The last area drawn was finished by the list (``_RowsStylesCache.plain``)."""
        return self._styles_cache.plain

    def drawn_by_textual(self, crop: Region) -> list[Strip]:
        """``crop`` drawn afresh through Textual's general path, as if the list did not
        finish its own lines: tests/tui/test_queue_drawing.py holds the two equal."""
        self.forget_drawn()
        self._styles_cache.plain = False
        return Widget.render_lines(self, crop)

    def _plain_box(self) -> bool:
        """No border, outline, padding, tint, opacity or hatch (``_RowsStylesCache``)."""
        styles = self.styles
        return not (
            any(styles.gutter)
            or any(edge for edge, _color in styles.outline)
            or styles.tint.a
            or self.opacity != 1.0
            or styles.text_opacity != 1.0
            or (styles.has_rule("hatch") and styles.hatch != "none")
        )

    def _style(self, *component_classes: str, partial: bool = False) -> VisualStyle:
        """``get_visual_style``, asked once per area drawn (each asking reads the widget's
        state: focus, hover, disabled...)."""
        styles = self._area_styles
        if styles is None:
            return self.get_visual_style(*component_classes, partial=partial)
        key = (component_classes, partial)
        style = styles.get(key)
        if style is None:
            style = styles[key] = self.get_visual_style(*component_classes, partial=partial)
        return style

    def render_line(self, y: int) -> Strip:
        """Line ``y`` of the viewport: the header, a row, a placeholder or blank."""
        width, top, focused = self._area or (
            self.scrollable_content_region.width,
            int(self.scroll_offset.y),
            self.has_focus,
        )
        if y == 0:
            header = self._strips.get((-1, width))
            if header is None:
                style = self._style("queue-list--header")
                content = Content(" " * MARK_WIDTH) + header_line(
                    self.catalog, max(1, width - MARK_WIDTH)
                )
                header = Strip(content.render_segments(style)).crop_extend(
                    0, width, style.rich_style
                )
                self._strips[(-1, width)] = header  # forgotten with the rows' lines
            return header
        index = top + y - 1
        if index >= self.total:
            if not self.total and self.counted and self._empty:
                return self._empty_line(y - 1, width)
            return Strip.blank(width, self._style().rich_style)
        row = self.row_at(index)
        if row is None:
            return self._row_strip(index, None, width)
        page = index // self.PAGE_SIZE
        if page in self._pages:
            self._pages.move_to_end(page)
        now = self._now
        # what the drawn line depends on besides the row: ages to the minute, a claim's end
        claimed = row.replying_until is not None and row.replying_until > now
        key = (
            index,
            row.id,
            index == self.cursor,
            row.id in self.marked,
            width,
            claimed,
            now.replace(second=0, microsecond=0),
            focused,
        )
        strip = self._strips.get(key)
        if strip is None:
            if len(self._strips) >= self.STRIP_CACHE:
                self._strips.clear()
            strip = self._strips[key] = self._row_strip(index, row, width)
        return strip

    def _row_strip(self, index: int, row: QueueRow | None, width: int) -> Strip:
        """Row ``index`` drawn: its mark, its cells (or a placeholder), the cursor's style."""
        cells = max(1, width - MARK_WIDTH)
        if index == self.cursor:
            style = self._style("queue-list--cursor")
        elif row is None:
            style = self._style("queue-list--placeholder")
        else:
            style = self._style()
        if row is None:
            return _strip(Content(" " * MARK_WIDTH) + placeholder_line(cells), style, width)
        marked = row.id in self.marked
        mark_style = self._style("queue-list--mark", partial=True) if marked else None
        if (cls := _PRIORITY_CLASSES.get(row.priority)) and index != self.cursor:
            prio_style: VisualStyle | None = self._style(cls, partial=True)
        else:
            prio_style = None
        line = row_text(row, self.catalog, cells, self._now)
        if line is None:  # a claimed row: its assignee cell's ``✎`` has a style of its own
            mark = Content(MARK if marked else " " * MARK_WIDTH)
            if mark_style is not None:
                mark = mark.stylize(mark_style)
            content = mark + row_line(row, self.catalog, cells, self._now, prio_style)
            return _strip(content, style, width)
        # most rows: plain cells straight into segments, the styles combined as Content would
        text, split = line
        rich = style.rich_style
        if mark_style is None:
            segments = [Segment(" " * MARK_WIDTH, rich)]
        else:
            segments = [Segment(MARK, (style + mark_style).rich_style)]
        if prio_style is None:
            segments.append(Segment(text, rich))
        else:
            segments.append(Segment(text[:split], (style + prio_style).rich_style))
            segments.append(Segment(text[split:], rich))
        if self._area_end is None or layout_cells(cells) != cells:
            # filled (or cut) to the row's width: Textual's style cache fills the rest
            return Strip(segments).crop_extend(0, width, rich)
        # exactly the row's width, in a plain list: filled to the widget's width (the
        # scrollbar's column) in its background, as Textual's style cache would, in one line
        # made instead of three (``_RowsStylesCache``)
        full, background = self._area_end
        if full > width:
            segments.append(Segment(" " * (full - width), background))
        return Strip(segments, max(full, width))

    def _empty_line(self, line: int, width: int) -> Strip:
        """Line ``line`` of the empty queue's text, wrapped to the width."""
        style = self._style()
        lines: list[Content] = [Content("")]
        for paragraph in self._empty:
            lines.extend(paragraph.wrap(max(10, width - 2)))
        content = Content(" ") + lines[line] if line < len(lines) else Content("")
        return Strip(content.render_segments(style)).crop_extend(0, width, style.rich_style)


class _RowsStylesCache(StylesCache):
    """Textual's style cache (it keeps each drawn line until refreshed, and runs the app's
    line filters), finishing the list's lines itself when the list has no border, outline,
    padding, tint, opacity or hatch (``QueueList._plain_box``, set before each drawing): then
    all Textual's cache does to a line is fill it to the widget's width in its background,
    which the list's rows already are (``QueueList._row_strip``). Its general path took ~30 us
    per line: a millisecond per screenful drawn, the first paint's and every scroll's
    (bench_ui). tests/tui/test_queue_drawing.py compares the two."""

    plain = False

    def render_line(
        self,
        styles: StylesBase,
        y: int,
        size: Size,
        content_size: Size,
        padding: Spacing,
        base_background: Color,
        background: Color,
        render_content_line: Callable[[int], Strip],
        *rest: Any,
    ) -> Strip:
        """Line ``y`` as Textual's cache finishes it (when ``plain``: fitted to the width)."""
        if not self.plain or content_size != size:
            return super().render_line(
                styles,
                y,
                size,
                content_size,
                padding,
                base_background,
                background,
                render_content_line,
                *rest,
            )
        inner, _outer = self.get_inner_outer(base_background, background)
        return render_content_line(y).adjust_cell_length(size.width, inner.rich_style)


def _strip(content: Content, style: VisualStyle, width: int) -> Strip:
    """``content`` drawn over ``style``, cut or filled to ``width`` cells."""
    return Strip(content.render_segments(style)).crop_extend(0, width, style.rich_style)
