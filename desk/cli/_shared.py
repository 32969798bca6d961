"""What the command groups share: the interface language, the settings of a run, the open desk
(with ``--as`` proven through ``desk.identity``), JSON and plural printing, and how an expected
error is printed (``error: ...`` and a hint, in the interface language, without a traceback).

Kept light on purpose: ``desk --version`` and ``desk -h`` import this module, so the services,
SQLAlchemy, Textual and pydantic (desk.config) are only loaded once a command runs.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import tomllib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from desk.clock import Clock, as_utc, utcnow
from desk.errors import ConfigError, DeskError, InputError
from desk.files import (
    MAX_CONFIG_BYTES,
    default_config_dir,
    default_data_dir,
    loads_toml,
    read_limited,
)
from desk.i18n import Catalog, choose_language
from desk.text.safe import clean

if TYPE_CHECKING:
    from desk.bootstrap import Desk
    from desk.config import DeskConfig, Settings


# -- language and settings -------------------------------------------------------------------


def _peek(argv: Sequence[str], option: str) -> str | None:
    """The value of ``option`` in ``argv`` (``--lang fr`` or ``--lang=fr``), before parsing."""
    for index, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == option and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith(f"{option}="):
            return arg.partition("=")[2]
    return None


def _configured_language(path: Path) -> str | None:
    """desk.toml's ``[desk] language``; None when unset or the file cannot be read (opening the
    desk reports a broken file properly later). Read as desk.config reads it: a pipe, a device
    or a huge file is not read here (``--config /dev/zero`` would never end), nor is TOML
    nested deeper than desk allows."""
    try:
        raw = loads_toml(read_limited(path, MAX_CONFIG_BYTES).decode("utf-8"))
    except (OSError, DeskError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    section = raw.get("desk")
    value = section.get("language") if isinstance(section, dict) else None
    return value if isinstance(value, str) else None


def cli_language(argv: Sequence[str]) -> str:
    """The language of this run: ``--lang``, else DESK_LANG, else desk.toml's ``[desk]
    language`` (the file of ``--config``, DESK_CONFIG or the default), else the locale."""
    explicit = _peek(argv, "--lang") or os.environ.get("DESK_LANG")
    config = _peek(argv, "--config") or os.environ.get("DESK_CONFIG")
    path = Path(config) if config else default_config_dir() / "desk.toml"
    return choose_language(explicit, _configured_language(path))


def settings_from(args: argparse.Namespace) -> Settings:
    """Where things are: the ``--db``, ``--config`` and ``--lang`` given, else DESK_* variables."""
    from desk.config import Settings  # pydantic: loaded once a command runs, never for -h

    given = {"db": args.db, "config": args.config, "lang": args.lang}
    return Settings(**{key: value for key, value in given.items() if value is not None})


class Invocation(NamedTuple):
    """A command that needs no open desk gets this: the settings, the clock and the catalog.
    (A NamedTuple: ``dataclasses`` alone, with ``inspect``, is a tenth of ``desk --version``.)"""

    settings: Settings
    catalog: Catalog
    clock: Clock


# -- the open desk -----------------------------------------------------------------------------


def point_at_the_demo(settings: Settings, catalog: Catalog) -> None:
    """No desk.toml given and none at the default place, but a demo built: say how to use the
    demo (the export line of ``desk demo --no-ui``) rather than send the person to ``desk init``,
    which would make a different, empty desk."""
    if settings.config is not None or settings.config_path().exists():
        return
    demo_db = default_data_dir() / "demo.db"
    demo_toml = default_data_dir() / "demo-desk.toml"
    if not (demo_db.is_file() and demo_toml.is_file()):
        return
    import shlex

    raise ConfigError(
        catalog.t("cli.refused.no_config_but_demo", path=str(settings.config_path())),
        catalog.t(
            "cli.refused.no_config_but_demo_hint",
            db=shlex.quote(str(demo_db)),
            config=shlex.quote(str(demo_toml)),
        ),
    )


def ensure_data_dir(settings: Settings) -> None:
    """Create the user data folder when the database is the default one inside it."""
    if settings.db is None:
        default_data_dir().mkdir(parents=True, exist_ok=True)


def ask_passphrase(catalog: Catalog) -> Callable[[str], str | None]:
    """How ``--as NAME`` gets NAME's passphrase: DESK_PASSPHRASE (scripts), else the terminal."""

    def ask(name: str) -> str | None:
        given = os.environ.get("DESK_PASSPHRASE")
        if given is not None:
            return given
        if not sys.stdin.isatty():
            return None
        return getpass.getpass(catalog.t("cli.passphrase.ask", name=name))

    return ask


