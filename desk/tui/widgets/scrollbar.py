"""LineScrollBar: Textual's vertical scrollbar, drawn straight into lines.

Textual draws a scrollbar through Rich: its ``ScrollBarRender`` is rendered by a console, the
segments cut into lines, each line passed through the widget's style cache. For the queue's
45-line bar that took ~1.5 ms of every full drawing of the list (its first paint among them;
bench_ui), for one column of mostly identical cells. This bar asks the same renderer for the
same segments (``ScrollBarRender.render_bar``: the thumb, its eighths, the click areas' meta)
and makes each distinct cell into a line once, styled and filtered as Textual's path would
(the widget's base style under the segment's, then the app's line filters), so what is drawn
is the same (tests/tui/test_queue_drawing.py compares the two).
"""

from __future__ import annotations

from math import ceil

from rich.segment import Segment
from textual.color import Color
from textual.geometry import Region
from textual.scrollbar import ScrollBar
from textual.strip import Strip


def thumb(bar: ScrollBar, position: float) -> tuple[int, int, int] | None:
    """Where ``bar`` draws its thumb at ``position``, in eighths of a cell (as Textual's
    ScrollBarRender reckons it), with the sizes it depends on; None without a thumb."""
    size = bar.size.height
    virtual = ceil(bar.window_virtual_size)
    window = ceil(bar.window_size) if bar.window_size < bar.window_virtual_size else 0
    if not (window and size and virtual and size != virtual):
        return None
    thumb_size = max(1, window / (virtual / size))
    return int((size - thumb_size) * position / (virtual - window) * 8), size, virtual


class LineScrollBar(ScrollBar):
    """A vertical ``ScrollBar`` drawn without Rich's console (horizontal ones as Textual)."""

    def __init__(self, vertical: bool = True, name: str | None = None, *, thickness: int = 1):
        super().__init__(vertical, name, thickness=thickness)
        self._drawn: tuple[tuple[object, ...], list[Strip]] | None = None

    def drawn_by_textual(self, crop: Region) -> list[Strip]:
        """``crop`` drawn afresh by Textual's own ScrollBar, through Rich: what this bar must
        draw too (tests/tui/test_queue_drawing.py holds the two equal)."""
        self._styles_cache.clear()
        self.refresh()
        return ScrollBar.render_lines(self, crop)

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines of ``crop``: the whole bar's (``draw_bar``), drawn again only when what
        they show changed (Textual asks for them again on every scroll of the list)."""
        parent = self.parent
        if not self.vertical or parent is None or self.screen.styles.scrollbar_color.a == 0:
            return super().render_lines(crop)
        styles = parent.styles
        if self.grabbed:
            background, color = styles.scrollbar_background_active, styles.scrollbar_color_active
        elif self.mouse_over:
            background, color = styles.scrollbar_background_hover, styles.scrollbar_color_hover
        else:
            background, color = styles.scrollbar_background, styles.scrollbar_color
        if background.a < 1:
            base_background, _ = parent.background_colors
            background = base_background + background
        color = background + color
        window = self.window_size if self.window_size < self.window_virtual_size else 0
        key = (
            self.size,
            ceil(self.window_virtual_size),
            ceil(window),
            thumb(self, self.position),  # not the position: most scrolls leave the thumb be
            background,
            color,
            self.visual_style.rich_style,
            self.background_colors[1],
            tuple(self.app.get_line_filters()),
        )
        if self._drawn is None or self._drawn[0] != key:
            self._drawn = key, self.draw_bar(background, color)
        lines = self._drawn[1][crop.y : crop.bottom]
        width = self.size.width
        if crop.column_span != (0, width):
            lines = [strip.crop(*crop.column_span) for strip in lines]
        return lines

    def draw_bar(self, background: Color, color: Color) -> list[Strip]:
        """Every line of the bar: ``ScrollBarRender``'s cells over the widget's base style,
        through the app's line filters, as Textual's drawing of the bar makes them."""
        width, height = self.size
        window = self.window_size if self.window_size < self.window_virtual_size else 0
        cells = self.renderer.render_bar(
            size=height,
            virtual_size=ceil(self.window_virtual_size),
            window_size=ceil(window),
            position=self.position,
            thickness=width,
            vertical=True,
            back_color=background.rich_color,
            bar_color=color.rich_color,
        ).segments
        base = self.visual_style.rich_style
        filters = self.app.get_line_filters()
        _, widget_background = self.background_colors
        made: dict[Segment, Strip] = {}  # the bar's few distinct cells, each made into a line once
        lines: list[Strip] = []
        for y in range(height):
            cell = cells[y] if y < len(cells) else Segment(" " * width)
            strip = made.get(cell)
            if strip is None:
                strip = Strip([Segment(cell.text, base + cell.style)], width)
                for line_filter in filters:
                    strip = strip.apply_filter(line_filter, widget_background)
                made[cell] = strip
            lines.append(strip)
        return lines
