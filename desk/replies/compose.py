"""A reply as it will be posted: the body, the person's signature, and its length measured the
way its platform counts it (``Platform.reply_length``), including what the platform adds
(``Platform.posted_text``: Mastodon puts the author's ``@acct`` first)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desk.platforms.registry import platform as platform_named


@dataclass(frozen=True, slots=True)
class ReplyFrame:
    """Where a reply will be posted, as far as its length is concerned.

    ``limit``: the live channel's ``max_chars`` (a Mastodon instance's own limit), else the
    platform's. ``parent_raw``/``author``: the mention's stored record and author, from which the
    platform derives what it adds to the text (``Platform.posted_text``).
    """

    limit: int | None = None
    parent_raw: dict[str, Any] | None = None
    author: str | None = None


NO_FRAME = ReplyFrame()


@dataclass(frozen=True, slots=True)
class ComposedReply:
    """A reply body with its signature, measured against the platform limit."""

    body: str
    signature: str
    text: str
    length: int
    limit: int | None
    unit: str = "characters"
    reason: str | None = None  # why the platform would refuse it ("over 3000 bytes"...)

    @property
    def remaining(self) -> int | None:
        """Units left under the limit (negative when over); None when the platform has none."""
        return None if self.limit is None else self.limit - self.length


def compose(
    body: str, signature: str, platform: str, frame: ReplyFrame = NO_FRAME
) -> ComposedReply:
    """Join body and signature (the signature is never cut) and measure the result exactly as
    the platform counts it (graphemes, bytes, weights, URLs, @mentions)."""
    where = platform_named(platform)
    clean = body.strip()
    text = f"{clean}\n{signature}" if signature else clean
    posted = (
        text
        if frame.parent_raw is None
        else where.posted_text(text, frame.parent_raw, frame.author)
    )
    measured = where.reply_length(posted, frame.limit)
    reason = None if measured.ok or not clean else measured.reason
    return ComposedReply(
        clean, signature, text, measured.length, measured.limit, measured.unit, reason
    )
