"""A database held by another desk past the busy timeout, told apart from other failures.

SQLite waits ``busy_timeout`` (10 s, desk.db) for another connection's write lock, then fails
with "database is locked"; PostgreSQL says "lock timeout" or reports a deadlock. SQLAlchemy
wraps that in an OperationalError whose text carries the SQL and its parameters: never shown.
``is_busy`` recognises it; ``DatabaseBusy`` is what the person reads instead
(``errors.database_busy``).
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError, OperationalError

from desk.errors import DeskError

__all__ = ["DatabaseBusy", "is_busy"]

_BUSY = (
    "database is locked",
    "database table is locked",
    "database is busy",
    "lock timeout",
    "deadlock detected",
)


class DatabaseBusy(DeskError):
    """Another desk held the database's write lock for longer than the busy timeout."""

    @classmethod
    def now(cls) -> DatabaseBusy:
        """The error in the catalog's words."""
        return cls.from_catalog("database_busy")


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` says another connection held the lock past the busy timeout."""
    if not isinstance(exc, OperationalError | sqlite3.OperationalError):
        return False
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    text = str(orig).strip().lower()
    return any(marker in text for marker in _BUSY)
