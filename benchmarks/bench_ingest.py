"""Ingest throughput: 200k parsed mentions stored by desk vs raw ``sqlite3.executemany``.

desk's path does everything a real import does — dedupe lookup, triage, mention rows, one
hash-chained audit event per mention, one transaction — into a migrated SQLite file. The
baseline then inserts *the same rows* desk wrote (read back from desk's file: mentions and their
audit events) with ``sqlite3.executemany`` into a fresh copy of the same schema, in one
transaction, in the same run. A second baseline inserts only the mention rows, for reference.
Prints JSON; the target (issue 16) is ``ratio >= 0.25`` (raw seconds / desk seconds).

    python benchmarks/bench_ingest.py [--n 200000]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from desk.channels.ingest import IngestService
from desk.config import DeskConfig, StaffConfig
from desk.db import make_engine, session_factory, upgrade, write_session_factory
from desk.platforms.parsed import ParsedMention, ParseResult
from desk.triage.rules import default_rules

REPO = Path(__file__).resolve().parent.parent
TEXTS = [
    "Bonjour @villebelleville, quand passe la collecte des ordures dans le secteur Nord?",
    "Is the boil-water advisory still in effect on Rue Principale? Can you confirm?",
    "Pourquoi ma rue n'est jamais déneigée??? C'est la troisième fois cette semaine.",
    "Merci aux équipes des travaux publics pour le travail rapide ce matin!",
    "Gagnez gros au casino en ligne, bonus 500$ sans dépôt!!! https://spam.example",
    "I heard the arena is closing for good, apparently the budget was cut.",
]


def corpus() -> list[str]:
    """Real-looking mention texts: the evaluation set's 330 hand-written mentions and a few more."""
    folder = REPO / "tests" / "data" / "triage_eval"
    texts = list(TEXTS)
    for name in ("dev.jsonl", "holdout.jsonl"):
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        texts += [json.loads(line)["text"] for line in lines if line.strip()]
    return texts


def make_items(n: int) -> list[ParsedMention]:
    """n realistic mentions: distinct ids and texts (a number makes every text unique, so no
    cache could hide the cost of language detection), rotating languages and authors."""
    start = datetime(2026, 11, 1, tzinfo=UTC)
    texts = corpus()
    items = []
    for i in range(n):
        text = f"{texts[i % len(texts)]} #{i}"
        items.append(
            ParsedMention(
                platform="mastodon",
                remote_id=str(10**17 + i),
                author_handle=f"@citoyen{i % 5000}@social.example",
                author_name=f"Citoyen {i % 5000}",
                text=text,
                created_at=start + timedelta(seconds=i),
                kind="mention",
                url=f"https://social.example/@citoyen{i % 5000}/{10**17 + i}",
                language="fr" if i % 3 else "en",
                raw={
                    "id": str(i),
                    "type": "mention",
                    "status": {"id": str(10**17 + i), "content": text},
                },
            )
        )
    return items


def bench_desk(items: list[ParsedMention], folder: Path) -> tuple[float, float]:
    """Seconds for desk to store the items (language detection first, then triage + audit +
    dedupe in batches of BATCH, one transaction each), and the seconds of those transactions."""
    config = DeskConfig(
        staff=[
            StaffConfig(name="amelie", display_name="A", initials="AB", role="supervisor"),
            StaffConfig(name="bruno", display_name="B", initials="BG"),
        ],
        routing={"fr": "bruno", "en": "amelie"},
    )
    rules = default_rules()  # the bundled bilingual pack, with language detection on
    engine = make_engine(str(folder / "desk.db"))
    upgrade(engine)
    service = IngestService(
        write_factory=write_session_factory(engine),
        read_factory=session_factory(engine),
        config=config,
        rules=rules,
    )
    locked: list[float] = []
    real_write = service._write_batch

    def timed_write(*args, **kwargs):
        began = time.perf_counter()
        ids = real_write(*args, **kwargs)
        locked.append(time.perf_counter() - began)
        return ids

    service._write_batch = timed_write  # type: ignore[method-assign]
    began = time.perf_counter()
    report = service.ingest_parsed(ParseResult(platform="mastodon", items=items), "bench")
    elapsed = time.perf_counter() - began
    assert report.new == len(items), report
    engine.dispose()
    return elapsed, sum(locked)


def bench_raw(folder: Path, *, with_audit: bool) -> float:
    """Seconds for sqlite3.executemany of the rows desk wrote, into a fresh migrated file."""
    source = sqlite3.connect(folder / "desk.db")
    tables = ["mentions", "audit_events"] if with_audit else ["mentions"]
    data = {
        t: source.execute(
            f"SELECT * FROM {t} WHERE id > 0 AND {'seq > 2' if t == 'audit_events' else '1'}"
        ).fetchall()
        for t in tables
    }
    columns = {t: [r[1] for r in source.execute(f"PRAGMA table_info({t})")] for t in tables}
    source.close()
    target = folder / f"raw-{len(tables)}.db"
    engine = make_engine(str(target))
    upgrade(engine)
    engine.dispose()
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "INSERT INTO channels (id, platform, name, live, created_at) VALUES (1, 'mastodon', 'bench', 0, '2026-11-01')"
    )
    began = time.perf_counter()
    conn.execute("BEGIN")
    for table in tables:
        cols = columns[table]
        conn.executemany(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            data[table],
        )
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - began
    conn.close()
    return elapsed


def main() -> None:
    """Run both and print the figures as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200_000)
    n = parser.parse_args().n
    items = make_items(n)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ours, locked = bench_desk(items, folder)
        raw = bench_raw(folder, with_audit=True)
        raw_mentions_only = bench_raw(folder, with_audit=False)
    print(
        json.dumps(
            {
                "benchmark": "ingest",
                "mentions": n,
                "desk_seconds": round(ours, 3),
                "desk_mentions_per_s": round(n / ours),
                "raw_executemany_seconds": round(raw, 3),
                "raw_rows": "the same mention and audit rows desk wrote, one transaction",
                "raw_mentions_per_s": round(n / raw),
                "ratio": round(raw / ours, 3),
                "write_lock_seconds": round(locked, 3),
                "ratio_write_phase": round(raw / locked, 3),
                "raw_mentions_only_seconds": round(raw_mentions_only, 3),
                "ratio_vs_mentions_only": round(raw_mentions_only / ours, 3),
                "target_ratio": 0.25,
                "includes": "language detection (before the transaction) + dedupe + triage + "
                "routing + audit event per mention, in one transaction",
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
