"""Fixtures for the TUI tests: a real Desk on a temporary SQLite file, fed with ordinary,
threaded, news and hostile mentions (see tuihelpers.py). The environment is isolated by
the autouse fixture of tests/conftest.py, which applies here too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tuihelpers import DeskEnv, feed, open_test_desk


@pytest.fixture
def env(tmp_path: Path) -> Iterator[DeskEnv]:
    """A fed desk (French interface), closed after the test."""
    desk = open_test_desk(tmp_path)
    ids = feed(desk)
    yield DeskEnv(desk, ids, tmp_path)
    desk.close()
