"""Tokens and app passwords: where they come from and how they stay out of sight.

A channel names its secret by reference (``secret = "env:DESK_VILLE_TOKEN"`` in desk.toml), never
by value. ``resolve(ref)`` reads it from:

- ``env:NAME``: an environment variable;
- ``keyring:SERVICE/USER``: the system keyring (the ``keyring`` package), when one exists; a
  headless server usually has none, and the error says to use ``env:`` or ``file:`` instead;
- ``file:PATH``: a file only its owner can read (``chmod 600``). desk refuses a file that the
  group or others may read, that belongs to someone else, that is not a regular file, or that is
  larger than 64 KB. One trailing newline is dropped.

The value comes back as a ``Secret``: its repr, str and format show ``Secret('***', ...)``, so it
stays out of logs, audit events, exceptions, Textual's crash screen (which prints local variables
with their repr) and ``--json`` output (``json.dumps`` refuses it); it cannot be pickled. Only
``reveal()`` gives the value, at the one place that sends it (an HTTP header).

Every Secret of 8 characters or more is also remembered by a redaction registry: from the first
one on, any log record whose text contains a known value has it replaced by ``***``, and the
``httpx``/``httpcore`` loggers (which log full URLs at INFO) are set to WARNING unless configured.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import stat
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote

from desk.errors import ConfigError

MAX_FILE_BYTES = 64 * 1024
MIN_REDACTED_LENGTH = 8  # shorter values would blank ordinary words in every log line
REDACTED = "***"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Secret:
    """A token or password whose value is shown only by ``reveal()``."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, *, source: str = "") -> None:
        if not isinstance(value, str):
            raise TypeError("a Secret holds a str")
        self._value = value
        self.source = source  # where it came from (env:NAME...), never the value
        remember(value)

    def reveal(self) -> str:
        """The value itself: only for the header or body that sends it."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r}, source={self.source!r})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return format(repr(self), spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("a Secret cannot be pickled or serialised: use reveal() where it is sent")

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self


# -- resolving references -------------------------------------------------------------------


def resolve(ref: str, *, environ: Mapping[str, str] | None = None) -> Secret:
    """The secret that ``ref`` (``env:NAME``, ``keyring:SERVICE/USER``, ``file:PATH``) names.

    Raises ConfigError saying what is wrong, where, and what to do; never with the value.
    """
    ref = ref.strip()
    if ref.startswith("env:"):
        return _from_env(ref, ref[4:], os.environ if environ is None else environ)
    if ref.startswith("keyring:"):
        return _from_keyring(ref, ref[8:])
    if ref.startswith("file:"):
        return _from_file(ref, ref[5:])
    # Not echoed: a reference without a scheme is most likely the token itself, pasted.
    raise ConfigError.from_catalog("secret_not_reference")


def _from_env(ref: str, name: str, environ: Mapping[str, str]) -> Secret:
    if not _ENV_NAME.match(name):
        raise ConfigError.from_catalog("secret_env_name", ref=ref)
    value = environ.get(name)
    if value is None:
        raise ConfigError.from_catalog("secret_env_unset", ref=ref, name=name)
    if not value:
        raise ConfigError.from_catalog("secret_env_empty", ref=ref, name=name)
    return Secret(value, source=ref)


def _from_keyring(ref: str, spec: str) -> Secret:
    service, _, user = spec.rpartition("/")
    if not service or not user:
        raise ConfigError.from_catalog("secret_keyring_form", ref=ref)
    try:
        import keyring
        import keyring.errors
    except ImportError:
        raise ConfigError.from_catalog("secret_keyring_missing", ref=ref) from None
    try:
        value = keyring.get_password(service, user)
    except keyring.errors.NoKeyringError:
        raise ConfigError.from_catalog("secret_keyring_none", ref=ref) from None
    except Exception as exc:  # noqa: BLE001 - backends raise their own (D-Bus, locked...) errors
        raise ConfigError.from_catalog(
            "secret_keyring_unreadable", ref=ref, reason=type(exc).__name__
        ) from None
    if not value:
        raise ConfigError.from_catalog(
            "secret_keyring_no_password", ref=ref, service=service, user=user
        )
    return Secret(value, source=ref)


def _from_file(ref: str, raw: str) -> Secret:
    path = Path(os.path.expanduser(raw))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)  # non-blocking: a FIFO must not hang desk
    except FileNotFoundError:
        raise ConfigError.from_catalog("secret_file_missing", ref=ref, path=str(path)) from None
    except OSError as exc:
        raise ConfigError.from_catalog(
            "secret_file_unopenable", ref=ref, path=str(path), reason=exc.strerror or str(exc)
        ) from None
    try:
        info = os.fstat(fd)
        _check_file(ref, path, info)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        _too_big(ref, path)
    try:
        value = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError.from_catalog("secret_file_not_utf8", ref=ref, path=str(path)) from None
    value = value.removesuffix("\n").removesuffix("\r")
    if not value:
        raise ConfigError.from_catalog("secret_file_empty", ref=ref, path=str(path))
    return Secret(value, source=ref)


def _check_file(ref: str, path: Path, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError.from_catalog("secret_file_not_regular", ref=ref, path=str(path))
    if hasattr(os, "getuid"):  # POSIX: owner and permission bits mean something
        if info.st_uid != os.getuid():
            raise ConfigError.from_catalog(
                "secret_file_not_yours", ref=ref, path=str(path), owner=info.st_uid, uid=os.getuid()
            )
        if info.st_mode & 0o077:
            raise ConfigError.from_catalog(
                "secret_file_shared",
                ref=ref,
                path=str(path),
                mode=f"{stat.S_IMODE(info.st_mode):04o}",
            )
    if info.st_size > MAX_FILE_BYTES:
        _too_big(ref, path)


def _too_big(ref: str, path: Path) -> NoReturn:
    raise ConfigError.from_catalog(
        "secret_file_too_big", ref=ref, path=str(path), size=MAX_FILE_BYTES // 1024
    )


# -- redaction in logs ----------------------------------------------------------------------

_known: set[str] = set()
_lock = threading.Lock()
_installed = False


def remember(value: str) -> None:
    """Redact ``value`` (and its URL-encoded form) from every log record from now on."""
    if len(value) < MIN_REDACTED_LENGTH:
        return
    with _lock:
        _known.update({value, quote(value, safe="")})
    install_redaction()


def redact(text: str) -> str:
    """``text`` with every known secret value replaced by ``***``."""
    for value in sorted(_known, key=len, reverse=True):  # a value may contain another
        if value in text:
            text = text.replace(value, REDACTED)
    return text


def install_redaction(*secrets: Secret) -> None:
    """Redact ``secrets`` (and every Secret made from now on) from log records, and keep the
    httpx/httpcore loggers at WARNING unless they were configured. Safe to call again."""
    global _installed
    for secret in secrets:
        remember(secret.reveal())
    for name in ("httpx", "httpcore"):  # httpx logs every full URL at INFO
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.WARNING)
    with _lock:
        if _installed:
            return
        _installed = True
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _redact_record(record)
            return record

        logging.setLogRecordFactory(factory)


def _redact_record(record: logging.LogRecord) -> None:
    if not _known:
        return
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string is logging's own error to report
        return
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[1] is not None:
        text = logging.Formatter().formatException(record.exc_info)
        clean = redact(text)
        if clean != text:
            record.exc_text = clean  # formatters use this cached text instead of re-rendering
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
