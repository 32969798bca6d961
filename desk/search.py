"""The queue's filter line: mutt-like patterns and plain words, typed once, in French or English.

``parse("~f @renee ~b eau ~p urgent ~d <2d", ...)`` gives the ``QueueFilter`` fields that line
asks for; every pattern narrows the queue (they combine with AND). The same line works in the
TUI (``/``) and in ``desk queue --filter``:

=============  =========================================================================
``~f WHO``     author: part of the handle or name (``~f @renee``, ``~f tremblay``)
``~b WORDS``   words of the text, author handle or name (accents and case ignored);
               plain words outside any pattern mean the same
``~p LEVEL``   priority at least: low/normal/high/urgent, basse/normale/haute/urgente, 0–3
``~c CAT``     category, in either language (``~c rumeur`` = ``~c rumour``)
``~l LANG``    language (``fr``, ``en``, ``other``)
``~a NAME``    assigned to NAME; ``~a -`` nobody
``~s STATE``   open/closed (ouverte/fermée) or all (toutes)
``~t TAG``     tagged TAG
``~P NAME``    platform (mastodon, bluesky, x, rss); ``~C NAME`` channel name
``~d SPAN``    posted: ``<2d`` within the last 2 days, ``>3h`` before the last 3 hours (units
               m h d w, or j for jours, s for semaines), ``2026-11-03`` that day,
               ``2026-11-01..2026-11-30`` a period (days in the desk's time zone)
``~A``         a reply waits for approval
``~R``         replied (a reply is out or on its way); ``!~R`` not replied
``~i N,M``     mentions number N, M
=============  =========================================================================

A value with spaces goes in quotes (``~f "Renée T"``). Anything wrong is a ``InputError``
saying which pattern, what was expected, and where the help is. Pure: no database.
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from desk.clock import as_utc
from desk.errors import InputError
from desk.i18n import Catalog, Labels
from desk.vocabulary import CATEGORIES, PRIORITIES

__all__ = ["PATTERN_KEYS", "category", "parse"]

PATTERN_KEYS = ("f", "b", "p", "c", "l", "a", "s", "t", "P", "C", "d", "A", "R", "i")
_FLAGS = {"A", "R"}  # patterns that take no value
_UNITS = {"m": 60, "h": 3600, "d": 86400, "j": 86400, "w": 604800, "s": 604800}
_SPAN = re.compile(r"^([<>])\s*(\d{1,5})\s*([mhdjws])$")
_MAX_LINE = 1000


@dataclass
class Parsed:
    """What a filter line asks for: QueueFilter fields, and the words to search."""

    fields: dict[str, Any] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)

    def filter_fields(self) -> dict[str, Any]:
        """The QueueFilter keyword arguments (``search`` joins the words)."""
        found = dict(self.fields)
        if self.words:
            found["search"] = " ".join(self.words)
        return found


def _fold(text: str) -> str:
    """Lower case without accents: ``Urgente`` and ``urgente``, ``fermée`` and ``fermee``."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _names(catalogs: list[Catalog], prefix: str, keys: list[str]) -> dict[str, str]:
    """Every way to say each key (the key itself, and its label in each catalog), folded."""
    names: dict[str, str] = {}
    for key in keys:
        names[_fold(key)] = key
        for catalog in catalogs:
            label = catalog.t(f"{prefix}.{key}")
            if label != f"{prefix}.{key}":
                names[_fold(label)] = key
    return names


def _refuse(key: str, **values: Any) -> InputError:
    return InputError.from_catalog(f"pattern_{key}", **values)


def _choice(value: str, names: dict[str, str], pattern: str, prefix: str) -> str:
    found = names.get(_fold(value))
    if found is None:  # the choices in the reader's language (desk.i18n.Labels)
        choices = Labels(prefix, dict.fromkeys(names.values()))
        raise _refuse("choice", pattern=pattern, value=value, choices=choices)
    return found


