"""Interface strings in French and English, from TOML catalogs: ``fr/*.toml`` and ``en/*.toml``
(``core`` for what services and records say, ``cli`` for the command line, ``tui`` for the
terminal interface; the files of one language are merged, and a key may live in one file only).

``choose_language`` picks the language: explicit setting (``--lang``/DESK_LANG), then desk.toml's
``desk.language``, then ``LC_ALL``/``LC_MESSAGES``/``LANG`` (``fr_CA.UTF-8`` -> fr), else English.
``Catalog.t(key, **values)`` formats a string; a missing key shows the key itself, so a gap in a
catalog is visible instead of crashing (tests check the two catalogs have the same keys).

The TOML files are what people edit. Beside each, ``<name>.json`` holds the same strings,
flattened, with the size and CRC-32 of the TOML they were made from (``python -m
desk.i18n.compile`` writes them; a test checks they are current): JSON is read thirty times
faster than TOML, and a command's start-up is mostly such reading. A JSON that does not match
its TOML (edited since, or missing) is ignored and the TOML read instead.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
import zlib
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("fr", "en")
_DIR = Path(__file__).parent


def choose_language(explicit: str | None = None, configured: str | None = None) -> str:
    """The interface language: explicit, then configured, then the locale environment, then en."""
    for candidate in (explicit, configured):
        if candidate:
            code = candidate.lower()[:2]
            if code in LANGUAGES:
                return code
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            code = value.lower()[:2]
            return code if code in LANGUAGES else "en"
    return "en"


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


FILES = tuple(sorted(path.stem for path in (_DIR / "en").glob("*.toml")))
"""The catalog files of each language. ``cli.toml`` holds only ``cli.*`` keys and ``tui.toml``
only ``tui.*`` (a file named after a key's first part holds that key); ``core.toml`` holds the
rest. So a command reads the command line's strings and the core's, the terminal interface its
own and the core's, each file when its first string is asked for: parsing a catalog file takes
4-12 ms, the command line's own alone is a tenth of a command's start."""
_OWN = frozenset(FILES) - {"core"}


def _file_of(key: str) -> str:
    first = key.partition(".")[0]
    return first if first in _OWN else "core"


def read_toml(path: Path) -> tuple[bytes, dict[str, str]]:
    """The bytes of a catalog's TOML file and its strings, flattened to dotted keys."""
    raw = path.read_bytes()
    strings: dict[str, str] = {}
    _flatten("", tomllib.loads(raw.decode("utf-8")), strings)
    return raw, strings


def stamp(raw: bytes) -> dict[str, int]:
    """What identifies the TOML a compiled catalog was made from: its size and CRC-32."""
    return {"toml_size": len(raw), "toml_crc32": zlib.crc32(raw)}


def _compiled(path: Path) -> dict[str, str] | None:
    """The strings of the JSON beside the TOML file ``path`` when it was made from that TOML as
    it is now; None otherwise (no JSON, unreadable, or the TOML changed since)."""
    try:
        data = json.loads(path.with_suffix(".json").read_bytes())
        if data.get("stamp") != stamp(path.read_bytes()):
            return None
        strings = data["strings"]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    return strings if isinstance(strings, dict) else None


@cache
def load_file(language: str, name: str) -> dict[str, str]:
    """The strings of one catalog file (``name``: one of ``FILES``), flattened to dotted keys
    (from its compiled JSON when current); ValueError for a key the file does not own (see
    ``FILES``)."""
    path = _DIR / language / f"{name}.toml"
    strings = _compiled(path)
    if strings is None:
        strings = read_toml(path)[1]
    stray = sorted(key for key in strings if _file_of(key) != name)
    if stray:
        raise ValueError(f"{path}: keys that belong in another file: {stray[:5]}")
    return strings


@cache
def load_strings(language: str) -> dict[str, str]:
    """All strings of one language, from every file of its folder, flattened to dotted keys."""
    out: dict[str, str] = {}
    for name in FILES:
        out.update(load_file(language, name))
    return out


class Catalog:
    """The strings of one language, each catalog file read when a string of it is first asked
    for (``FILES``)."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else "en"
        self._files: dict[str, dict[str, str]] = {}

    def _strings(self, key: str) -> dict[str, str]:
        name = _file_of(key)
        strings = self._files.get(name)
        if strings is None:
            strings = self._files[name] = load_file(self.language, name)
        return strings

    def t(self, key: str, **values: Any) -> str:
        """The string for ``key``, formatted with ``values``; the key itself when missing."""
        template = self._strings(key).get(key, key)
        if not values:
            return template
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            return template

    def plural(self, key: str, n: int, **values: Any) -> str:
        """``<key>.one`` or ``<key>.other`` chosen by the count ``n`` (given as ``{n}``): French
        counts 0 and 1 as one ("0 mention ouverte"), English only 1."""
        one = n in (0, 1) if self.language == "fr" else n == 1
        return self.t(f"{key}.{'one' if one else 'other'}", n=n, **values)

    def elide(self, text: str) -> str:
        """French elision where a name was put after ``de`` or ``que``: ``Réponse de Amélie``
        becomes ``Réponse d'Amélie`` (the catalog's own words are written elided already)."""
        if self.language != "fr":
            return text
        return _ELIDABLE.sub(lambda m: m.group(1)[:-1] + "'", text)


class Labels:
    """Record words (``rumour``, ``urgent``) to be listed in the reader's language, e.g. in an
    error's ``{categories}``: ``str()`` gives the keys, ``render(t)`` the labels under ``prefix``
    (desk.errors renders them with the catalog the error is shown in)."""

    def __init__(self, prefix: str, keys: Iterable[str]) -> None:
        self.prefix = prefix
        self.keys = tuple(keys)

    def render(self, t: Callable[..., str]) -> str:
        """The labels in lower case (``URGENTE`` shouts in the queue, not in a list),
        comma-separated; a key without a label stays as it is."""
        shown = []
        for key in self.keys:
            label = t(f"{self.prefix}.{key}")
            shown.append(key if label == f"{self.prefix}.{key}" else label.lower())
        return ", ".join(shown)

    def __str__(self) -> str:
        return ", ".join(self.keys)

    def __repr__(self) -> str:
        return f"Labels({self.prefix!r}, {self.keys!r})"


_ELIDABLE = re.compile(r"\b([Dd]e|[Qq]ue) (?=[AEIOUYÀÂÉÈÊËÎÏÔÙÛÜaeiouyàâéèêëîïôùûü])")
