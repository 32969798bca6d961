"""Crash test: a batch of replies to a live Mastodon (a real HTTP server on loopback) is killed
with SIGKILL twice — inside the approval's one transaction, then between publishing its third
reply and recording it — and resumed with ``desk bulk send``: every mention is answered exactly
once on the server, never re-posted (the post left unrecorded is found, not sent again), each
reply recorded as sent once, at the batch's pace, and the audit trail verifies.

The desks run on the real clock, as the ``desk`` processes they hand work to: nothing asserted
depends on the date; the batch's pace (0.4 s) is injected into the preparing desk's budgets."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from desk.bootstrap import open_desk
from desk.clock import utcnow
from desk.config import Settings
from desk.crisis.batch import prepare
from desk.crisis.plan import Budget
from desk.db.store import AuditFilter
from desk.platforms.mastodon import payload as mastodon_parser
from desk.replies.outbox import FAULT_ENV
from tests.cli.test_crisis import LIBRARY
from tests.helpers.cli import run_desk
from tests.helpers.desks import DESK_TOML, give_passphrases
from tests.helpers.fake_mastodon import FakeMastodon
from tests.helpers.loopback import serve
from tests.helpers.paths import PAYLOADS

TOKEN = "batch-crash-token-8d2e"
REPLIES = 5
PACE = timedelta(seconds=40) / 100  # 0.4 s between two replies
SLACK = timedelta(seconds=0.15)


def _notification(n: int) -> dict[str, object]:
    base = json.loads((PAYLOADS / "mastodon" / "notification_mention_remote_docs.json").read_text())
    base["id"] = str(68739300 + n)
    base["status"]["id"] = str(108892840000000000 + n)
    base["status"]["visibility"] = "public"
    account = {**base["account"], "id": str(900 + n), "acct": f"u{n}@example.org"}
    base["account"] = account
    base["status"]["account"] = account
    return base


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[FakeMastodon, Settings]]:
    fake = FakeMastodon(TOKEN)
    with serve(fake) as url:
        config = tmp_path / "desk.toml"
        config.write_text(
            DESK_TOML
            + f"""
[[channel]]
name = "ville"
platform = "mastodon"
url = "{url}"
secret = "env:DESK_TEST_TOKEN"
undo_seconds = 0
""",
            encoding="utf-8",
        )
        yield fake, Settings(db=str(tmp_path / "desk.db"), config=config)


def test_a_batch_killed_twice_resumes_without_a_duplicate(
    live: tuple[FakeMastodon, Settings], tmp_path: Path
) -> None:
    fake, settings = live
    amelie = open_desk(settings, as_name="amelie", clock=utcnow)
    give_passphrases(amelie)
    amelie.answers.import_text(LIBRARY, "library.toml")
    amelie.close()
    bruno = open_desk(settings, as_name="bruno", clock=utcnow)
    parsed = mastodon_parser.parse_obj([_notification(i) for i in range(REPLIES)], "test")
    parsed.channel_hint = "ville"
    ids = bruno.ingest.ingest_parsed(parsed, "ville").new_ids
    bruno.crisis.budgets = {"mastodon": Budget(100, timedelta(seconds=40))}
    batch = prepare(bruno.crisis, bruno.batches, ids, "water").batch_id
    bruno.close()
    assert batch is not None
    env = {
        **os.environ,
        "DESK_TEST_TOKEN": TOKEN,
        "DESK_DB": str(settings.db),
        "DESK_CONFIG": str(settings.config),
    }
    approve = ["--as", "amelie", "approve", "--batch", str(batch)]

    # 1. killed inside the approval's transaction, after two of five replies: nothing approved
    crashed = run_desk(*approve, env={**env, FAULT_ENV: "batch_approve#3"}, cwd=tmp_path)
    assert crashed.returncode == -signal.SIGKILL, (crashed.stdout, crashed.stderr)
    desk = open_desk(settings, as_name="amelie", clock=utcnow)
    try:
        assert desk.batches.progress(batch).counts == {"pending_approval": REPLIES}
    finally:
        desk.close()
    assert fake.statuses == []

    # 2. approved, then killed between publishing the third reply and recording it
    crashed = run_desk(*approve, env={**env, FAULT_ENV: "posted#3"}, cwd=tmp_path)
    assert crashed.returncode == -signal.SIGKILL, (crashed.stdout, crashed.stderr)
    assert len(fake.statuses) == 3

    # 3. resumed: the unrecorded post is found on the server, the rest posted at the pace
    resumed = run_desk("--as", "amelie", "bulk", "send", str(batch), "--json", env=env)
    assert resumed.returncode == 0, (resumed.stdout, resumed.stderr)
    final = json.loads(resumed.stdout)
    assert (final["done"], final["counts"]) == (True, {"sent": REPLIES})
    assert TOKEN not in resumed.stdout + resumed.stderr

    published = [s["in_reply_to_id"] for s in fake.statuses]
    assert len(published) == len(set(published)) == REPLIES  # 0 duplicates on the server
    assert fake.post_requests == REPLIES  # nothing was ever posted twice, even by its key
    desk = open_desk(settings, as_name="amelie", clock=utcnow)
    try:
        for mid in ids:
            (reply,) = desk.queries.detail(mid).replies
            assert reply.status == "sent"
            assert reply.remote_id in {s["id"] for s in fake.statuses}
        sent = desk.queries.audit_log(flt=AuditFilter(actions=("reply.sent",)), limit=50)
        assert sorted(e.mention_id or 0 for e in sent) == sorted(ids)  # recorded once each
        claims = desk.queries.audit_log(flt=AuditFilter(actions=("reply.sending",)), limit=50)
        times = sorted(e.at for e in claims)
        # paced: the outbox spaces its claims by PACE; an event is stamped a little after its
        # claim (a busy machine: up to SLACK later), so two events may be that much closer —
        # but never together, as the replies due at once when `bulk send` starts would be
        assert all(b - a >= PACE - SLACK for a, b in zip(times, times[1:], strict=False))
        approved = desk.queries.audit_log(flt=AuditFilter(actions=("batch.approved",)), limit=5)
        assert len(approved) == 1  # the killed approval left no trace but its rollback
        assert desk.queries.verify_audit().ok
    finally:
        desk.close()