def _day(text: str, pattern: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _refuse("date", pattern=pattern, value=text) from None


def _start(day: date, tz: tzinfo) -> datetime:
    return as_utc(datetime(day.year, day.month, day.day, tzinfo=tz))


def _period(value: str, now: datetime, tz: tzinfo) -> dict[str, datetime]:
    pattern = f"~d {value}"
    span = _SPAN.match(value.strip().lower())
    if span:
        sign, amount, unit = span.groups()
        edge = now - timedelta(seconds=int(amount) * _UNITS[unit])
        return {"since": edge} if sign == "<" else {"until": edge}
    first, dots, last = value.partition("..")
    since = _day(first, pattern) if first else None
    until = _day(last, pattern) if dots and last else (since if not dots else None)
    if since is None and until is None:
        raise _refuse("date", pattern=pattern, value=value)
    if since is not None and until is not None and since > until:
        raise _refuse("period_reversed", pattern=pattern)
    bounds: dict[str, datetime] = {}
    if since is not None:
        bounds["since"] = _start(since, tz)
    if until is not None:
        bounds["until"] = _start(until + timedelta(days=1), tz)
    return bounds


def _ids(value: str, pattern: str) -> tuple[int, ...]:
    parts = [p.strip().lstrip("#") for p in value.split(",") if p.strip()]
    if not parts or not all(p.isdigit() and len(p) < 12 for p in parts):
        raise _refuse("ids", pattern=pattern, value=value)
    return tuple(int(p) for p in parts[:500])


def _tokens(line: str) -> list[str]:
    if len(line) > _MAX_LINE:
        raise _refuse("too_long", limit=_MAX_LINE)
    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:
        raise _refuse("quote") from None


def category(value: str, catalogs: list[Catalog]) -> str:
    """The category named ``value`` in either language (``rumeur`` -> ``rumour``), or
    InputError listing the categories."""
    return _choice(value, _names(catalogs, "tui.category", list(CATEGORIES)), value, "tui.category")


def parse(line: str, *, now: datetime, tz: tzinfo, catalogs: list[Catalog]) -> Parsed:
    """The QueueFilter fields a typed line asks for. ``now`` and ``tz`` (the desk's zone) read
    ``~d``; ``catalogs`` give the words of each language for categories, priorities, states."""
    categories = _names(catalogs, "tui.category", list(CATEGORIES))
    priorities = _names(catalogs, "tui.priority", list(PRIORITIES))
    priorities.update({str(v): k for k, v in PRIORITIES.items()})
    states = _names(catalogs, "tui.status", ["open", "closed"])
    states.update({"all": "all", "toutes": "all", "tous": "all"})
    parsed = Parsed()
    tokens = _tokens(line)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        negate = token.startswith("!~")
        if not (token.startswith("~") or negate):
            parsed.words.append(token)
            continue
        key = token[2:] if negate else token[1:]
        if key not in PATTERN_KEYS:
            raise _refuse("unknown", pattern=token, keys=" ".join("~" + k for k in PATTERN_KEYS))
        if negate and key != "R":
            raise _refuse("negate", pattern=token)
        if key in _FLAGS:
            if key == "A":
                parsed.fields["waiting"] = True
            else:
                parsed.fields["replied"] = not negate
            continue
        if i >= len(tokens):
            raise _refuse("value", pattern=token)
        value = tokens[i]
        i += 1
        shown = f"{token} {value}"
        if key == "f":
            parsed.fields["author"] = value.lstrip("@")
        elif key == "b":
            parsed.words.append(value)
        elif key == "p":
            parsed.fields["min_priority"] = PRIORITIES[
                _choice(value, priorities, shown, "tui.priority")
            ]
        elif key == "c":
            parsed.fields["category"] = _choice(value, categories, shown, "tui.category")
        elif key == "l":
            parsed.fields["language"] = _fold(value)
        elif key == "a":
            if value == "-":
                parsed.fields["view"] = "unassigned"
            else:
                parsed.fields["assignee"] = value
        elif key == "s":
            state = _choice(value, states, shown, "tui.status")
            parsed.fields["view"] = "all"
            if state != "all":
                parsed.fields["status"] = state
        elif key == "t":
            parsed.fields["tag"] = value.lstrip("#")
        elif key == "P":
            parsed.fields["platform"] = _fold(value)
        elif key == "C":
            parsed.fields["channel"] = value
        elif key == "d":
            parsed.fields.update(_period(value, now, tz))
        elif key == "i":
            parsed.fields["ids"] = _ids(value, shown)
    return parsed
