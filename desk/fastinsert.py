"""Bulk inserts for the hot paths (ingest: a mention row and an audit row per item).

SQLAlchemy's per-row parameter processing costs more than SQLite's own insert, so on SQLite the
rows go straight to the driver's ``executemany`` with datetimes written in the exact format
SQLAlchemy's SQLite ``DateTime`` uses (so reads through the ORM are unchanged). Other databases
take the ordinary Core insert.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from desk.clock import as_utc

_SQLITE_DT = "%Y-%m-%d %H:%M:%S.%f"


def _sqlite_datetime(value: datetime | None, _cache: dict[datetime, str] = {}) -> str | None:  # noqa: B006 - deliberate memo
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    text = _cache.get(value)
    if text is None:
        if len(_cache) > 4096:
            _cache.clear()
        text = _cache[value] = as_utc(value).strftime(_SQLITE_DT)
    return text


def fast_insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` on the transaction's connection."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(sa.insert(table), rows)
        return
    columns = list(rows[0])
    dated = {
        c
        for c in columns
        if isinstance(table.c[c].type, sa.DateTime)
        or getattr(table.c[c].type, "impl", None).__class__ is sa.DateTime
    }
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    )
    convert = [(c, _sqlite_datetime if c in dated else None) for c in columns]
    conn.exec_driver_sql(
        sql, [tuple(f(row[c]) if f else row[c] for c, f in convert) for row in rows]
    )
