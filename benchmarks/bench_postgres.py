"""desk on PostgreSQL (issue 15), each figure beside its SQLite baseline from the same run; prints
JSON.

- notify: a child process commits a change every 0.2 s through its own engine and writes the
  instant of each commit to a pipe; this process waits with ``desk.db.changes.watch`` (the feed
  every open desk runs): LISTEN/NOTIFY on PostgreSQL, ``PRAGMA data_version`` polled every
  POLL_SECONDS on SQLite. Figure: commit to ``wait`` returning True (it includes the feed's
  DRAIN_SECONDS on PostgreSQL, which folds one command's commits into one wake-up).
- claims: P processes (desks as three agents) each make A claim attempts
  (``InboxService.claim``) on M mentions, each in its own random order, started together.
  Figure: attempts and successful claims per second over the whole run, on SQLite, on PostgreSQL
  with row transactions (the writers' lock shared, ``FOR UPDATE SKIP LOCKED``: what desk does)
  and on PostgreSQL with every write transaction holding the writers' lock alone (what desk did
  before: ``desk.db.SHARED_WRITERS = False``); the same with one process, for the scale.
- replies: P processes (desks as three agents) each send R replies (``ReplyService.send``, the
  local outbox) to mentions of their own — P x R distinct citizens — started together. Figure:
  replies per second over the whole run on SQLite, on PostgreSQL with row transactions (each
  send locks only its mention: what desk does) and with the writers' lock alone (what desk did
  before); the same with one process, for the scale. PostgreSQL is measured on loopback and
  through ``DelayProxy`` (LATENCY_MS added each way: desks on other machines than the database,
  where a transaction's round trips are what the writers' lock made the others wait for).
- search: N mentions written with plain SQL (the words drawn from a small vocabulary, one rare
  word in one mention of 1,000), then ``desk.db.store.page_queue`` with a search for a common
  word and a rare one, first page of 50 and the count, on SQLite (FTS5) and PostgreSQL
  (``search_tsv``, GIN).

    python benchmarks/bench_postgres.py URL [--n 100000] [--rounds 30]
        [--only notify,claims,replies,search]

URL: a PostgreSQL server where a database may be created (e.g. the CI cluster,
``postgresql+psycopg://postgres@127.0.0.1:55432/postgres``); the benchmark makes its own
databases there and drops them.

Measured 2026-12-07 (PostgreSQL 15 from Debian, fsync off; SQLite synchronous=FULL; 2 cores
shared with six other sessions, load 4 to 12):

- notify, 30 commits: PostgreSQL LISTEN median 50 ms, p95 58, max 72 (of which DRAIN_SECONDS =
  50 ms); SQLite data_version (POLL_SECONDS = 0.2) median 279 ms, p95 461, max 562.
- claims, 3,000 mentions, 1,000 attempts per process (--only claims): one process, SQLite 29/s,
  PostgreSQL 157/s with row transactions, 149/s with the writers' lock alone; three processes
  (2,135 claims out of 3,000 attempts), SQLite 77 attempts/s (55 claims/s), PostgreSQL 196/s
  (139) with row transactions, 131/s (93) with the writers' lock alone: 1.5 times as many.
- replies to distinct citizens, 200 per process, local outbox (--only replies; two runs, load 4
  then 7 on the 2 cores): three processes, PostgreSQL 75.8 / 48.3 replies/s with row
  transactions (each send locks its mention) against 49.5 / 25.0 with the writers' lock alone,
  SQLite 164 / 76; through the relay (1 ms each way), 26.9 / 20.8 against 15.5 / 12.5: 1.7 times
  as many. One process alone: loopback 122 / 117 (row) and 101 / 40 (lock alone), relay 8.3 /
  9.4 and 13.1 / 7.9 — the same work either way, so these differences are the machine's load;
  on loopback three busy processes outrun one only when a core is free.
- search, page of 50 + count, PostgreSQL / SQLite (--only search): at 200,000 mentions, a word
  in 30% of them 138 / 676 ms, a rare word 34 / 2.8 ms, two words 137 / 11 ms; at 1,000,000
  (--n 1000000; filled in 83 / 133 s), a common word 237 / 574 ms, a rare word 30 / 14 ms, two
  words 389 / 20 ms.

Re-run 2026-12-07 evening (after migration 0021's per-row report triggers; load 5 to 10):
notify 20 commits, PostgreSQL median 51 ms, p95 70 / SQLite 130, 198; claims 300 mentions x 300
attempts x 3 processes, exactly 300 claims on each engine, PostgreSQL 94 to 200 attempts/s (row
transactions), SQLite 128 to 368; search at 100,000: PostgreSQL / SQLite common word 7 / 44 ms,
rare 16 / 12, two words 74 / 6 (page medians). The PostgreSQL fill is now slower: 50,000 rows in
8.7 s, 3.8 s with the report trigger dropped; a 1,000,000 run was stopped at 800,000 rows after
16 minutes, so the 1M figures above predate 0021.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from the repository root

import sqlalchemy as sa  # noqa: E402

from desk import db  # noqa: E402
from desk.db.changes import watch  # noqa: E402
from desk.db.store import QueueFilter, count_queue, page_queue  # noqa: E402
from tests.helpers import postgres  # noqa: E402
from tests.helpers.desks import DESK_TOML  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

WRITER = """
import sys, time
import sqlalchemy as sa
from desk import db
engine = db.make_engine(sys.argv[1])
for i in range(int(sys.argv[2])):
    time.sleep(0.2)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE mentions SET assignee = :v WHERE id = 1"), {"v": str(i)})
    print(time.time(), flush=True)
