"""desk.platforms.rss.client: conditional GET, the size cap while streaming, hostile feeds, Google Alerts.

The feeds are the real payloads of shared/real-api-payloads/rss, served by ``httpx.MockTransport``
(exact control of what the "server" yields) and, once, by a loopback HTTP server.
"""

from __future__ import annotations

import gzip
import http.server
import threading
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from desk import db
from desk.bootstrap import Desk
from desk.channels.pull import PullService
from desk.config.channels import ChannelConfig
from desk.platforms.errors import ChannelError, PermanentError, RateLimited, TransientError
from desk.platforms.rss.client import NOT_MODIFIED, RssConnector, decode_cursor, encode_cursor
from tests.helpers.paths import PAYLOADS

FEEDS = PAYLOADS / "rss"
URL = "http://feeds.test/alerts.xml"
ETAG = '"v1-abc"'
MODIFIED = "Tue, 04 Jun 2024 16:18:45 GMT"
CHUNK = 64 * 1024


def feed(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


def channel(**kw: object) -> ChannelConfig:
    values: dict[str, object] = {"name": "news", "platform": "rss", "url": URL}
    values.update(kw)
    return ChannelConfig(**values)


async def streamed(data: bytes) -> AsyncIterator[bytes]:
    """``data`` as a server sends it: in chunks, read only when asked for."""
    for start in range(0, len(data), CHUNK):
        yield data[start : start + CHUNK]


def connector(handler: Callable[[httpx.Request], httpx.Response], **kw: object) -> RssConnector:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return RssConnector(channel(**kw), client, None)


class ConditionalFeed:
    """A feed host that honours If-None-Match, and records what it was asked."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("if-none-match") == ETAG:
            return httpx.Response(304, headers={"etag": ETAG})
        return httpx.Response(
            200,
            content=self.body,
            headers={
                "content-type": "application/atom+xml",
                "etag": ETAG,
                "last-modified": MODIFIED,
            },
        )


async def test_conditional_get_sends_the_validators_back_and_304_is_an_empty_page() -> None:
    host = ConditionalFeed(feed("feedparser_docs_atom10.xml"))
    rss = connector(host)
    first = await rss.fetch(None)
    assert len(first.result.items) == 1
    assert first.more is False
    assert decode_cursor(first.cursor) == (ETAG, MODIFIED)
    assert "if-none-match" not in host.requests[0].headers

    second = await rss.fetch(first.cursor)
    assert host.requests[1].headers["if-none-match"] == ETAG
    assert host.requests[1].headers["if-modified-since"] == MODIFIED
    assert second.result.items == []
    assert second.cursor is None  # keep the stored one
    assert second.notes == [NOT_MODIFIED]
    await rss.client.aclose()


def test_cursor_survives_garbage_and_refuses_unsendable_validators() -> None:
    assert decode_cursor(None) == (None, None)
    assert decode_cursor("not json") == (None, None)
    assert decode_cursor("[1, 2]") == (None, None)
    assert decode_cursor(encode_cursor("é-not-ascii", "x" * 10_000)) == (None, None)
    assert decode_cursor(encode_cursor('W/"1"', MODIFIED)) == ('W/"1"', MODIFIED)


async def test_google_alerts_links_are_unwrapped() -> None:
    rss = connector(
        lambda request: httpx.Response(200, content=feed("google_alerts_style_SYNTHETIC.xml"))
    )
    page = await rss.fetch(None)
    (item,) = page.result.items
    assert item.url == "https://news.example.org/2024/06/04/bike-lanes/"
    assert "<b>" not in item.text
    assert item.kind == "news"
    await rss.client.aclose()


async def test_a_50_mb_feed_is_refused_by_the_cap_without_reading_it_all() -> None:
    consumed: list[int] = []
    cap = 1024 * 1024

    async def fifty_megabytes() -> AsyncIterator[bytes]:
        yield b'<?xml version="1.0"?><rss version="2.0"><channel><title>big</title>'
        item = b"<item><title>x</title><description>" + b"y" * 1000 + b"</description></item>"
        chunk = item * (CHUNK // len(item))
        for _ in range(50 * 1024 * 1024 // len(chunk)):
            consumed.append(len(chunk))
            yield chunk

    rss = connector(
        lambda request: httpx.Response(200, content=fifty_megabytes()), max_feed_bytes=cap
    )
    with pytest.raises(ChannelError, match="over the 1,048,576-byte limit"):
        await rss.fetch(None)
    assert sum(consumed) <= cap + CHUNK
    await rss.client.aclose()


async def test_an_announced_oversize_feed_is_refused_before_reading() -> None:
    consumed: list[bytes] = []

    async def body() -> AsyncIterator[bytes]:
        consumed.append(b"x")
        yield b"x" * 100

    rss = connector(
        lambda request: httpx.Response(
            200, content=body(), headers={"content-length": str(60 * 1024 * 1024)}
        )
    )
    with pytest.raises(ChannelError, match="announces 62,914,560 bytes"):
        await rss.fetch(None)
    assert consumed == []
    await rss.client.aclose()


async def test_a_gzip_bomb_is_stopped_at_the_cap_while_inflating() -> None:
    bomb = gzip.compress(b"\0" * (200 * 1024 * 1024), compresslevel=9)  # ~200 KB on the wire
    assert len(bomb) < 300_000
    cap = 2 * 1024 * 1024
    rss = connector(
        lambda request: httpx.Response(
            200, content=streamed(bomb), headers={"content-encoding": "gzip"}
        ),
        max_feed_bytes=cap,
    )
    tracemalloc.start()
    try:
        with pytest.raises(ChannelError, match="over the 2,097,152-byte limit"):
            await rss.fetch(None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * cap  # httpx's own decoder would have inflated the whole body (200 MB)
    await rss.client.aclose()


async def test_a_gzipped_feed_is_read() -> None:
    packed = gzip.compress(feed("feedparser_docs_rss20.xml"))
    rss = connector(
        lambda request: httpx.Response(
            200, content=streamed(packed), headers={"content-encoding": "gzip"}
        )
    )
    page = await rss.fetch(None)
    assert len(page.result.items) == 1
    assert rss.client is not None
    await rss.client.aclose()


async def test_a_cut_gzip_body_is_transient() -> None:
    packed = gzip.compress(feed("feedparser_docs_rss20.xml"))[:-40]
    rss = connector(
        lambda request: httpx.Response(
            200, content=streamed(packed), headers={"content-encoding": "gzip"}
        )
    )
    with pytest.raises(TransientError, match="cut short"):
        await rss.fetch(None)
    await rss.client.aclose()


ENTITY_BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY big "'
    + b"A" * 40_000
    + b'">]>\n<rss version="2.0"><channel><title>t</title><item><title>x</title><description>'
    + b"&big;" * 10_000
    + b"</description></item></channel></rss>"
)


async def test_an_entity_blow_up_feed_is_refused() -> None:
    rss = connector(lambda request: httpx.Response(200, content=ENTITY_BOMB))
    with pytest.raises(ChannelError, match="declares XML entities") as caught:
        await rss.fetch(None)
    assert "rss:news" in str(caught.value)
    await rss.client.aclose()


async def test_broken_xml_is_reported_and_a_malformed_feed_still_gives_its_items() -> None:
    html = b"<html><body><h1>Bad gateway</h1><p>try later</body>"
    rss = connector(lambda request: httpx.Response(200, content=html))
    with pytest.raises(ChannelError, match="rss:news: not an RSS or Atom feed"):
        await rss.fetch(None)
    await rss.client.aclose()

    rss = connector(
        lambda request: httpx.Response(200, content=feed("malformed_rss_SYNTHETIC.xml"))
    )
    page = await rss.fetch(None)
    assert [i.remote_id for i in page.result.items] == ["item-1"]
    assert "not well-formed" in page.result.errors[0].message
    await rss.client.aclose()


@pytest.mark.parametrize(
    ("status", "headers", "error", "wait"),
    [
        (429, {"retry-after": "120"}, RateLimited, 120.0),
        (503, {"retry-after": "30"}, RateLimited, 30.0),
        (503, {}, TransientError, None),
        (500, {}, TransientError, None),
        (404, {}, PermanentError, None),
        (410, {}, PermanentError, None),
    ],
)
async def test_http_errors_become_desk_errors(
    status: int, headers: dict[str, str], error: type[Exception], wait: float | None
) -> None:
    rss = connector(lambda request: httpx.Response(status, headers=headers, text="nope"))
    with pytest.raises(error) as caught:
        await rss.fetch(None)
    if wait is not None:
        assert caught.value.wait_seconds == wait  # type: ignore[attr-defined]
    assert "GET rss:news /alerts.xml" in str(caught.value)
    await rss.client.aclose()


async def test_a_permanent_redirect_is_followed_and_noted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/alerts.xml":
            return httpx.Response(301, headers={"location": "http://feeds.test/new.xml"})
        return httpx.Response(200, content=feed("feedparser_docs_rss20.xml"))

    rss = connector(handler)
    page = await rss.fetch(None)
    assert len(page.result.items) == 1
    assert "moved permanently to http://feeds.test/new.xml" in str(page.notes[0])
    await rss.client.aclose()


async def test_connection_failures_and_timeouts_are_transient() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    for handler, words in ((refused, "connection failed"), (slow, "no answer within")):
        rss = connector(handler)
        with pytest.raises(TransientError, match=words):
            await rss.fetch(None)
        await rss.client.aclose()


# -- a real socket -------------------------------------------------------------------------


class _FeedHandler(http.server.BaseHTTPRequestHandler):
    body = b""
    seen: list[str | None] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.seen.append(self.headers.get("If-None-Match"))
        if self.headers.get("If-None-Match") == ETAG:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("ETag", ETAG)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def loopback_feed() -> Iterator[str]:
    handler = type("H", (_FeedHandler,), {"body": feed("feedparser_docs_rss20.xml"), "seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed.rss"
    server.shutdown()
    server.server_close()


async def test_conditional_get_over_a_real_socket(loopback_feed: str) -> None:
    async with httpx.AsyncClient() as client:
        rss = RssConnector(channel(url=loopback_feed), client, None)
        first = await rss.fetch(None)
        again = await rss.fetch(first.cursor)
    assert len(first.result.items) == 1
    assert again.notes == [NOT_MODIFIED]


def test_feeds_folder_is_there() -> None:
    assert Path(FEEDS / "feedparser_docs_rss20.xml").is_file()


# -- through the pull service: a hostile feed is contained, its neighbour goes in ------------


def test_a_hostile_feed_fails_alone_and_alerts_go_in_with_real_links(desk: Desk) -> None:
    def host(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/bomb.xml":
            return httpx.Response(200, content=streamed(ENTITY_BOMB))
        return httpx.Response(200, content=streamed(feed("google_alerts_style_SYNTHETIC.xml")))

    pull = PullService(
        ingest=desk.ingest,
        read_factory=db.session_factory(desk.engine),
        channels=[
            channel(name="bomb", url="http://feeds.test/bomb.xml"),
            channel(name="alerts", url="http://feeds.test/alerts.xml"),
        ],
        clock=desk.ingest.clock,
        transport=httpx.MockTransport(host),
    )
    bomb, alerts = pull.pull()
    assert bomb.status == "error"
    assert "declares XML entities" in (bomb.message or "")
    assert (alerts.status, alerts.new) == ("ok", 1)
    with db.session_factory(desk.engine)() as session:
        urls = session.execute(sa.text("SELECT url FROM mentions")).scalars().all()
    assert urls == ["https://news.example.org/2024/06/04/bike-lanes/"]
