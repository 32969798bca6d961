"""desk.toml edited in place: tomlkit keeps the team's comments and layout, and the new text
replaces the old in one step (a temporary file beside it, then ``os.replace``).

Reading and validating stay in desk.config; this module only turns a change into new text and
puts it on disk. desk.staff is its user (and ``desk demo`` writes its own copy with it).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Table

from desk.config import StaffConfig
from desk.errors import ConfigError


def write_atomically(path: Path, text: str) -> None:
    """Replace the file's content in one step: a temporary file beside it, flushed to disk, then
    ``os.replace``; a crash leaves the old text or the new one, never half of one. A symlinked
    desk.toml stays a symlink (its target is replaced) and the file keeps its permissions."""
    target = path.resolve()
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # the rename itself survives a power cut (POSIX)
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def read_text(path: Path) -> str:
    """The file's text exactly (line endings kept), or a ConfigError naming it."""
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError as exc:
        raise ConfigError.from_catalog("config_missing", path=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError.from_catalog("config_not_utf8", path=str(path), byte=exc.start) from exc
    except OSError as exc:
        raise ConfigError.from_catalog(
            "config_unreadable", path=str(path), reason=exc.strerror or str(exc)
        ) from exc


def parse_document(text: str, path: Path) -> tomlkit.TOMLDocument:
    """The text as a tomlkit document (comments and layout included)."""
    try:
        return tomlkit.parse(text)
    except TOMLKitError as exc:  # pragma: no cover - callers validate with tomllib first
        raise ConfigError.from_catalog("config_toml", path=str(path), detail=str(exc)) from exc


def write_config(path: Path, text: str) -> None:
    """``write_atomically``, with a refusal the user can act on instead of an OSError."""
    try:
        write_atomically(path, text)
    except OSError as exc:
        raise ConfigError.from_catalog(
            "config_write_failed", path=str(path), problem=exc.strerror or str(exc)
        ) from exc


def staff_tables(doc: tomlkit.TOMLDocument, path: Path, *, create: bool = False) -> AoT:
    """The document's ``[[staff]]`` array of tables (``create``: an empty one if none)."""
    staff = doc.get("staff")
    if staff is None and create:
        doc.append("staff", tomlkit.aot())
        staff = doc["staff"]
    if not isinstance(staff, AoT):  # e.g. `staff = [{...}]`, which desk does not rewrite
        raise ConfigError.from_catalog("staff_not_tables", path=str(path))
    return staff


def staff_table(doc: tomlkit.TOMLDocument, path: Path, name: str) -> Table:
    """The ``[[staff]]`` table of the person named ``name``."""
    for table in staff_tables(doc, path):
        if table.get("name") == name:
            return table
    raise ConfigError.from_catalog("staff_not_tables", path=str(path))  # pragma: no cover


def new_staff_table(person: StaffConfig) -> Table:
    """A ``[[staff]]`` table for a new person, in the order the sample desk.toml uses."""
    table = tomlkit.table()
    table.add("name", person.name)
    table.add("display_name", person.display_name)
    table.add("initials", person.initials)
    table.add("role", person.role)
    table.add("languages", list(person.languages))
    if person.topics:
        table.add("topics", list(person.topics))
    table.add("os_users", list(person.os_users))
    table.add(tomlkit.nl())  # a blank line before whatever table follows
    return table
