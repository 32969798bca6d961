"""Another desk changed something: a cheap signal every open desk watches, so the whole team sees
the same queue within a second.

``watch(engine)`` gives a ``ChangeFeed``: ``wait(timeout)`` returns True as soon as another
connection has committed since the last call, False when the timeout passed with nothing new.
It carries no payload: a desk that hears it reads again what it shows (the queue keeps its
cursor). Two ways to hear it, one shape:

- SQLite: ``PRAGMA data_version`` on a connection of its own, read every POLL_SECONDS. The number
  changes exactly when another connection commits to the file (any process); reading it takes
  microseconds and no lock, so a desk can ask four times a second.
- Any other engine: the newest audit event's ``seq`` polled the same way — every change a person
  makes writes one. PostgreSQL's LISTEN/NOTIFY push (issue 15) replaces this with the same
  ``wait``.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Protocol

from sqlalchemy import Engine, text

__all__ = ["POLL_SECONDS", "ChangeFeed", "watch"]

POLL_SECONDS = 0.2
"""How often a polling feed looks: a colleague's change shows within this (plus a read)."""


class ChangeFeed(Protocol):
    """Tells a desk that the database changed under it."""

    def wait(self, timeout: float) -> bool:
        """True once something changed since the last call; False after ``timeout`` seconds."""

    def close(self) -> None:
        """Stop watching (wakes a ``wait`` in another thread)."""

    @property
    def closed(self) -> bool:
        """Whether ``close`` was called."""


class _Polling:
    """A feed that reads a version number every POLL_SECONDS and says when it moved."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._last: object = None

    def _version(self) -> object:
        raise NotImplementedError

    def wait(self, timeout: float) -> bool:
        """Poll until the version moves, the timeout passes or the feed is closed."""
        if self._last is None:
            self._last = self._version()
        remaining = timeout
        while remaining > 0 and not self._stop.is_set():
            step = min(POLL_SECONDS, remaining)
            if self._stop.wait(step):
                break
            remaining -= step
            try:
                now = self._version()
            except Exception:  # noqa: BLE001 - a busy or vanished file: ask again next time
                continue
            if now != self._last:
                self._last = now
                return True
        return False

    def close(self) -> None:
        """Stop; a waiting thread returns within a poll."""
        self._stop.set()

    @property
    def closed(self) -> bool:
        """Whether ``close`` was called."""
        return self._stop.is_set()


class _SqliteDataVersion(_Polling):
    """``PRAGMA data_version`` on a private read-only connection (no lock, microseconds)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self._conn = sqlite3.connect(
            f"file:{path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
        )
        self._lock = threading.Lock()

    def _version(self) -> object:
        with self._lock:
            return self._conn.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        """Stop and close the private connection."""
        super().close()
        with self._lock:
            self._conn.close()


class _NewestEvent(_Polling):
    """The newest audit event's seq, on any engine SQLAlchemy speaks."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self._engine = engine

    def _version(self) -> object:
        with self._engine.connect() as conn:
            return conn.execute(text("SELECT max(seq) FROM audit_events")).scalar()


def watch(engine: Engine) -> ChangeFeed:
    """The change feed for this database."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return _SqliteDataVersion(url.database)
    return _NewestEvent(engine)
