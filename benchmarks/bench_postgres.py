"""desk on PostgreSQL (issue 15): how soon a desk hears another desk's commit (LISTEN/NOTIFY), and
how long a queue search takes at N mentions on both engines; prints JSON figures.

- notify: a child process commits a change every 0.2 s through its own engine and writes the
  instant of each commit to a pipe; this process waits with ``desk.db.changes.watch`` (the feed
  every open desk runs). Figure: commit to ``wait`` returning True (it includes the feed's
  DRAIN_SECONDS, which folds one command's commits into one wake-up).
- search: N mentions written with plain SQL (the words drawn from a small vocabulary, one rare
  word in one mention of 1,000), then ``desk.db.store.page_queue`` with a search for a common
  word and a rare one, first page of 50 and the count, on SQLite (FTS5) and PostgreSQL
  (``search_tsv``, GIN).

    python benchmarks/bench_postgres.py URL [--n 100000] [--rounds 30]

URL: a PostgreSQL server where a database may be created (e.g. the CI cluster,
``postgresql+psycopg://postgres@127.0.0.1:55432/postgres``); the benchmark makes its own
database there and drops it.

Measured (2026-12-07, PostgreSQL 15 from Debian, fsync off, 2 cores shared with other work):
notify 30/30 heard, median 50 ms, max 57 ms (of which DRAIN_SECONDS = 50 ms). At 100,000
mentions, page of 50 + count: a word in 30% of them 118 ms on PostgreSQL / 214 ms on SQLite,
a rare word 19 / 2.5 ms, two words 24 / 6.5 ms. Not yet measured: 1M mentions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from the repository root

import sqlalchemy as sa  # noqa: E402

from desk import db  # noqa: E402
from desk.db.changes import watch  # noqa: E402
from desk.db.store import QueueFilter, count_queue, page_queue  # noqa: E402
from tests.helpers import postgres  # noqa: E402

WRITER = """
import sys, time
from desk import db
engine = db.make_engine(sys.argv[1])
for i in range(int(sys.argv[2])):
    time.sleep(0.2)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE mentions SET assignee = %(v)s", {"v": str(i)})
    print(time.time(), flush=True)
"""

WORDS = "eau coupure piscine école route déneigement collecte parc bibliothèque taxe".split()


def notify_delays(url: str, rounds: int) -> list[float]:
    engine = db.make_engine(url)
    feed = watch(engine)
    feed.wait(0.1)
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, url, str(rounds)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    delays = []
    assert child.stdout is not None
    for _ in range(rounds):
        heard = feed.wait(5.0)
        at = time.time()
        line = child.stdout.readline()
        if heard and line:
            delays.append((at - float(line)) * 1000)
    child.wait()
    feed.close()
    engine.dispose()
    return delays


def fill(engine: sa.Engine, n: int) -> None:
    now = "2026-11-10 09:00:00"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO channels (id, platform, name, live, created_at) "
            f"VALUES (1, 'mastodon', 'bench', false, '{now}')"
        )
        rows: list[dict[str, Any]] = []
        for i in range(1, n + 1):
            text = " ".join(WORDS[(i * k) % len(WORDS)] for k in (1, 3, 7))
            if i % 1000 == 0:
                text += " rarissime"
            rows.append({"id": i, "rid": str(i), "text": text, "at": now})
        conn.execute(
            sa.text(
                "INSERT INTO mentions (id, channel_id, platform, remote_id, author_handle, "
                "author_name, text, kind, created_at, received_at, raw, status, category, "
                "priority, triage_reason, triage_rules, tags, triage_detail) VALUES (:id, 1, "
                "'mastodon', :rid, '@a', 'A', :text, 'mention', :at, :at, '{}', 'open', "
                "'question', 1, '', '[]', '[]', '{}')"
            ),
            rows,
        )


def search_ms(engine: sa.Engine, words: str, runs: int = 7) -> dict[str, float]:
    flt = QueueFilter(view="all", search=words)
    times = []
    with db.session_factory(engine)() as session:
        for _ in range(runs):
            began = time.perf_counter()
            page_queue(flt, 0, 50, session=session)
            count_queue(flt, session=session)
            times.append((time.perf_counter() - began) * 1000)
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    server = postgres._as_psycopg(args.url)  # noqa: SLF001 - the tests' helper, reused
    template = postgres.make_template(server)
    figures: dict[str, Any] = {"n": args.n}
    try:
        name = postgres.create_database(server, template)
        url = postgres.database_url(server, name)
        delays = notify_delays(url, args.rounds)
        figures["notify_ms"] = {
            "heard": f"{len(delays)}/{args.rounds}",
            "median": round(statistics.median(delays), 1),
            "max": round(max(delays), 1),
        }
        postgres.drop_database(server, name)
        name = postgres.create_database(server, template)
        engines = {"postgresql": db.make_engine(postgres.database_url(server, name))}
        with tempfile.TemporaryDirectory() as folder:
            sqlite = db.make_engine(str(Path(folder) / "bench.db"))
            db.upgrade(sqlite)
            engines["sqlite"] = sqlite
            for label, engine in engines.items():
                began = time.perf_counter()
                fill(engine, args.n)
                figures[label] = {
                    "fill_s": round(time.perf_counter() - began, 1),
                    "search_common": search_ms(engine, "piscine"),
                    "search_rare": search_ms(engine, "rarissime"),
                    "search_two_words": search_ms(engine, "eau ecole"),
                }
                engine.dispose()
        postgres.drop_database(server, name)
    finally:
        postgres.drop_database(server, template)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