@contextmanager
def opened(
    settings: Settings,
    as_name: str | None,
    config: DeskConfig | None = None,
    *,
    clock: Clock = utcnow,
    via: str | None = None,
    read_rules: bool = True,
    remember: bool = False,
) -> Iterator[Desk]:
    """The desk open for one command, as ``as_name`` (proven: see ``prove``), closed
    afterwards. ``via="web"``: a browser tab, ``as_name`` from its ticket. The rule file is
    read first (an unusable one stops the command with what is wrong), unless ``read_rules``
    is False (the TUI reads it just after its first paint and says what is wrong there) or
    these very bytes of desk.toml and the rule file were validated before (desk.cli._fast's
    record): then it is read only by a command that triages (not by ``desk report``).
    ``remember``: record desk.toml as validated for the next read-only command
    (``_fast.remember``), unless the record already says so."""
    # The services, SQLAlchemy and the migrations: loaded only once a command opens the desk.
    from desk.bootstrap import open_desk
    from desk.cli import _fast

    ensure_data_dir(settings)
    desk = open_desk(settings, as_name=as_name, config=config, clock=clock)
    try:
        path = desk.config.path
        recorded = path is not None and (read_rules or remember) and _fast.checked(path)
        if read_rules and not recorded:
            desk.loaded_rules  # noqa: B018 - read now: the error before the command runs
        prove(desk, as_name, via)
        report_staff_drift(desk)
        report_approval_drift(desk)
        if remember and not recorded:
            _fast.remember(desk.config)
        yield desk
    finally:
        desk.close()


def prove(desk: Desk, as_name: str | None, via: str | None) -> None:
    """Refuse to go on as ``as_name`` unless it is proven: one's own OS login; a browser tab's
    ticket for someone else, when this account is desk.toml's ``[web] account``; the forced
    ``--as`` of an SSH key, when this account is ``[ssh] shared_account``; else the person's
    passphrase (desk.staff.remote says when each shape is believed). Remote logins and their
    refusals are audited."""
    from desk.config import os_user
    from desk.staff import remote

    identity = desk.identity
    needed = identity.needs_passphrase(as_name)
    shape = via or (remote.VIA_SSH if needed and os.environ.get("SSH_CONNECTION") else None)
    if shape is not None and (needed or via is not None):
        try:
            if needed:
                remote.vouch(shape, desk.config.path, os_user(), os.environ, remote.real_uid())
        except DeskError as exc:
            if shape == remote.VIA_WEB:  # a tab has no terminal to ask a passphrase on
                identity.refused(exc, shape)
                raise
        else:
            identity.vouched(shape, own_login=not needed)
            return
    if needed:
        identity.authenticate(ask_passphrase(desk.catalog))


def report_staff_drift(desk: Desk) -> None:
    """Say on stderr, in a line or two, where desk.toml and the staff records disagree: the
    records decide who is who (desk.staff.records), an admin applies the file."""
    if not desk.staff_drift:
        return
    t = desk.catalog.t
    changes = "; ".join(
        t(
            "cli.staff.drift_change",
            name=d.name,
            field=d.field,
            in_file=d.in_file,
            in_records=d.in_records,
        )
        for d in desk.staff_drift[:3]
    ) + ("; …" if len(desk.staff_drift) > 3 else "")
    print(clean(t("cli.staff.drift", n=len(desk.staff_drift), changes=changes)), file=sys.stderr)
    print(t("cli.staff.drift_hint"), file=sys.stderr)


def report_approval_drift(desk: Desk) -> None:
    """Say on stderr where desk.toml's ``[approval]`` and the recorded approval policy disagree:
    the recorded one is in force (desk.db.policies), an admin applies the file."""
    if not desk.approval_drift:
        return
    t = desk.catalog.t
    changes = "; ".join(
        t(
            "cli.staff.approval_drift_change",
            field=d.field,
            in_file=_setting(d.in_file),
            in_records=_setting(d.in_records),
        )
        for d in desk.approval_drift
    )
    n = len(desk.approval_drift)
    print(clean(t("cli.staff.approval_drift", n=n, changes=changes)), file=sys.stderr)
    print(t("cli.staff.drift_hint"), file=sys.stderr)


def _setting(value: object) -> str:
    """One setting of the approval policy as a person reads it: ``-`` for none, lists joined."""
    if value is None or value == [] or value == {}:
        return "-"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return " | ".join(f"{k}: {_setting(v)}" for k, v in value.items())
    return str(value).lower() if isinstance(value, bool) else str(value)


# -- printing ----------------------------------------------------------------------------------


