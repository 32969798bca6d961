"""What people see: SVG snapshots of the main screens, in French, at 80×24 and at 160×45.

One class per screen; ``run_before`` brings the app to the state to photograph (pytest-textual-
snapshot). The desk runs on a clock that never moves (ages and times are the same on every run)
and the process's time zone is pinned, so nothing depends on the machine's date or zone.
Update after a deliberate change with ``pytest tests/tui/test_snapshots.py --snapshot-update``
and look at every SVG that changed before committing it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from desk.tui.app import DeskApp
from desk.tui.screens.approvals import ApprovalsScreen
from desk.tui.screens.audit import AuditScreen
from desk.tui.screens.detail import DetailScreen
from desk.tui.screens.queue import QueueScreen
from desk.tui.screens.report import ReportScreen
from desk.tui.widgets.composer import Composer
from tests.helpers.clock import FakeClock
from tests.helpers.desks import apply_approval
from tests.helpers.tui import DeskEnv, feed, open_composer, open_tui_desk, settle

SnapCompare = Callable[..., bool]
RunBefore = Callable[[Pilot[Any]], Awaitable[None]]
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 45), id="160x45")]


@pytest.fixture
def fixed_zone() -> Iterator[None]:
    """The process's local time zone is UTC for the test (desk.tui.labels.when reads it)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture
def still_env(tmp_path: Path, fixed_zone: None) -> Iterator[DeskEnv]:
    """The TUI tests' fed desk on a clock that stays at T0, with one reply (bruno's) waiting
    for approval because desk.toml is in crisis mode."""
    clock = FakeClock(step=timedelta(0))
    desk = open_tui_desk(tmp_path, clock=clock)
    ids = feed(desk)
    env = DeskEnv(desk, ids, tmp_path, clock)
    config = tmp_path / "desk.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[approval]\ncrisis = true\n")
    apply_approval(desk)  # recorded, as an admin's `desk staff apply` does
    bruno = env.open_as("bruno")
    try:
        bruno.replies.send(ids["flood"], "Une équipe est en route, merci du signalement.")
    finally:
        bruno.close()
    yield env
    desk.close()


def keys(*pressed: str, screen: type | None = None) -> RunBefore:
    """Settle, press ``pressed``, settle; then the screen must be a ``screen``."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press(*pressed)
        await settle(pilot)
        if screen is not None:
            assert isinstance(pilot.app.screen, screen)

    return run_before


class TestQueue:
    """The home screen: header with the count, the queue, the preview, the footer."""

    @pytest.mark.parametrize("size", SIZES)
    def test_queue(self, snap_compare: SnapCompare, still_env: DeskEnv, size: Any) -> None:
        app = DeskApp(still_env.desk)
        assert snap_compare(app, terminal_size=size, run_before=keys(screen=QueueScreen))


class TestDetail:
    """A mention in full, with the composer open and a draft typed."""

    @pytest.mark.parametrize("size", SIZES)
    def test_detail_with_composer(
        self, snap_compare: SnapCompare, still_env: DeskEnv, size: Any
    ) -> None:
        async def run_before(pilot: Pilot[Any]) -> None:
            composer = await open_composer(pilot, still_env, "fr1")
            composer.text_area.cursor_blink = False  # the cursor stays drawn
            await pilot.press(*"Bonjour, la collecte reprend lundi.")
            await settle(pilot)
            assert isinstance(pilot.app.screen, DetailScreen)
            assert pilot.app.screen.query_one(Composer).body.startswith("Bonjour")

        app = DeskApp(still_env.desk)
        assert snap_compare(app, terminal_size=size, run_before=run_before)


class TestApprovals:
    """V: the replies waiting for a supervisor, the highlighted one in full."""

    @pytest.mark.parametrize("size", SIZES)
    def test_approvals(self, snap_compare: SnapCompare, still_env: DeskEnv, size: Any) -> None:
        app = DeskApp(still_env.desk)
        assert snap_compare(app, terminal_size=size, run_before=keys("V", screen=ApprovalsScreen))


class TestAudit:
    """A: the audit trail, newest first, under the chain's verification status."""

    @pytest.mark.parametrize("size", SIZES)
    def test_audit(self, snap_compare: SnapCompare, still_env: DeskEnv, size: Any) -> None:
        app = DeskApp(still_env.desk)
        assert snap_compare(app, terminal_size=size, run_before=keys("A", screen=AuditScreen))


class TestReport:
    """S: volume, response times, approval delay and backlog of the last 30 days."""

    @pytest.mark.parametrize("size", SIZES)
    def test_report(self, snap_compare: SnapCompare, still_env: DeskEnv, size: Any) -> None:
        app = DeskApp(still_env.desk)
        assert snap_compare(app, terminal_size=size, run_before=keys("S", screen=ReportScreen))
