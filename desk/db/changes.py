"""Another desk changed something: a cheap signal every open desk watches, so the whole team sees
the same queue within a second.

``watch(engine)`` gives a ``ChangeFeed``: ``wait(timeout)`` returns True as soon as another
connection has committed since the last call, False when the timeout passed with nothing new.
It carries no payload: a desk that hears it reads again what it shows (the queue keeps its
cursor). Two ways to hear it, one shape:

- SQLite: ``PRAGMA data_version`` on a connection of its own, read every POLL_SECONDS. The number
  changes exactly when another connection commits to the file (any process); reading it takes
  microseconds and no lock, so a desk can ask four times a second.
- PostgreSQL: pushed. Migration 0016's triggers ``NOTIFY desk_changes`` when a transaction that
  touched mentions, replies, the outbox or the audit trail commits (ids, never content); the feed
  ``LISTEN``s on a connection of its own, taken out of the pool, in autocommit. A commit is
  heard in milliseconds (plus DRAIN_SECONDS, so one command's few commits wake a desk once). When
  that connection drops (server restart, ``pg_terminate_backend``, network), the feed connects
  again and says True once: what was missed while deaf is read again, like any change.
- Any other engine: the newest audit event's ``seq`` polled the same way — every change a person
  makes writes one.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any, Protocol

from sqlalchemy import Engine, text

__all__ = ["CHANNEL", "POLL_SECONDS", "ChangeFeed", "watch"]

POLL_SECONDS = 0.2
"""How often a polling feed looks: a colleague's change shows within this (plus a read)."""

CHANNEL = "desk_changes"
"""PostgreSQL's notification channel (migration 0016's triggers)."""
DRAIN_SECONDS = 0.05
"""After a notification, how long a quiet channel must stay quiet before ``wait`` says True."""
_DRAIN_MAX = 0.2  # ... and at most this long (a steady stream still wakes the desk)
_STEP = 0.25  # a listening wait looks at ``close`` this often
_RETRY = 0.5  # pause between reconnection attempts


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


class _PostgresListen:
    """LISTEN on a dedicated autocommit connection; reconnects (and says True) when it drops."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._stop = threading.Event()
        self._lock = threading.Lock()  # held by the waiting thread while it uses the connection
        self._conn: Any = None
        self._connected_once = False
        self.reconnections = 0

    def _connect(self) -> bool:
        """Open and LISTEN; True when this is a *re*connection (something may have been missed)."""
        pooled = self._engine.raw_connection()
        conn = pooled.driver_connection
        pooled.detach()  # ours alone, never handed back to the pool
        assert conn is not None
        conn.rollback()
        conn.autocommit = True
        conn.execute(f"LISTEN {CHANNEL}")
        self._conn = conn
        again = self._connected_once
        self._connected_once = True
        if again:
            self.reconnections += 1
        return again

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001,S110 - closing a broken connection: nothing to save
                pass

    def wait(self, timeout: float) -> bool:
        """Block until a notification (True), a reconnection (True) or the timeout (False)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not self._stop.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                try:
                    if self._conn is None and self._connect():
                        return True
                    if self._heard(min(_STEP, remaining)):
                        return True
                except Exception:  # noqa: BLE001 - server gone or restarting: listen again soon
                    self._drop()
                    self._stop.wait(min(_RETRY, max(0.0, deadline - time.monotonic())))
        return False

    def _heard(self, seconds: float) -> bool:
        heard = any(True for _ in self._conn.notifies(timeout=seconds, stop_after=1))
        if not heard:
            return False
        until = time.monotonic() + _DRAIN_MAX
        while time.monotonic() < until:  # one command's several commits wake the desk once
            if not any(True for _ in self._conn.notifies(timeout=DRAIN_SECONDS, stop_after=1)):
                break
        return True

    def close(self) -> None:
        """Stop; a waiting thread returns within _STEP seconds, then the connection is closed."""
        self._stop.set()
        with self._lock:
            self._drop()

    @property
    def closed(self) -> bool:
        """Whether ``close`` was called."""
        return self._stop.is_set()


def watch(engine: Engine) -> ChangeFeed:
    """The change feed for this database."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return _SqliteDataVersion(url.database)
    if url.get_backend_name() == "postgresql" and url.get_driver_name() == "psycopg":
        return _PostgresListen(engine)
    return _NewestEvent(engine)
