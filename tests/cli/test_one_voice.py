"""One voice per citizen from the command line (issue 12 #5): `desk reply` carries the same guard
as the composer. Refused while another reply to the mention is out, on its way or waiting for
approval, saying whose; `--again` for a deliberate second answer (audited); and N processes
replying at the same instant give exactly one reply, the database's one-voice index deciding."""

from __future__ import annotations

import json
import os
from collections.abc import Callable

import pytest

from desk.bootstrap import Desk
from desk.config import Settings
from desk.vocabulary import MAYBE_PUBLISHED
from tests.helpers.cli import Cli, desk_argv, start_desk
from tests.helpers.desks import add, mention


def answering(desk: Desk, mention_id: int) -> list[tuple[str, str]]:
    return [
        (r.author, r.status)
        for r in desk.queries.detail(mention_id).replies
        if r.status in MAYBE_PUBLISHED
    ]


def test_a_second_reply_is_refused_and_says_whose_came_first(
    cli: Cli, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    (mid,) = add(desk, mention("281", "Quand ouvre la piscine ?"))
    assert cli("reply", str(mid), "--text", "Le 20 juin.", as_name="bruno") == 0
    capsys.readouterr()
    assert cli("reply", str(mid), "--text", "Le 20 juin, 9 h.", as_name="chloe") == 2
    err = capsys.readouterr().err
    assert f"mention {mid} is already answered: reply 1 by bruno is sent_offline" in err
    assert "desk reply --again" in err
    assert answering(desk, mid) == [("bruno", "sent_offline")]
    assert cli("reply", str(mid), "--text", "Précision : 9 h.", "--again", as_name="chloe") == 0
    assert answering(desk, mid) == [("bruno", "sent_offline"), ("chloe", "sent_offline")]
    sent = [e for e in desk.queries.detail(mid).history if e.action == "reply.sent"]
    assert [e.data.get("again") for e in sent] == [None, 1]


def test_a_colleagues_claim_is_respected_unless_taken_over(
    cli: Cli, make_desk: Callable[..., Desk], capsys: pytest.CaptureFixture[str]
) -> None:
    amelie = make_desk("amelie")
    (mid,) = add(amelie, mention("1", "Bonjour"))
    amelie.claims.start(mid)
    assert cli("reply", str(mid), "--text", "Bonjour !", as_name="chloe") == 2
    assert "amelie is replying to mention 1" in capsys.readouterr().err
    assert cli("reply", str(mid), "--text", "Bonjour !", "--take-over", as_name="chloe") == 0
    assert answering(amelie, mid) == [("chloe", "sent_offline")]


@pytest.mark.parametrize("take_over", [False, True])
def test_six_processes_replying_at_once_give_one_reply(
    settings: Settings, desk: Desk, take_over: bool
) -> None:
    (mid,) = add(desk, mention("1", "L'eau est-elle potable ?"))
    env = dict(os.environ)
    people = ["amelie", "bruno", "chloe"] * 2
    extra = ["--take-over"] if take_over else []
    procs = [
        start_desk(
            *desk_argv(
                settings, "reply", str(mid), "--text", f"Oui ({n}).", "--json", *extra, as_name=who
            ),
            env=env,
        )
        for n, who in enumerate(people)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    codes = [p.returncode for p in procs]
    assert sorted(codes) == [0, 2, 2, 2, 2, 2], results
    winner = json.loads(results[codes.index(0)][0])
    assert answering(desk, mid) == [(winner["author"], "sent_offline")]
    for (_out, err), code in zip(results, codes, strict=True):
        if code:
            assert (
                "already answered" in err or "at the same moment" in err or "is replying" in err
            ), err
