"""RSS and Atom feeds (Google Alerts included) over HTTP: conditional GET, a capped body, and the
hardened parser of ``desk.platforms.rss.payload``.

- The cursor is JSON ``{"etag": ..., "last_modified": ...}`` from the last answer: it is sent back
  as ``If-None-Match`` / ``If-Modified-Since``, and a 304 gives an empty page.
- The body is streamed and counted *after* decompression (``desk.platforms.http.read_capped``),
  so neither a 50 MB feed nor a small gzip bomb is ever held in memory. Past
  ``channel.max_feed_bytes`` the read stops with a clear error, and is not retried.
- 429, and 503 with ``Retry-After``, are ``RateLimited`` with the host's wait; other 5xx and
  network failures are ``TransientError``; 4xx are ``PermanentError`` (fix the URL).
- Parsing (feedparser, in a worker thread so other channels keep going) refuses entity
  declarations and unwraps Google Alerts redirect links; a feed that cannot be read at all is a
  ``ChannelError`` naming the channel.

Feeds are public: no secret is ever sent.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from desk import __version__
from desk.errors import InputError
from desk.platforms.client import Connector, Page
from desk.platforms.errors import ChannelError, PermanentError, RateLimited, TransientError
from desk.platforms.fields import cursor_object
from desk.platforms.http import rate_wait, read_capped, retry_after, where
from desk.platforms.parsed import ParseResult
from desk.platforms.rss import payload as rss_parser

ACCEPT = (
    "application/atom+xml, application/rss+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)
USER_AGENT = f"desk/{__version__} (feed reader)"
MAX_VALIDATOR_CHARS = 512  # an ETag or Last--Modified longer than this is not kept
NOT_MODIFIED = "304 not modified"


def encode_cursor(etag: str | None, last_modified: str | None) -> str:
    """The stored cursor for a feed: its validators as JSON."""
    return json.dumps({"etag": etag, "last_modified": last_modified}, sort_keys=True)


def decode_cursor(cursor: str | None) -> tuple[str | None, str | None]:
    """``(etag, last_modified)`` from a stored cursor; nothing usable gives ``(None, None)``."""
    data = cursor_object(cursor)
    if data is None:
        return None, None
    return _validator(data.get("etag")), _validator(data.get("last_modified"))


def _validator(value: Any) -> str | None:
    """A header value worth keeping and sending back: short, printable ASCII."""
    if not isinstance(value, str) or not value or len(value) > MAX_VALIDATOR_CHARS:
        return None
    if not value.isascii() or not value.isprintable():
        return None
    return value


class RssConnector(Connector):
    """Reads one RSS or Atom feed (a news search, a Google Alert). Read-only."""

    platform = "rss"

    async def fetch(self, cursor: str | None) -> Page:
        """The feed's items (all of them: desk drops those it already has), or nothing on 304."""
        url = self.channel.base_url()
        place = f"GET {where(self.channel, url)}"
        headers = {"Accept": ACCEPT, "Accept-Encoding": "gzip", "User-Agent": USER_AGENT}
        etag, last_modified = decode_cursor(cursor)
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        request = self.client.build_request(
            "GET", url, headers=headers, timeout=self.channel.timeout_seconds
        )
        try:
            response = await self.client.send(request, stream=True, follow_redirects=True)
        except httpx.TooManyRedirects as exc:
            raise PermanentError(f"{place}: too many redirects") from exc
        except httpx.TimeoutException as exc:
            raise TransientError(
                f"{place}: no answer within {self.channel.timeout_seconds:g} s"
            ) from exc
        except httpx.TransportError as exc:
            raise TransientError(f"{place}: connection failed ({type(exc).__name__})") from exc
        try:
            self._check_status(response, place)
            notes = _moved_notes(response)
            if response.status_code == 304:
                return Page(ParseResult(platform=self.platform), cursor=None, notes=[NOT_MODIFIED])
            body = await read_capped(
                response,
                self.channel.max_feed_bytes,
                place,
                what="the feed",
                cap_name="max_feed_bytes",
            )
        finally:
            await response.aclose()
        result = await asyncio.to_thread(self._parse, body)
        new_cursor = encode_cursor(
            _validator(response.headers.get("etag")),
            _validator(response.headers.get("last-modified")),
        )
        return Page(result, cursor=new_cursor, more=False, notes=notes)

    def _check_status(self, response: httpx.Response, place: str) -> None:
        status = response.status_code
        if status == 429 or (
            status == 503 and retry_after(response.headers, self.now()) is not None
        ):
            wait = rate_wait(self.rate_headers, response, self.now())
            raise RateLimited(
                f"{place}: the feed's host asks to wait ({status}), next try in {wait:.0f} s",
                wait_seconds=wait,
                status=status,
            )
        if status >= 500:
            raise TransientError(f"{place}: server error {status}", status=status)
        if status >= 400:
            raise PermanentError(
                f"{place}: the feed answered {status}; check its url", status=status
            )
        if status != 304 and not 200 <= status < 300:
            raise PermanentError(f"{place}: unexpected answer {status}", status=status)

    def _parse(self, body: bytes) -> ParseResult:
        try:
            return rss_parser.parse(body, self.channel.key)
        except InputError as exc:
            raise ChannelError(exc.message) from None


def _moved_notes(response: httpx.Response) -> list[str]:
    """A note when the feed moved for good (301/308), so someone updates desk.toml."""
    for hop in response.history:
        if hop.status_code in (301, 308):
            target = str(response.url.copy_with(query=None))
            return [f"the feed moved permanently to {target}; update its url in desk.toml"]
    return []
