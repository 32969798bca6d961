"""Recognise a saved payload (which platform's API produced it) and parse it.

Sniffing is by content, never by file name: a payload starting with ``<`` is a feed; one starting
with ``{`` or ``[`` is JSON whose shape names the platform; one starting with an RFC 5322 header
field (``From: ...``, ``Received: ...``, or an mbox ``From `` line) is a saved e-mail (.eml).
"""

from __future__ import annotations

import codecs
import re
from typing import Any

from desk.errors import InputError
from desk.platforms.base import Platform
from desk.platforms.fields import UTF8_BOM, clip, load_json
from desk.platforms.parsed import ParseResult
from desk.platforms.registry import PLATFORMS

_MAIL_HEAD = re.compile(r"(?:[!-9;-~]{1,76}:|From )")
"""A header field name and its colon (RFC 5322 §2.2: printable ASCII but ``:``), or the
``From `` line an mbox export starts with."""
_MAIL_FROM = re.compile(r"^From:", re.IGNORECASE | re.MULTILINE)
"""The one field every message has (RFC 5322 §3.6: the originator)."""

_UTF16_32_BOMS = (
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
)


def detect(data: bytes, source: str) -> Platform:
    """The platform whose payload ``data`` is; raises ``InputError`` when none recognises it."""
    first = _first_char(data, source)
    if first == "<":
        return _feeds()
    if first == "@":
        return _mail()
    return _platform_for(load_json(data, source), source)


def parse_payload(data: bytes, source: str) -> ParseResult:
    """Parse a saved payload of any supported platform (``source`` names it in messages)."""
    first = _first_char(data, source)
    if first == "<":
        return _feeds().parse(data, source)
    if first == "@":
        return _mail().parse(data, source)
    obj = load_json(data, source)
    return _platform_for(obj, source).parse_obj(obj, source)


def _feeds() -> Platform:
    return PLATFORMS["rss"]


def _mail() -> Platform:
    return PLATFORMS["email"]


def _platform_for(obj: Any, source: str) -> Platform:
    for platform in PLATFORMS.values():
        if platform.json_payloads and platform.looks_like(obj):
            return platform
    raise InputError.from_catalog("payload_unrecognised", path=source, shape=_describe(obj))


def _first_char(data: bytes, source: str) -> str:
    """First meaningful character, after any byte-order mark and whitespace; ``@`` for a text
    whose first line is a mail header field."""
    text = _head_text(data)
    stripped = text.lstrip()
    if not stripped:
        raise InputError.from_catalog("payload_empty", path=source)
    if text[:1] not in "<{[ \t\r\n" and _MAIL_HEAD.match(text) and _MAIL_FROM.search(text):
        return "@"
    first = stripped[0]
    if first not in "<{[":
        raise InputError.from_catalog(
            "payload_not_json_or_xml", path=source, start=clip(stripped[:20])
        )
    return first


def _head_text(data: bytes) -> str:
    """The start of ``data`` as text, decoded from UTF-8 or a BOM-marked UTF-16/32."""
    head = data[:4096]
    for bom in _UTF16_32_BOMS:
        if head.startswith(bom):
            encoding = {4: "utf-32", 2: "utf-16"}[len(bom)]
            return head.decode(encoding, errors="ignore")
    return head.removeprefix(UTF8_BOM).decode("utf-8", errors="ignore")


def _describe(obj: Any) -> str:
    if isinstance(obj, dict):
        keys = ", ".join(clip(str(key), 30) for key in list(obj)[:8])
        return f"an object with keys: {keys}" if keys else "an empty object"
    return f"a top-level {type(obj).__name__}"
