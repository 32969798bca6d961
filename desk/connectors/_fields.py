"""Helpers shared by the JSON connectors: decoding, field access, dates, per-item error collection.

A problem with one item raises ``ItemProblem`` inside the item's builder; ``collect`` turns it into
an ``ItemError`` carrying the item's index, so one bad item never stops the rest of a payload.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from desk.connectors.base import ItemError, ParsedMention, ParseResult
from desk.errors import InputError

MAX_JSON_BYTES = 64 * 1024 * 1024
"""Largest saved JSON payload accepted (an API page is a few hundred KB at most)."""

ECHO_CHARS = 80
"""How much of a bad value is repeated back in an error message."""

UTF8_BOM = b"\xef\xbb\xbf"

_MISSING = object()


class ItemProblem(Exception):
    """Raised while building one item; becomes an ``ItemError`` for that item."""


def clip(value: Any, limit: int = ECHO_CHARS) -> str:
    """Short printable echo of a (possibly huge or hostile) value for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load_json(data: bytes, source: str) -> Any:
    """Decode a saved JSON payload, raising ``InputError`` with line and column when it is broken."""
    if len(data) > MAX_JSON_BYTES:
        raise InputError(
            f"{source}: file is too large ({len(data):,} bytes; limit {MAX_JSON_BYTES:,})",
            hint="Save one API page per file.",
        )
    data = data.removeprefix(UTF8_BOM)
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{source}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            hint="Save the API response body exactly as received, without editing it.",
        ) from None
    except (ValueError, RecursionError) as exc:  # bad encoding, 5000-digit ints, deep nesting
        raise InputError(
            f"{source}: not valid JSON: {str(exc)[:200]}",
            hint="Save the API response body exactly as received, without editing it.",
        ) from None


def dig(obj: Any, path: str) -> Any:
    """Value at a dotted ``path`` in nested dicts, or ``None`` when any step is absent."""
    for key in path.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key, _MISSING)
        if obj is _MISSING:
            return None
    return obj


def need(obj: Any, path: str) -> Any:
    """Value at ``path``; raises ``ItemProblem`` naming the field when it is missing or null."""
    value = dig(obj, path)
    if value is None:
        raise ItemProblem(f"missing field '{path}'")
    return value


def need_str(obj: Any, path: str) -> str:
    """Text at ``path`` (integer ids are accepted and turned into text)."""
    value = need(obj, path)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise ItemProblem(f"field '{path}' should be text, got {type(value).__name__}")
    return value


def opt_str(obj: Any, path: str) -> str | None:
    """Text at ``path``, or ``None`` when absent, empty or not text."""
    value = dig(obj, path)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) and value else None


def parse_timestamp(value: Any, path: str) -> datetime:
    """UTC-aware datetime from an ISO 8601 string; a value without a zone is taken as UTC."""
    if not isinstance(value, str):
        raise ItemProblem(f"field '{path}' is not a date: {clip(value)}")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ItemProblem(f"field '{path}' is not a valid date: {clip(value)}") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def handle(value: str) -> str:
    """``@name`` form of an account handle (never doubled)."""
    return value if value.startswith("@") else f"@{value}"


Builder = Callable[[Any], ParsedMention | None]


def collect(platform: str, items: Iterable[Any], build: Builder) -> ParseResult:
    """Build every item; ``None`` counts as skipped, an ``ItemProblem`` as that item's error."""
    result = ParseResult(platform=platform)
    for index, item in enumerate(items):
        try:
            if not isinstance(item, dict):
                raise ItemProblem(f"expected an object, got {_json_type(item)}")
            mention = build(item)
        except ItemProblem as problem:
            result.errors.append(ItemError(message=str(problem), index=index))
            continue
        if mention is None:
            result.skipped += 1
        else:
            result.items.append(mention)
    return result


def _json_type(value: Any) -> str:
    names = {list: "a list", str: "text", bool: "true/false", type(None): "null"}
    return names.get(type(value), "a number")
