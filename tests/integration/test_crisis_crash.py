"""Crash test: ``desk crisis answer`` killed with SIGKILL between two replies of a batch, then run
again: every mention gets its correction exactly once (the replies' idempotency keys and the
one-voice guard), and the audit trail still verifies.

The desk runs on the real clock, as the ``desk`` processes it hands work to: nothing asserted
depends on the date."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from desk.bootstrap import open_desk
from desk.clock import utcnow
from desk.db.store import AuditFilter
from desk.replies.outbox import FAULT_ENV
from tests.cli.test_crisis import LIBRARY, RUMOUR_FR
from tests.helpers.cli import run_desk
from tests.helpers.desks import add, give_passphrases, mention, write_config


def test_a_batch_killed_mid_way_resumes_without_a_duplicate(tmp_path: Path) -> None:
    settings = write_config(tmp_path)
    desk = open_desk(settings, as_name="amelie", clock=utcnow)
    give_passphrases(desk)
    desk.answers.import_text(LIBRARY, "library.toml")
    ids = add(desk, *[mention(str(i), f"{RUMOUR_FR} ({i})") for i in range(1, 5)])
    desk.close()
    env = {**os.environ, "DESK_DB": str(settings.db), "DESK_CONFIG": str(settings.config)}
    argv = ["--as", "amelie", "crisis", "answer", "--ids", ",".join(map(str, ids))]
    argv += ["--answer", "water", "--yes", "--json"]

    crashed = run_desk(*argv, env={**env, FAULT_ENV: "crisis_reply"}, cwd=tmp_path)
    assert crashed.returncode == -signal.SIGKILL, (crashed.stdout, crashed.stderr)
    resumed = run_desk(*argv, env=env, cwd=tmp_path)
    assert resumed.returncode == 1, resumed.stderr  # the one answered before the kill: skipped
    report = json.loads(resumed.stdout)
    assert [s["reason"] for s in report["skipped"]] == ["closed"]
    assert len(report["sent"]) == 3

    desk = open_desk(settings, as_name="amelie", clock=utcnow)
    try:
        for mid in ids:
            assert len(desk.queries.detail(mid).replies) == 1
        sent = desk.queries.audit_log(flt=AuditFilter(actions=("reply.sent",)), limit=50)
        assert sorted(e.mention_id or 0 for e in sent) == ids
    finally:
        desk.close()
    assert run_desk("--as", "amelie", "audit", "verify", env=env, cwd=tmp_path).returncode == 0
