"""The queue and the reply history read with the standard library's sqlite3 alone.

Why this exists: ``desk queue`` and ``desk replies --search WORD`` are typed or scripted from
cron dozens of times a day, and on a 2-core machine importing SQLAlchemy costs 140-190 ms and
SQLModel with the ORM 330-420 ms, several times what the query itself takes at a million
mentions (issue 16). desk.cli._fast serves those commands through this module when it can; it
never loads SQLAlchemy, SQLModel, pydantic or Alembic.

It only reads, through a read-only connection (``mode=ro``), and only a database whose schema is
current (``SCHEMA_HEAD``, one read of ``alembic_version``): anything else (PostgreSQL, an older
schema, an unknown person) is left to the ordinary path, which migrates or complains as it always
did. The SQL is desk.db.store's (``_where``, ``page_queue``, ``count_queue``, ``list_replies``)
written out for sqlite3, with the filters of desk.db.filters; tests/unit/db/test_fastread.py runs
every filter through both and asserts the same rows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from desk.clock import as_utc
from desk.db import SCHEMA_HEAD, fts_plan
from desk.db.filters import (
    ANSWERING,
    SNIPPET,
    QueueFilter,
    ReplyFilter,
    fts_query,
    like_pattern,
)
from desk.rows import QueueRow, ReplyView, json_list, queue_row
from desk.vocabulary import MentionStatus, ReplyStatus

BUSY_TIMEOUT = 10.0
"""Seconds a read waits for a lock, as desk.db's engine does (``busy_timeout``)."""


class Unsupported(Exception):
    """This read cannot be answered here: the caller takes the ordinary path."""


def connect(path: Path) -> sqlite3.Connection | None:
    """A read-only connection to the desk database at ``path`` whose schema is current; None
    when there is no such file, it cannot be opened, or its schema is not ``SCHEMA_HEAD`` (the
    ordinary path upgrades it, or says why it cannot)."""
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro",
            uri=True,
            timeout=BUSY_TIMEOUT,
            isolation_level=None,  # BEGIN ourselves: one read transaction per command
        )
    except sqlite3.Error:
        return None
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:  # no alembic_version: not a desk database yet
        row = None
    if row is None or row[0] != SCHEMA_HEAD:
        conn.close()
        return None
    return conn


