"""Bluesky: payloads (listNotifications), the live client (AT Protocol sessions, records with a
key chosen by desk), and how a post is counted (300 graphemes *and* 3000 UTF-8 bytes)."""

from __future__ import annotations

from datetime import timedelta
from types import ModuleType
from typing import ClassVar

from desk.platforms.base import Platform
from desk.platforms.bluesky import payload as bluesky_payload
from desk.text.length import Length, graphemes, judge, utf8_bytes, without_surrogates


class Bluesky(Platform):
    """Bluesky (the AT Protocol's ``app.bsky``)."""

    name = "bluesky"
    batch_budget = (300, timedelta(hours=1))  # limit 5,000 points/h, 3 a post: 1,666 posts
    publishes = True
    connector = "desk.platforms.bluesky.client:BlueskyConnector"
    payload: ClassVar[ModuleType] = bluesky_payload
    max_graphemes = 300  # lexicon app.bsky.feed.post
    max_bytes = 3000

    def reply_length(self, text: str, limit: int | None = None) -> Length:
        """Graphemes against 300 (``limit`` can only lower it) and bytes against 3000, URLs in
        full; whichever limit is closer to being reached is the one reported."""
        cap = min(limit, self.max_graphemes) if limit else self.max_graphemes
        length, unit = graphemes(without_surrogates(text)), "graphemes"
        size = utf8_bytes(text)
        # The tighter limit is the one whose share is larger (integer cross-multiplication).
        if size * cap > length * self.max_bytes:
            length, cap, unit = size, self.max_bytes, "bytes"
        return judge(self.name, text, length, cap, unit)


PLATFORM = Bluesky()
