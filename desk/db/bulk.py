"""Bulk inserts for the hot paths (ingest: a mention row and an audit row per item).

SQLAlchemy's per-row parameter processing costs more than SQLite's own insert, so on SQLite the
rows go straight to the driver's ``executemany`` with datetimes written in the exact format
SQLAlchemy's SQLite ``DateTime`` uses (so reads through the ORM are unchanged). Other databases
take the ordinary Core insert.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from desk.clock import as_utc
from desk.db.tables import UTCDateTime


class _SQLiteDatetime:
    """Formats aware datetimes as SQLAlchemy's SQLite DateTime stores them; remembers the last one
    (an import stamps every row with the same ``received_at``)."""

    def __init__(self) -> None:
        self.last: datetime | None = None
        self.text = ""

    def __call__(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        if value is self.last:
            return self.text
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        self.last, self.text = (
            value,
            as_utc(value).replace(tzinfo=None).isoformat(" ", "microseconds"),
        )
        return self.text


def fast_insert(
    conn: sa.Connection, table: sa.Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table`` on the transaction's connection.

    Datetime columns must come last in ``columns``: on SQLite they are converted with one slice
    and a ``map`` per row, which keeps this path cheap.
    """
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(sa.insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    dated = [isinstance(table.c[c].type, (sa.DateTime, UTCDateTime)) for c in columns]
    first = dated.index(True) if True in dated else len(columns)
    if not all(dated[first:]):
        raise ValueError(f"datetime columns must come last in {columns}")
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    )
    if first < len(columns):
        convert = _SQLiteDatetime()
        rows = [row[:first] + tuple(map(convert, row[first:])) for row in rows]
    conn.exec_driver_sql(sql, rows)
