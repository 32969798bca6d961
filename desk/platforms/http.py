"""HTTP for the live connectors: one attempt, its outcome as desk's error types, and retries.

- ``request`` makes one call with the channel's timeout and turns what no connector can use into
  an error: timeouts and connection errors and 5xx are ``TransientError``; 429 is ``RateLimited``
  with the wait the platform asked for (``Retry-After``, else its own reset header). Every other
  status comes back to the connector, which knows what a 4xx means for that call.
- ``parse_rate`` reads each platform's rate-limit headers (their formats differ: Mastodon's reset
  is an ISO-8601 timestamp, Bluesky's and X's are epoch seconds).
- ``retrying`` retries a call with exponential backoff and jitter (tenacity), waiting at least what
  a rate limit asked for, and gives up when that wait is longer than it is willing to sleep.
- ``read_json`` decodes a body; a body cut short is a ``TransientError`` (worth another try).

Messages name the channel (``mastodon:ville``) and the path, never the query string or a token.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from desk.clock import utcnow
from desk.config.channels import ChannelConfig
from desk.platforms.errors import (
    PermanentError,
    RateLimited,
    ResponseTooLarge,
    TransientError,
)

T = TypeVar("T")
DEFAULT_RATE_WAIT = 60.0  # a 429 that says nothing about when to come back
MAX_JSON_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class RateHeaders:
    """Where a platform's responses say how many calls are left (each connector declares its
    own: Mastodon's reset is an ISO-8601 time, Bluesky's and X's are epoch seconds)."""

    limit: str
    remaining: str
    reset: str
    reset_format: str  # "iso" | "epoch"

    @property
    def names(self) -> tuple[str, str, str]:
        """The three header names."""
        return (self.limit, self.remaining, self.reset)


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


def where(channel: ChannelConfig, url: str | httpx.URL) -> str:
    """``mastodon:ville GET /api/v1/notifications`` without the query (cursors, never tokens)."""
    return f"{channel.key} {urlsplit(str(url)).path or '/'}"


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _reset(value: str | None, kind: str) -> datetime | None:
    if not value:
        return None
    try:
        if kind == "epoch":
            return datetime.fromtimestamp(float(value), UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def parse_rate(spec: RateHeaders | None, headers: httpx.Headers) -> RateLimit | None:
    """The rate-limit state a response announced in the headers of ``spec``, or None when it
    said nothing (or the platform has no such headers: a feed)."""
    if spec is None or not any(h in headers for h in spec.names):
        return None
    return RateLimit(
        limit=_int(headers.get(spec.limit)),
        remaining=_int(headers.get(spec.remaining)),
        reset_at=_reset(headers.get(spec.reset), spec.reset_format),
    )


def retry_after(headers: httpx.Headers, now: datetime) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date), if any."""
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


def rate_wait(spec: RateHeaders | None, response: httpx.Response, now: datetime) -> float:
    """How long a 429 asks us to wait: Retry-After, else the platform's reset, else a minute."""
    after = retry_after(response.headers, now)
    if after is not None:
        return after
    rate = parse_rate(spec, response.headers)
    if rate is not None and rate.reset_at is not None:
        return max(0.0, (rate.reset_at - now).total_seconds())
    return DEFAULT_RATE_WAIT


async def request(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    channel: ChannelConfig,
    headers: httpx.Headers | dict[str, str] | None = None,
    params: Any = None,
    json: Any = None,
    now: Callable[[], datetime] = utcnow,
    rate_headers: RateHeaders | None = None,
    max_bytes: int = MAX_JSON_BYTES,
) -> httpx.Response:
    """One call. Raises for timeouts, connection errors, 429 and 5xx; returns anything else.
    ``rate_headers`` says where the platform announces a 429's reset (when Retry-After does not).

    The body is streamed and inflated here, never past ``max_bytes`` (``read_capped``): a
    compression bomb is refused with ResponseTooLarge, which is not retried. The response
    returned holds the decoded body in memory."""
    place = f"{method} {where(channel, url)}"
    wanted = httpx.Headers(headers)
    wanted.setdefault("accept-encoding", "gzip")  # the one encoding read_capped inflates
    built = client.build_request(
        method, url, headers=wanted, params=params, json=json, timeout=channel.timeout_seconds
    )
    try:
        streamed = await client.send(built, stream=True)
        try:
            body = await read_capped(streamed, max_bytes, place)
        finally:
            await streamed.aclose()
    except httpx.TimeoutException as exc:
        raise TransientError(f"{place}: no answer within {channel.timeout_seconds:g} s") from exc
    except httpx.TransportError as exc:
        raise TransientError(f"{place}: connection failed ({type(exc).__name__})") from exc
    response = httpx.Response(
        streamed.status_code,
        headers=[
            (k, v)
            for k, v in streamed.headers.multi_items()
            if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ],
        content=body,
        request=built,
    )
    if response.status_code == 429:
        wait = rate_wait(rate_headers, response, now())
        raise RateLimited(
            f"{place}: rate limited (429), next try in {wait:.0f} s", wait_seconds=wait
        )
    if response.status_code >= 500:
        raise TransientError(
            f"{place}: server error {response.status_code}", status=response.status_code
        )
    return response


