"""QueueList draws little per key: a cursor move redraws two rows, a scroll reuses the rows
already drawn, and new data is always drawn anew (benchmarks/bench_ui.py measures the time)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from textual.app import App, ComposeResult
from textual.color import Color
from textual.content import Content
from textual.geometry import Offset, Region
from textual.strip import Strip

from desk.i18n import Catalog
from desk.rows import QueueRow
from desk.tui.widgets.queue_list import _PRIORITY_CLASSES, MARK, MARK_WIDTH, QueueList, _strip
from desk.tui.widgets.queue_row import row_line
from desk.tui.widgets.scrollbar import LineScrollBar

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def row(i: int, text: str = "") -> QueueRow:
    return QueueRow(
        id=i + 1,
        platform="mastodon",
        remote_id=f"r{i}",
        author=f"@auteur{i}",
        text=text or f"message {i}",
        created_at=NOW,
        category="question",
        priority=1,
        assignee=None,
        status="open",
        language="fr",
        kind="mention",
    )


class CountingList(QueueList):
    """Counts the lines Textual asks for and the rows it draws."""

    asked = 0
    drawn = 0

    def render_line(self, y: int) -> Strip:
        self.asked += 1
        return super().render_line(y)

    def _row_strip(self, index: int, row: QueueRow | None, width: int) -> Strip:
        self.drawn += 1
        return super()._row_strip(index, row, width)


class ListApp(App[None]):
    def compose(self) -> ComposeResult:
        yield CountingList(Catalog("fr"), clock=lambda: NOW)


async def test_moves_redraw_two_rows_and_scrolls_reuse_drawn_rows() -> None:
    app = ListApp()
    async with app.run_test(size=(100, 12)) as pilot:  # 10 rows in view under the header
        queue = app.query_one(CountingList)
        queue.focus()
        queue.set_total(0, 2000)
        for page in range(2):
            queue.set_page(0, page * 200, [row(i) for i in range(page * 200, page * 200 + 200)])
        await pilot.pause()
        queue.asked = queue.drawn = 0
        await pilot.press("down")  # no scroll: only the row left and the row reached
        await pilot.pause()
        assert (queue.asked, queue.drawn) == (2, 2)
        for _ in range(9):  # to the last row in view
            await pilot.press("down")
        await pilot.pause()
        queue.asked = queue.drawn = 0
        await pilot.press("down")  # a scroll: every line asked for, only 3 rows drawn anew
        await pilot.pause()
        assert queue.scroll_offset.y == 1
        assert queue.asked >= 10
        assert queue.drawn <= 3

        queue.invalidate(1)  # the same filter, changed data: the new text is drawn
        queue.set_page(1, 0, [row(i, "texte changé" if i == 5 else "") for i in range(200)])
        await pilot.pause()
        assert "texte changé" in queue.render_line(5).text

        queue.drawn = 0  # the same rows read again (the 15 s refresh): nothing drawn anew
        queue.invalidate(2)
        queue.set_page(2, 0, [row(i, "texte changé" if i == 5 else "") for i in range(200)])
        await pilot.pause()
        assert queue.drawn == 0

        for _ in range(60):  # far down: the drawn rows kept stay few
            queue.action_page_down()
            await pilot.pause()
        assert queue.cursor > queue.STRIP_CACHE
        assert len(queue._strips) <= queue.STRIP_CACHE


class Requests(App[None]):
    """Records the pages the list asks for and the mentions it announces."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[int] = []
        self.announced: list[int | None] = []

    def compose(self) -> ComposeResult:
        yield QueueList(Catalog("fr"), clock=lambda: NOW)

    def on_queue_list_rows_needed(self, message: QueueList.RowsNeeded) -> None:
        self.asked.append(message.offset)


async def test_announces_at_once_reads_ahead_and_redraws_the_scrollbar_only_when_it_moves() -> None:
    app = Requests()
    async with app.run_test(size=(100, 12)) as pilot:  # 10 rows in view
        queue = app.query_one(QueueList)
        queue.highlighted.subscribe(app, app.announced.append, immediate=True)
        queue.focus()
        queue.set_total(0, 100_000)
        queue.set_page(0, 0, [row(i) for i in range(200)])
        await pilot.pause()
        queue.action_cursor_down()  # the subscriber ran in the move itself, before any frame
        assert app.announced[-1] == 2
        queue.move_to(192)  # within a screen of row 200: its page is asked for already
        await pilot.pause()
        assert 200 in app.asked
        assert all(queue.row_at(i) is not None for i in range(183, 193))

        bar = queue.vertical_scrollbar
        drawn: list[int] = []
        assert isinstance(bar, LineScrollBar)
        original = bar.draw_bar

        def draw_bar(background: Color, color: Color) -> list[Strip]:
            drawn.append(1)
            return original(background, color)

        bar.draw_bar = draw_bar  # type: ignore[method-assign]
        await pilot.press("down")  # one row of 100,000: the thumb stays where it is drawn
        await pilot.pause()
        assert bar.position == queue.scroll_offset.y  # exact, for a drag that starts now
        assert drawn == []
        queue.move_to(60_000)  # far: the thumb moves and is drawn again
        await pilot.pause()
        assert drawn


