"""RSS and Atom feeds (including Google Alerts) through a hardened ``feedparser``.

Hardening, because feeds are untrusted XML:

* the payload is capped (``MAX_FEED_BYTES``) and a DOCTYPE declaring entities is refused up front:
  feedparser's loose fallback parser otherwise expands "one 40 KB entity referenced 10,000 times"
  into a 400-million-character field;
* ``defusedxml.expatreader`` is put first in feedparser's SAX parser list (in ``feedparser.api``:
  feedparser 6.0.14 does not re-export ``PREFERRED_XML_PARSERS`` at package level);
* feedparser only ever receives bytes, never a path or URL it would open itself;
* every decoded text is capped at ``MAX_TEXT_CHARS``.

A feed that is not well-formed but still yields entries is imported, with one ``ItemError`` saying so.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import feedparser
import feedparser.api
from defusedxml import DefusedXmlException

from desk.errors import InputError
from desk.platforms.fields import (
    EARLIEST,
    FUTURE_SLACK,
    LONE_SURROGATE,
    ItemProblem,
    clip,
    dig,
)
from desk.platforms.html import cap_text, html_to_text
from desk.platforms.parsed import ItemError, ParsedMention, ParseResult

PLATFORM = "rss"

MAX_FEED_BYTES = 20 * 1024 * 1024
"""Largest feed accepted."""

DEFUSED_SAX_DRIVER = "defusedxml.expatreader"

_DOCTYPE = re.compile(rb"<!\s*DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_GOOGLE_HOSTS = frozenset({"www.google.com", "google.com"})


@dataclass(frozen=True, slots=True)
class _FeedInfo:
    """What every entry of one feed inherits."""

    title: str
    fallback_author: str
    language: str | None
    date: datetime | None


def harden_feedparser() -> None:
    """Make feedparser's strict parser refuse entity declarations (idempotent)."""
    drivers = feedparser.api.PREFERRED_XML_PARSERS
    if DEFUSED_SAX_DRIVER not in drivers:
        drivers.insert(0, DEFUSED_SAX_DRIVER)


def check_feed_bytes(data: bytes, source: str) -> None:
    """Refuse oversized payloads and DTDs declaring entities before any XML parser sees them."""
    if len(data) > MAX_FEED_BYTES:
        raise InputError.from_catalog(
            "feed_too_big", path=source, size=f"{len(data):,}", limit=f"{MAX_FEED_BYTES:,}"
        )
    # UTF-16/32 feeds hide ASCII markup between NUL bytes; strip them before looking.
    probe = data.replace(b"\x00", b"") if b"\x00" in data[:1024] else data
    if _DOCTYPE.search(probe) and _ENTITY.search(probe):
        raise InputError.from_catalog("feed_entities", path=source)


def parse(data: bytes, source: str) -> ParseResult:
    """Parse a saved RSS or Atom feed into ``news`` items."""
    check_feed_bytes(data, source)
    parsed = _run_feedparser(data, source)
    feed = parsed.get("feed") or {}
    entries = parsed.get("entries") or []
    if not entries and not feed.get("title") and (parsed.get("bozo") or not parsed.get("version")):
        raise InputError.from_catalog("feed_not_a_feed", path=source, why=_bozo_suffix(parsed))
    info = _feed_info(feed)
    result = ParseResult(platform=PLATFORM, channel_hint=info.title or None)
    result.items.extend(_entry_mention(entry, info) for entry in entries)
    if parsed.get("bozo"):
        result.errors.append(_bozo_error(parsed.get("bozo_exception")))
    return result


def _run_feedparser(data: bytes, source: str) -> Any:
    harden_feedparser()
    try:
        return feedparser.parse(io.BytesIO(data))
    except DefusedXmlException as exc:
        raise InputError.from_catalog("feed_unsafe", path=source, detail=clip(exc, 120)) from None
    except Exception as exc:  # noqa: BLE001 - e.g. &#xD800; or &#99999999999; crash feedparser
        raise InputError.from_catalog(
            "feed_unreadable", path=source, detail=f"{type(exc).__name__}: {clip(exc, 120)}"
        ) from None


def _bozo_parts(exc: Any) -> tuple[str, int | None]:
    """Message and line number of feedparser's ``bozo_exception``."""
    message = exc.getMessage() if hasattr(exc, "getMessage") else str(exc)
    line = exc.getLineNumber() if hasattr(exc, "getLineNumber") else None
    return cap_text(str(message), 200), line if isinstance(line, int) else None