def print_json(value: object, *, ensure_ascii: bool = False, indent: int | None = None) -> None:
    """``--json`` output: the value as one JSON document on stdout."""
    print(json.dumps(value, ensure_ascii=ensure_ascii, indent=indent))


def local_time(desk: Desk, at: datetime | None, *, seconds: bool = False) -> str:
    """``2026-11-12 09:03 EST``: an instant as a person reads it, in the desk's ``[hours]``
    time zone, labelled with it (every time the CLI prints; "?" when unknown)."""
    if at is None:
        return "?"
    from desk.calendar import zone  # ZoneInfo caches: no week of hours parsed per printed row

    return in_zone(at, zone(desk.config.hours.timezone), seconds=seconds)


def in_zone(at: datetime, tz: tzinfo, *, seconds: bool = False) -> str:
    """``at`` in the zone ``tz``, with the zone's abbreviation (``local_time``'s format)."""
    shown = as_utc(at).astimezone(tz)
    return shown.strftime("%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z")


def plural(catalog: Catalog, key: str, n: int, **values: Any) -> str:
    """``<key>.one`` or ``<key>.other`` chosen by the count ``n`` (formatted as ``{n}``).

    French counts 0 and 1 as singular ("0 mention ouverte"), English only 1."""
    return catalog.plural(key, n, **values)


def file_progress(name: str, index: int, total: int) -> None:
    """``[3/12] file.json`` on a terminal's stderr while files are read (nothing when piped).

    A file name is untrusted: shown through desk.text.safe.clean, so one holding escape
    sequences cannot retitle the terminal or write its clipboard."""
    if sys.stderr.isatty():
        shown = clean(Path(name).name, one_line=True, max_len=60)
        print(
            f"\r[{index}/{total}] {shown:<60}",
            end="" if index < total else "\n",
            file=sys.stderr,
            flush=True,
        )


# -- errors ------------------------------------------------------------------------------------


def refused(
    catalog: Catalog, key: str, /, *, kind: type[DeskError] = InputError, **values: Any
) -> DeskError:
    """The error for a refusal of the command line itself, in the interface language:
    ``cli.refused.<key>`` and, when the catalog has one, ``cli.refused.<key>_hint``."""
    hint_key = f"cli.refused.{key}_hint"
    hint = catalog.t(hint_key, **values)
    return kind(catalog.t(f"cli.refused.{key}", **values), None if hint == hint_key else hint)


def _is_database_error(exc: Exception) -> bool:
    # Only a command that opened the database can raise one: look SQLAlchemy up, never load it.
    errors = sys.modules.get("sqlalchemy.exc")
    return errors is not None and isinstance(exc, errors.DatabaseError)


def _explained(exc: Exception, catalog: Catalog) -> tuple[str, str | None] | None:
    """What an expected error says to the person, and the hint; None for a bug."""
    t = catalog.t
    if isinstance(exc, DeskError):
        message, hint = exc.localized(t)
        return clean(message), clean(hint) if hint else None
    if isinstance(exc, PermissionError):
        return t("cli.error.permission", path=clean(str(exc.filename or exc), max_len=300)), None
    if isinstance(exc, FileNotFoundError):
        return t("cli.error.no_file", path=clean(str(exc.filename or exc), max_len=300)), None
    if _is_database_error(exc):
        from desk.db.busy import DatabaseBusy, is_busy  # SQLAlchemy is loaded already

        if is_busy(exc):  # another desk held the lock past the busy timeout: said plainly
            message, hint = DatabaseBusy.now().localized(t)
            return message, hint
        reason = getattr(exc, "orig", None) or exc
        return (
            t("cli.error.database", reason=clean(str(reason), max_len=300)),
            t("cli.error.database_hint"),
        )
    if isinstance(exc, ImportError):
        return t("cli.error.missing", reason=clean(str(exc), max_len=300)), t(
            "cli.error.missing_hint"
        )
    return None


def print_error(exc: Exception, catalog: Catalog) -> int | None:
    """Print an expected error on stderr as ``error: ...`` and ``  hint: ...``; return the exit
    status (2), or None when ``exc`` is not one the person can act on (a bug: let it raise)."""
    explained = _explained(exc, catalog)
    if explained is None:
        return None
    message, hint = explained
    print(catalog.t("cli.error.line", message=message), file=sys.stderr)
    if hint:
        print(catalog.t("cli.error.hint", hint=hint), file=sys.stderr)
    return 2


def stored_word(t: Callable[..., str], group: str, value: str | None) -> str:
    """A stored value (category, priority name, status) in the reader's language, as the
    interface names it (``tui.category.rumour`` is « rumeur »); unknown values as stored."""
    if not value:
        return "-"
    key = f"tui.{group}.{value}"
    said = t(key)
    return value if said == key else said
