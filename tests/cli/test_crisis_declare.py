"""``desk crisis start --reason`` / ``stop`` / ``status`` / ``report``: supervisors declare and
end a crisis, the refusals say what is wrong and what to do, in French and English, and the
report comes as JSON and as plain text."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from desk.bootstrap import Desk
from desk.db.store import AuditFilter
from tests.helpers.cli import Cli
from tests.helpers.desks import add, mention


def _json(capsys: pytest.CaptureFixture[str]) -> Any:
    return json.loads(capsys.readouterr().out)


def test_declare_status_refusals_and_end(
    cli: Cli, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("crisis", "status") == 0
    assert "No crisis declared." in capsys.readouterr().out
    assert cli("crisis", "report") != 0
    assert "no crisis was ever declared" in capsys.readouterr().err

    # an agent may not; an empty reason is said with an example
    assert cli("crisis", "start", "--reason", "fuite de gaz", as_name="bruno") != 0
    assert "only a supervisor can declare or end a crisis" in capsys.readouterr().err
    assert cli("crisis", "start", "--reason", "  ", lang="fr") != 0
    err = capsys.readouterr().err
    assert "une crise a besoin d'une raison\u00a0: ce qui se passe" in err
    assert "desk crisis start --reason" in err

    assert cli("crisis", "start", "--reason", "Fuite de gaz\x1b]0;x\x07, rue Principale") == 0
    out = capsys.readouterr().out
    assert "Crisis declared at 2026-11-12 14:00 by amelie: Fuite de gaz" in out
    assert "\x1b" not in out
    assert "every reply waits for a supervisor" in out

    assert cli("crisis", "start", "--reason", "encore") != 0
    err = capsys.readouterr().err
    assert "a crisis is already declared: since 2026-11-12 14:00, by amelie" in err
    assert "desk crisis stop" in err

    assert cli("crisis", "status", "--json", as_name="chloe") == 0
    status = _json(capsys)
    assert status["declared"] is True
    assert status["crisis"]["by"] == "amelie"
    assert status["crisis"]["reason"].endswith(", rue Principale")
    assert status["surges"] == []
    assert cli("crisis", "status", lang="fr", as_name="bruno") == 0
    said = capsys.readouterr().out
    assert "Crise déclarée depuis 2026-11-12 14:00, par amelie\u00a0: Fuite de gaz" in said
    assert "Aucun pic en cours." in said

    assert cli("crisis", "stop", as_name="bruno") != 0
    capsys.readouterr()
    assert cli("crisis", "stop") == 0
    assert "Crisis ended at 2026-11-12 14:00 by amelie" in capsys.readouterr().out
    assert cli("crisis", "stop") != 0
    err = capsys.readouterr().err
    assert "no crisis is declared" in err
    assert "desk crisis start --reason TEXT" in err
    actions = [
        e.action
        for e in desk.queries.audit_log(
            flt=AuditFilter(actions=("crisis.started", "crisis.stopped")), limit=10
        )
    ]
    assert sorted(actions) == ["crisis.started", "crisis.stopped"]

    assert cli("crisis", "status") == 0
    assert "Last crisis: 2026-11-12 14:00 → 2026-11-12 14:00" in capsys.readouterr().out


def test_report_as_json_and_text(
    cli: Cli, make_desk: Callable[..., Desk], capsys: pytest.CaptureFixture[str]
) -> None:
    bruno = make_desk("bruno")
    (asked,) = add(bruno, mention("1", "L'eau est-elle potable?"))
    assert cli("crisis", "start", "--reason", "avis d'ébullition") == 0
    capsys.readouterr()
    assert bruno.replies.send(asked, "Faites bouillir l'eau.").status == "pending_approval"
    assert cli("crisis", "report", "--json") == 0
    data = _json(capsys)
    assert data["crisis"]["reason"] == "avis d'ébullition"
    assert data["crisis"]["declared"] is True
    assert data["replies_sent"] == 0  # waiting for a second supervisor: nothing went out
    assert data["first_correction"] is None
    assert [m["kind"] for m in data["timeline"]] == ["declared"]
    assert cli("crisis", "report", lang="fr") == 0
    text = capsys.readouterr().out
    assert "Crise\u00a0: avis d'ébullition" in text
    assert "Première correction\u00a0: aucune envoyée pour l'instant" in text
    assert "Chronologie\u00a0:" in text
