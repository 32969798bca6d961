"""Helpers shared by the JSON connectors: decoding, field access, dates, per-item error collection.

A problem with one item raises ``ItemProblem`` inside the item's builder; ``collect`` turns it into
an ``ItemError`` carrying the item's index, so one bad item never stops the rest of a payload.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from desk.errors import InputError
from desk.i18n import Catalog
from desk.platforms.parsed import ItemError, ParsedMention, ParseResult

MAX_JSON_BYTES = 64 * 1024 * 1024
"""Largest saved JSON payload accepted (an API page is a few hundred KB at most)."""

MAX_FIELD_CHARS = 2_000
"""Longest id, handle, name, URL or code kept (the text itself has its own, larger cap)."""


ECHO_CHARS = 80
"""How much of a bad value is repeated back in an error message."""

UTF8_BOM = b"\xef\xbb\xbf"

_MISSING = object()


class ItemProblem(Exception):
    """Raised while building one item; becomes an ``ItemError`` for that item. ``code`` is a
    key of the catalogs' ``[item_problem]``, worded with ``params`` (its English text is the
    exception's)."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(Catalog("en").t(f"item_problem.{code}", problem_code=code, **params))

    def error(self, index: int | None = None) -> ItemError:
        """The ItemError of the item at ``index``."""
        return ItemError(str(self), index=index, code=self.code, params=self.params)


def clip(value: Any, limit: int = ECHO_CHARS) -> str:
    """Short printable echo of a (possibly huge or hostile) value for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load_json(data: bytes, source: str) -> Any:
    """Decode a saved JSON payload, raising ``InputError`` with line and column when it is broken."""
    if len(data) > MAX_JSON_BYTES:
        raise InputError.from_catalog(
            "payload_too_big", path=source, size=f"{len(data):,}", limit=f"{MAX_JSON_BYTES:,}"
        )
    data = data.removeprefix(UTF8_BOM)
    try:
        value = json.loads(data)
    except json.JSONDecodeError as exc:
        raise InputError.from_catalog(
            "payload_json_at", path=source, detail=exc.msg, line=exc.lineno, column=exc.colno
        ) from None
    except (ValueError, RecursionError) as exc:  # bad encoding, 5000-digit ints, deep nesting
        raise InputError.from_catalog("payload_json", path=source, detail=str(exc)[:200]) from None
    # "\ud800" alone is valid JSON but not text: it cannot be stored or hashed as UTF-8.
    return _replace_lone_surrogates(value) if _SURROGATE_ESCAPE.search(data) else value


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _replace_lone_surrogates(value: Any) -> Any:
    """The same structure with every lone surrogate replaced by U+FFFD (pairs were already joined)."""
    if isinstance(value, str):
        return LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_replace_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_replace_lone_surrogates(k): _replace_lone_surrogates(v) for k, v in value.items()}
    return value


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
        raise ItemProblem("missing_field", path=path)
    return value


def need_str(obj: Any, path: str, *, limit: int | None = MAX_FIELD_CHARS) -> str:
    """Text at ``path`` (integer ids are accepted and turned into text); ``limit=None`` for
    bodies, which the caller caps (``html.cap_text``)."""
    value = need(obj, path)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise ItemProblem("not_text", path=path, type=type(value).__name__)
    if limit is not None and len(value) > limit:
        raise ItemProblem("too_long", path=path, length=len(value), limit=limit)
    return value


def opt_str(obj: Any, path: str, *, limit: int | None = MAX_FIELD_CHARS) -> str | None:
    """Text at ``path``, or ``None`` when absent, empty or not text; cut to ``limit``."""
    value = dig(obj, path)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value:
        return None
    return value if limit is None else value[:limit]


_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")


def language_code(value: Any) -> str | None:
    """A BCP 47-looking language tag reduced to its lower-case primary subtag, else None.

    The value is also a routing key and is shown on screen, so anything else is dropped.
    """
    if not isinstance(value, str) or len(value) > 35 or not _LANGUAGE.fullmatch(value):
        return None
    code = value.split("-")[0].split("_")[0].lower()
    return None if code == "und" else code


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
"""Earliest date accepted (placeholder records in real fixtures use the epoch)."""
FUTURE_SLACK = timedelta(days=1)
"""How far ahead of this machine's clock a date may be (clock skew), no more."""


def check_moment(moment: datetime, path: str, raw: Any) -> datetime:
    """``moment`` if it is a plausible post date, else ``ItemProblem`` naming the field."""
    if not EARLIEST <= moment <= datetime.now(UTC) + FUTURE_SLACK:
        raise ItemProblem("implausible_date", path=path, value=clip(raw))
    return moment


def parse_timestamp(value: Any, path: str) -> datetime:
    """UTC-aware datetime from an ISO 8601 string; a value without a zone is taken as UTC."""
    if not isinstance(value, str):
        raise ItemProblem("not_a_date", path=path, value=clip(value))
    try:
        moment = datetime.fromisoformat(value.strip())
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ItemProblem("invalid_date", path=path, value=clip(value)) from None
    return check_moment(moment, path, value)


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
                raise ItemProblem(f"object_expected_{_json_type(item)}")
            mention = build(item)
        except ItemProblem as problem:
            result.errors.append(problem.error(index))
            continue
        if mention is None:
            result.skipped += 1
        else:
            result.items.append(mention)
    return result


def aware_moment(value: Any) -> datetime | None:
    """An ISO-8601 timestamp with its offset (``Z`` or ``+hh:mm``); None when it is not text,
    not readable, or has no offset (a client then cannot place it in time)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def cursor_object(cursor: str | None) -> dict[str, Any] | None:
    """The JSON object a channel's stored cursor holds; None when there is no cursor or it is
    not one (each client then starts afresh, or reads an older form)."""
    if not cursor:
        return None
    try:
        value = json.loads(cursor)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _json_type(value: Any) -> str:
    """The JSON type of ``value`` (the end of an ``object_expected_*`` code)."""
    names = {list: "list", str: "text", bool: "flag", type(None): "null"}
    return names.get(type(value), "number")
