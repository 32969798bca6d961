"""``desk statement``: draft, approve, list, show and publish from the command line, in French
and English, with --json for scripts."""

from __future__ import annotations

import json

import pytest

from desk.bootstrap import Desk
from desk.config import Settings
from tests.helpers.cli import Cli

FR = "Avis d'ébullition levé dans le secteur Nord."
EN = "Boil-water advisory lifted in the North sector."


def test_draft_approve_show_list_and_publish_without_channels(
    cli: Cli, settings: Settings, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("statement", "draft", "--fr", FR, "--en", EN, "--json", as_name="bruno") == 0
    drafted = json.loads(capsys.readouterr().out)
    assert (drafted["status"], drafted["drafted_by"]) == ("draft", "bruno")
    number = str(drafted["id"])

    assert cli("statement", "approve", number, as_name="chloe", lang="fr") == 2
    err = capsys.readouterr().err
    assert "seul un superviseur" in err

    assert cli("statement", "approve", number, lang="fr") == 0
    out = capsys.readouterr().out
    assert f"déclaration nº {number}\u00a0: approuvée" in out
    assert "approuvée par amelie" in out

    assert cli("statement", "show", number, lang="en") == 0
    out = capsys.readouterr().out
    assert f"[fr] {FR}" in out
    assert f"[en] {EN}" in out
    assert cli("statement", "list", "--json") == 0
    assert [s["status"] for s in json.loads(capsys.readouterr().out)] == ["approved"]

    assert cli("statement", "publish", number, lang="en") == 1  # nothing to publish on
    assert "No channel publishes posts" in capsys.readouterr().out
    assert cli("statement", "show", "99", lang="en") == 2
    assert "there is no statement 99" in capsys.readouterr().err
