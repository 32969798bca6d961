"""What a listing of the queue or of replies asks for: plain values, no SQL.

Shared by the two places that turn them into SQL: desk.db.store (SQLAlchemy, both databases)
and desk.db.fastread (the standard library's sqlite3, for the read-only commands that must start
quickly). Nothing here imports SQLAlchemy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from desk.vocabulary import MAYBE_PUBLISHED, ReplyStatus

SNIPPET = 200
"""Characters of a mention's text a queue row carries."""

ANSWERING = sorted(str(s) for s in MAYBE_PUBLISHED - {ReplyStatus.PENDING_APPROVAL})
"""Reply statuses that make a mention "replied": a reply is out or on its way (one waiting
for approval is ``waiting`` instead)."""


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """Which slice of the queue to show. ``view`` is one of VIEWS; ``me`` is needed for 'mine'.

    Every other field given narrows the slice (they combine with AND): ``search`` words of the
    text, author handle or name (accents and case ignored: FTS5 on SQLite, see ``fts_query``;
    the generated ``search_tsv`` on PostgreSQL, see desk.db.store._tsv_match);
    ``platform``, ``channel`` (its name), ``language``, ``min_priority`` (0 low .. 3 urgent),
    ``tag``, ``author`` (part of the handle or name, case ignored), ``since``/``until`` (instants,
    on the time the mention was posted; ``until`` excluded), ``waiting`` (a reply waits for
    approval), ``replied`` (True: a reply is out or on its way; False: none), ``ids``.
    desk.search turns a typed line of patterns into one.
    """

    view: str = "open"
    category: str | None = None
    assignee: str | None = None
    me: str | None = None
    status: str | None = None
    search: str | None = None
    platform: str | None = None
    channel: str | None = None
    language: str | None = None
    min_priority: int | None = None
    tag: str | None = None
    author: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    waiting: bool = False
    replied: bool | None = None
    ids: tuple[int, ...] | None = None


def like_pattern(text: str) -> str:
    """``text`` as a LIKE pattern matching it anywhere, its own % _ and \\ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True, slots=True)
class ReplyFilter:
    """Which replies to list: by person, category, channel (``platform:name``), local day
    range (UTC bounds), and words to search (see ``fts_query``)."""

    author: str | None = None
    category: str | None = None
    channel: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    search: str | None = None


SEARCH_WORD = re.compile(r"\w+")


def fts_query(text: str) -> str | None:
    """A user's words as an FTS5 query: every word must appear, each one quoted, so no
    operator, column filter or syntax error can come from what was typed. None: no words."""
    words = SEARCH_WORD.findall(text)[:20]
    if not words:
        return None
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)