def _bozo_suffix(parsed: Any) -> str:
    if not parsed.get("bozo"):
        return ""
    message, line = _bozo_parts(parsed.get("bozo_exception"))
    return f" ({message}, line {line})" if line else f" ({message})"


def _bozo_error(exc: Any) -> ItemError:
    message, line = _bozo_parts(exc)
    said = (
        ItemProblem("feed_malformed_at", message=message, line=line)
        if line
        else ItemProblem("feed_malformed", message=message)
    )
    return ItemError(str(said), line=line, code=said.code, params=said.params)


def _feed_info(feed: Any) -> _FeedInfo:
    title = _plain(feed.get("title"), dig(feed, "title_detail.type"))
    host = urlparse(_text(feed.get("link"))).hostname or ""
    language = _text(feed.get("language")) or _text(dig(feed, "title_detail.language"))
    short = language[:2].lower()
    return _FeedInfo(
        title=title,
        fallback_author=title or host or "unknown",
        language=short if len(short) == 2 and short.isalpha() else None,
        date=_struct_to_utc(feed.get("published_parsed") or feed.get("updated_parsed")),
    )


def _entry_mention(entry: Any, info: _FeedInfo) -> ParsedMention:
    title = _plain(entry.get("title"), dig(entry, "title_detail.type"))
    summary = _summary(entry)
    author = cap_text(_text(entry.get("author")))
    author_name = cap_text(_text(dig(entry, "author_detail.name")))
    link = _text(entry.get("link")) or None
    return ParsedMention(
        platform=PLATFORM,
        remote_id=_remote_id(entry),
        author_handle=author or author_name or info.fallback_author,
        author_name=author_name or author or info.fallback_author,
        text=cap_text("\n".join(part for part in (title, summary) if part)),
        created_at=_entry_date(entry, info),
        kind="news",
        url=unwrap_google_redirect(link) if link else None,
        language=info.language,
        title=title or None,
        visibility="public",
        raw=_jsonable(entry),
    )


def _summary(entry: Any) -> str:
    """Plain text of ``summary`` (RSS description / Atom summary), else of the first ``content``."""
    contents = entry.get("content")
    first = contents[0] if isinstance(contents, list) and contents else None
    first = first if isinstance(first, dict) else {}
    # feedparser copies Atom content into ``summary`` without a ``summary_detail``: use its type.
    mime = dig(entry, "summary_detail.type") or first.get("type") or "text/html"
    if _text(entry.get("summary")):
        return _plain(entry["summary"], mime)
    return _plain(first.get("value"), first.get("type") or "text/html")


def _remote_id(entry: Any) -> str:
    """``id`` (guid), else ``link``, else a hash of title and publication date."""
    explicit = _text(entry.get("id")) or _text(entry.get("link"))
    if explicit:
        return cap_text(explicit, 2_000)
    seed = f"{_text(entry.get('title'))}\n{_text(entry.get('published'))}"
    return "sha256:" + hashlib.sha256(seed.encode("utf-8", "surrogatepass")).hexdigest()


def _entry_date(entry: Any, info: _FeedInfo) -> datetime:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        moment = _struct_to_utc(entry.get(key))
        if moment is not None:
            return moment
    return info.date or datetime.now(UTC)


def unwrap_google_redirect(link: str) -> str:
    """Real article address of a Google Alerts redirect (``google.com/url?...&url=<real>``)."""
    parts = urlparse(link)
    if parts.hostname in _GOOGLE_HOSTS and parts.path == "/url":
        target = parse_qs(parts.query).get("url", [""])[0]
        if target.startswith(("https://", "http://")):
            return target
    return link


def _struct_to_utc(value: Any) -> datetime | None:
    """feedparser's ``*_parsed`` 9-tuples are already in UTC."""
    try:
        year, month, day, hour, minute, second = value[:6]
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return moment if EARLIEST <= moment <= datetime.now(UTC) + FUTURE_SLACK else None


def _text(value: Any) -> str:
    return LONE_SURROGATE.sub("\ufffd", value) if isinstance(value, str) else ""


def _plain(value: Any, mime: Any) -> str:
    """Plain text of a feed field: HTML types go through ``html_to_text``, others are trimmed."""
    text = _text(value)
    if "html" in _text(mime):
        return html_to_text(text)
    return cap_text(text.strip())


def _jsonable(value: Any) -> Any:
    """feedparser's entry as plain JSON values (struct_time -> ISO string, text capped)."""
    if isinstance(value, time.struct_time):
        moment = _struct_to_utc(value)
        return moment.isoformat() if moment else None
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, str):
        return cap_text(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return cap_text(str(value))