class _Inflater:
    """Decodes a body chunk by chunk without ever producing more than ``room`` bytes at once."""

    def __init__(self, encoding: str, place: str) -> None:
        self.place = place
        if encoding in ("", "identity"):
            self.zlib = None
        elif encoding in ("gzip", "x-gzip", "deflate"):
            self.zlib = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header
        else:
            raise PermanentError(
                f"{place}: the answer came with an unsupported encoding {encoding!r}"
            )

    def feed(self, data: bytes, room: int, out: bytearray) -> None:
        """Append the decoded ``data`` to ``out``: at most ``room + 1`` bytes, enough to tell
        that the body is over the cap without inflating any further."""
        limit = room + 1
        if self.zlib is None:
            out += data[:limit]
            return
        try:
            while data and limit > 0 and not self.zlib.eof:  # max_length 0 would mean no limit
                piece = self.zlib.decompress(data, limit)
                out += piece
                limit -= len(piece)
                data = self.zlib.unconsumed_tail
        except zlib.error as exc:
            raise TransientError(f"{self.place}: the compressed answer is corrupt") from exc

    def finish(self) -> None:
        """Refuse a compressed body that ended before its end marker."""
        if self.zlib is not None and not self.zlib.eof:
            raise TransientError(f"{self.place}: the compressed answer was cut short")


