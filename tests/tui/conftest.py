"""Fixtures for the TUI tests: a real Desk on a temporary SQLite file, fed with ordinary,
threaded, news and hostile mentions (see tests/helpers/tui.py), and every app's notifications
recorded (``tests.helpers.tui.notifications``). The environment is isolated by the autouse
fixture of tests/conftest.py, which applies here too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual import _wait as textual_wait
from textual.app import App

from tests.conftest import TEST_DB
from tests.helpers.clock import RunningClock
from tests.helpers.tui import DeskEnv, feed, open_tui_desk, record_notes


@pytest.fixture(autouse=True)
def _idle_checked_every_5_ms(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pilot waits for the process to be idle twice after each key it presses and once per
    pause: it sleeps in 20 ms steps until one step passes with under 1 ms of CPU (5 %). Those
    sleeps were most of these tests' time (344 s of wall time for 127 s of CPU). The same
    question, asked every 5 ms with the same 5 % threshold, answers four times sooner."""
    monkeypatch.setattr(textual_wait, "SLEEP_GRANULARITY", 0.005)
    monkeypatch.setattr(textual_wait, "SLEEP_IDLE", 0.005 / 20)


@pytest.fixture(autouse=True)
def _notes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remember what each app notifies (read with ``notifications(app)`` / ``notes(app)``)."""
    record_notes(App, monkeypatch)


@pytest.fixture
def env(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[DeskEnv]:
    """A fed desk (French interface) on a running clock from T0, closed after the test; on
    PostgreSQL when DESK_TEST_DB says so (as the shared fixtures of tests/conftest.py)."""
    clock = RunningClock()
    db = request.getfixturevalue("postgres_url") if TEST_DB == "postgresql" else None
    desk = open_tui_desk(tmp_path, clock=clock, db=db)
    ids = feed(desk)
    yield DeskEnv(desk, ids, tmp_path, clock, db)
    desk.close()
