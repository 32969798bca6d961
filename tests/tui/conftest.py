"""Fixtures for the TUI tests: a real Desk on a temporary SQLite file, fed with ordinary,
threaded, news and hostile mentions (see tuihelpers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tuihelpers import DeskEnv, feed, open_test_desk


@pytest.fixture(autouse=True)
def _isolated_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never read the real user's config or data folders."""
    home = tmp_path_factory.mktemp("home")
    for var in ("DESK_DB", "DESK_CONFIG", "DESK_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))


@pytest.fixture
def env(tmp_path: Path) -> Iterator[DeskEnv]:
    """A fed desk (French interface), closed after the test."""
    desk = open_test_desk(tmp_path)
    ids = feed(desk)
    yield DeskEnv(desk, ids, tmp_path)
    desk.close()
