"""Filling a DataTable so that no row is ever drawn at stale column widths.

DataTable measures new cells only when it is idle, but the screen may be painted before that: a
row drawn then is cut at the column's old width ("supervi" for a new role "superviseur·e"), and
its cached lines are not redrawn when the widths grow later (only a cursor move redraws them).
So the widths are set here, from the cells themselves, before the rows are added: the first
paint is already right, and the table's own measure when idle finds nothing to change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

Row = tuple[Sequence[Text], str | None]
"""The cells of a row and its key (or None)."""


def _width(text: Text) -> int:
    return max((cell_len(line) for line in text.plain.split("\n")), default=0)


def fill(table: DataTable[object], columns: dict[str, Text], rows: Iterable[Row]) -> None:
    """Replace every row; ``columns`` (key -> title) are added the first time or relabelled in
    place. Each column is exactly as wide as its widest cell or title."""
    rows = list(rows)
    if list(table.columns) != [ColumnKey(key) for key in columns]:
        table.clear(columns=True)
        for key, label in columns.items():
            table.add_column(label, key=key)
    else:
        table.clear()  # drops the table's caches of rendered lines too
        for key, label in columns.items():
            table.columns[ColumnKey(key)].label = label
    for index, key in enumerate(columns):
        widest = max((_width(cells[index]) for cells, _ in rows), default=0)
        table.columns[ColumnKey(key)].content_width = max(widest, _width(columns[key]))
    for cells, row_key in rows:
        table.add_row(*cells, key=row_key)


def extend(table: DataTable[object], rows: Iterable[Row]) -> None:
    """Add rows after the others, widening the columns first where a new cell needs it."""
    rows = list(rows)
    for index, column in enumerate(table.ordered_columns):
        widest = max((_width(cells[index]) for cells, _ in rows), default=0)
        column.content_width = max(column.content_width, widest)
    for cells, row_key in rows:
        table.add_row(*cells, key=row_key)
