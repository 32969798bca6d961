"""What the person reads when an action fails: in their language, in the interface's words.

Every place where a service call can fail (workers, dialogs) turns the exception into a message
and a hint with ``explain``:

- a refusal (``DeskError``) in the interface's own words where the core's hint names a command
  line (``--note``, ``desk reply --again``): ``tui.errors.<key>`` / ``tui.errors.<key>_hint``
  replace ``errors.<key>`` / ``errors.<key>_hint``; any other hint that still names a command
  line is left out rather than shown;
- a database that stays locked longer than the busy timeout (another desk writing): a plain
  sentence, never SQLAlchemy's text (SQL, parameters, a link to its docs);
- any other database error: its one-line cause from the driver, without the SQL;
- anything else: the exception's type and first line, clipped.

The caller keeps what was typed (composer, dialog), so the person can simply try again.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from desk.errors import DeskError, rendered
from desk.i18n import Catalog
from desk.tui.labels import status_label

__all__ = ["explain", "is_busy", "names_a_command_line"]

# What the drivers say when another connection holds the lock past the busy timeout
# (SQLite: SQLITE_BUSY / SQLITE_LOCKED; PostgreSQL: lock_timeout, deadlocks).
_BUSY = ("database is locked", "database table is locked", "database is busy", "lock timeout")
_COMMANDS = (
    "answers approvals approve assign audit categorise channels claim close demo export handover "
    "ingest init outbox passphrase pull purge queue reject release reopen replies reply report "
    "rules show spam staff triage ui watch withdraw"
).split()
_COMMAND_LINE = re.compile(
    r"(?<![\w-])--[a-z]|`desk\b|\bdesk (?:" + "|".join(_COMMANDS) + r")\b", re.IGNORECASE
)


def names_a_command_line(text: str) -> bool:
    """Whether ``text`` tells the person to run something (``--note``, ``desk withdraw 3``)."""
    return bool(_COMMAND_LINE.search(text))


def _driver_text(exc: BaseException) -> str:
    """The driver's own message of a database error, without SQLAlchemy's SQL and parameters."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` says the database was locked by someone else for too long."""
    if not isinstance(exc, OperationalError | sqlite3.OperationalError):
        return False
    text = _driver_text(exc).lower()
    return any(marker in text for marker in _BUSY)


def _said(catalog: Catalog, key: str, params: dict[str, Any]) -> str | None:
    """The catalog's text for ``key``, or None when the catalog has none."""
    text = catalog.t(key, **params)
    return None if text == key else text


def _refusal(exc: DeskError, catalog: Catalog) -> tuple[str, str | None]:
    if not exc.key:
        return exc.message, exc.hint
    params = rendered(exc.params, catalog.t)
    if isinstance(params.get("status"), str):  # "pending_approval" -> "en attente d'approbation"
        params["status"] = status_label(catalog, params["status"])
    key = exc.key
    message = _said(catalog, f"tui.errors.{key}", params) or _said(catalog, f"errors.{key}", params)
    hint = _said(catalog, f"tui.errors.{key}_hint", params)
    if hint is None and exc.hint:
        hint = _said(catalog, f"errors.{key}_hint", params) or exc.hint
    if hint and names_a_command_line(hint):
        hint = None  # the interface's keys say what to do; a command line is another tool
    return message or exc.message, hint or None


def explain(exc: BaseException, catalog: Catalog) -> tuple[str, str | None]:
    """The message and hint to show for ``exc`` (untrusted: shown through desk.tui.safe)."""
    if isinstance(exc, DeskError):
        return _refusal(exc, catalog)
    if is_busy(exc):
        return catalog.t("tui.errors.db_busy"), catalog.t("tui.errors.db_busy_hint")
    if isinstance(exc, SQLAlchemyError | sqlite3.Error):
        cause = _driver_text(exc)[:200]
        return catalog.t("tui.errors.db_failed", cause=cause), catalog.t("tui.errors.retry_hint")
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    what = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return catalog.t("tui.errors.unexpected", what=what), catalog.t("tui.errors.retry_hint")
