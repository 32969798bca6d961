"""The quick way through for read-only commands (``desk queue``, ``desk replies``).

Opening the desk loads pydantic (desk.toml), SQLAlchemy, SQLModel and the triage rules: 0.3-0.5 s
on a 2-core machine before a query of a few milliseconds (issue 16). A command whose parser sets
``fast=FUNCTION`` is first offered to ``run``: when everything the ordinary opening would check
is known to hold, FUNCTION answers from desk.db.fastread (the standard library's sqlite3) and
nothing heavy is imported. Whenever anything is not certain, ``run`` returns None and the
command takes the ordinary path, which does what it always did (migrate, complain, ask for a
passphrase, report drift).

What the ordinary opening checks, and how it is known here:

- desk.toml and its rule file are valid: the ordinary path, once it has opened a desk, records
  the digests of the exact bytes it validated (``remember``, a small JSON file in the user's
  cache folder, with desk's version, the time zone and desk.toml's people). Here, the files'
  bytes must have those digests. The record decides nothing about *who* anyone is: a forged one
  could only skip checks of one's own desk.toml for one's own read-only commands.
- the schema is current: desk.db.fastread.connect reads ``alembic_version``.
- who is at the keyboard: the staff records and the OS login of the real uid
  (desk.db.fastread.who, as desk.staff.records.who decides); a ``--as`` that would ask a
  passphrase, an unknown or deactivated person go the ordinary way.
- the staff records and the recorded approval policy agree with desk.toml (nothing to report
  on stderr; desk.db.fastread.staff_agrees, approval_agrees).
- where things are: ``--db``/``--config``, else DESK_DB/DESK_CONFIG exactly as Settings reads
  them (and DESK_LANG read alike, so a refusal speaks the desk's language); a URL (PostgreSQL)
  goes the ordinary way.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from desk import __version__
from desk.clock import Clock
from desk.errors import DeskError
from desk.files import (
    MAX_CONFIG_BYTES,
    default_config_dir,
    default_data_dir,
    os_user,
    read_limited,
)
from desk.i18n import Catalog

if TYPE_CHECKING:
    from desk.config import DeskConfig

RECORD_FORMAT = 3  # 2: the [fallback] examples file is recorded too; 3: the approval policy
MAX_RECORD_BYTES = 1024 * 1024
MAX_RULES_BYTES = 5 * 1024 * 1024  # desk.triage.rules.MAX_RULES_BYTES (checked by a test)
MAX_EXAMPLES_BYTES = 20 * 1024 * 1024  # desk.triage.fallback.MAX_EXAMPLES_BYTES


class Reading:
    """What a fast command function gets: the read transaction, who is at the keyboard (their
    name, ``me``), the desk's time zone (desk.toml's ``[hours] timezone``), the catalog and the
    clock of the run. (A plain class: a dataclass costs about a millisecond to make.)"""

    __slots__ = ("catalog", "clock", "conn", "me", "timezone")

    def __init__(
        self, conn: sqlite3.Connection, me: str, timezone: str, catalog: Catalog, clock: Clock
    ) -> None:
        self.conn = conn
        self.me = me
        self.timezone = timezone
        self.catalog = catalog
        self.clock = clock


FastCommand = Callable[[Reading, argparse.Namespace], Callable[[], object]]
"""Reads what the command shows and returns what shows it (called once the read is over);
raises desk.db.fastread.Unsupported to go the ordinary way, or a DeskError the ordinary path
would raise at the same point."""


# -- where things are ------------------------------------------------------------------------


def _setting(value: Any, name: str) -> str | None:
    """A flag's value, else the DESK_<NAME> variable as desk.config.Settings reads it; raises
    Unsupported when the environment is not plain (a variable spelt in another case, or
    empty: pydantic-settings' own reading decides those)."""
    from desk.db.fastread import Unsupported

    if value is not None:
        return str(value)
    variable = f"DESK_{name.upper()}"
    if any(k.upper() == variable and k != variable for k in os.environ):
        raise Unsupported(f"{variable} in another case")
    given = os.environ.get(variable)
    if given == "":
        raise Unsupported(f"{variable} empty")
    return given


def _record_path(config: Path) -> Path:
    import platformdirs

    key = hashlib.sha256(os.fsencode(os.path.abspath(config))).hexdigest()[:32]
    return Path(platformdirs.user_cache_dir("desk", appauthor=False)) / "checked" / f"{key}.json"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def checked(config: Path) -> dict[str, Any] | None:
    """The record of desk.toml at ``config`` as validated, if its bytes and its rule file's are
    still the ones validated, by this version of desk."""
    try:
        record = json.loads(read_limited(_record_path(config), MAX_RECORD_BYTES))
        if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
            return None
        if record.get("version") != __version__:
            return None
        if record.get("config") != _digest(read_limited(config, MAX_CONFIG_BYTES)):
            return None
        for name, limit in (("rules", MAX_RULES_BYTES), ("examples", MAX_EXAMPLES_BYTES)):
            named = record.get(name)  # every other file the validation read
            if named is not None:
                path, digest = named
                if digest != _digest(read_limited(Path(path), limit)):
                    return None
        staff = record.get("staff")
        if not isinstance(staff, dict) or not all(isinstance(v, dict) for v in staff.values()):
            return None
        if not isinstance(record.get("approval"), dict):
            return None
        ZoneInfo(record["tz"])  # a record edited by hand: the ordinary way says what is wrong
    except (OSError, ValueError, TypeError, LookupError, DeskError):
        return None
    return record


# -- the two halves: run (fast) and remember (after an ordinary opening) ------------------------


def run(fast: FastCommand, args: argparse.Namespace, catalog: Catalog, clock: Clock) -> int | None:
    """Answer the command through ``fast``; None when it must take the ordinary path."""
    from desk.db import fastread

    try:
        config = Path(_setting(args.config, "config") or default_config_dir() / "desk.toml")
        db = _setting(args.db, "db") or str(default_data_dir() / "desk.db")
        if "://" in db:
            return None  # a URL: PostgreSQL (or SQLite spelt as a URL) the ordinary way
        _setting(args.lang, "lang")  # the desk's language is the catalog's (errors say the same)
        record = checked(config)
        if record is None:
            return None
        conn = fastread.connect(Path(db).expanduser())
        if conn is None:
            return None
        with fastread.reading(conn):
            rows = fastread.staff_rows(conn)
            me = fastread.who(rows, args.as_name, os_user())
            if me is None or not fastread.staff_agrees(rows, record["staff"]):
                return None
            if not fastread.approval_agrees(conn, record["approval"]):
                return None  # the ordinary path reports it (or records it, first opening)
            show = fast(Reading(conn, me, record["tz"], catalog, clock), args)
    except (fastread.Unsupported, sqlite3.Error, OSError, ValueError, LookupError, TypeError):
        return None
    show()
    return 0


def remember(config: DeskConfig) -> None:
    """After an ordinary opening: record what ``run`` needs to know about desk.toml and its rule
    file, when it changed. Validated again here from the very bytes whose digests are recorded
    (only when the record changes), so a file edited between the two readings is never taken
    for valid. Failing to write is no error: the next command simply goes the ordinary way."""
    if config.path is None:
        return
    if checked(config.path) is not None:
        return  # recorded already, for the bytes there now
    try:
        data = read_limited(config.path, MAX_CONFIG_BYTES)
        target = _record_path(config.path)
        record = _validated(data, config.path)
        if record is None:
            return
        target.parent.mkdir(parents=True, exist_ok=True)
    except (OSError, DeskError, ValueError):
        return
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(record, out, ensure_ascii=False)
        os.replace(temporary, target)  # whole or not at all, for a command reading it now
    except OSError:
        temporary.unlink(missing_ok=True)


def _validated(data: bytes, path: Path) -> dict[str, Any] | None:
    """desk.toml's bytes and its rule file's validated as the ordinary opening validates them,
    and what ``run`` needs of them; None when either is not valid."""
    from desk.config import parse_config
    from desk.db import policies
    from desk.staff.records import values_of
    from desk.triage.rules import default_rules, parse_rules
    from desk.triage.service import known_names

    try:
        config = parse_config(data.decode("utf-8"), path)
        rules_path = config.rules_path()
        rules = examples = None
        if rules_path is None:  # the bundled pack (it comes with desk's version)
            default_rules(known_names(config))
        else:
            rules_data = read_limited(rules_path, MAX_RULES_BYTES)
            ruleset = parse_rules(rules_data.decode("utf-8"), str(rules_path), known_names(config))
            rules = [os.path.abspath(rules_path), _digest(rules_data)]
            named = ruleset.fallback.examples if ruleset.fallback is not None else None
            if named is not None:  # [fallback] examples: read and checked with the rules
                examples = [
                    os.path.abspath(named),
                    _digest(read_limited(named, MAX_EXAMPLES_BYTES)),
                ]
    except (DeskError, OSError, ValueError):
        return None
    return {
        "format": RECORD_FORMAT,
        "version": __version__,
        "config": _digest(data),
        "rules": rules,
        "examples": examples,
        "tz": config.hours.timezone,
        "staff": {person.name: values_of(person) for person in config.staff},
        "approval": policies.values_of(config),
    }
