"""Collision guard: reply claims (start, renew, expiry, take-over, release), the changed-thread
check at send time, and two desks on one SQLite file racing to answer the same mention."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from desk.bootstrap import Desk
from desk.config import Settings
from desk.db.store import QueueFilter
from desk.errors import ActionRefused
from desk.i18n import Catalog
from desk.replies.claims import ThreadChanged, describe
from tests.helpers.cli import Cli
from tests.helpers.clock import FakeClock
from tests.helpers.desks import add, mention
from tests.helpers.paths import REPO


def sent(desk: Desk, mention_id: int) -> list[str]:
    return [r.author for r in desk.queries.detail(mention_id).replies if r.status == "sent_offline"]


def test_a_claim_keeps_a_colleague_from_sending_until_taken_over(
    make_desk: Callable[..., Desk],
) -> None:
    amelie, bruno = make_desk("amelie"), make_desk("bruno")
    (mid,) = add(amelie, mention("1", "Quand passe la collecte?"))
    start = amelie.claims.start(mid)
    assert start.mine
    seen = bruno.claims.start(mid)
    assert (seen.mine, seen.holder) == (False, "amelie")
    row = bruno.queries.page(QueueFilter(view="all"), 0, 5)[0]
    assert row.replying_by == "amelie"  # what "AB is replying" is drawn from
    with pytest.raises(ActionRefused, match="amelie is replying to mention 1") as refused:
        bruno.replies.send(mid, "Mardi.")
    assert "take the reply over" in (refused.value.hint or "")
    bruno.claims.take_over(mid)
    events = [
        e for e in bruno.queries.detail(mid).history if e.action == "mention.reply_taken_over"
    ]
    assert [(e.actor, e.data) for e in events] == [("bruno", {"previous": "amelie"})]
    with pytest.raises(ActionRefused, match="bruno took over the reply"):
        amelie.claims.renew(mid)
    bruno.replies.send(mid, "Mardi.")
    assert sent(bruno, mid) == ["bruno"]
    assert bruno.queries.detail(mid).history[-1].action == "reply.sent"


def test_a_claim_expires_and_can_be_renewed(
    clock: FakeClock, make_desk: Callable[..., Desk]
) -> None:
    amelie, bruno = make_desk("amelie"), make_desk("bruno")
    (mid,) = add(amelie, mention("1", "Bonjour"))
    first = amelie.claims.start(mid)
    assert first.until is not None
    clock.now += timedelta(minutes=4)
    renewed = amelie.claims.renew(mid)
    assert renewed > first.until
    clock.now = clock.now + timedelta(minutes=4)
    assert bruno.claims.start(mid).holder == "amelie"  # renewed: still running
    clock.now = clock.now + timedelta(minutes=6)
    assert bruno.claims.start(mid).mine  # expired: free, and now bruno's
    assert not [
        e for e in bruno.queries.audit_log(limit=50) if e.action == "mention.reply_taken_over"
    ]


def test_release_and_send_free_the_mention(make_desk: Callable[..., Desk]) -> None:
    amelie, bruno = make_desk("amelie"), make_desk("bruno")
    a, b = add(amelie, mention("1", "Bonjour"), mention("2", "Allô"))
    amelie.claims.start(a)
    amelie.claims.release(a)
    assert bruno.claims.start(a).mine
    amelie.claims.start(b)
    amelie.replies.send(b, "Bonjour à vous.")
    assert bruno.claims.start(b).mine  # the send released amelie's claim


@pytest.mark.parametrize("change", ["new_reply", "new_message", "status"])
def test_send_stops_when_the_thread_changed(make_desk: Callable[..., Desk], change: str) -> None:
    amelie, bruno = make_desk("amelie"), make_desk("bruno")
    (mid,) = add(amelie, mention("1", "Le parc est-il ouvert?"))
    version = amelie.claims.start(mid).version
    if change == "new_reply":
        bruno.claims.take_over(mid)
        bruno.replies.send(mid, "Oui, jusqu'à 22 h.")
    elif change == "new_message":
        add(bruno, mention("2", "Et la piscine?", in_reply_to_remote_id="1"))
    else:
        bruno.inbox.close(mid)
    with pytest.raises(ThreadChanged) as stopped:
        amelie.replies.send(mid, "Oui.", version=version)
    keys = [c["key"] for c in stopped.value.changes]
    assert keys[0] == change
    assert set(keys) <= {change, "status"}  # a reply also closes the mention
    words = describe(stopped.value.changes, Catalog("fr").t)
    expected = {
        "new_reply": "bruno a envoyé une réponse",
        "new_message": "nouveaux messages dans la conversation\u00a0: 1",
        "status": "l'état est passé de ouverte à fermée",
    }[change]
    assert expected in words[0]
    assert "amelie" not in sent(amelie, mid)


def test_an_unchanged_thread_sends(make_desk: Callable[..., Desk]) -> None:
    amelie = make_desk("amelie")
    (mid,) = add(amelie, mention("1", "Le parc est-il ouvert?"))
    version = amelie.claims.start(mid).version
    add(amelie, mention("9", "Un autre sujet"))  # not in this thread
    amelie.replies.send(mid, "Oui.", version=version)
    assert sent(amelie, mid) == ["amelie"]


def test_cli_reply_refused_over_a_claim_then_taken_over(
    cli: Cli, settings: Settings, make_desk: Callable[..., Desk], capsys: pytest.CaptureFixture[str]
) -> None:
    amelie = make_desk("amelie")  # on the test's clock, as the CLI's
    (mid,) = add(amelie, mention("1", "Bonjour"))
    amelie.claims.start(mid)
    assert cli("reply", str(mid), "--text", "Bonjour!", as_name="chloe") == 2
    assert "amelie is replying to mention 1" in capsys.readouterr().err
    assert cli("reply", str(mid), "--text", "Bonjour!", "--take-over", as_name="chloe") == 0
    assert sent(amelie, mid) == ["chloe"]


RACER = """
import json, sys, time
from pathlib import Path
from desk.config import Settings
from desk.bootstrap import open_desk