async def test_the_scrollbar_drawn_in_lines_looks_as_textual_draws_it() -> None:
    """The list's ``LineScrollBar`` draws exactly what Textual's ``ScrollBar`` draws through
    Rich (the same characters in the same styles, click areas included): at the top, in the
    middle, at the end, under the mouse and grabbed."""
    app = Requests()
    async with app.run_test(size=(100, 12)) as pilot:
        queue = app.query_one(QueueList)
        queue.set_total(0, 100_000)
        queue.set_page(0, 0, [row(i) for i in range(200)])
        await pilot.pause()
        bar = queue.vertical_scrollbar
        assert isinstance(bar, LineScrollBar)
        for index, state in [(0, ""), (7, ""), (50_000, "mouse_over"), (99_999, "grabbed")]:
            queue.move_to(index)
            bar.mouse_over = state == "mouse_over"
            bar.grabbed = Offset(0, 0) if state == "grabbed" else None
            await pilot.pause()
            crop = Region(0, 0, *bar.size)
            textual = bar.drawn_by_textual(crop)
            ours = bar.render_lines(crop)
            assert len(ours) == len(textual) == bar.size.height
            assert [cells(s) for s in ours] == [cells(s) for s in textual], (index, state)
            half = Region(0, 2, bar.size.width, 3)  # a part, as a partial update asks for it
            assert [cells(s) for s in bar.render_lines(half)] == [cells(s) for s in textual[2:5]]


async def test_the_lists_lines_are_finished_as_textual_finishes_them() -> None:
    """The list's style cache finishes its lines itself (``_RowsStylesCache``, for a list
    without border, padding, tint...): exactly as Textual's general path does, for the
    header, rows of each priority, the cursor (focused or not), a mark, the blank lines
    past the last row, and the scrollbar's column; a whole area and a part of it."""
    app = ListApp()
    async with app.run_test(size=(100, 12)) as pilot:
        queue = app.query_one(CountingList)
        queue.set_total(0, 6)  # fewer rows than lines: blank lines under them
        queue.set_page(0, 0, [replace(row(i), priority=i % 4) for i in range(6)])
        queue.set_marks({3})
        for focused in (True, False):
            app.set_focus(queue if focused else None)
            await pilot.pause()
            for crop in (Region(0, 0, *queue.size), Region(3, 2, 40, 3)):
                queue.forget_drawn()
                ours = queue.render_lines(crop)
                assert queue.finished_itself  # the list's own finishing was used
                textual = queue.drawn_by_textual(crop)  # rows anew to their width: Textual fills
                assert len(ours) == crop.height
                assert [cells(s) for s in ours] == [cells(s) for s in textual], (focused, crop)


def cells(strip: Strip) -> list[tuple[str, object]]:
    """Each character drawn with its style: two strips that draw the same compare equal,
    however their segments are cut."""
    return [(char, segment.style) for segment in strip for char in segment.text]


async def test_rows_drawn_from_plain_text_look_as_the_content_path_draws_them() -> None:
    """The queue draws most rows straight from their plain cells (``row_text``); every row must
    look exactly as the ``Content`` path (``row_line``, kept for claimed rows) draws it: the
    same characters, cut and padded the same, in the same styles (cursor, priority, mark)."""
    texts = [
        "Bonjour, l'eau est-elle potable ce matin?",
        "水道水は安全ですか 水道水は安全ですか 水道水は安全ですか 水道水は安全ですか 😀😀",
        "x" * 500,
        "@ville @maire un texte après les adresses",
        "tab\there\nand a new line\x1b[31m with an escape",
        "",
    ]
    rows = []
    for i, text in enumerate(texts * 4):
        one = replace(
            row(i, text),
            priority=i % 4,
            author="@" + "é" * (i * 7),
            assignee=("amelie", None, "Ã" * 30)[i % 3],
        )
        rows.append(one)
    for width in (100, 61, 30, 160):
        app = ListApp()
        async with app.run_test(size=(width, 12)) as pilot:
            queue = app.query_one(CountingList)
            queue.focus()
            queue.set_total(0, len(rows))
            queue.set_page(0, 0, rows)
            queue.marked = {3, 4, 9}
            await pilot.pause()
            queue._now = NOW
            cursor = queue.get_visual_style("queue-list--cursor")
            base = queue.get_visual_style()
            for index, one in enumerate(rows):
                queue.cursor = index % 5 and 1
                style = cursor if index == queue.cursor else base
                prio = _PRIORITY_CLASSES.get(one.priority)
                prio_style = (
                    queue.get_visual_style(prio, partial=True)
                    if prio and index != queue.cursor
                    else None
                )
                mark = Content(MARK if one.id in queue.marked else " " * MARK_WIDTH)
                if one.id in queue.marked:
                    mark = mark.stylize(queue.get_visual_style("queue-list--mark", partial=True))
                line = row_line(one, queue.catalog, max(1, width - MARK_WIDTH), NOW, prio_style)
                expected = _strip(mark + line, style, width)
                drawn = queue._row_strip(index, one, width)
                assert cells(drawn) == cells(expected), (width, index)
                assert drawn.cell_length == width