async def read_capped(
    response: httpx.Response,
    cap: int,
    place: str,
    *,
    what: str = "the answer",
    cap_name: str = "the size limit",
) -> bytes:
    """The decoded body of a streamed ``response``, read as it arrives and inflated here with a
    ``max_length`` (httpx's own decoder would inflate a whole network chunk at once, up to ~1000x
    its size); ResponseTooLarge, which is not retried, as soon as it exceeds ``cap`` bytes."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    declared = response.headers.get("content-length", "")
    too_big = f"{place}: {what} is over the {cap:,}-byte limit ({cap_name}); refused"
    if response.is_stream_consumed:  # already read and decoded (a response built in memory)
        if len(response.content) > cap:
            raise ResponseTooLarge(too_big)
        return response.content
    if encoding in ("", "identity") and declared.isdigit() and int(declared) > cap:
        raise ResponseTooLarge(f"{too_big} (it announces {int(declared):,} bytes)")
    inflater = _Inflater(encoding, place)
    body = bytearray()
    try:
        async for raw in response.aiter_raw():
            inflater.feed(raw, cap - len(body), body)
            if len(body) > cap:
                raise ResponseTooLarge(too_big)
    except httpx.TimeoutException as exc:
        raise TransientError(f"{place}: {what} stopped arriving (timeout)") from exc
    except httpx.TransportError as exc:
        raise TransientError(f"{place}: {what} was cut short ({type(exc).__name__})") from exc
    inflater.finish()
    return bytes(body)


def read_json(
    response: httpx.Response, *, channel: ChannelConfig, max_bytes: int = MAX_JSON_BYTES
) -> Any:
    """The decoded JSON body; a truncated or broken body is a TransientError."""
    place = f"{response.request.method} {where(channel, response.request.url)}"
    body = response.content
    if len(body) > max_bytes:
        raise ResponseTooLarge(f"{place}: answer of {len(body):,} bytes is over {max_bytes:,}")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TransientError(
            f"{place}: the answer is not complete JSON ({type(exc).__name__} at byte "
            f"{getattr(exc, 'pos', '?')} of {len(body)})",
            status=response.status_code,
        ) from exc


def error_text(response: httpx.Response, limit: int = 200, *, hide: Iterable[Any] = ()) -> str:
    """The platform's own error words (``error``, ``message``, ``detail``), clipped, for messages.

    Each secret in ``hide`` (Secrets or plain strings) is blanked as ``[redacted]``, should a
    hostile or broken server echo a token back: before the words are clipped, so a token the
    clip would cut is never half shown, and so is a piece of one left at either end (a server
    that cut the token short itself)."""
    secrets = _revealed(hide)
    # Enough past the clip that a token starting before it is read whole, then blanked whole.
    window = limit + max((len(s) for s in secrets), default=0)
    return _clipped(_hidden(_error_words(response, window), secrets), limit, secrets).strip()


def _error_words(response: httpx.Response, limit: int) -> str:
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return response.text[:limit].strip()
    if isinstance(body, dict):
        if isinstance(body.get("error"), dict):  # Facebook-style
            body = body["error"]
        parts = [str(body[k]) for k in ("error", "message", "detail", "title") if body.get(k)]
        if parts:
            return " — ".join(dict.fromkeys(parts))[:limit]
    return json.dumps(body, ensure_ascii=False)[:limit]


REDACTED = "[redacted]"
MIN_PIECE = 3  # a token's first or last characters this long, at an edge, are blanked too


def _revealed(secrets: Iterable[Any]) -> list[str]:
    values = (s.reveal() if hasattr(s, "reveal") else s for s in secrets)
    return [v for v in values if isinstance(v, str) and v]


def _hidden(text: str, secrets: list[str]) -> str:
    for value in secrets:
        text = text.replace(value, REDACTED)
    return text


def _clipped(text: str, limit: int, secrets: list[str]) -> str:
    """``text`` cut at ``limit`` (never inside a ``[redacted]``), with no piece of a secret left
    at either end: a token's head where the text stops, its tail where it starts."""
    if len(text) > limit:
        cut = limit
        marker = text.find(REDACTED, max(0, cut - len(REDACTED) + 1))
        if -1 < marker < cut:
            cut = marker + len(REDACTED)
        text = text[:cut]
    for value in secrets:
        for size in range(min(len(value) - 1, len(text)), MIN_PIECE - 1, -1):
            if text.endswith(value[:size]):
                text = text[: len(text) - size] + REDACTED
                break
        for size in range(min(len(value) - 1, len(text)), MIN_PIECE - 1, -1):
            if text.startswith(value[-size:]):
                text = REDACTED + text[size:]
                break
    return text


def auth_header(secret: Any) -> httpx.Headers:
    """``Authorization: Bearer …`` from a desk.config.secrets.Secret (or None for public feeds).

    httpx.Headers, not a dict: its repr hides the value, so a crash screen listing local
    variables never shows the token."""
    if secret is None:
        return httpx.Headers()
    token = secret.reveal() if hasattr(secret, "reveal") else str(secret)
    return httpx.Headers({"Authorization": f"Bearer {token}"})


class _WaitForRateLimit:
    """tenacity wait: exponential with jitter, but never less than a rate limit asked for."""

    def __init__(self, base: float, cap: float) -> None:
        self.backoff = wait_exponential_jitter(multiplier=base, max=cap, jitter=base)

    def __call__(self, state: RetryCallState) -> float:
        wait = self.backoff(state)
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, RateLimited):
            wait = max(wait, exc.wait_seconds)
        return wait


async def retrying(
    call: Callable[[], Awaitable[T]],
    *,
    attempts: int = 5,
    base: float = 0.5,
    cap: float = 30.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """``await call()``, retried on TransientError and RateLimited with backoff and jitter.

    A rate limit that asks for more than ``cap`` seconds is raised at once: the caller's circuit
    waits for it instead of this coroutine sleeping for minutes.
    """

    def worth_retrying(exc: BaseException) -> bool:
        if isinstance(exc, RateLimited):
            return exc.wait_seconds <= cap
        return isinstance(exc, TransientError)

    retryer = AsyncRetrying(
        stop=stop_after_attempt(attempts),
        wait=_WaitForRateLimit(base, cap),
        retry=retry_if_exception(worth_retrying),
        sleep=sleep,
        reraise=True,
    )
    async for attempt in retryer:
        with attempt:
            return await call()
    raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover
