"""Supervisor review at scale: reply search (FTS5) latency and report computation time.

Builds a database of N mentions (benchmarks/_scale.py) and gives a fifth of them a sent reply
whose text comes from the evaluation set (so words repeat as in real replies), then times:
- ``search``: ``desk replies --search`` for common, rare and absent words, with and without
  a person filter (median and worst of 5 runs each);
- ``report``: ``desk report`` over the whole period, over the last 7 days (the desk's today)
  and over the last 7 days of the data, beside the baseline of the same run: one plain sqlite3
  pass over the mentions reading a column no index holds (``SELECT count(*), min(received_at)
  ...``), what a whole-period report read before its summaries (desk.db.summaries).
Prints JSON.    python benchmarks/bench_review.py [--n 1000000] [--db FILE] [--shape worked]

``--db FILE`` keeps the database it builds in FILE and reuses it when it exists.
``--shape``: ``open`` (as built: 86 % of the mentions open, issue 16's first shape) or
``worked`` (a desk that keeps up: everything posted before the data's last two days closed:
3,579 of the 1M built mentions open); applied to FILE through desk's triggers, idempotent.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._scale import build  # noqa: E402
from desk.bootstrap import open_desk  # noqa: E402
from desk.cli.demo import bundled_feeds  # noqa: E402
from desk.config import Settings  # noqa: E402
from desk.db.store import ReplyFilter  # noqa: E402


def texts() -> list[str]:
    folder = ROOT / "tests" / "data" / "triage_eval"
    out: list[str] = []
    for name in ("dev.jsonl", "holdout.jsonl"):
        out += [
            json.loads(x)["text"] for x in (folder / name).read_text(encoding="utf-8").splitlines()
        ]
    return out


def add_replies(path: Path, share: int = 5) -> int:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TEMP TABLE corpus (i INTEGER PRIMARY KEY, t TEXT)")
    corpus = texts()
    conn.executemany("INSERT INTO corpus VALUES (?, ?)", list(enumerate(corpus)))
    conn.execute(
        """
        INSERT INTO replies (mention_id, author, body, signature, text, status, idempotency_key,
                             created_at, sent_at)
        SELECT m.id, CASE m.id % 3 WHEN 0 THEN 'amelie' WHEN 1 THEN 'bruno' ELSE 'chloe' END,
               c.t, '—XX', c.t || char(10) || '—XX', 'sent_offline', 'bench-' || m.id,
               datetime(m.received_at, '+' || (m.id % 300) || ' minutes'),
               datetime(m.received_at, '+' || (m.id % 300) || ' minutes')
        FROM mentions m JOIN corpus c ON c.i = m.id % ?
        WHERE m.id % ? = 0
        """,
        (len(corpus), share),
    )
    conn.commit()
    (count,) = conn.execute("SELECT count(*) FROM replies").fetchone()
    conn.execute("ANALYZE")
    conn.close()
    return count


def work_the_backlog(path: Path) -> None:
    """The ``worked`` shape: close every mention posted before the last two days of the data
    (plain SQL, so the summaries follow through their triggers)."""
    conn = sqlite3.connect(path)
    conn.execute(
        "UPDATE mentions SET status = 'closed' WHERE status = 'open' AND created_at < "
        "(SELECT datetime(max(created_at), '-2 days') FROM mentions)"
    )
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


def timed(call, runs: int = 5) -> dict[str, float]:
    seconds = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - began)
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="build the database here, or reuse it")
    parser.add_argument("--shape", choices=("open", "worked"), default="open")
    args = parser.parse_args()
    n = args.n
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "review.db"
        began = time.perf_counter()
        if path.exists():
            settings = Settings(db=str(path), config=bundled_feeds() / "desk.toml")
            with sqlite3.connect(path) as conn:
                n = conn.execute("SELECT count(*) FROM mentions").fetchone()[0]
                replies = conn.execute("SELECT count(*) FROM replies").fetchone()[0]
        else:
            settings = build(path, n)
            replies = add_replies(path)
        if args.shape == "worked":
            work_the_backlog(path)
        built = time.perf_counter() - began
        desk = open_desk(settings, as_name="amelie")
        search = {}
        for label, words, person in (
            ("common_word", "collecte", None),
            ("two_words", "eau potable", None),
            ("rare_word", "refoulement", None),
            ("absent_word", "zyxwvut", None),
            ("word_and_person", "collecte", "bruno"),
        ):
            flt = ReplyFilter(author=person, search=words)
            found = len(desk.queries.replies(flt=flt, limit=50))
            search[label] = {
                "words": words,
                "first_page": found,
                **timed(lambda f=flt: desk.queries.replies(flt=f, limit=50)),
            }
        # the desk's today, as the report reckons it (its clock, in the desk's time zone)
        today = desk.config.hours.calendar().local(desk.reports.clock()).date()
        scan = sqlite3.connect(path)
        (newest,) = scan.execute("SELECT max(created_at) FROM mentions").fetchone()
        data_end = desk.config.hours.calendar().local(datetime.fromisoformat(newest + "+00:00"))
        data_end_day = data_end.date()
        (open_now,) = scan.execute("SELECT count(*) FROM mentions WHERE status = 'open'").fetchone()
        report = {
            "baseline_table_scan": timed(
                lambda: scan.execute(
                    "SELECT count(*), min(received_at) FROM mentions NOT INDEXED"
                ).fetchone(),
                runs=3,
            ),
            "whole_period": timed(lambda: desk.reports.report(date(2000, 1, 1), today), runs=3),
            "last_7_days": timed(
                lambda: desk.reports.report(today - timedelta(days=6), today), runs=3
            ),
            "last_7_days_of_data": timed(
                lambda: desk.reports.report(data_end_day - timedelta(days=6), data_end_day),
                runs=3,
            ),
        }
        desk.close()
        scan.close()
    print(
        json.dumps(
            {
                "mentions": n,
                "replies": replies,
                "shape": args.shape,
                "open": open_now,
                "build_seconds": round(built, 1),
                "search": search,
                "report": report,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
