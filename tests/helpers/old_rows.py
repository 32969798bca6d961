"""Rows written straight into a database file at an older schema revision, for the migration
tests: one channel and one mention, in the columns every revision from 0011 on has."""

from __future__ import annotations

import sqlalchemy as sa


def add_channel_and_mention(
    conn: sa.Connection,
    *,
    platform: str = "mastodon",
    name: str = "ville",
    live: int = 0,
    remote_id: str = "r1",
    handle: str = "@a",
    kind: str = "mention",
    status: str = "closed",
) -> None:
    """Channel 1 and its mention 1 ("Bonjour", a question, received 2026-11-01)."""
    conn.execute(
        sa.text(
            "INSERT INTO channels (id, platform, name, live, created_at)"
            " VALUES (1, :platform, :name, :live, '2026-11-01 00:00:00')"
        ),
        {"platform": platform, "name": name, "live": live},
    )
    conn.execute(
        sa.text(
            "INSERT INTO mentions (id, channel_id, platform, remote_id, author_handle, author_name,"
            " text, kind, created_at, received_at, raw, status, category, priority, triage_reason,"
            " triage_rules, tags, needs_approval, triage_detail) VALUES (1, 1, :platform,"
            " :remote_id, :handle, 'A', 'Bonjour', :kind, '2026-11-01 00:00:00',"
            " '2026-11-01 00:00:00', '{}', :status, 'question', 1, '', '[]', '[]', 0, '{}')"
        ),
        {
            "platform": platform,
            "remote_id": remote_id,
            "handle": handle,
            "kind": kind,
            "status": status,
        },
    )
