"""``desk show`` lists an e-mail's attachments (never opened) and what the import noted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desk.bootstrap import Desk
from desk.config import Settings
from desk.db import transaction
from desk.db.tables import Mention
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


def test_show_words_import_notes_in_french_and_keeps_old_english_ones(
    cli: Cli, settings: Settings, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    """Notes are stored as codes and worded by the catalog at ``desk show``; a record stored
    before notes had codes (English sentences) still shows them."""
    bad = _ingested(cli, "bad_charset.eml", capsys)
    assert cli("show", str(bad), lang="fr") == 0
    noted = capsys.readouterr().out.split("à l'import\u00a0:")[1]
    assert (
        "jeu de caractères inconnu «\u00a0x-unknown-666\u00a0»\u00a0: lu comme de l'UTF-8" in noted
    )
    assert "certains caractères n'ont pas pu être décodés" in noted
    assert "unknown charset" not in noted
    assert cli("show", "--json", str(bad)) == 0
    shown = json.loads(capsys.readouterr().out)["notes"]
    assert {"code": "unknown_charset", "args": {"charset": "x-unknown-666"}} in shown

    with transaction(desk.write_factory) as session:  # a row stored by an earlier desk
        row = session.get(Mention, bad)
        assert row is not None
        raw = json.loads(row.raw)
        raw["notes"] = ["unknown charset 'x-unknown-666': read as UTF-8 with replacements"]
        row.raw = json.dumps(raw)
    assert cli("show", str(bad), lang="fr") == 0
    noted = capsys.readouterr().out.split("à l'import\u00a0:")[1]
    assert "unknown charset 'x-unknown-666': read as UTF-8 with replacements" in noted


def test_show_says_why_a_mail_is_automatic_in_the_readers_language(
    cli: Cli, settings: Settings, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    auto = _ingested(cli, "auto_reply.eml", capsys)
    assert cli("show", str(auto), lang="fr") == 0
    noted = capsys.readouterr().out.split("à l'import\u00a0:")[1]
    assert (
        "courriel automatique (Auto-Submitted\u00a0: auto-replied)\u00a0: "
        "desk n'y répond jamais de lui-même" in noted
    )
    assert cli("show", "--json", str(auto)) == 0
    [first, *_] = json.loads(capsys.readouterr().out)["notes"]
    assert first == {
        "code": "auto_submitted",
        "args": {"value": "auto-replied"},
        "section": "automatic_mail",
    }
