"""One approved correction to many: how long the largest batch holds the write lock.

A batch is prepared in one transaction and approved in one transaction (desk.replies.batches
says why). The planner caps a batch at the platform budgets, so the largest is the sum of the
defaults: Mastodon 100 + Bluesky 300 + X 60 + e-mail 200 = 660 replies. This prints JSON:

- ``prepare_s``: desk.crisis.batch.prepare of 660 replies to a live Mastodon channel (plan,
  render, 660 replies and their ``reply.submitted`` events, the batch event), one transaction;
- ``approve_s``: BatchService.approve of that batch (660 ``reply.approved`` + ``reply.queued``
  events, each reply's turn, the batch event), one transaction: the write lock's hold;
- baseline ``one_by_one_per_reply_ms``: ApprovalService.approve of ordinary replies waiting for
  approval, one transaction each, in the same run (``baseline_n`` of them), against
  ``approve_per_reply_ms`` for the batch.

Run: ``.venv/bin/python benchmarks/bench_batch_approve.py [N]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desk.bootstrap import Desk, open_desk  # noqa: E402
from desk.config import Settings  # noqa: E402
from desk.crisis.batch import prepare  # noqa: E402
from desk.crisis.plan import BUDGETS, Budget  # noqa: E402
from desk.platforms.parsed import ParsedMention, ParseResult  # noqa: E402

CONFIG = """\
[desk]
organisation = "Ville"
language = "fr"

[approval]
channels = ["ville"]  # the baseline's ordinary replies wait for approval too

[[staff]]
name = "amelie"
display_name = "Amélie"
initials = "AB"
role = "supervisor"

[[staff]]
name = "bruno"
display_name = "Bruno"
initials = "BG"
role = "agent"

[[channel]]
name = "ville"
platform = "mastodon"
url = "http://127.0.0.1:9"
secret = "env:BENCH_UNUSED"
"""
LIBRARY = """
[[answer]]
name = "water"
language = "fr"
title = "Eau potable"
body = "Bonjour, l'eau est potable : aucune contamination. Détails : https://ville.example/eau"
"""
T0 = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


def _mentions(desk: Desk, start: int, n: int) -> list[int]:
    items = [
        ParsedMention(
            platform="mastodon",
            remote_id=str(start + i),
            author_handle=f"@citizen{start + i}@example.org",
            author_name=f"Citizen {start + i}",
            text="L'eau du robinet est contaminée, ne buvez pas l'eau du quartier nord ?",
            created_at=T0 + timedelta(seconds=i),
            language="fr",
            kind="mention",
            raw={"id": str(start + i)},
        )
        for i in range(n)
    ]
    parsed = ParseResult(platform="mastodon", items=items)
    parsed.channel_hint = "ville"
    return desk.ingest.ingest_parsed(parsed, "bench").new_ids


def main(n: int) -> dict[str, object]:
    """Prepare and approve a batch of ``n`` replies; approve a baseline one at a time."""
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "desk.toml"
        config.write_text(CONFIG, encoding="utf-8")
        settings = Settings(db=str(Path(folder) / "desk.db"), config=config)
        amelie = open_desk(settings, as_name="amelie")
        amelie.answers.import_text(LIBRARY, "library.toml")
        bruno = open_desk(settings, as_name="bruno")
        ids = _mentions(bruno, 0, n)
        bruno.crisis.budgets = {"mastodon": Budget(n, timedelta(hours=3))}

        began = time.perf_counter()
        prepared = prepare(bruno.crisis, bruno.batches, ids, "water")
        prepare_s = time.perf_counter() - began
        assert prepared.batch_id is not None
        assert len(prepared.replies) == n

        began = time.perf_counter()
        approved = amelie.batches.approve(prepared.batch_id)
        approve_s = time.perf_counter() - began
        assert approved.progress.counts == {"queued": n}, approved.progress.counts

        baseline_n = min(n, 200)
        waiting = [
            bruno.replies.send(mid, "Merci, nous vérifions.").id
            for mid in _mentions(bruno, n, baseline_n)
        ]
        began = time.perf_counter()
        for reply_id in waiting:
            amelie.approvals.approve(reply_id)
        one_by_one_s = time.perf_counter() - began
        assert amelie.queries.verify_audit().ok
        amelie.close()
        bruno.close()
    return {
        "batch_replies": n,
        "largest_batch_by_default_budgets": sum(b.posts for b in BUDGETS.values()),
        "prepare_s": round(prepare_s, 3),
        "approve_s": round(approve_s, 3),
        "approve_per_reply_ms": round(1000 * approve_s / n, 2),
        "baseline_n": baseline_n,
        "one_by_one_per_reply_ms": round(1000 * one_by_one_s / baseline_n, 2),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    default = sum(b.posts for b in BUDGETS.values())
    parser.add_argument(
        "n", nargs="?", type=int, default=default, help=f"replies (default {default})"
    )
    print(json.dumps(main(parser.parse_args().n), indent=2))
