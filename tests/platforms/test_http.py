"""desk.platforms.http: each platform's rate-limit headers, errors as desk's types, retries."""

from __future__ import annotations

import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import httpx
import pytest

from desk.config.channels import ChannelConfig
from desk.config.secrets import Secret
from desk.platforms import registry
from desk.platforms.bluesky.client import BlueskyConnector
from desk.platforms.errors import RateLimited, ResponseTooLarge, TransientError
from desk.platforms.http import error_text, parse_rate, read_json, request, retrying
from desk.platforms.mastodon.client import MastodonConnector
from desk.platforms.x.client import XConnector

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
TOKEN = "s3cr3t-t0ken-value"


def channel(platform: str = "mastodon") -> ChannelConfig:
    return ChannelConfig(name="ville", platform=platform, url="http://127.0.0.1:9")


def client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


def test_mastodon_reset_is_an_iso_timestamp() -> None:
    # headers as in shared/real-api-payloads/mastodon/http_exchanges_meta.json
    headers = httpx.Headers(
        {
            "x-ratelimit-limit": "300",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": "2026-11-21T12:05:00.940463Z",
        }
    )
    rate = parse_rate(MastodonConnector.rate_headers, headers)
    assert rate is not None
    assert (rate.limit, rate.remaining) == (300, 0)
    assert rate.wait_seconds(NOW) == pytest.approx(300.94, abs=0.01)


def test_bluesky_and_x_resets_are_epoch_seconds() -> None:
    epoch = str(int(NOW.timestamp()) + 90)
    bsky = parse_rate(
        BlueskyConnector.rate_headers,
        httpx.Headers(
            {"ratelimit-limit": "3000", "ratelimit-remaining": "0", "ratelimit-reset": epoch}
        ),
    )
    x = parse_rate(
        XConnector.rate_headers,
        httpx.Headers(
            {
                "x-rate-limit-limit": "450",
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": epoch,
            }
        ),
    )
    assert bsky is not None
    assert x is not None
    assert bsky.wait_seconds(NOW) == x.wait_seconds(NOW) == 90
    assert (
        parse_rate(MastodonConnector.rate_headers, httpx.Headers({"ratelimit-reset": epoch}))
        is None
    )
    assert parse_rate(None, httpx.Headers({"x-rate-limit-reset": epoch})) is None
    garbage = parse_rate(
        XConnector.rate_headers,
        httpx.Headers({"x-rate-limit-reset": "soon", "x-rate-limit-remaining": "?"}),
    )
    assert garbage is not None
    assert (garbage.remaining, garbage.reset_at) == (None, None)


@pytest.mark.parametrize(
    ("platform", "headers", "wait"),
    [
        (
            "mastodon",
            {"x-ratelimit-reset": "2026-11-21T12:02:00Z", "x-ratelimit-remaining": "0"},
            120,
        ),
        ("bluesky", {"retry-after": "7", "ratelimit-reset": str(int(NOW.timestamp()) + 500)}, 7),
        ("x", {"x-rate-limit-reset": str(int(NOW.timestamp()) + 45)}, 45),
        ("x", {}, 60),  # says nothing: one minute
    ],
)
async def test_429_waits_what_each_platform_asks(
    platform: str, headers: dict[str, str], wait: int
) -> None:
    async with client(lambda _r: httpx.Response(429, headers=headers)) as c:
        with pytest.raises(RateLimited) as caught:
            await request(
                c,
                "GET",
                "http://127.0.0.1:9/api",
                channel=channel(platform),
                now=lambda: NOW,
                rate_headers=registry.connector_class(platform).rate_headers,
            )
    assert caught.value.wait_seconds == pytest.approx(wait, abs=1)


async def test_5xx_timeouts_and_connection_errors_are_transient_and_never_show_the_token() -> None:
    def server_error(_r: httpx.Request) -> httpx.Response:
        return httpx.Response(502)

    def timeout(r: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=r)

    def refused(r: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=r)

    for handler in (server_error, timeout, refused):
        async with client(handler) as c:
            with pytest.raises(TransientError) as caught:
                await request(
                    c,
                    "GET",
                    f"http://127.0.0.1:9/api/v1/notifications?access_token={TOKEN}",
                    channel=channel(),
                    headers={"Authorization": f"Bearer {TOKEN}"},
                )
        message = f"{caught.value} {caught.value!r}"
        assert "mastodon:ville" in message
        assert "/api/v1/notifications" in message
        assert TOKEN not in message


