"""A paged RSS feed for pull tests: ``feed_page`` builds a page, ``PagedFeed`` is a connector
that asks ``GET <url>?page=N`` (registered for ``rss`` in the tests that use it), ``FeedHost``
serves pages (with scripted faults) through ``httpx.MockTransport`` or a loopback server."""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx

from desk.platforms.client import Connector, Page
from desk.platforms.errors import PermanentError
from desk.platforms.http import auth_header, request
from desk.platforms.rss import payload as rss_parser

PER_PAGE = 5


def feed_page(page: int, per_page: int = PER_PAGE, feed: str = "a") -> bytes:
    """One page of a paged RSS feed: items ``<feed>-<page>-<i>``."""
    items = "".join(
        f"<item><title>Avis {feed} {page}.{i}: collecte des ordures</title>"
        f"<guid isPermaLink='false'>{feed}-{page}-{i}</guid>"
        f"<link>https://news.example/{feed}/{page}/{i}</link>"
        f"<pubDate>Mon, 02 Sep 2024 10:{page:02d}:{i:02d} +0000</pubDate>"
        "<description>Quand passe la collecte dans le secteur Nord?</description></item>"
        for i in range(per_page)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {feed}</title><language>fr</language>{items}</channel></rss>"
    ).encode()


class PagedFeed(Connector):
    """A feed split in pages: ``GET <url>?page=N``; ``X-More: 1`` while more pages follow. The
    cursor is the number of the last page stored."""

    platform = "rss"

    async def fetch(self, cursor: str | None) -> Page:
        page = int(cursor or 0) + 1
        response = await request(
            self.client,
            "GET",
            self.channel.base_url(),
            channel=self.channel,
            params={"page": str(page)},
            headers=auth_header(self.secret),
        )
        if response.status_code >= 400:
            raise PermanentError(
                f"{self.channel.key}: refused ({response.status_code}): {response.text[:200]}",
                status=response.status_code,
            )
        result = rss_parser.parse(response.content, self.channel.key)
        return Page(result, cursor=str(page), more=response.headers.get("x-more") == "1")


class FeedHost:
    """Serves ``pages`` pages per feed (the feed is the URL's first path segment); faults by
    feed: ``"500"``, ``"429"`` (Retry-After 3600), ``"401"`` (echoing the Authorization)."""

    def __init__(self, pages: int = 3) -> None:
        self.pages = pages
        self.faults: dict[str, str] = {}
        self.requests: list[httpx.Request] = []

    def __call__(self, req: httpx.Request) -> httpx.Response:
        self.requests.append(req)
        feed = req.url.path.strip("/").split("/")[0]
        fault = self.faults.get(feed)
        if fault == "500":
            return httpx.Response(500, text="Internal Server Error")
        if fault == "429":
            return httpx.Response(429, headers={"retry-after": "3600"}, text="slow down")
        if fault == "401":
            said = req.headers.get("authorization", "none")
            return httpx.Response(401, text=f"invalid credentials: {said}")
        page = int(parse_qs(req.url.query.decode()).get("page", ["1"])[0])
        more = "1" if page < self.pages else "0"
        return httpx.Response(200, content=feed_page(page, feed=feed), headers={"x-more": more})