"""

CLAIMER = """
import json, random, sys, time
from pathlib import Path
from desk import db
db.SHARED_WRITERS = sys.argv[5] == "shared"
from desk.bootstrap import open_desk
from desk.config import Settings
from desk.errors import DeskError
from tests.helpers.clock import FakeClock
url, config, name, seed, mode, attempts, go = sys.argv[1:8]
desk = open_desk(Settings(db=url, config=Path(config)), as_name=name, clock=FakeClock())
with desk.engine.connect() as conn:
    ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM mentions")]
random.Random(int(seed)).shuffle(ids)
print("ready", flush=True)
while not Path(go).exists():
    time.sleep(0.005)
began, ok, busy = time.monotonic(), 0, 0
for i in range(int(attempts)):
    try:
        desk.inbox.claim(ids[i % len(ids)])
        ok += 1
    except DeskError as exc:
        busy += exc.key == "mention_busy"
print(json.dumps({"ok": ok, "busy": busy, "began": began, "ended": time.monotonic()}), flush=True)
desk.close()
"""

REPLIER = """
import json, sys, time
from pathlib import Path
from desk import db
db.SHARED_WRITERS = sys.argv[4] == "shared"
from desk.bootstrap import open_desk
from desk.config import Settings
from tests.helpers.clock import FakeClock
url, config, name, mode, first, count, go = sys.argv[1:8]
desk = open_desk(Settings(db=url, config=Path(config)), as_name=name, clock=FakeClock())
ids = range(int(first), int(first) + int(count))  # this desk's own citizens
print("ready", flush=True)
while not Path(go).exists():
    time.sleep(0.005)
began = time.monotonic()
for mention_id in ids:
    desk.replies.send(mention_id, f"Bonjour, voici la réponse nº {mention_id}.")
print(json.dumps({"ok": len(ids), "began": began, "ended": time.monotonic()}), flush=True)
desk.close()
"""

# desk.toml for the claim runs: no routing (nothing is anyone's at the start), three agents.
CLAIM_TOML = (
    DESK_TOML.split("[routing]")[0]
    + """
