"""RSS and Atom feeds: payloads (feedparser, hardened) and the live client (conditional GET,
a size cap while streaming). News takes no replies and a public feed needs no secret."""

from __future__ import annotations

from desk.platforms.base import Platform
from desk.platforms.parsed import ParseResult
from desk.platforms.rss import payload
from desk.text.length import Length, no_replies


class Rss(Platform):
    """News feeds: read-only."""

    name = "rss"
    connector = "desk.platforms.rss.client:RssConnector"
    takes_replies = False
    needs_secret = False
    json_payloads = False

    def parse(self, data: bytes, source: str) -> ParseResult:
        """A saved RSS 2.0 or Atom feed."""
        return payload.parse(data, source)

    def reply_length(self, text: str, limit: int | None = None) -> Length:
        """No reply is posted to a feed: the text's length, no limit."""
        return no_replies(self.name, text)


PLATFORM = Rss()
