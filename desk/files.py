"""Where the person's files are, and reading the team's files (desk.toml, the rule file, answer
files) without trusting them.

A foundation module, light on purpose: the command line reads ``[desk] language`` from desk.toml
with it before parsing its arguments, so ``desk --version`` and ``desk -h`` never load pydantic.
desk.config re-exports what it defines.

- Only a regular file is read. The file is opened non-blocking and checked with ``fstat`` before
  a byte is read: a FIFO would block every command (nobody writes to it), a device such as
  ``/dev/zero`` never ends, and checking the open file itself leaves no gap to swap one in.
- At most ``limit`` bytes are read, whatever the file claims to hold.
- TOML is parsed with its depth bounded. The standard parser recurses once per nested array or
  inline table (100,000 of them is a RecursionError) and builds every prefix of a dotted key
  (a key of 100,000 parts takes gigabytes): ``loads_toml`` refuses both with an error that says
  where, as a ``tomllib.TOMLDecodeError`` its callers already turn into their own messages.
"""

from __future__ import annotations

import os
import pwd
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

from desk.errors import ConfigError, DeskError

APP_NAME = "desk"

MAX_CONFIG_BYTES = 2 * 1024 * 1024
"""desk.toml is read up to this size (the largest real ones are a few kilobytes)."""


def os_user() -> str:
    """The OS login running desk, from the *real* uid (empty when the system has no name for
    it). Never from LOGNAME or USER, which whoever runs desk can set to anyone. (Here, not in
    desk.config, so that the read-only commands of desk.db.fastread know who is at the keyboard
    without loading pydantic.)"""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return ""


def default_data_dir() -> Path:
    """Per-user data folder (e.g. ~/.local/share/desk)."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_config_dir() -> Path:
    """Per-user config folder (e.g. ~/.config/desk)."""
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


MAX_DEPTH = 40
"""Levels of nesting (arrays, tables, dotted key parts) a desk file may use; real ones use < 10."""

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def read_limited(path: Path, limit: int, *, error: type[DeskError] = ConfigError) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    A folder, pipe, device or socket is refused before anything is read, and a file over
    ``limit`` bytes after reading only ``limit + 1``: ``error.from_catalog`` (``file_is_*``,
    ``file_too_big``). FileNotFoundError and other OSErrors go to the caller, who knows what the
    file is for and what to say.
    """
    fd = os.open(path, _FLAGS)  # non-blocking: opening a FIFO does not wait for a writer
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise error.from_catalog(_not_regular(mode), path=str(path))
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise error.from_catalog("file_too_big", path=str(path), limit=f"{limit:,}")
    return data


def _not_regular(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "file_is_folder"
    if stat.S_ISFIFO(mode):
        return "file_is_pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "file_is_device"
    return "file_is_special"


class TomlTooDeep(tomllib.TOMLDecodeError):
    """A TOML text nested deeper than MAX_DEPTH; its message ends ``(at line L, column C)``
    as tomllib's own errors do."""

    def __init__(self, message: str, line: int, column: int) -> None:
        ValueError.__init__(self, f"{message} (at line {line}, column {column})")
        self.msg, self.lineno, self.colno = message, line, column


# A dotted key (or table header) of more than MAX_DEPTH parts: bare or quoted parts joined by
# dots. Possessive repeats and the look-behind (never start inside a key) keep it linear.
_PART = r"""(?:[A-Za-z0-9_-]++|"(?:[^"\\\n]|\\.)*+"|'[^'\n]*+')"""
_LONG_KEY = re.compile(rf"(?<![A-Za-z0-9_.\-\"']){_PART}(?:[ \t]*+\.[ \t]*+{_PART}){{{MAX_DEPTH}}}")
# What moves the nesting level, and the strings and comments whose brackets do not count.
_NESTING = re.compile(
    r'"""(?:[^"\\]++|\\[\s\S]|"{1,2}+(?!"))*+"{3,5}'
    r"|'''(?:[^']++|'{1,2}+(?!'))*+'{3,5}"
    r'|"(?:[^"\\\n]++|\\.)*+"'
    r"|'[^'\n]*+'"
    r"|#[^\n]*+"
    r"|[\[\]{}]"
)


def loads_toml(text: str) -> dict[str, Any]:
    """``tomllib.loads`` with the depth bounded: TomlTooDeep (a TOMLDecodeError) beyond
    MAX_DEPTH levels of arrays, tables or dotted key parts."""
    long_key = _LONG_KEY.search(text)
    if long_key is not None:
        line, column = _where(text, long_key.start())
        raise TomlTooDeep(f"a key of more than {MAX_DEPTH} dotted parts", line, column)
    try:
        data = tomllib.loads(text)
    except RecursionError:
        data = None
    if data is None or _depth(data) > MAX_DEPTH:
        line, column = _where(text, _deep_at(text))
        raise TomlTooDeep(f"nested more than {MAX_DEPTH} levels deep", line, column) from None
    return data


def _depth(value: Any) -> int:
    """How deeply ``value`` nests lists and dicts (walked without recursion)."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level + 1)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def _deep_at(text: str) -> int:
    """Where the brackets first nest deeper than MAX_DEPTH (0 when they never do)."""
    level = 0
    for token in _NESTING.finditer(text):
        mark = token.group()
        if mark == "[" or mark == "{":
            level += 1
            if level > MAX_DEPTH:
                return token.start()
        elif mark == "]" or mark == "}":
            level = max(0, level - 1)
    return 0


def _where(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
