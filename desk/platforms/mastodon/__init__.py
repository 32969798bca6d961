"""Mastodon: payloads (notifications), the live client (mentions, replies with idempotency
keys), and how a post is counted (graphemes, each URL as 23, ``@user@domain`` as ``@user``,
against the instance's own limit)."""

from __future__ import annotations

from datetime import timedelta
from types import ModuleType
from typing import Any, ClassVar

from desk.platforms.base import Platform
from desk.platforms.mastodon import payload as mastodon_payload
from desk.platforms.mastodon.replies import posted_text
from desk.text.length import Length, countable_text, graphemes, judge


class Mastodon(Platform):
    """Mastodon and compatible servers (Pleroma, GoToSocial...)."""

    name = "mastodon"
    batch_budget = (100, timedelta(hours=3))  # limit 300 statuses / 3 h per account
    publishes = True
    connector = "desk.platforms.mastodon.client:MastodonConnector"
    payload: ClassVar[ModuleType] = mastodon_payload
    default_limit = 500
    """``max_characters`` of an instance that does not say otherwise (ChannelConfig.max_chars)."""

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
