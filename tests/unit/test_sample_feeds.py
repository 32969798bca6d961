"""The bundled demo data: realistic, bilingual, several platforms, a crisis day, hostile strings —
and it imports cleanly through the real importers."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from desk.bootstrap import Desk
from desk.cli.demo import payload_files
from desk.config import Settings, load_config
from desk.db.store import QueueFilter
from desk.triage.service import load_configured_rules
from tests.helpers.cli import Cli
from tests.helpers.clock import FakeClock
from tests.helpers.paths import SAMPLE_FEEDS


@pytest.fixture
def sample_desk(tmp_path: Path) -> Iterator[Desk]:
    """A desk configured with the sample desk.toml and its starter rules."""
    from desk.bootstrap import open_desk

    desk = open_desk(
        Settings(db=str(tmp_path / "s.db"), config=SAMPLE_FEEDS / "desk.toml"),
        as_name="amelie",
        clock=FakeClock(),
    )
    yield desk
    desk.close()


def test_sample_feeds_import_cleanly(sample_desk: Desk) -> None:
    desk = sample_desk
    reports = desk.ingest.ingest_files(payload_files(SAMPLE_FEEDS))
    assert all(r.rejected == 0 and not r.errors for r in reports), [r.errors for r in reports]
    platforms = Counter({r.platform: 0 for r in reports})
    for r in reports:
        platforms[r.platform] += r.new
    assert sum(platforms.values()) >= 300
    assert set(platforms) == {"mastodon", "bluesky", "x", "rss"}
    assert all(n >= 25 for n in platforms.values())
    assert sum(r.skipped for r in reports) > 0  # favourites, follows, likes... are not mentions
    rows = desk.queries.page(QueueFilter(view="all"), 0, 1000)
    languages = Counter(r.language for r in rows)
    assert languages["fr"] > languages["en"] > 100
    crisis = [r for r in rows if r.created_at.date().isoformat() in ("2026-11-12", "2026-11-13")]
    assert len(crisis) >= 50
    kinds = Counter(r.kind for r in rows)
    assert kinds["reply"] >= 6
    assert kinds["news"] >= 30
    assert len({r.category for r in rows}) == 6  # every category occurs with the starter rules


def test_sample_feeds_carry_hostile_strings(sample_desk: Desk) -> None:
    desk = sample_desk
    desk.ingest.ingest_files(payload_files(SAMPLE_FEEDS))
    rows = desk.queries.page(QueueFilter(view="all"), 0, 1000)
    texts = [desk.queries.detail(r.id).text for r in rows]
    joined = "\n".join(texts)
    assert "\x1b" in joined
    assert "\u202e" in joined
    assert "[/" in joined
    assert max(len(t) for t in texts) > 10_000
    threads = [r.id for r in rows if r.kind == "reply"]
    assert any(len(desk.queries.detail(i).thread) >= 3 for i in threads)


def test_sample_config_and_rules_load() -> None:
    config = load_config(SAMPLE_FEEDS / "desk.toml")
    assert len(config.staff) == 3
    assert [s.role for s in config.staff] == ["admin", "agent", "agent"]
    rules = load_configured_rules(config)
    assert len(rules.rules) >= 10


def test_demo_builds_and_is_idempotent(
    cli: Cli,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DESK_PASSPHRASE", "demo")  # the demo's passphrase for everyone (README)
    db = tmp_path / "demo.db"
    assert cli.raw(["--db", str(db), "demo", "--no-ui"]) == 0
    first = capsys.readouterr().out
    assert "you are Amélie Bouchard" in first
    assert cli.raw(["--db", str(db), "demo", "--no-ui"]) == 0
    assert " 0 new" in capsys.readouterr().out
    demo = Cli(Settings(db=str(db), config=SAMPLE_FEEDS / "desk.toml"), cli.clock)
    # who gets work depends on who is on duty when the demo is built (routing happens at arrival)
    assert demo("queue", "--json", "--view", "all", "--limit", "500", as_name="amelie") == 0
    owners = {r["assignee"] for r in json.loads(capsys.readouterr().out)} - {None}
    assert owners
    someone = sorted(owners)[0]
    assert demo("queue", "--json", "--view", "mine", "--limit", "5", as_name=someone) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows
    assert all(r["assignee"] == someone for r in rows)
    assert demo("audit", "verify", as_name="amelie") == 0
