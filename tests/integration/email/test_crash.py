"""Crash tests for e-mail, as for Mastodon (tests/integration/test_outbox_crash.py): ``desk
reply`` is killed with SIGKILL at each step of the outbox, then ``desk outbox run`` settles what
it left. The SMTP sink counts what was handed over: nothing is ever sent twice (issue 17)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from desk.bootstrap import open_desk
from desk.clock import utcnow
from desk.config import Settings
from desk.platforms.email.payload import parse_message
from desk.platforms.parsed import ParseResult
from desk.replies.outbox import FAULT_ENV
from tests.helpers.cli import run_desk
from tests.helpers.desks import give_passphrases
from tests.integration.email.mail import SECRET_ENV, channel_toml, message
from tests.integration.email.servers import Dovecot, Sink

# step killed at -> what the restarted outbox must find
EXPECTED = {
    "queued": "sent",  # killed before the claim: posted by the next run, once
    "claimed": "unknown",  # claimed, nothing sent, nothing in Sent: a supervisor decides
    "posted": "sent",  # sent and filed, not recorded: found in Sent by its Message-ID
    "recorded": "sent",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def crash_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database the crashing desks share: an SQLite file, or a fresh PostgreSQL database
    (skipped without a server, except in CI)."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return str(tmp_path / "desk.db")


def test_kill_at_every_outbox_step_never_sends_twice(
    dovecot: Dovecot, sink: tuple[Sink, int], tmp_path: Path, crash_db: str
) -> None:
    smtp, port = sink
    folder = "CrashPg" if crash_db.startswith("postgresql") else "Crash"  # one Dovecot a module
    with dovecot.client() as conn:
        conn.create_folder(folder)
    config = tmp_path / "desk.toml"
    config.write_text(channel_toml(dovecot.port, folder, smtp_port=port), encoding="utf-8")
    db = crash_db
    desk = open_desk(Settings(db=db, config=config), as_name="amelie", clock=utcnow)
    give_passphrases(desk)
    parsed = ParseResult(
        platform="email",
        items=[
            parse_message(message(i, message_id=f"<crash-{step}@example.org>"))
            for i, step in enumerate(EXPECTED)
        ],
        channel_hint="contact",
    )
    ids = desk.ingest.ingest_parsed(parsed, "contact").new_ids
    desk.close()
    assert len(ids) == len(EXPECTED)

    env = {**os.environ, **SECRET_ENV, "DESK_DB": db, "DESK_CONFIG": str(config)}
    for mention_id, step in zip(ids, EXPECTED, strict=True):
        crashed = run_desk(
            "--as", "amelie", "reply", str(mention_id), "--text", f"Réponse {step}",
            env={**env, FAULT_ENV: step}, cwd=tmp_path,
        )  # fmt: skip
        assert crashed.returncode == -signal.SIGKILL, (step, crashed.stdout, crashed.stderr)
        restarted = run_desk("--as", "amelie", "outbox", "run", "--json", env=env, cwd=tmp_path)
        settled = 1 if EXPECTED[step] == "unknown" else 0  # `outbox run` exits 1 on unknown
        assert restarted.returncode == settled, (step, restarted.stdout, restarted.stderr)
        assert "secret" not in restarted.stdout + restarted.stderr

    desk = open_desk(Settings(db=db, config=config), as_name="amelie", clock=utcnow)
    try:
        handed_over = [data.decode("utf-8", "replace") for _, _, data in smtp.messages]
        for mention_id, step in zip(ids, EXPECTED, strict=True):
            replies = desk.queries.detail(mention_id).replies
            assert [r.status for r in replies] == [EXPECTED[step]], (step, replies)
            copies = sum(f"Réponse {step}" in text for text in handed_over)
            assert copies == (0 if EXPECTED[step] == "unknown" else 1), (step, copies)
        assert desk.queries.verify_audit().ok
    finally:
        desk.close()
