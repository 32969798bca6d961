"""The live side in the terminal: the header shows channel health, a pulled mention arrives on
its own, a reply waits out its undo window (ctrl+z cancels it, the text comes back), then goes
out once to a fake Mastodon served over real HTTP on loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from desk.bootstrap import Desk
from desk.tui.app import DeskApp
from desk.tui.screens.detail import DetailScreen
from desk.tui.widgets.composer import Composer
from tests.helpers.clock import RunningClock
from tests.helpers.desks import open_test_desk
from tests.helpers.fake_mastodon import FakeMastodon
from tests.helpers.loopback import serve
from tests.helpers.paths import PAYLOADS
from tests.helpers.tui import DESK_TOML, notes, screen_lines, settle, tui_settings

TOKEN = "tui-live-token-93ab"


async def wait_for(pilot: Pilot[Any], test: Callable[[], bool], seconds: float = 15.0) -> None:
    for _ in range(int(seconds / 0.1)):
        if test():
            return
        await asyncio.sleep(0.1)
        await pilot.pause()
    raise AssertionError("timed out waiting")


@pytest.fixture
def live_desk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Desk, FakeMastodon]]:
    fake = FakeMastodon(TOKEN)
    note = json.loads((PAYLOADS / "mastodon/notification_mention_remote_docs.json").read_text())
    note["status"]["visibility"] = "public"
    fake.notifications.append(note)
    monkeypatch.setenv("DESK_VILLE_TOKEN", TOKEN)
    with serve(fake) as url:
        settings = tui_settings(
            tmp_path,
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
        )
        desk = open_test_desk(settings, clock=RunningClock())
        yield desk, fake
        desk.close()


async def test_pull_undo_and_send_from_the_terminal(live_desk: tuple[Desk, FakeMastodon]) -> None:
    desk, fake = live_desk
    app = DeskApp(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(pilot, lambda: "mastodon:ville" in app.live.health)
        report = app.live.health["mastodon:ville"]
        assert (report.status, report.health) == ("ok", "ok"), report
        await wait_for(pilot, lambda: any("✓ mastodon:ville" in line for line in screen_lines(app)))
        assert "1 nouvelle mention de mastodon:ville" in notes(app)
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
        assert mention_id is not None
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