db, config, who, mention_id, folder = sys.argv[1:6]
desk = open_desk(Settings(db=db, config=Path(config)), as_name=who)
def wait(name):
    while not Path(folder, name).exists():
        time.sleep(0.001)

Path(folder, who + ".ready").touch()
wait("go")  # both open the composer at once...
start = desk.claims.start(int(mention_id))
Path(folder, who + ".typing").touch()
wait("send")  # ...and both press send at once
try:
    reply = desk.replies.send(int(mention_id), "Réponse de " + who, version=start.version)
    print(json.dumps({"who": who, "status": reply.status}))
except Exception as exc:
    print(json.dumps({"who": who, "refused": type(exc).__name__, "message": str(exc)}))
"""


@pytest.mark.parametrize("round_", range(3))
def test_two_desks_racing_send_exactly_one_reply(
    settings: Settings, make_desk: Callable[..., Desk], tmp_path: Path, round_: int
) -> None:
    desk = make_desk("amelie")
    (mid,) = add(desk, mention("1", "Urgent : l'eau est-elle potable?"))
    script = tmp_path / "racer.py"
    script.write_text(RACER, encoding="utf-8")
    folder = tmp_path / f"race{round_}"
    folder.mkdir()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(script),
                str(settings.db),
                str(settings.config),
                who,
                str(mid),
                str(folder),
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in ("bruno", "chloe")
    ]
    deadline = time.monotonic() + 60
    while not all((folder / f"{w}.ready").exists() for w in ("bruno", "chloe")):
        assert time.monotonic() < deadline, [
            p.stderr and p.stderr.read() for p in procs if p.poll() is not None
        ]
        time.sleep(0.01)
    (folder / "go").touch()
    while not all((folder / f"{w}.typing").exists() for w in ("bruno", "chloe")):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    (folder / "send").touch()
    results = [json.loads(p.communicate(timeout=60)[0]) for p in procs]
    winners = [r for r in results if "status" in r]
    losers = [r for r in results if "refused" in r]
    assert len(winners) == 1, results
    assert len(losers) == 1, results
    assert losers[0]["refused"] in {"ActionRefused", "ThreadChanged"}
    replies = [r for r in desk.queries.detail(mid).replies if r.status in ("sent", "sent_offline")]
    assert [r.author for r in replies] == [winners[0]["who"]]
    assert desk.queries.verify_audit().ok