async def test_4xx_is_left_to_the_connector() -> None:
    async with client(
        lambda _r: httpx.Response(422, json={"error": "Validation failed: Text too long"})
    ) as c:
        response = await request(c, "POST", "http://127.0.0.1:9/api/v1/statuses", channel=channel())
    assert response.status_code == 422
    assert error_text(response) == "Validation failed: Text too long"


async def test_truncated_json_is_transient() -> None:
    async with client(lambda _r: httpx.Response(200, content=b'[{"id": "1", "type": "ment')) as c:
        response = await request(c, "GET", "http://127.0.0.1:9/api", channel=channel())
    with pytest.raises(TransientError, match="not complete JSON"):
        read_json(response, channel=channel())


async def test_retrying_backs_off_with_jitter_and_honours_the_rate_limit_wait() -> None:
    answers = [
        httpx.Response(503),
        httpx.Response(429, headers={"retry-after": "4"}),
        httpx.Response(200, content=b'{"ok'),
        httpx.Response(200, json={"ok": True}),
    ]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async with client(lambda _r: answers.pop(0)) as c:

        async def call() -> object:
            response = await request(c, "GET", "http://127.0.0.1:9/x", channel=channel("bluesky"))
            return read_json(response, channel=channel("bluesky"))

        assert await retrying(call, sleep=sleep, base=0.5) == {"ok": True}
    assert len(slept) == 3
    assert slept[1] >= 4  # at least what Retry-After asked
    assert all(s > 0 for s in slept)


async def test_retrying_gives_up_on_a_long_rate_limit_and_after_the_attempts() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def limited() -> None:
        raise RateLimited("429", wait_seconds=900)

    with pytest.raises(RateLimited):
        await retrying(limited, sleep=sleep, cap=30)
    assert slept == []  # the channel's circuit waits, not this coroutine

    calls: list[int] = []

    async def broken() -> None:
        calls.append(1)
        raise TransientError("502")

    with pytest.raises(TransientError):
        await retrying(broken, attempts=3, sleep=sleep)
    assert len(calls) == 3


# -- hostile servers: compression bombs ---------------------------------------------------------


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """200 MB of zeros, gzip-compressed to about 200 KB (built in pieces: never whole in memory)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)  # gzip framing
    chunk = b"\0" * 1_000_000
    return b"".join(packer.compress(chunk) for _ in range(200)) + packer.flush()


async def no_sleep(_seconds: float) -> None:
    return None


class Wire(httpx.AsyncByteStream):
    """A body that arrives as a network one does: 64 KB at a time, as sent (still compressed)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.data), 65_536):
            yield self.data[start : start + 65_536]


@pytest.mark.parametrize("platform", ["mastodon", "bluesky", "x"])
async def test_a_compression_bomb_is_refused_while_inflating_and_not_retried(
    platform: str, gzip_bomb: bytes
) -> None:
    """Issue 12 #15: a 1.2 MB gzip answer once reached 6.2 GB of memory and was retried 4 times."""
    calls: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        calls.append(req)
        return httpx.Response(
            200,
            stream=Wire(gzip_bomb),
            headers={"content-encoding": "gzip", "content-type": "application/json"},
        )

    config = ChannelConfig(
        name="ville", platform=platform, url="https://p.example", account="ville", secret="env:X"
    )
    connector = registry.connector_class(platform)
    tracemalloc.start()
    try:
        async with client(handler) as c:
            conn = connector(config, c, Secret(TOKEN, source="test"), now=lambda: NOW)
            with pytest.raises(ResponseTooLarge, match="over the 20,971,520-byte limit"):
                await retrying(lambda: conn.fetch(None), sleep=no_sleep)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(calls) == 1  # refused once, never asked again
    assert peak < 80_000_000  # the cap (20 MB) and its copies, never the 200 MB


async def test_a_body_announced_too_long_is_not_even_read() -> None:
    def handler(_req: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Wire(b"[]"), headers={"content-length": str(10**12)})

    async with client(handler) as c:
        with pytest.raises(ResponseTooLarge, match="announces 1,000,000,000,000 bytes"):
            await request(c, "GET", "http://127.0.0.1:9/api", channel=channel())
