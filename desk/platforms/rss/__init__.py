"""RSS and Atom feeds: payloads (feedparser, hardened) and the live client (conditional GET,
a size cap while streaming). News takes no replies and a public feed needs no secret."""

from __future__ import annotations

from types import ModuleType
from typing import ClassVar

from desk.platforms.base import Platform
from desk.platforms.rss import payload as rss_payload
from desk.text.length import Length, no_replies


class Rss(Platform):
    """News feeds: read-only."""

    name = "rss"
    connector = "desk.platforms.rss.client:RssConnector"
    payload: ClassVar[ModuleType] = rss_payload
    takes_replies = False
    needs_secret = False
    json_payloads = False

    def reply_length(self, text: str, limit: int | None = None) -> Length:
        """No reply is posted to a feed: the text's length, no limit."""
        return no_replies(self.name, text)


PLATFORM = Rss()
