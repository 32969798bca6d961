"""``desk show`` lists an e-mail's attachments (never opened) and what the import noted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desk.bootstrap import Desk
from desk.config import Settings
from tests.helpers.cli import Cli

MAIL = Path(__file__).parents[1] / "data" / "email"


def _ingested(cli: Cli, name: str, capsys: pytest.CaptureFixture[str]) -> int:
    """Ingest one saved mail (recognised by its content: a header block) and return its id."""
    assert cli("queue", "--json", "--view", "all") == 0
    before = {row["id"] for row in json.loads(capsys.readouterr().out)}
    assert cli("ingest", str(MAIL / name)) == 0
    capsys.readouterr()
    assert cli("queue", "--json", "--view", "all") == 0
    [new] = [row for row in json.loads(capsys.readouterr().out) if row["id"] not in before]
    assert new["platform"] == "email"
    return int(new["id"])


def test_show_lists_attachments_and_notes(
    cli: Cli, settings: Settings, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    mail = _ingested(cli, "attachments.eml", capsys)
    assert cli("show", str(mail), lang="fr") == 0
    out = capsys.readouterr().out
    assert "pièces jointes (jamais ouvertes)" in out
    assert "plan.pdf  application/pdf  3,009 B" in out
    assert cli("show", "--json", str(mail)) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["attachments"][0] == {"name": "plan.pdf", "type": "application/pdf", "size": 3009}

    bad = _ingested(cli, "bad_charset.eml", capsys)
    assert cli("show", str(bad), lang="en") == 0
    out = capsys.readouterr().out
    assert "on import:" in out
    assert "charset" in out.split("on import:")[1]