[[staff]]
name = "dora"
display_name = "Dora Lemieux"
initials = "DL"
role = "agent"
languages = ["fr", "en"]
"""
)
AGENTS = ("bruno", "chloe", "dora")

WORDS = "eau coupure piscine école route déneigement collecte parc bibliothèque taxe".split()


def notify_delays(url: str, rounds: int) -> list[float]:
    """Milliseconds from each of a child's commits to this process's feed hearing it."""
    engine = db.make_engine(url)
    feed = watch(engine)
    feed.wait(0.1)
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, url, str(rounds)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    delays = []
    assert child.stdout is not None
    for _ in range(rounds):
        heard = feed.wait(5.0)
        at = time.time()
        line = child.stdout.readline()
        if heard and line:
            delays.append(max(0.0, (at - float(line)) * 1000))
    child.wait()
    feed.close()
    engine.dispose()
    return delays


def summary(values: list[float]) -> dict[str, Any]:
    """Median, p95 and max, in milliseconds."""
    ordered = sorted(values) or [float("nan")]
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return {
        "heard": len(values),
        "median_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(ordered[-1], 1),
    }


def claim_run(url: str, config: Path, processes: int, attempts: int, mode: str) -> dict[str, Any]:
    """``processes`` claimers started together; attempts and claims per second, and how many
    attempts met a row another desk held this instant (``busy``)."""
    go = config.parent / f"go-{time.monotonic_ns()}"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                CLAIMER,
                url,
                str(config),
                AGENTS[i],
                str(i),
                mode,
                str(attempts),
                str(go),
            ],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for i in range(processes)
    ]
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
    go.touch()
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=600)
        results.append(json.loads(out.strip().splitlines()[-1]))
    wall = max(r["ended"] for r in results) - min(r["began"] for r in results)
    ok = sum(r["ok"] for r in results)
    return {
        "processes": processes,
        "attempts": processes * attempts,
        "claimed": ok,
        "busy": sum(r["busy"] for r in results),
        "seconds": round(wall, 2),
        "attempts_per_s": round(processes * attempts / wall),
        "claims_per_s": round(ok / wall),
    }


def reply_run(url: str, config: Path, processes: int, replies: int, mode: str) -> dict[str, Any]:
    """``processes`` desks started together, each sending ``replies`` replies to mentions no
    other desk answers; replies per second over the whole run."""
    go = config.parent / f"go-{time.monotonic_ns()}"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                REPLIER,
                url,
                str(config),
                AGENTS[i],
                mode,
                str(1 + i * replies),
                str(replies),
                str(go),
            ],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for i in range(processes)
    ]
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
    go.touch()
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0, out
        results.append(json.loads(out.strip().splitlines()[-1]))
    wall = max(r["ended"] for r in results) - min(r["began"] for r in results)
    ok = sum(r["ok"] for r in results)
    return {
        "processes": processes,
        "replies": ok,
        "seconds": round(wall, 2),
        "replies_per_s": round(ok / wall, 1),
    }


class DelayProxy:
    """A TCP relay on 127.0.0.1 to ``port`` that delivers every chunk ``delay`` seconds after
    it arrived, each way, in order: a database on another machine (asyncio, in a thread)."""

    def __init__(self, port: int, delay: float) -> None:
        self.target, self.delay, self.port = port, delay, 0
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> int:
        """Listen; the port to connect to."""
        self.thread.start()
        self.ready.wait(10)
        return self.port

    def stop(self) -> None:
        """Stop relaying (connections still open are dropped)."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._relay, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        chunks: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await chunks.get()
                if not data:
                    break
                await asyncio.sleep(max(0.0, due - self.loop.time()))
                writer.write(data)
                await writer.drain()
            writer.close()

        delivering = asyncio.create_task(deliver())
        try:
            while data := await reader.read(65536):
                chunks.put_nowait((self.loop.time() + self.delay, data))
        finally:
            chunks.put_nowait((0.0, b""))
            await delivering


