"""The live side in the terminal: the header shows channel health, a pulled mention arrives on
its own, a reply waits out its undo window (ctrl+z cancels it, the text comes back), then goes
out once to a fake Mastodon served over real HTTP on loopback."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
from tuihelpers import DESK_TOML, RULES_TOML, screen_lines, settle

from desk.config import Settings
from desk.services import open_desk
from desk.tui.app import DeskApp
from desk.tui.screens.detail import DetailScreen
from desk.tui.widgets.composer import Composer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "live"))
from fake_mastodon_outbox import PAYLOADS, FakeMastodon  # noqa: E402
from loopback import serve  # noqa: E402

TOKEN = "tui-live-token-93ab"


def notes(app: DeskApp) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


async def wait_for(pilot, test, seconds: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds / 0.1)):
        if test():
            return
        await asyncio.sleep(0.1)
        await pilot.pause()
    raise AssertionError("timed out waiting")


@pytest.fixture
def live_desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    fake = FakeMastodon(TOKEN)
    note = json.loads((PAYLOADS / "notification_mention_remote_docs.json").read_text())
    note["status"]["visibility"] = "public"
    fake.notifications.append(note)
    monkeypatch.setenv("DESK_VILLE_TOKEN", TOKEN)
    with serve(fake) as url:
        (tmp_path / "rules.toml").write_text(RULES_TOML, encoding="utf-8")
        (tmp_path / "desk.toml").write_text(
            DESK_TOML
            + f"""
[[channel]]
name = "ville"
platform = "mastodon"
url = "{url}"
secret = "env:DESK_VILLE_TOKEN"
interval_seconds = 5
undo_seconds = 2
""",
            encoding="utf-8",
        )
        settings = Settings(db=str(tmp_path / "t.db"), config=tmp_path / "desk.toml")
        desk = open_desk(settings, as_name="amelie")
        yield desk, fake
        desk.close()


async def test_pull_undo_and_send_from_the_terminal(live_desk) -> None:  # type: ignore[no-untyped-def]
    desk, fake = live_desk
    app = DeskApp(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(pilot, lambda: "mastodon:ville" in app.live.health)
        report = app.live.health["mastodon:ville"]
        assert (report.status, report.health) == ("ok", "ok"), report
        await wait_for(pilot, lambda: any("✓ mastodon:ville" in line for line in screen_lines(app)))
        assert "1 nouvelle(s) mention(s) de mastodon:ville" in notes(app)
        await settle(pilot)
        await pilot.press("g", "r")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        composer = app.screen.query_one(Composer)
        composer.text_area.text = "Merci, nous vérifions."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "part dans" in notes(app)
        assert "ctrl+z pour annuler" in notes(app)
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert "rien n'a été publié" in notes(app)
        mention_id = app.screen.mention_id()
        assert [r.status for r in desk.queries.detail(mention_id).replies] == ["cancelled"]
        assert app.drafts[mention_id] == "Merci, nous vérifions."  # nothing lost
        await asyncio.sleep(2.5)
        assert fake.statuses == []  # cancelled means never posted
        composer.text_area.text = "Merci, nous vérifions."
        await pilot.press("ctrl+s")
        await settle(pilot)
        await wait_for(pilot, lambda: len(fake.statuses) == 1)
        await wait_for(pilot, lambda: desk.queries.detail(mention_id).replies[-1].status == "sent")
        await asyncio.sleep(1.5)  # more outbox passes: still one post
    assert len(fake.statuses) == 1
    assert fake.statuses[0]["in_reply_to_id"] == desk.queries.detail(mention_id).remote_id
    assert fake.statuses[0]["content"].startswith("<p>@a@pl.nulled.red Merci")
