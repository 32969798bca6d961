"""File names are untrusted: ``desk ingest``'s progress line on a terminal showed them raw, so a
crafted name retitled the terminal (OSC 0) and wrote its clipboard (OSC 52)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from desk.bootstrap import Desk
from tests.helpers.cli import Cli
from tests.helpers.paths import PAYLOADS

HOSTILE = "a\x1b]0;pwned\x07b\x1b]52;c;ZXZpbA==\x07c\x1b[2J\u202edcba\x9b31m.json"


class Terminal(io.StringIO):
    """stderr as a terminal: ``desk ingest`` draws its progress line there."""

    def isatty(self) -> bool:
        return True


def test_ingest_progress_shows_a_hostile_file_name_defused(
    cli: Cli, desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / HOSTILE
    shutil.copy(PAYLOADS / "mastodon/notification_mention_remote_docs.json", path)
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    status = cli("ingest", str(path))
    assert status == 0, terminal.getvalue()
    shown = terminal.getvalue()
    assert "[1/1]" in shown  # the progress line was drawn...
    for raw in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert raw not in shown  # ...with no escape, bell, CSI or bidi override in it
    assert "pwned" in shown  # the name is still recognisable, its controls made visible
