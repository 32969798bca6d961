"""Every time the command line prints is in the desk's ``[hours]`` zone, labelled with it, never
the machine's (issue 13: "Reçue 21:12" beside "jusqu'à 16:20"); a mention is named as the desk
shows it (``#269``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desk.bootstrap import Desk
from tests.helpers.cli import Cli
from tests.helpers.desks import DESK_TOML, add, mention


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """The test desk, in Montréal's time zone."""
    path = tmp_path / "desk.toml"
    path.write_text(
        DESK_TOML.replace('timezone = "UTC"', 'timezone = "America/Toronto"'), encoding="utf-8"
    )
    return path


def test_show_replies_and_the_audit_log_speak_the_desks_zone(
    cli: Cli, desk: Desk, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")  # the machine's zone must not matter
    (mid,) = add(desk, mention("1", "Bonjour"))  # posted 2026-11-10 09:01 UTC
    desk.replies.send(mid, "Bonjour !")
    capsys.readouterr()
    assert cli("show", f"#{mid}") == 0  # as the desk shows it
    shown = capsys.readouterr().out
    assert "2026-11-10 04:01 EST" in shown  # posted: 09:01 UTC is 04:01 in Montréal
    assert "UTC" not in shown
    assert "JST" not in shown
    assert cli("replies") == 0
    assert " EST " in capsys.readouterr().out
    assert cli("audit", "log", "--mention", f"#{mid}") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines
    assert all(" EST " in line for line in lines)
    assert cli("show", f"nº {mid}", "--json") == 0  # JSON keeps instants in UTC, for scripts
    assert json.loads(capsys.readouterr().out)["created_at"].endswith("+00:00")
