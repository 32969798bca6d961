"""Who is at the keyboard when desk is reached from elsewhere, and why desk believes it.

Two shapes let one OS account speak for several people:

- **SSH, one shared account, one key per person.** sshd matches the key and runs the command
  the key forces (``restrict,pty,command="desk --as alice"``); the person cannot choose another.
  desk takes that ``--as`` without a passphrase only when (1) the process runs in an SSH
  session (``SSH_CONNECTION`` set), (2) its *real* uid's login is desk.toml's ``[ssh]
  shared_account``, and (3) that desk.toml is out of the shared account's reach: a regular file
  not owned by it, writable neither by its group nor by others, and the account is not root.
- **A browser tab opened by ``desk serve``.** The server authenticates the person, writes a
  one-time *ticket* naming them into a folder only its uid can enter (mode 0700), and gives the
  tab's process the ticket's path. The process takes the ticket (reads it and deletes it: a
  second reader finds nothing), checks the folder and the file are its own uid's and private,
  and that the ticket is fresh. It then opens the desk as that person when the person is its
  own login's, or when its real uid's login is desk.toml's ``[web] account`` on the same terms
  as above.

Why environment variables alone never grant anything: any local user can start ``desk`` with
``SSH_CONNECTION=x`` or ``DESK_WEB_TICKET=/tmp/mine`` and a ``--config`` of their own writing.
What they cannot forge is their real uid and the owner of a file: a private desk.toml naming
their own account is owned by them, so it is refused; a ticket must be a private file in a
private folder of the real uid, so it only ever speaks for whoever that uid already is. The
trust therefore sits where the administrator put it: in the shared (or serving) account, which
nobody should be able to run anything else as (a forced command, no password, no other keys),
and in the root-owned desk.toml that names it. Whoever can run code as that account can be
anyone on the desk; that is the price of a shared account, and why the per-person OS account
shape is the stronger one.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import stat
import tomllib
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path

from desk.clock import as_utc
from desk.errors import PermissionDenied
from desk.files import MAX_CONFIG_BYTES

VIA_SSH = "ssh"
VIA_WEB = "web"
TICKET_VARIABLE = "DESK_WEB_TICKET"
"""The variable that carries a ticket's *path* (never a name) from ``desk serve`` to a tab."""
TICKET_LIFETIME = timedelta(seconds=60)
MAX_TICKET_BYTES = 4096


def real_uid() -> int:
    """The real uid of this process (a function so that tests can stand for another account)."""
    return os.getuid()


def _login_of(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def out_of_reach(info: os.stat_result, uid: int) -> str | None:
    """None when a file with this ``stat`` cannot have been written by ``uid``; else why it
    could have been: ``root``, ``not_regular``, ``owned`` or ``writable``."""
    if uid == 0:
        return "root"
    if not stat.S_ISREG(info.st_mode):
        return "not_regular"
    if info.st_uid == uid:
        return "owned"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "writable"
    return None


def declared_account(config_path: Path | None, section: str, key: str, uid: int) -> str | None:
    """The account desk.toml names at ``[section] key``, read from the file itself (the bytes
    checked are the bytes parsed: one open file), or None. Raises PermissionDenied (key
    ``remote_untrusted``) when the file is within ``uid``'s reach."""
    if config_path is None:
        return None
    try:
        fd = os.open(config_path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        why = out_of_reach(info, uid)
        if why is not None:
            raise PermissionDenied.from_catalog(f"remote_{why}", account=_login_of(uid))
        raw = file.read(MAX_CONFIG_BYTES + 1)
    try:
        table = tomllib.loads(raw[:MAX_CONFIG_BYTES].decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    value = table.get(section, {}).get(key) if isinstance(table.get(section), dict) else None
    return value if isinstance(value, str) else None


def vouch(
    via: str, config_path: Path | None, login: str, environ: Mapping[str, str], uid: int
) -> None:
    """Return when the shape ``via`` (VIA_SSH or VIA_WEB) vouches for whoever this process says
    it acts as; raise PermissionDenied (a ``remote_*`` key saying why) otherwise."""
    if via == VIA_SSH and not environ.get("SSH_CONNECTION"):
        raise PermissionDenied.from_catalog("remote_not_ssh")
    section, key = ("ssh", "shared_account") if via == VIA_SSH else ("web", "account")
    account = declared_account(config_path, section, key, uid)
    if account is None:
        raise PermissionDenied.from_catalog("remote_undeclared", setting=f"[{section}] {key}")
    if not login or account != login:
        raise PermissionDenied.from_catalog(
            "remote_other_account",
            login=login or "?",
            account=account,
            setting=f"[{section}] {key}",
        )


# -- tickets: from `desk serve` to the process of one tab ---------------------------------------


def ticket_folder(parent: Path | None = None) -> Path:
    """A new folder for tickets that only this uid can enter (``mkdtemp``: mode 0700)."""
    import tempfile

    return Path(tempfile.mkdtemp(prefix="desk-serve-", dir=parent))


def write_ticket(folder: Path, person: str, now: datetime) -> Path:
    """A new one-time ticket saying ``person``, valid TICKET_LIFETIME from ``now``."""
    path = folder / secrets.token_urlsafe(24)
    body = json.dumps({"person": person, "until": (now + TICKET_LIFETIME).isoformat()})
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(body)
    return path


def _private(info: os.stat_result, uid: int) -> bool:
    return info.st_uid == uid and not info.st_mode & 0o077


def take_ticket(path: Path, uid: int, now: datetime) -> str:
    """The person a ticket names, the ticket deleted (so taken once). Refused (PermissionDenied,
    a ``ticket_*`` key saying why) unless its folder and itself are private to ``uid``, it is a plain
    file with one link, it is fresh, and nobody took it first."""

    def refuse(reason: str) -> PermissionDenied:
        return PermissionDenied.from_catalog(f"ticket_{reason}")

    try:
        folder = os.lstat(path.parent)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        raise refuse("missing") from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if not stat.S_ISDIR(folder.st_mode) or not _private(folder, uid):
            raise refuse("folder")
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1 or not _private(info, uid):
            raise refuse("file")
        raw = file.read(MAX_TICKET_BYTES + 1)
    try:
        os.unlink(path)
    except OSError:
        raise refuse("taken") from None
    try:
        data = json.loads(raw[:MAX_TICKET_BYTES])
        person, until = data["person"], as_utc(datetime.fromisoformat(data["until"]))
    except (ValueError, KeyError, TypeError):
        raise refuse("unreadable") from None
    if not isinstance(person, str) or not person or until < now:
        raise refuse("expired" if isinstance(person, str) and person else "unreadable")
    return person