def fill(engine: sa.Engine, n: int, chunk: int = 50_000) -> None:
    """``n`` mentions on one channel, written with plain SQL in chunks."""
    now = "2026-11-10 09:00:00"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO channels (id, platform, name, live, created_at) "
            f"VALUES (1, 'mastodon', 'bench', false, '{now}')"
        )
    insert = sa.text(
        "INSERT INTO mentions (id, channel_id, platform, remote_id, author_handle, "
        "author_name, text, kind, created_at, received_at, raw, status, category, "
        "priority, triage_reason, triage_rules, tags, triage_detail) VALUES (:id, 1, "
        "'mastodon', :rid, '@a', 'A', :text, 'mention', :at, :at, '{}', 'open', "
        "'question', 1, '', '[]', '[]', '{}')"
    )
    for first in range(1, n + 1, chunk):
        rows: list[dict[str, Any]] = []
        for i in range(first, min(n, first + chunk - 1) + 1):
            text = " ".join(WORDS[(i * k) % len(WORDS)] for k in (1, 3, 7))
            if i % 1000 == 0:
                text += " rarissime"
            rows.append({"id": i, "rid": str(i), "text": text, "at": now})
        with engine.begin() as conn:
            conn.execute(insert, rows)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(
                sa.text("SELECT setval(pg_get_serial_sequence('mentions', 'id'), :n)"), {"n": n}
            )
            conn.exec_driver_sql("ANALYZE mentions")


def search_ms(engine: sa.Engine, words: str, runs: int = 7) -> dict[str, float]:
    """A search's first page of 50 and its count, as the queue asks them, timed apart (the
    page is what the reader waits for; the count fills the header after it)."""
    flt = QueueFilter(view="all", search=words)
    pages, counts = [], []
    with db.session_factory(engine)() as session:
        for _ in range(runs):
            began = time.perf_counter()
            page_queue(flt, 0, 50, session=session)
            paged = time.perf_counter()
            count_queue(flt, session=session)
            pages.append((paged - began) * 1000)
            counts.append((time.perf_counter() - paged) * 1000)
    return {
        "page_median_ms": round(statistics.median(pages), 1),
        "page_max_ms": round(max(pages), 1),
        "count_median_ms": round(statistics.median(counts), 1),
    }


class Databases:
    """Fresh databases at the schema's head: PostgreSQL ones copied from a template, SQLite
    files in a temporary folder; all dropped at the end."""

    def __init__(self, server: str, folder: Path) -> None:
        self.server, self.folder = server, folder
        self.template = postgres.make_template(server)
        self.made: list[str] = []

    def postgresql(self) -> str:
        name = postgres.create_database(self.server, self.template)
        self.made.append(name)
        return postgres.database_url(self.server, name)

    def sqlite(self) -> str:
        path = self.folder / f"bench-{len(list(self.folder.iterdir()))}.db"
        engine = db.make_engine(str(path))
        db.upgrade(engine)
        engine.dispose()
        return str(path)

    def close(self) -> None:
        for name in self.made:
            postgres.drop_database(self.server, name)
        postgres.drop_database(self.server, self.template)


def notify_figures(dbs: Databases, rounds: int) -> dict[str, Any]:
    """The change feed's delay on each engine."""
    figures: dict[str, Any] = {}
    for label, url in (
        ("postgresql_listen", dbs.postgresql()),
        ("sqlite_data_version", dbs.sqlite()),
    ):
        engine = db.make_engine(url)
        fill(engine, 1)
        engine.dispose()
        figures[label] = summary(notify_delays(url, rounds))
    figures["rounds"] = rounds
    return figures


def claim_figures(dbs: Databases, folder: Path, mentions: int, attempts: int) -> dict[str, Any]:
    """Claim throughput with 1 and 3 processes: SQLite, PostgreSQL now, PostgreSQL before."""
    config = folder / "desk.toml"
    config.write_text(CLAIM_TOML, encoding="utf-8")
    figures: dict[str, Any] = {"mentions": mentions}
    runs = (
        ("sqlite", "sqlite", "shared"),
        ("postgresql_rows_skip_locked", "postgresql", "shared"),
        ("postgresql_global_writer_lock", "postgresql", "exclusive"),
    )
    for label, engine_name, mode in runs:
        for processes in (1, 3):
            url = dbs.sqlite() if engine_name == "sqlite" else dbs.postgresql()
            engine = db.make_engine(url)
            fill(engine, mentions)
            engine.dispose()
            figures.setdefault(label, {})[f"{processes}_process"] = claim_run(
                url, config, processes, attempts, mode
            )
    return figures


