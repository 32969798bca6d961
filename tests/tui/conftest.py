"""Fixtures for the TUI tests: a real Desk on a temporary SQLite file, fed with ordinary,
threaded, news and hostile mentions (see tests/helpers/tui.py), and every app's notifications
recorded (``tests.helpers.tui.notifications``). The environment is isolated by the autouse
fixture of tests/conftest.py, which applies here too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.app import App

from tests.conftest import TEST_DB
from tests.helpers.clock import RunningClock
from tests.helpers.tui import DeskEnv, feed, open_tui_desk, record_notes


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
