"""Build a desk database with N mentions fast, for the UI benchmark.

The first ``seed`` mentions go through desk's real ingest (triage, audit); the rest are copies
made inside SQLite with a recursive CTE (varying ids, times, categories, assignees), so a
1,000,000-row database takes seconds instead of a minute. The UI only reads mentions.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desk.bootstrap import open_desk
from desk.cli.demo import bundled_feeds, payload_files
from desk.config import Settings


def build(path: Path, n: int) -> Settings:
    """Create ``path`` with at least ``n`` mentions; return settings to open it."""
    settings = Settings(db=str(path), config=bundled_feeds() / "desk.toml")
    desk = open_desk(settings, as_name="amelie")
    desk.ingest.ingest_files(payload_files(bundled_feeds()))
    desk.close()
    conn = sqlite3.connect(path)
    (have,) = conn.execute("SELECT count(*) FROM mentions").fetchone()
    missing = max(0, n - have)
    if missing:
        conn.execute(
            """
            WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
            INSERT INTO mentions (channel_id, platform, remote_id, url, author_handle, author_name, text,
                title, language, kind, visibility, in_reply_to_remote_id, thread_root_remote_id,
                created_at, received_at, raw, status, category, priority, assignee, triage_reason, triage_rules)
            SELECT m.channel_id, m.platform, 'bench-' || seq.i, m.url, m.author_handle, m.author_name, m.text,
                m.title, m.language, m.kind, m.visibility, NULL, NULL,
                datetime(m.created_at, '-' || (seq.i % 40000) || ' minutes'), m.received_at, '{}',
                CASE WHEN seq.i % 7 = 0 THEN 'closed' ELSE 'open' END,
                m.category, seq.i % 4, m.assignee, m.triage_reason, m.triage_rules
            FROM seq JOIN mentions m ON m.id = 1 + (seq.i % ?)
            """,
            (missing, have),
        )
        conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    return settings
