"""Fixtures for the TUI tests: a real Desk on a temporary SQLite file, fed with ordinary,
threaded, news and hostile mentions (see tests/helpers/tui.py). The environment is isolated by
the autouse fixture of tests/conftest.py, which applies here too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.clock import RunningClock
from tests.helpers.tui import DeskEnv, feed, open_tui_desk


@pytest.fixture
def env(tmp_path: Path) -> Iterator[DeskEnv]:
    """A fed desk (French interface) on a running clock from T0, closed after the test."""
    clock = RunningClock()
    desk = open_tui_desk(tmp_path, clock=clock)
    ids = feed(desk)
    yield DeskEnv(desk, ids, tmp_path, clock)
    desk.close()
