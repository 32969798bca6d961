"""The contract every live connector follows.

A ``Connector`` is built for one ``ChannelConfig`` with an ``httpx.AsyncClient`` (real network,
or a ``MockTransport`` / loopback server in tests) and the channel's ``Secret``. It never touches
the database:

- ``fetch(cursor)`` returns one ``Page``: the parsed mentions (``desk.platforms.parsers`` parsers, from
  the platform's own JSON) and the cursor to store *after* they are committed. ``desk.channels.pull`` calls
  it until ``page.more`` is false, committing each page with its cursor in one transaction, so a
  crash between pages loses nothing and duplicates nothing.
- ``post(reply)`` publishes one reply in the right thread and returns the platform's id for it.
  It raises ``NotPosted`` when the platform certainly did not publish it (4xx validation), and
  ``ChannelError`` (or anything else) when the outcome is unknown.
- ``find_posted(reply)`` looks for a reply that may already be published (after a crash or a
  timeout): the idempotency key, the chosen record key, or the account's own recent posts. It
  returns the remote id, ``None`` when it can prove the reply is *not* there, and raises
  ``Unprovable`` when it cannot tell.

Errors carry what the caller needs to wait: ``RateLimited.wait_seconds`` from the platform's own
headers; ``TransientError`` for 5xx, timeouts and truncated bodies (retry with backoff);
``PermanentError`` for what retrying cannot fix (bad token, missing account).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from desk.clock import utcnow
from desk.config.channels import ChannelConfig
from desk.platforms.parsed import ParseResult


@dataclass(frozen=True, slots=True)
class RateLimit:
    """What the platform's rate-limit headers said on the last response."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: datetime | None = None  # UTC

    def wait_seconds(self, now: datetime) -> float:
        """Seconds to wait before the next call (0 while requests remain)."""
        if self.remaining is None or self.remaining > 0 or self.reset_at is None:
            return 0.0
        return max(0.0, (self.reset_at - now).total_seconds())

    def to_json(self) -> dict[str, Any]:
        """For ``desk channels --json`` and the channel state table."""
        return {
            "limit": self.limit,
            "remaining": self.remaining,
            "reset_at": self.reset_at.isoformat() if self.reset_at else None,
        }


class ChannelError(Exception):
    """A call to a platform failed. ``retryable`` says whether trying again later may work."""

    retryable = True

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TransientError(ChannelError):
    """5xx, timeout, connection error, truncated or broken body: retry with backoff."""


class RateLimited(ChannelError):
    """429 (or a platform's own throttling answer): wait ``wait_seconds`` before calling again."""

    def __init__(self, message: str, *, wait_seconds: float, status: int | None = 429) -> None:
        super().__init__(message, status=status)
        self.wait_seconds = wait_seconds


class PermanentError(ChannelError):
    """Retrying will not help: bad or expired credentials, unknown account, bad configuration."""

    retryable = False


class NotPosted(ChannelError):  # noqa: N818 - reads as the outcome it reports
    """The platform certainly did not publish the reply (it refused it)."""

    retryable = False


class Unprovable(ChannelError):  # noqa: N818 - reads as the outcome it reports
    """Reconciliation could not tell whether a reply was published: a supervisor decides."""

    retryable = False


@dataclass(slots=True)
class Page:
    """One page of new mentions and the cursor to store once they are committed."""

    result: ParseResult
    cursor: str | None  # None: keep the stored cursor
    more: bool = False  # another page is waiting right now
    rate: RateLimit | None = None
    notes: list[str] = field(default_factory=list)  # e.g. "304 not modified"


@dataclass(frozen=True, slots=True)
class ReplyRequest:
    """Everything a connector needs to post one reply (built from the reply and its mention).

    ``parent_raw`` is the mention's native record as stored (``Mention.raw``): the Mastodon
    notification, the Bluesky notification (uri, cid, record.reply.root), the X post.
    """

    reply_id: int
    text: str
    idempotency_key: str
    created_at: datetime  # when the reply was queued: Bluesky's record key derives from it
    parent_remote_id: str
    parent_author: str
    parent_visibility: str | None
    parent_raw: dict[str, Any]
    language: str | None = None


class Connector(ABC):
    """Fetches mentions from and posts replies to one channel."""

    platform: str = ""
    can_reply: bool = True

    def __init__(
        self,
        channel: ChannelConfig,
        client: httpx.AsyncClient,
        secret: Any,
        *,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.channel = channel
        self.client = client
        self.secret = (
            secret  # a desk.config.secrets.Secret (redacted repr), or None for public feeds
        )
        self.now = now  # tests pass a fixed clock
        self.rate: RateLimit | None = None

    @abstractmethod
    async def fetch(self, cursor: str | None) -> Page:
        """One page of mentions newer than ``cursor`` (None: first run)."""

    async def post(self, reply: ReplyRequest) -> str:
        """Publish ``reply`` in its thread; return the platform's id for it."""
        raise NotPosted(f"{self.channel.key}: this channel cannot post replies")

    async def find_posted(self, reply: ReplyRequest) -> str | None:
        """The remote id of ``reply`` if already published, None if provably not."""
        raise Unprovable(f"{self.channel.key}: cannot check for an earlier post")

    async def tracked(
        self,
        method: str,
        url: str,
        *,
        headers: Any = None,
        params: Any = None,
        json: Any = None,
    ) -> httpx.Response:
        """One call through ``desk.platforms.http.request`` that keeps the rate-limit state of every
        answer (and of a 429) in ``self.rate``, which ``desk channels`` shows."""
        from desk.platforms.http import parse_rate, request  # http imports this module

        now = self.now
        try:
            response = await request(
                self.client,
                method,
                url,
                channel=self.channel,
                headers=headers,
                params=params,
                json=json,
                now=now,
            )
        except RateLimited as exc:
            self.rate = RateLimit(
                limit=self.rate.limit if self.rate else None,
                remaining=0,
                reset_at=now() + timedelta(seconds=exc.wait_seconds),
            )
            raise
        self.rate = parse_rate(self.platform, response.headers, now()) or self.rate
        return response

    async def aclose(self) -> None:
        """Release sessions or other resources (the client belongs to the caller)."""
        return None
