"""Mastodon: payloads (notifications), the live client (mentions, replies with idempotency
keys), and how a post is counted (graphemes, each URL as 23, ``@user@domain`` as ``@user``,
against the instance's own limit)."""

from __future__ import annotations

from typing import Any

from desk.platforms.base import Platform
from desk.platforms.mastodon import payload
from desk.platforms.mastodon.replies import posted_text
from desk.platforms.parsed import ParseResult
from desk.text.length import Length, countable_text, graphemes, judge


class Mastodon(Platform):
    """Mastodon and compatible servers (Pleroma, GoToSocial...)."""

    name = "mastodon"
    connector = "desk.platforms.mastodon.client:MastodonConnector"
    default_limit = 500
    """``max_characters`` of an instance that does not say otherwise (ChannelConfig.max_chars)."""

    def parse(self, data: bytes, source: str) -> ParseResult:
        """A saved ``GET /api/v1/notifications`` (or one notification)."""
        return payload.parse(data, source)

    def looks_like(self, obj: Any) -> bool:
        """A notification, or a list of them."""
        return payload.looks_like(obj)

    def parse_obj(self, obj: Any, source: str) -> ParseResult:
        """Notifications already decoded."""
        return payload.parse_obj(obj, source)

    def reply_length(
        self, text: str, limit: int | None = None, *, spoiler_text: str = ""
    ) -> Length:
        """Graphemes of ``spoiler_text + text`` as the server's ``StatusLengthValidator`` counts
        them, against the instance's ``limit`` (else 500)."""
        length = graphemes(spoiler_text + countable_text(text))
        return judge(self.name, text, length, limit or self.default_limit, "characters")

    def posted_text(self, text: str, parent_raw: dict[str, Any], author: str | None) -> str:
        """The author's ``@acct`` first: without it they would never see the answer."""
        return posted_text(text, parent_raw, author)


PLATFORM = Mastodon()
