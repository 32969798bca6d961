"""What a declared crisis costs each desk: the state read at every reply and every banner
refresh, and the banner's surge count; prints JSON figures beside baselines from the same run.

- ``state_read_ms``: desk.db.store.crisis_declared (the ``routing_state`` row, a primary-key
  read) on a trail of ``AUDIT_EVENTS`` events. Baselines: deriving the same state from the trail
  (the last ``crisis.started``/``crisis.stopped`` event; ``audit_events.action`` has no index):
  ``trail_scan_never_ms`` on a desk that never had a crisis (the whole trail is read) and
  ``trail_scan_recent_ms`` when the last crisis event is 10 events old.
- ``banner_declaration_ms`` / ``banner_with_surges_ms``: CrisisState.status without and with
  the surges going on (a day of surges over 8 days of mentions' times and tags), on a desk of
  ``MENTIONS`` mentions spread over 28 days. Baseline ``queue_count_ms``: the open queue's count,
  which every desk already runs at each change.

The audit events are copies made inside SQLite (their hashes do not chain): only reads are timed.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from benchmarks._scale import build  # noqa: E402
from desk.bootstrap import open_desk  # noqa: E402
from desk.clock import as_utc  # noqa: E402
from desk.db import store  # noqa: E402
from desk.db.store import QueueFilter  # noqa: E402

AUDIT_EVENTS = 1_000_000
MENTIONS = 200_000
TRAIL_QUERY = text(
    "SELECT action FROM audit_events WHERE action IN ('crisis.started', 'crisis.stopped') "
    "ORDER BY seq DESC LIMIT 1"
)


def timed(call: Callable[[], object], repeat: int) -> float:
    """Median milliseconds of ``repeat`` calls."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        runs.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(runs), 3)


def add_events(path: Path, n: int, *, crisis_at: int | None) -> None:
    """``n`` copied audit events; a ``crisis.started`` one at position ``crisis_at``."""
    conn = sqlite3.connect(path)
    (top,) = conn.execute("SELECT coalesce(max(seq), 0) FROM audit_events").fetchone()
    conn.execute(
        """
        WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
        INSERT INTO audit_events (seq, at, actor, action, mention_id, reply_id, data, prev_hash, hash)
        SELECT ? + i, '2026-11-01 00:00:00.000000', 'amelie',
            CASE WHEN i = ? THEN 'crisis.started' ELSE 'mention.ingested' END,
            NULL, NULL, '{}', 'x', 'x'
        FROM s
        """,
        (n, top, -1 if crisis_at is None else crisis_at),
    )
    conn.commit()
    conn.close()


def main() -> None:
    """Run and print the figures."""
    out: dict[str, object] = {"audit_events": AUDIT_EVENTS, "mentions": MENTIONS}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        settings = build(path, MENTIONS)
        add_events(path, AUDIT_EVENTS, crisis_at=None)
        conn = sqlite3.connect(path)
        (newest,) = conn.execute("SELECT max(created_at) FROM mentions").fetchone()
        (window,) = conn.execute(
            "SELECT count(*) FROM mentions WHERE created_at >= datetime(?, '-8 days')", (newest,)
        ).fetchone()
        conn.close()
        out["mentions_in_8_days"] = window
        now = as_utc(datetime.fromisoformat(newest))  # the desk reads as if at the newest post
        desk = open_desk(settings, as_name="amelie", clock=lambda: now)
        with desk.queries.read_factory() as session:
            out["state_read_ms"] = timed(lambda: store.crisis_declared(session=session), 200)
            out["trail_scan_never_ms"] = timed(lambda: session.execute(TRAIL_QUERY).all(), 5)
        state = desk.crisis_state
        out["queue_count_ms"] = timed(lambda: desk.queries.count(QueueFilter(view="open")), 5)
        out["banner_declaration_ms"] = timed(lambda: state.status(with_surges=False), 50)
        out["banner_with_surges_ms"] = timed(lambda: state.status(with_surges=True), 3)
        desk.close()
        add_events(path, 10, crisis_at=1)
        desk = open_desk(settings, as_name="amelie")
        with desk.queries.read_factory() as session:
            out["trail_scan_recent_ms"] = timed(lambda: session.execute(TRAIL_QUERY).all(), 50)
        desk.close()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
