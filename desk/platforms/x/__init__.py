"""X (API v2): payloads (the mentions timeline, post lookups), the live client, and how a post
is counted (twitter-text v3's weighted length, 280)."""

from __future__ import annotations

from typing import Any

from desk.platforms.base import Platform
from desk.platforms.parsed import ParseResult
from desk.platforms.x import payload
from desk.text.length import Length, judge, weighted_length


class X(Platform):
    """X, formerly Twitter."""

    name = "x"
    connector = "desk.platforms.x.client:XConnector"
    default_limit = 280

    def parse(self, data: bytes, source: str) -> ParseResult:
        """A saved mentions timeline or post lookup (``{"data": ...}``)."""
        return payload.parse(data, source)

    def looks_like(self, obj: Any) -> bool:
        """An API v2 answer with ``data``."""
        return payload.looks_like(obj)

    def parse_obj(self, obj: Any, source: str) -> ParseResult:
        """An answer already decoded."""
        return payload.parse_obj(obj, source)

    def reply_length(self, text: str, limit: int | None = None) -> Length:
        """The official weighted length (NFC, CJK and emoji 2, a URL 23) against 280."""
        cap = limit or self.default_limit
        length, valid = weighted_length(text, cap)
        refused = None
        if not valid and 0 < length <= cap:
            refused = "contains a character X refuses (U+FEFF, U+FFFE or U+FFFF)"
        return judge(self.name, text, length, cap, "weighted", refused=refused)


PLATFORM = X()