@contextmanager
def reading(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One read transaction (what the ordinary path's read session sees: one snapshot), and
    the connection closed after it."""
    try:
        conn.execute("BEGIN")
        yield conn
        conn.execute("COMMIT")
    finally:
        conn.close()


# -- who is at the keyboard ----------------------------------------------------------------------


class StaffRecord:
    """One row of ``staff``, the columns desk.staff.records reads. (A plain class: making a
    dataclass costs about a millisecond at import, a noticeable part of this module's budget.)"""

    __slots__ = ("name", "display_name", "initials", "role", "languages", "active", "os_users")

    def __init__(self, row: tuple[Any, ...]) -> None:
        self.name: str = row[0]
        self.display_name: str = row[1]
        self.initials: str = row[2]
        self.role: str = row[3]
        self.languages: str | None = row[4]
        self.active: bool = bool(row[5])
        self.os_users: str | None = row[6]

    def logins(self) -> list[str]:
        """The OS logins mapped to this person (desk.staff.records.logins_of)."""
        return [login for login in (self.os_users or "").split(",") if login]


def staff_rows(conn: sqlite3.Connection) -> dict[str, StaffRecord]:
    """The staff records by name, in the order desk.db.store.staff_rows reads them."""
    rows = conn.execute(
        "SELECT name, display_name, initials, role, languages, active, os_users "
        "FROM staff ORDER BY id"
    ).fetchall()
    return {r[0]: StaffRecord(r) for r in rows}


def who(rows: Mapping[str, StaffRecord], as_name: str | None, login: str) -> str | None:
    """The name of who is at the keyboard, decided as desk.staff.records.who decides it, when
    no question arises: ``as_name`` only when that person's recorded logins include the OS
    ``login`` (else a passphrase is asked: the ordinary path), else the active person whose
    logins include it.
    None whenever the ordinary path would ask, refuse or record something: an unknown or
    deactivated person, an unmapped login, a database whose logins are not recorded yet."""
    if not rows or any(r.os_users is None for r in rows.values()):
        return None  # the first opening records desk.toml's people or logins (a write)
    if as_name:
        wanted = as_name.casefold()
        row = next((r for r in rows.values() if r.name.casefold() == wanted), None)
        if row is None or login not in row.logins():
            return None
    else:
        mapped = [r for r in rows.values() if login and login in r.logins()]
        if not mapped:
            return None
        row = next((r for r in mapped if r.active), mapped[0])
    return row.name if row.active else None


def staff_agrees(rows: Mapping[str, StaffRecord], wanted: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether desk.toml's people (``wanted``: name -> desk.staff.records.values_of) agree with
    the records, i.e. desk.staff.records.drift would find nothing to report."""
    left = dict(rows)
    for name, values in wanted.items():
        row = left.pop(name, None)
        if row is None or any(getattr(row, k, None) != v for k, v in values.items()):
            return False
    return not any(row.active for row in left.values())


def approval_agrees(conn: sqlite3.Connection, wanted: Mapping[str, Any]) -> bool:
    """Whether desk.toml's approval policy (``wanted``: desk.db.policies.values_of) is the
    recorded one, i.e. desk.staff.records.approval_drift would find nothing to report (and
    nothing is left for a first opening to record)."""
    row = conn.execute("SELECT value FROM policies WHERE name = 'approval'").fetchone()
    return row is not None and json.loads(row[0]) == wanted


# -- values as SQLAlchemy stores and reads them --------------------------------------------------


def _bound(at: datetime) -> str:
    """An instant as desk.db.tables.UTCDateTime binds it on SQLite (UTC, microseconds)."""
    if at.tzinfo is None:
        raise Unsupported("naive datetime")  # the ordinary path refuses it (ValueError)
    at = as_utc(at)
    return (
        f"{at.year:04d}-{at.month:02d}-{at.day:02d} "
        f"{at.hour:02d}:{at.minute:02d}:{at.second:02d}.{at.microsecond:06d}"
    )


def _instant(value: Any) -> datetime:
    """A stored instant as UTCDateTime reads it back (``datetime.fromisoformat``, then UTC)."""
    if not isinstance(value, str):
        raise Unsupported(f"stored instant {value!r}")
    return as_utc(datetime.fromisoformat(value))


# -- the queue -----------------------------------------------------------------------------------


def _where(flt: QueueFilter, conn: sqlite3.Connection | None = None) -> tuple[list[str], list[Any]]:
    """desk.db.store._where on SQLite: the conditions (ANDed) and their parameters."""
    conds: list[str] = []
    params: list[Any] = []

    def add(sql: str, *values: Any) -> None:
        conds.append(sql)
        params.extend(values)

    status = flt.status
    if status is None:
        status = {"done": MentionStatus.CLOSED, "all": None}.get(flt.view, MentionStatus.OPEN)
    if status:
        add("mentions.status = ?", str(status))
    if flt.view == "mine":
        add("mentions.assignee = ?", flt.me or "")
    elif flt.view == "unassigned":
        add("mentions.assignee IS NULL")
    if flt.assignee:
        add("mentions.assignee = ?", flt.assignee)
    if flt.category:
        add("mentions.category = ?", flt.category)
    if flt.platform:
        add("mentions.platform = ?", flt.platform)
    if flt.channel:
        named = "SELECT channels.id FROM channels WHERE channels.name = ?"
        add(f"mentions.channel_id IN ({named})", flt.channel)
    if flt.language:
        add("mentions.language = ?", flt.language)
    if flt.min_priority is not None:
        add("mentions.priority >= ?", flt.min_priority)
    if flt.tag:
        add("mentions.tags LIKE ? ESCAPE '\\'", like_pattern(json.dumps(flt.tag)))
    if flt.author:
        pattern = like_pattern(flt.author.lower())
        add(
            "(lower(mentions.author_handle) LIKE ? ESCAPE '\\' "
            "OR lower(mentions.author_name) LIKE ? ESCAPE '\\')",
            pattern,
            pattern,
        )
    if flt.since is not None:
        add("mentions.created_at >= ?", _bound(flt.since))
    if flt.until is not None:
        add("mentions.created_at < ?", _bound(flt.until))
    if flt.waiting:
        waiting = "SELECT replies.mention_id FROM replies WHERE replies.status = ?"
        add(f"mentions.id IN ({waiting})", str(ReplyStatus.PENDING_APPROVAL))
    if flt.replied is not None:
        marks = ", ".join("?" * len(ANSWERING))
        exists = (
            "EXISTS (SELECT 1 FROM replies WHERE replies.mention_id = mentions.id "
            f"AND replies.status IN ({marks}))"
        )
        add(exists if flt.replied else f"NOT {exists}", *ANSWERING)
    if flt.ids is not None:
        if flt.ids:
            add(f"mentions.id IN ({', '.join('?' * len(flt.ids))})", *flt.ids)
        else:
            add("0")  # SQLAlchemy's empty IN: nothing
    if flt.search is not None:
        query = fts_query(flt.search)
        if query is None:
            add("0")
        else:
            if conn is not None:  # a page: planned as the store plans it (desk.db.fts_plan)
                add(fts_plan.page_sql(conn, query), query)
            else:
                add(f"mentions.id IN ({fts_plan.MATCHING})", query)
    return conds, params


def _where_sql(conds: list[str]) -> str:
    return f" WHERE {' AND '.join(conds)}" if conds else ""


_QUEUE_COLUMNS = (
    "mentions.id, mentions.platform, mentions.remote_id, mentions.author_handle, "
    f"substr(mentions.text, 1, {SNIPPET}), mentions.created_at, mentions.category, "
    "mentions.priority, mentions.assignee, mentions.status, mentions.language, mentions.kind, "
    "mentions.replying_by, mentions.replying_until"
)


def page_queue(
    conn: sqlite3.Connection, flt: QueueFilter, offset: int, limit: int
) -> list[QueueRow]:
    """desk.db.store.page_queue: one page, most urgent first, then newest."""
    conds, params = _where(flt, conn)
    sql = (
        f"SELECT {_QUEUE_COLUMNS} FROM mentions{_where_sql(conds)} "
        "ORDER BY mentions.priority DESC, mentions.created_at DESC, mentions.id DESC "
        "LIMIT ? OFFSET ?"
    )
    rows = conn.execute(sql, [*params, max(0, limit), max(0, offset)]).fetchall()
    return [queue_row(r, _instant) for r in rows]


def count_queue(conn: sqlite3.Connection, flt: QueueFilter) -> int:
    """desk.db.store.count_queue: how many mentions the filter selects."""
    conds, params = _where(flt)
    row = conn.execute(f"SELECT count(*) FROM mentions{_where_sql(conds)}", params).fetchone()
    return int(row[0])


# -- replies -------------------------------------------------------------------------------------

_REPLY_COLUMNS = (
    "replies.id, replies.mention_id, replies.author, replies.body, replies.signature, "
    "replies.text, replies.status, replies.remote_id, replies.created_at, replies.sent_at, "
    "replies.error, replies.submitted_at, replies.reviewer, replies.reviewed_at, "
    "replies.review_note, replies.approval_reasons, replies.send_after"
)


def _reply_view(v: tuple[Any, ...]) -> ReplyView:
    """desk.db.store.reply_view for a row of ``_REPLY_COLUMNS``."""
    return ReplyView(
        id=v[0] or 0,
        mention_id=v[1],
        author=v[2],
        body=v[3],
        signature=v[4],
        text=v[5],
        status=v[6],
        remote_id=v[7],
        created_at=_instant(v[8]),
        sent_at=_instant(v[9]) if v[9] else None,
        error=v[10],
        submitted_at=_instant(v[11]) if v[11] else None,
        reviewer=v[12],
        reviewed_at=_instant(v[13]) if v[13] else None,
        review_note=v[14],
        approval_reasons=tuple(json_list(v[15] or "[]")),
        send_after=_instant(v[16]) if v[16] else None,
    )


def list_replies(
    conn: sqlite3.Connection, flt: ReplyFilter, offset: int = 0, limit: int = 100
) -> list[ReplyView]:
    """desk.db.store.list_replies (as views): newest first, filtered."""
    joins, conds, params = "", [], []
    if flt.author:
        conds.append("replies.author = ?")
        params.append(flt.author)
    if flt.since is not None:
        conds.append("replies.created_at >= ?")
        params.append(_bound(flt.since))
    if flt.until is not None:
        conds.append("replies.created_at < ?")
        params.append(_bound(flt.until))
    if flt.category or flt.channel:
        joins = " JOIN mentions ON mentions.id = replies.mention_id"
        if flt.category:
            conds.append("mentions.category = ?")
            params.append(flt.category)
        if flt.channel:
            platform, _, name = flt.channel.partition(":")
            joins += " JOIN channels ON channels.id = mentions.channel_id"
            conds += ["channels.platform = ?", "channels.name = ?"]
            params += [platform, name]
    if flt.search is not None:
        query = fts_query(flt.search)
        if query is None:
            return []
        conds.append("replies.id IN (SELECT rowid FROM replies_fts WHERE replies_fts MATCH ?)")
        params.append(query)
    sql = (
        f"SELECT {_REPLY_COLUMNS} FROM replies{joins}{_where_sql(conds)} "
        "ORDER BY replies.created_at DESC, replies.id DESC LIMIT ? OFFSET ?"
    )
    rows = conn.execute(sql, [*params, max(0, limit), max(0, offset)]).fetchall()
    return [_reply_view(r) for r in rows]
