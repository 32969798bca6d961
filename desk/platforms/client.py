"""The contract every live client follows.

A ``Connector`` is built for one ``ChannelConfig`` with an ``httpx.AsyncClient`` (real network,
or a ``MockTransport`` / loopback server in tests) and the channel's ``Secret``. It never touches
the database:

- ``fetch(cursor)`` returns one ``Page``: the parsed mentions (the platform's payload parser, on
  its own JSON) and the cursor to store *after* they are committed. ``desk.channels.pull`` calls
  it until ``page.more`` is false, committing each page with its cursor in one transaction, so a
  crash between pages loses nothing and duplicates nothing.
- ``post(reply)`` publishes one reply in the right thread and returns the platform's id for it.
  It raises ``NotPosted`` when the platform certainly did not publish it (4xx validation), and
  ``ChannelError`` (or anything else) when the outcome is unknown.
- ``find_posted(reply)`` looks for a reply that may already be published (after a crash or a
  timeout): the idempotency key, the chosen record key, or the account's own recent posts. It
  returns the remote id, ``None`` when it can prove the reply is *not* there, and raises
  ``Unprovable`` when it cannot tell.

Errors (``desk.platforms.errors``) carry what the caller needs to wait: ``RateLimited`` from the
platform's own headers (``rate_headers``); ``TransientError`` for 5xx, timeouts and truncated
bodies (retry with backoff); ``PermanentError`` for what retrying cannot fix.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

import httpx

from desk.clock import utcnow
from desk.config.channels import ChannelConfig
from desk.platforms.errors import NotPosted, RateLimited, Unprovable
from desk.platforms.http import RateHeaders, RateLimit, parse_rate, request
from desk.platforms.parsed import ParseResult
from desk.views import ImportNote


@dataclass(slots=True)
class Page:
    """One page of new mentions and the cursor to store once they are committed."""

    result: ParseResult
    cursor: str | None  # None: keep the stored cursor
    more: bool = False  # another page is waiting right now
    rate: RateLimit | None = None
    notes: Sequence[str | ImportNote] = field(default_factory=list)
    """What the pull noticed: English text (e.g. "304 not modified"), or a code of the catalog
    section ``pull_note`` and its values, worded in the reader's language where shown."""


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
    sender: dict[str, str] | None = None
    """What was frozen when the reply was queued (``Platform.frozen_sender``), as stored; None
    for replies queued before it was kept: the channel's settings now."""


class Connector(ABC):
    """Fetches mentions from and posts replies to one channel."""

    platform: str = ""
    rate_headers: ClassVar[RateHeaders | None] = None
    """Where this platform's answers say how many calls are left (None: they do not)."""
    idempotent_publish: ClassVar[bool] = False
    """``publish`` called again with the same key and time finds the first post instead of
    making a second one, even long after (Bluesky: a record key derived from them)."""
    pushes: ClassVar[bool] = False
    """The server can say when new items arrive (IMAP IDLE): ``wait_for_news`` between polls."""

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

    async def publish(self, text: str, *, idempotency_key: str, created_at: datetime) -> str:
        """Publish a post of the account's own (not a reply) dated ``created_at``; its remote
        id. The same ``idempotency_key`` and ``created_at`` must never make a second post where
        the platform allows it."""
        raise NotPosted(f"{self.channel.key}: this channel cannot publish posts")

    async def pin(self, remote_id: str) -> bool:
        """Pin the account's post ``remote_id`` on its profile; False where the platform has no
        way to (a person pins it by hand). Raises NotPosted when the platform refused."""
        return False

    async def wait_for_news(self, seconds: float) -> bool:
        """Wait up to ``seconds``, less when the server announces new items (True). Only for
        ``pushes`` connectors; never raises (on trouble it waits the time out)."""
        await asyncio.sleep(max(0.0, seconds))
        return False

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
                rate_headers=self.rate_headers,
            )
        except RateLimited as exc:
            self.rate = RateLimit(
                limit=self.rate.limit if self.rate else None,
                remaining=0,
                reset_at=now() + timedelta(seconds=exc.wait_seconds),
            )
            raise
        self.rate = parse_rate(self.rate_headers, response.headers) or self.rate
        return response

    async def aclose(self) -> None:
        """Release sessions or other resources (the client belongs to the caller)."""
        return None
