"""X (API v2): payloads (the mentions timeline, post lookups), the live client, and how a post
is counted (twitter-text v3's weighted length, 280)."""

from __future__ import annotations

from datetime import timedelta
from types import ModuleType
from typing import ClassVar

from desk.platforms.base import Platform
from desk.platforms.x import payload as x_payload
from desk.text.length import Length, judge, weighted_length


class X(Platform):
    """X, formerly Twitter."""

    name = "x"
    batch_budget = (60, timedelta(minutes=15))  # limit 100 posts / 15 min per user
    detects_language = True  # X's ``lang`` is X's own detection
    publishes = True
    connector = "desk.platforms.x.client:XConnector"
    payload: ClassVar[ModuleType] = x_payload
    default_limit = 280

    def reply_length(self, text: str, limit: int | None = None) -> Length:
        """The official weighted length (NFC, CJK and emoji 2, a URL 23) against 280."""
        cap = limit or self.default_limit
        length, valid = weighted_length(text, cap)
        refused = None
        if not valid and 0 < length <= cap:
            refused = "contains a character X refuses (U+FEFF, U+FFFE or U+FFFF)"
        return judge(self.name, text, length, cap, "weighted", refused=refused)


PLATFORM = X()
