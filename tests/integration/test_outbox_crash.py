"""Crash tests: ``desk reply`` is killed with SIGKILL at every step of the outbox, then a new
process runs ``desk outbox run``. The fake Mastodon (a real HTTP server on loopback) counts what
was *published*: every reply must be there exactly once, and recorded as sent exactly once.

The desks opened here run on the real clock, as the ``desk`` processes they hand work to do:
undo windows and leases are real seconds; nothing asserted depends on the date."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desk.bootstrap import Desk, open_desk
from desk.clock import utcnow
from desk.config import Settings
from desk.platforms.mastodon import payload as mastodon_parser
from desk.replies.outbox import FAULT_ENV
from tests.helpers.cli import run_desk, start_desk
from tests.helpers.desks import DESK_TOML, give_passphrases
from tests.helpers.fake_mastodon import FakeMastodon
from tests.helpers.loopback import serve
from tests.helpers.paths import PAYLOADS

TOKEN = "crash-test-token-5f1c"
STEPS = ("queued", "claimed", "posted", "recorded")


def _notification(n: int) -> dict[str, object]:
    base = json.loads((PAYLOADS / "mastodon" / "notification_mention_remote_docs.json").read_text())
    base["id"] = str(68739215 + n)
    base["status"]["id"] = str(108892830000000000 + n)
    base["status"]["visibility"] = "public"
    return base


@pytest.fixture
def live_setup(
    tmp_path: Path, make_desk: Callable[..., Desk]
) -> Iterator[tuple[FakeMastodon, Path]]:
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
        yield fake, config


@pytest.fixture(params=["sqlite", "postgresql"])
def crash_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database the crashing desks share: an SQLite file, or a fresh PostgreSQL database
    (skipped without a server, except in CI)."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return str(tmp_path / "desk.db")


def test_kill_at_every_outbox_step_never_loses_or_duplicates(
    live_setup: tuple[FakeMastodon, Path], tmp_path: Path, crash_db: str
) -> None:
    fake, config = live_setup
    db = crash_db
    desk = open_desk(Settings(db=db, config=config), as_name="amelie", clock=utcnow)
    give_passphrases(desk)
    parsed = mastodon_parser.parse_obj([_notification(i) for i in range(len(STEPS))], "test")
    parsed.channel_hint = "ville"
    ids = desk.ingest.ingest_parsed(parsed, "ville").new_ids
    desk.close()
    assert len(ids) == len(STEPS)

    env = {**os.environ, "DESK_TEST_TOKEN": TOKEN, "DESK_DB": db, "DESK_CONFIG": str(config)}
    for mention_id, step in zip(ids, STEPS, strict=True):
        crashed = run_desk(
            "--as",
            "amelie",
            "reply",
            str(mention_id),
            "--text",
            f"Réponse {step}",
            env={**env, FAULT_ENV: step},
            cwd=tmp_path,
        )
        assert crashed.returncode == -signal.SIGKILL, (step, crashed.stdout, crashed.stderr)
        restarted = run_desk("--as", "amelie", "outbox", "run", "--json", env=env, cwd=tmp_path)
        assert restarted.returncode == 0, (step, restarted.stdout, restarted.stderr)
        assert TOKEN not in restarted.stdout + restarted.stderr

    desk = open_desk(Settings(db=db, config=config), as_name="amelie", clock=utcnow)
    try:
        published: dict[str, int] = {}
        for status in fake.statuses:
            published[status["in_reply_to_id"]] = published.get(status["in_reply_to_id"], 0) + 1
        for mention_id, step in zip(ids, STEPS, strict=True):
            detail = desk.queries.detail(mention_id)
            replies = [r for r in detail.replies if r.status != "cancelled"]
            assert [r.status for r in replies] == ["sent"], step  # recorded once, as sent
            parent = detail.remote_id
            assert published.get(parent) == 1, (step, published)  # on the server once: 0 dup
            server_ids = [s["id"] for s in fake.statuses if s["in_reply_to_id"] == parent]
            assert replies[0].remote_id == server_ids[0], step
            sent_events = [e for e in detail.history if e.action == "reply.sent"]
            assert len(sent_events) == 1, step
        assert len(fake.statuses) == len(STEPS)
        assert desk.queries.verify_audit().ok
    finally:
        desk.close()


def test_watch_posts_replies_queued_by_another_desk(
    live_setup: tuple[FakeMastodon, Path], tmp_path: Path
) -> None:
    """A reply queued in one desk (the TUI of a colleague, an approval) goes out from a running
    ``desk watch``, once, after its undo window."""
    import time

    fake, config = live_setup
    db = tmp_path / "desk.db"
    desk = open_desk(Settings(db=str(db), config=config), as_name="amelie", clock=utcnow)
    give_passphrases(desk)
    parsed = mastodon_parser.parse_obj([_notification(9)], "test")
    parsed.channel_hint = "ville"
    (mid,) = desk.ingest.ingest_parsed(parsed, "ville").new_ids
    queued = desk.replies.send(mid, "Merci de votre message.")
    desk.close()
    assert queued.status == "queued"
    env = {**os.environ, "DESK_TEST_TOKEN": TOKEN, "DESK_DB": str(db), "DESK_CONFIG": str(config)}
    watcher = start_desk("--as", "amelie", "watch", env=env, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not fake.statuses:
            time.sleep(0.2)
        time.sleep(2.5)  # more outbox passes: still one post
    finally:
        watcher.send_signal(signal.SIGTERM)
        out, err = watcher.communicate(timeout=30)
    assert len(fake.statuses) == 1, (out, err)
    assert "outbox: sent" in out
    assert TOKEN not in out + err
    desk = open_desk(Settings(db=str(db), config=config), as_name="amelie", clock=utcnow)
    try:
        assert desk.queries.detail(mid).replies[-1].status == "sent"
    finally:
        desk.close()
