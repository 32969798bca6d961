"""``desk bulk reply`` prepares a batch (each mention's decision printed), ``desk approve --batch``
approves it at once, ``desk bulk status|pause|resume`` follow it — in French and English, with
clear refusals for what does not fit."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from desk.bootstrap import Desk
from desk.db.store import AuditFilter
from tests.cli.test_crisis import LIBRARY, RUMOUR_EN, RUMOUR_FR
from tests.helpers.cli import Cli
from tests.helpers.desks import add, mention

KEY = re.compile(r"\b(cli|errors)\.[a-z_]+\.[a-z_]+")


def _json(capsys: pytest.CaptureFixture[str]) -> Any:
    return json.loads(capsys.readouterr().out)


def _queue(desk: Desk) -> list[int]:
    desk.answers.import_text(LIBRARY, "library.toml")
    return add(
        desk,
        mention("1", RUMOUR_FR),
        mention("2", RUMOUR_FR, author_handle="@user1"),  # one reply per author
        mention("3", RUMOUR_FR + " !", kind="keyword"),  # did not address the account
        mention("4", RUMOUR_EN, language="en"),
    )


def test_prepare_approve_and_follow_a_batch(
    cli: Cli, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = _queue(desk)
    chosen = ",".join(map(str, ids))
    assert cli("bulk", "reply", "--ids", chosen, "--answer", "water", as_name="bruno") == 0
    out = capsys.readouterr().out
    assert f"#{ids[0]}: reply" in out
    assert f"#{ids[1]} skipped: its author already gets this answer" in out
    assert f"#{ids[2]} skipped: the post did not address the account" in out
    assert "Batch 1: 2 replies waiting for a supervisor's approval (skipped: 2)" in out
    assert "desk approve --batch 1" in out
    assert not KEY.search(out)

    assert cli("approve", "--batch", "1", as_name="bruno") == 2  # an agent
    assert "only a supervisor" in capsys.readouterr().err
    assert cli("approvals", "--json") == 0
    (waiting,) = _json(capsys)  # one item: the batch's replies are approved with it, at once
    assert (waiting["kind"], waiting["id"], waiting["total"]) == ("batch", 1, 2)
    assert waiting["sample"].startswith("Bonjour, l'eau")
    assert cli("approvals") == 0
    assert "batch 1 by bruno since" in capsys.readouterr().out  # one item, its own command

    assert cli("approve", "--batch", "1", lang="fr") == 0
    out = capsys.readouterr().out
    assert "Lot 1 approuvé\u00a0: 2 réponses partent au rythme du lot." in out
    assert "terminé, 2 sur 2 envoyées" in out
    for mid, start in ((ids[0], "Bonjour, l'eau"), (ids[3], "Hello, the water")):
        (reply,) = desk.queries.detail(mid).replies
        assert reply.status == "sent_offline"
        assert reply.text.startswith(start)
        assert reply.text.endswith("—BG")
    assert cli("bulk", "status", "1", "--json") == 0
    status = _json(capsys)
    assert (status["done"], status["sent"], status["approved_by"]) == (True, 2, "amelie")
    assert [s["reason"] for s in status["skipped"]] == [
        "crisis_skip_same_author",
        "crisis_skip_not_addressed",
    ]
    assert cli("bulk", "pause", "1") == 2  # all sent already: nothing to pause, said so
    assert "batch 1 is not being posted (it is done)" in capsys.readouterr().err
    assert cli("bulk", "resume", "1", as_name="bruno") == 2
    assert "only a supervisor can resume batch 1" in capsys.readouterr().err
    prepared = desk.queries.audit_log(flt=AuditFilter(actions=("batch.prepared",)), limit=5)
    assert [e.actor for e in prepared] == ["bruno"]

    # again: nothing left to answer, said per mention, no batch
    assert cli("bulk", "reply", "--ids", chosen, "--answer", "water", "--json") == 1
    again = _json(capsys)
    assert again["batch"] is None
    assert {d["skipped"] for d in again["decisions"]} >= {"crisis_skip_closed"}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_what_does_not_fit_is_refused_clearly(
    lang: str, cli: Cli, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = _queue(desk)
    for args in (
        ("bulk", "reply", "--ids", str(ids[0])),  # no answer
        ("bulk", "reply", "--answer", "water"),  # no mentions
        ("bulk", "status", "7"),  # no such batch
        ("bulk", "pause"),  # which batch?
        ("bulk", "close"),  # no mentions (was argparse's, still refused)
        ("bulk", "close", "--ids", str(ids[0]), "--answer", "water"),
        ("approve",),
        ("approve", "3", "--batch", "1"),
    ):
        assert cli(*args, lang=lang) == 2, args
        err = capsys.readouterr().err
        assert err.strip(), args
        assert not KEY.search(err), (args, err)
    assert cli("bulk", "status", lang=lang) == 0
    assert "desk bulk reply" in capsys.readouterr().out  # no batch yet: how to make one
