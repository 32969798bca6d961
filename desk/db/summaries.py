"""The report's summary tables (migration 0021): derived data, kept by triggers, rebuildable.

``report_volume`` counts mentions per UTC hour of posting, channel and category (and how many are
open now); ``report_first_replies`` holds each answered mention's first-response time;
``report_answers`` counts sent replies per library answer and hour of their mention. Triggers on
``mentions`` and ``replies`` keep them exact inside the transaction that changes a row (see the
migration); desk.reports reads them instead of a million mentions.

``rebuild`` recomputes them from the rows, with the same SQL the migration filled them with, and
says how many rows differed: none, unless something wrote behind the triggers' back (a restore
of some tables only, a copy that skipped them). Hours are whole numbers: hours since 1970 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from desk.clock import as_utc

TABLES = ("report_volume", "report_first_replies", "report_answers")
"""The derived tables: ``desk migrate-db`` rebuilds them on the target instead of copying."""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
_SENT = "('sent', 'sent_offline')"
_KEY_WIDTH = {"report_volume": 3, "report_first_replies": 1, "report_answers": 2}
_ORDER = {
    "report_volume": "hour, channel_id, category",
    "report_first_replies": "mention_id",
    "report_answers": "hour, answer_id",
}


def hour_of(moment: datetime) -> int:
    """The hour ``moment`` falls in (hours since 1970 UTC, rounded down)."""
    return (as_utc(moment) - EPOCH) // HOUR


def hour_start(hour: int) -> datetime:
    """When ``hour`` begins (UTC)."""
    return EPOCH + hour * HOUR


def _hour_sqlite(value: str) -> str:
    return f"(CAST(strftime('%s', substr({value}, 1, 13) || ':00') AS INTEGER) / 3600)"


_FILL = {
    "sqlite": (
        "INSERT INTO report_volume (hour, channel_id, category, mentions, open_mentions) "
        f"SELECT {_hour_sqlite('min(created_at)')}, channel_id, category, count(*), "
        "sum(status = 'open') FROM mentions "
        "GROUP BY substr(created_at, 1, 13), channel_id, category",
        "INSERT INTO report_first_replies (mention_id, created_at, category, author, seconds) "
        "SELECT m.id, m.created_at, m.category, min(r.author), "
        "(julianday(min(r.sent_at)) - julianday(m.received_at)) * 86400.0 "
        f"FROM mentions m JOIN replies r ON r.mention_id = m.id WHERE r.status IN {_SENT} "
        "GROUP BY m.id",
        "INSERT INTO report_answers (hour, answer_id, replies) "
        f"SELECT {_hour_sqlite('m.created_at')}, r.answer_id, count(*) "
        "FROM replies r JOIN mentions m ON m.id = r.mention_id "
        f"WHERE r.status IN {_SENT} AND r.answer_id IS NOT NULL GROUP BY 1, 2",
    ),
    "postgresql": (
        "INSERT INTO report_volume (hour, channel_id, category, mentions, open_mentions) "
        "SELECT desk_report_hour(created_at), channel_id, category, count(*), "
        "count(*) FILTER (WHERE status = 'open') FROM mentions GROUP BY 1, 2, 3",
        "INSERT INTO report_first_replies (mention_id, created_at, category, author, seconds) "
        "SELECT m.id, m.created_at, m.category, min(r.author), "
        "extract(epoch FROM min(r.sent_at) - m.received_at)::double precision "
        f"FROM mentions m JOIN replies r ON r.mention_id = m.id WHERE r.status IN {_SENT} "
        "GROUP BY m.id",
        "INSERT INTO report_answers (hour, answer_id, replies) "
        "SELECT desk_report_hour(m.created_at), r.answer_id, count(*) "
        "FROM replies r JOIN mentions m ON m.id = r.mention_id "
        f"WHERE r.status IN {_SENT} AND r.answer_id IS NOT NULL GROUP BY 1, 2",
    ),
}


def contents(conn: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of each summary table, in key order (to compare two states)."""
    return {
        table: [
            tuple(row)
            for row in conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY {_ORDER[table]}")
        ]
        for table in TABLES
    }


def rebuild(conn: Any) -> dict[str, dict[str, int]]:
    """Empty the summary tables and fill them again from ``mentions`` and ``replies``, on
    ``conn`` (a connection inside the caller's write transaction). Per table: the rows it holds
    now and how many rows differed from what the triggers had kept."""
    before = contents(conn)
    for table in TABLES:
        conn.exec_driver_sql(f"DELETE FROM {table}")
    for statement in _FILL[conn.dialect.name]:
        conn.exec_driver_sql(statement)
    after = contents(conn)
    return {
        table: {
            "rows": len(after[table]),
            "differed": differing(before[table], after[table], _KEY_WIDTH[table]),
        }
        for table in TABLES
    }


def differing(before: list[tuple[Any, ...]], after: list[tuple[Any, ...]], key_width: int) -> int:
    """How many keys (a row's first ``key_width`` values) have a row in one list and not the
    same row in the other. Seconds within a millisecond are the same: SQLite computes them
    through julianday, PostgreSQL exactly, and ``desk migrate-db`` copies one into the other."""

    def same(a: tuple[Any, ...] | None, b: tuple[Any, ...] | None) -> bool:
        if a is None or b is None:
            return a is b
        return all(
            x == y or (isinstance(x, float) and isinstance(y, float) and abs(x - y) < 0.001)
            for x, y in zip(a, b, strict=True)
        )

    old = {row[:key_width]: row for row in before}
    new = {row[:key_width]: row for row in after}
    return sum(1 for key in old.keys() | new.keys() if not same(old.get(key), new.get(key)))
