"""E-mail channel: ingest throughput from a 5,000-message mailbox, and APPEND-to-queue delay.

Needs Dovecot (``.ci/email/setup.sh``); a private instance is started on 127.0.0.1 as in the
tests. Each figure goes through everything ``desk pull`` does for a mailbox: UID SEARCH, the
size check, ``BODY.PEEK[]`` over loopback, MIME parsing (``desk.platforms.email.payload``),
dedupe by Message-ID, language detection, triage, routing, one audit event per mention, and the
cursor saved with each page of 200 in the same transaction (real SQLite file, WAL, FULL).

Baselines from the same run and the same mailbox:
- ``raw_imap_fetch``: the same messages fetched with IMAPClient alone (no parsing, no database);
- ``parse_only``: the same bytes through the MIME parser alone;
- delay: the same APPENDs watched by polling (``idle = false``, interval 5 s) instead of IDLE.

    python benchmarks/bench_email.py [--n 5000] [--samples 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the test servers

from benchmarks.bench_pull import corpus, make_service  # noqa: E402
from desk.channels.status import ChannelReport  # noqa: E402
from desk.config.channels import ChannelConfig  # noqa: E402
from desk.platforms.email.payload import parse_message  # noqa: E402
from desk.triage.language import detect_many  # noqa: E402
from tests.integration.email.mail import message  # noqa: E402
from tests.integration.email.servers import DOVECOT, USER, Dovecot, running_dovecot  # noqa: E402

ENV = {"BENCH_MAIL": "secret"}


def channel(dovecot: Dovecot, folder: str, **extra: Any) -> ChannelConfig:
    return ChannelConfig(
        name=folder.lower(),
        platform="email",
        host="127.0.0.1",
        port=dovecot.port,
        tls="plain",
        account=USER,
        secret="env:BENCH_MAIL",
        folders=[folder],
        **extra,
    )


def fill(dovecot: Dovecot, folder: str, n: int) -> list[bytes]:
    texts = corpus()
    mails = [message(i, body=f"{texts[i % len(texts)]} #{i}") for i in range(n)]
    with dovecot.client() as conn:
        conn.create_folder(folder)
        for start in range(0, n, 500):
            conn.multiappend(folder, mails[start : start + 500])
    return mails


def bench_ingest(dovecot: Dovecot, n: int) -> dict[str, Any]:
    mails = fill(dovecot, "Bulk", n)
    began = time.perf_counter()
    with dovecot.client() as conn:
        conn.select_folder("Bulk", readonly=True)
        uids = conn.search(["ALL"])
        fetched = 0
        for start in range(0, len(uids), 200):
            fetched += len(conn.fetch(uids[start : start + 200], ["BODY.PEEK[]"]))
    raw_fetch = time.perf_counter() - began
    assert fetched == n
    began = time.perf_counter()
    for data in mails:
        parse_message(data)
    parse_only = time.perf_counter() - began
    with tempfile.TemporaryDirectory() as tmp:
        service = make_service(Path(tmp), [channel(dovecot, "Bulk")], environ=ENV, max_pages=1000)
        began = time.perf_counter()
        (report,) = service.pull()
        seconds = time.perf_counter() - began
        assert report.new == n, report
        began = time.perf_counter()
        (again,) = service.pull()
        nothing_new = time.perf_counter() - began
        assert again.new == 0
    return {
        "messages": n,
        "mailbox_bytes": sum(len(m) for m in mails),
        "pages": report.pages,
        "pull_seconds": round(seconds, 3),
        "messages_per_s": round(n / seconds),
        "baseline_raw_imap_fetch_seconds": round(raw_fetch, 3),
        "baseline_raw_imap_fetch_per_s": round(n / raw_fetch),
        "baseline_parse_only_seconds": round(parse_only, 3),
        "baseline_parse_only_per_s": round(n / parse_only),
        "second_pull_nothing_new_ms": round(nothing_new * 1000, 1),
    }


async def delays(dovecot: Dovecot, folder: str, samples: int, **extra: Any) -> list[float]:
    """Seconds from each APPEND (one at a time) to its mention being committed."""
    with dovecot.client() as conn:
        conn.create_folder(folder)
    with tempfile.TemporaryDirectory() as tmp:
        service = make_service(Path(tmp), [channel(dovecot, folder, **extra)], environ=ENV)
        stop = asyncio.Event()
        seen: list[float] = []
        pulls: list[ChannelReport] = []

        first, news = asyncio.Event(), asyncio.Event()

        def on_event(report: ChannelReport) -> None:
            pulls.append(report)
            seen.extend(time.perf_counter() for _ in report.new_ids)
            first.set()
            if report.new_ids:
                news.set()

        task = asyncio.create_task(service.watch(stop, on_event))
        await asyncio.wait_for(first.wait(), 30)  # the first pull
        out = []
        for i in range(samples):
            await asyncio.sleep(0.5)
            before = len(seen)
            news.clear()
            sent = time.perf_counter()
            await asyncio.to_thread(dovecot.append, folder, message(10_000 + i))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(news.wait(), 30)
            out.append(seen[-1] - sent if len(seen) > before else float("inf"))
        stop.set()
        await asyncio.wait_for(task, 15)
    return out


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(values), 3),
        "max_s": round(max(values), 3),
        "samples": len(values),
    }


def main() -> None:
    """Run the benchmarks and print the figures as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=10)
    args = parser.parse_args()
    if not Path(DOVECOT).exists():
        sys.exit("Dovecot is not installed: run .ci/email/setup.sh")
    warm = ["bonjour tout le monde, la collecte passe quand?", "hello everyone " * 20]
    detect_many([(text, None) for text in warm])  # load lingua's models first
    with running_dovecot() as dovecot:
        ingest = bench_ingest(dovecot, args.n)
        idle = asyncio.run(delays(dovecot, "Idle", args.samples, interval_seconds=60))
        polled = asyncio.run(
            delays(dovecot, "Polled", max(3, args.samples // 3), idle=False, interval_seconds=5)
        )
    result = {
        "benchmark": "email",
        "includes": "loopback IMAP (Dovecot), size check, BODY.PEEK[], MIME parsing, dedupe, "
        "language detection, triage, routing, audit event per mention, cursor per page",
        "ingest": ingest,
        "append_to_queue_idle": summary(idle),
        "baseline_append_to_queue_polling_5s": summary(polled),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
