"""The demo's mark on its own SQLite file, so that ``desk demo`` never touches anything else.

``desk demo`` builds a throw-away database and, with ``--fresh``, deletes it. Pointed at a real
desk (a ``--db`` typed by mistake), that would destroy a public record. So the demo writes a
mark in the SQLite header (``PRAGMA application_id``, four bytes SQLite keeps for this) when it
creates its file, and refuses any existing file that does not carry it. Nothing else in desk
sets the mark, and a production database never has it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = ["DEMO_MARK", "is_demo", "mark_demo"]

DEMO_MARK = 0x6465_6D6F  # "demo"


def is_demo(path: Path) -> bool | None:
    """Whether the file at ``path`` is a desk demo database; ``None`` when there is no file.

    An empty file, a file that is not SQLite, or one that cannot be read is not a demo (False).
    Read-only: opening it never changes or creates anything.
    """
    if not path.exists():
        return None
    if not path.is_file():
        return False
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = connection.execute("PRAGMA application_id").fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return False
    return bool(row) and row[0] == DEMO_MARK


def mark_demo(path: Path) -> None:
    """Create the SQLite file at ``path`` carrying the demo's mark (it must not exist yet)."""
    if path.exists():
        raise FileExistsError(path)
    connection = sqlite3.connect(path)
    try:
        connection.execute(f"PRAGMA application_id = {DEMO_MARK}")
        connection.commit()
    finally:
        connection.close()
