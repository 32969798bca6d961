"""Pull throughput: mentions per second from a local HTTP server into the desk, end to end.

Each figure goes through everything ``desk pull`` does: the HTTP request over loopback, the
streamed and capped body, feedparser (hardened) or the Mastodon JSON parser, dedupe, language
detection, triage and routing, mention rows, one audit event per mention, and the cursor saved
with each page in the same transaction (``desk.channels.pull.PullService``, real SQLite file, WAL,
synchronous=FULL). lingua's models are loaded once before timing (a running ``desk watch``
has them loaded; the first pull of a process pays ~2-4 s more).

- ``rss``: one feed of N items (default 5,000), then the same feed again (304: nothing to do),
  then again with the server ignoring the ETag (N duplicates to recognise);
- ``mastodon`` (when the test fakes are importable): N mentions read forward in pages of 40 by the
  real Mastodon connector from the fake instance of tests/helpers/fake_platforms.py: one transaction per page.

    python benchmarks/bench_pull.py [--n 5000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the test fakes, for the mastodon figure

from desk.channels.ingest import IngestService  # noqa: E402
from desk.channels.pull import PullService  # noqa: E402
from desk.config import DeskConfig, StaffConfig  # noqa: E402
from desk.config.channels import ChannelConfig  # noqa: E402
from desk.db import make_engine, session_factory, upgrade, write_session_factory  # noqa: E402
from desk.platforms.rss import payload as rss_parser  # noqa: E402
from desk.triage.language import detect_many  # noqa: E402
from desk.triage.rules import default_rules  # noqa: E402

ETAG = '"bench-1"'


def corpus() -> list[str]:
    """The evaluation set's hand-written mention texts (French and English)."""
    folder = REPO / "tests" / "data" / "triage_eval"
    texts = []
    for name in ("dev.jsonl", "holdout.jsonl"):
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        texts += [json.loads(line)["text"] for line in lines if line.strip()]
    return texts


def make_feed(n: int) -> bytes:
    """An RSS 2.0 feed of n news items with distinct guids, texts and dates."""
    texts = corpus()
    start = datetime(2026, 11, 1, tzinfo=UTC)
    items = []
    for i in range(n):
        text = escape(f"{texts[i % len(texts)]} #{i}")
        when = format_datetime(start + timedelta(seconds=i), usegmt=True)
        items.append(
            f"<item><title>{text[:80]}</title><guid isPermaLink='false'>bench-{i}</guid>"
            f"<link>https://news.example/{i}</link><pubDate>{when}</pubDate>"
            f"<description>{text}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Revue de presse</title><link>https://news.example/</link>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


@contextmanager
def feed_server(body: bytes) -> Iterator[str]:
    """Serve ``body`` at /feed.xml (with an ETag) and /noetag.xml (ignoring If-None-Match)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            conditional = self.path.startswith("/feed.xml")
            if conditional and self.headers.get("If-None-Match") == ETAG:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            if conditional:
                self.send_header("ETag", ETAG)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def make_service(folder: Path, channels: list[ChannelConfig], **kw: Any) -> PullService:
    config = DeskConfig(
        staff=[
            StaffConfig(name="amelie", display_name="A", initials="AB", role="supervisor"),
            StaffConfig(name="bruno", display_name="B", initials="BG"),
        ],
        routing={"fr": "bruno", "en": "amelie"},
    )
    engine = make_engine(str(folder / "desk.db"))
    upgrade(engine)
    read = session_factory(engine)
    ingest = IngestService(
        write_factory=write_session_factory(engine),
        read_factory=read,
        config=config,
        rules=default_rules(),
    )
    return PullService(ingest=ingest, read_factory=read, channels=channels, **kw)


def timed(service: PullService) -> tuple[float, Any]:
    began = time.perf_counter()
    (report,) = service.pull()
    return time.perf_counter() - began, report


def bench_rss(n: int) -> dict[str, Any]:
    body = make_feed(n)
    began = time.perf_counter()
    parsed = rss_parser.parse(body, "bench")
    parse_only = time.perf_counter() - began
    assert len(parsed.items) == n
    with feed_server(body) as url, tempfile.TemporaryDirectory() as tmp:
        big = 20 * 1024 * 1024  # the largest cap a channel may set
        channels = [
            ChannelConfig(name="news", platform="rss", url=f"{url}/feed.xml", max_feed_bytes=big),
            ChannelConfig(
                name="again", platform="rss", url=f"{url}/noetag.xml", max_feed_bytes=big
            ),
        ]
        service = make_service(Path(tmp), channels)
        service.channels = channels[:1]
        cold, first = timed(service)
        assert first.new == n, first
        not_modified, second = timed(service)
        assert (second.new, second.notes) == (0, ["304 not modified"]), second
        service.channels = channels[1:]  # the same items, from a server without ETag
        dup_seconds, third = timed(service)
        assert (third.new, third.duplicate) == (0, n), third
    return {
        "items": n,
        "feed_bytes": len(body),
        "pull_seconds": round(cold, 3),
        "mentions_per_s": round(n / cold),
        "feedparser_only_seconds": round(parse_only, 3),
        "second_pull_304_ms": round(not_modified * 1000, 1),
        "all_duplicates_seconds": round(dup_seconds, 3),
        "all_duplicates_items_per_s": round(n / dup_seconds),
    }


def bench_mastodon(n: int) -> dict[str, Any] | None:
    try:
        from desk.channels import connect
        from desk.config.secrets import Secret
        from tests.helpers.fake_platforms import TOKEN, FakeMastodon
        from tests.helpers.loopback import serve
    except ImportError:
        return None
    connect.resolve_secret = lambda channel, environ=None: Secret(TOKEN, source="bench")
    fake = FakeMastodon()
    fake.add_mentions(1)
    with serve(fake) as url, tempfile.TemporaryDirectory() as tmp:
        channel = ChannelConfig(name="ville", platform="mastodon", url=url, secret="env:BENCH")
        service = make_service(Path(tmp), [channel], max_pages=10_000)
        timed(service)  # first run: sets the cursor at the newest mention
        fake.add_mentions(n)
        seconds, report = timed(service)
        assert report.new == n, report
    return {
        "items": n,
        "pages": report.pages,
        "pull_seconds": round(seconds, 3),
        "mentions_per_s": round(n / seconds),
    }


def main() -> None:
    """Run the benchmarks and print the figures as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000)
    n = parser.parse_args().n
    warm = ["bonjour tout le monde, la collecte passe quand?", "hello everyone " * 20]
    detect_many([(text, None) for text in warm])  # load lingua's models (both modes) first
    result = {
        "benchmark": "pull",
        "includes": "loopback HTTP, capped streaming, parsing, dedupe, language detection, "
        "triage, routing, audit event per mention, cursor in each page's transaction",
        "rss": bench_rss(n),
        "mastodon": bench_mastodon(n),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