def reply_figures(dbs: Databases, folder: Path, replies: int, latency_ms: float) -> dict[str, Any]:
    """Reply throughput to distinct citizens with 1 and 3 processes: SQLite, PostgreSQL now
    (row transactions), PostgreSQL before (the writers' lock alone), on loopback and with
    ``latency_ms`` added each way."""
    config = folder / "desk.toml"
    config.write_text(CLAIM_TOML, encoding="utf-8")
    figures: dict[str, Any] = {"replies_per_process": replies, "latency_ms_each_way": latency_ms}
    runs = (
        ("sqlite", "sqlite", "shared", False),
        ("postgresql_rows_mention_lock", "postgresql", "shared", False),
        ("postgresql_global_writer_lock", "postgresql", "exclusive", False),
        ("postgresql_rows_mention_lock_latency", "postgresql", "shared", True),
        ("postgresql_global_writer_lock_latency", "postgresql", "exclusive", True),
    )
    for label, engine_name, mode, far in runs:
        for processes in (1, 3):
            url = dbs.sqlite() if engine_name == "sqlite" else dbs.postgresql()
            engine = db.make_engine(url)
            fill(engine, processes * replies)
            engine.dispose()
            proxy = None
            if far:
                proxy = DelayProxy(sa.engine.make_url(url).port or 5432, latency_ms / 1000)
                url = (
                    sa.engine.make_url(url)
                    .set(host="127.0.0.1", port=proxy.start())
                    .render_as_string(hide_password=False)
                )
            try:
                figures.setdefault(label, {})[f"{processes}_process"] = reply_run(
                    url, config, processes, replies, mode
                )
            finally:
                if proxy is not None:
                    proxy.stop()
    return figures


def search_figures(dbs: Databases, n: int) -> dict[str, Any]:
    """Queue search latency at ``n`` mentions on each engine."""
    figures: dict[str, Any] = {"n": n}
    for label, url in (("postgresql", dbs.postgresql()), ("sqlite", dbs.sqlite())):
        engine = db.make_engine(url)
        began = time.perf_counter()
        fill(engine, n)
        figures[label] = {
            "fill_s": round(time.perf_counter() - began, 1),
            "search_common": search_ms(engine, "piscine"),
            "search_rare": search_ms(engine, "rarissime"),
            "search_two_words": search_ms(engine, "eau ecole"),
        }
        engine.dispose()
    return figures


def main() -> None:
    """Measure what ``--only`` names and print JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--n", type=int, default=100_000, help="mentions for the search")
    parser.add_argument("--rounds", type=int, default=30, help="commits heard per engine")
    parser.add_argument("--mentions", type=int, default=3000, help="mentions to claim")
    parser.add_argument("--attempts", type=int, default=1000, help="claim attempts per process")
    parser.add_argument("--replies", type=int, default=200, help="replies per process")
    parser.add_argument("--latency-ms", type=float, default=1.0, help="added each way")
    parser.add_argument("--only", default="notify,claims,replies,search")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    server = postgres._as_psycopg(args.url)  # noqa: SLF001 - the tests' helper, reused
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        dbs = Databases(server, Path(folder))
        try:
            if "notify" in parts:
                figures["notify"] = notify_figures(dbs, args.rounds)
            if "claims" in parts:
                figures["claims"] = claim_figures(dbs, Path(folder), args.mentions, args.attempts)
            if "replies" in parts:
                figures["replies"] = reply_figures(dbs, Path(folder), args.replies, args.latency_ms)
            if "search" in parts:
                figures["search"] = search_figures(dbs, args.n)
        finally:
            dbs.close()
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
