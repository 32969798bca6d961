"""How one queue row is laid out in cells: the columns, their widths, and their text.

Kept apart from the list widget so the layout can be tested (and changed) without scrolling code.
Every value taken from a mention goes through ``safe`` (literal Content, cleaned of controls).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from rich.cells import cell_len, set_cell_size
from textual.content import Content
from textual.style import Style

from desk.i18n import Catalog
from desk.tui.labels import age, category_label, priority_label, status_label
from desk.tui.safe import safe, safe_str
from desk.views import QueueRow


@dataclass(frozen=True)
class Column:
    """One column: catalog key of its title, its width (0 = takes the rest), right-aligned or not."""

    key: str
    width: int
    right: bool = False
    min_total: int = 0  # the column is shown only when the list is at least this wide
    narrow: int = 0  # its width below NARROW cells (0: unchanged), so the message keeps room


COLUMNS: tuple[Column, ...] = (
    Column("priority", 8),
    Column("category", 11),
    Column("platform", 10, min_total=110),
    Column("author", 18, narrow=12),
    Column("snippet", 0),
    Column("age", 6, right=True),  # "45 min", "22 j" (tui.age_short)
    Column("assignee", 8, narrow=6),
    Column("status", 7, min_total=96),
)
MIN_SNIPPET = 12
NARROW = 100
# The addressees a reply starts with (``@villebelleville @renee``): the queue shows the message
# after them, so a narrow screen does not spend its one line repeating the desk's own handle.
_LEADING_HANDLES = re.compile(r"^(?:\s*@[\w.@-]+[,:]?)+\s+")


@lru_cache(maxsize=16)
def layout(width: int) -> tuple[tuple[Column, int], ...]:
    """The columns shown at this width, each with its cell width (one space between columns);
    worked out once per width, not once per row drawn."""
    shown = [c for c in COLUMNS if width >= c.min_total]
    widths = [c.narrow if c.narrow and width < NARROW else c.width for c in shown]
    fixed = sum(widths) + len(shown) - 1
    rest = max(MIN_SNIPPET, width - fixed)
    return tuple((c, w or rest) for c, w in zip(shown, widths, strict=True))


@lru_cache(maxsize=16)
def layout_cells(width: int) -> int:
    """The cells a row laid out at this width takes: ``width``, or more when the columns
    shown do not fit (the message keeps ``MIN_SNIPPET`` cells)."""
    columns = layout(width)
    return sum(cells for _column, cells in columns) + len(columns) - 1


def snippet(text: str) -> str:
    """The message as the queue shows it: without the handles it starts with (when more
    follows)."""
    rest = _LEADING_HANDLES.sub("", text, count=1)
    return rest if rest.strip() else text


def _cell(content: Content, width: int, right: bool = False) -> Content:
    content = content.truncate(width, ellipsis=True)
    pad = width - content.cell_length
    return content.pad_left(pad) if right else content.pad_right(pad)


def _join(cells: list[Content]) -> Content:
    return Content(" ").join(cells)


def header_line(catalog: Catalog, width: int) -> Content:
    """The column titles."""
    return _join(
        [_cell(Content(catalog.t(f"tui.col.{c.key}")), w, c.right) for c, w in layout(width)]
    )


def _plain_values(row: QueueRow, catalog: Catalog, now: datetime) -> dict[str, str]:
    """The text of each column for one mention, untrusted values cleaned (desk.tui.safe)."""
    return {
        "priority": priority_label(catalog, row.priority),
        "category": category_label(catalog, row.category),
        "platform": safe_str(row.platform, one_line=True, max_len=40),
        "author": safe_str(row.author, one_line=True, max_len=80),
        "snippet": safe_str(snippet(row.text), one_line=True, max_len=400),
        "age": age(row.created_at, now, catalog, short=True),
        "assignee": safe_str(row.assignee or "—", one_line=True, max_len=40),
        "status": status_label(catalog, row.status),
    }


def _claimed(row: QueueRow, now: datetime) -> bool:
    """Someone has the composer open on this mention (the collision guard's ``✎``)."""
    return bool(row.replying_by) and row.replying_until is not None and row.replying_until > now


def row_values(row: QueueRow, catalog: Catalog, now: datetime) -> dict[str, Content]:
    """The text of each column for one mention (untrusted values made literal and safe)."""
    values = {key: Content(text) for key, text in _plain_values(row, catalog, now).items()}
    if _claimed(row, now):
        values["assignee"] = Content.assemble(
            ("✎ ", "bold $warning"), safe(row.replying_by, one_line=True, max_len=40)
        )
    return values


def _fit(text: str, width: int, right: bool = False) -> str:
    """``text`` in exactly ``width`` cells, as ``_cell`` lays out a cell: cut with an ellipsis
    when too wide, padded with spaces otherwise."""
    length = cell_len(text)
    if length > width:
        text = set_cell_size(text, width - 1) + "…" if width else ""
        length = cell_len(text)
    pad = " " * (width - length)
    return pad + text if right else text + pad


def row_text(row: QueueRow, catalog: Catalog, width: int, now: datetime) -> tuple[str, int] | None:
    """One mention as ``row_line`` lays it out, as plain text, and the length of its first
    (priority) cell: the queue draws most rows from this, with no ``Content`` built per cell
    (a screenful of rows is most of the first paint's own work; bench_ui). None for a row whose
    assignee cell carries a style of its own (a claim's ``✎``): ``row_line`` draws those."""
    if _claimed(row, now):
        return None
    values = _plain_values(row, catalog, now)
    cells = [_fit(values[column.key], w, column.right) for column, w in layout(width)]
    return " ".join(cells), len(cells[0])


def row_line(
    row: QueueRow, catalog: Catalog, width: int, now: datetime, priority_style: Style | None = None
) -> Content:
    """One mention as a line of cells; the priority cell may carry its own style."""
    values = row_values(row, catalog, now)
    cells = []
    for column, cell_width in layout(width):
        cell = _cell(values[column.key], cell_width, column.right)
        if column.key == "priority" and priority_style is not None:
            cell = cell.stylize(priority_style)
        cells.append(cell)
    return _join(cells)


def placeholder_line(width: int) -> Content:
    """A row not loaded yet."""
    return _join(
        [
            _cell(Content("…" if c.key in ("snippet", "author") else ""), w, c.right)
            for c, w in layout(width)
        ]
    )
