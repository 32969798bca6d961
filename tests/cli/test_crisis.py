"""``desk crisis``: clusters and surges of the test queue, and one approved correction sent to a
cluster through ReplyService — one signed reply and its audit events per mention, skips said
with their reason, exactly once when run again."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, cast

import pytest

from desk.bootstrap import Desk
from desk.crisis.plan import Plan, Target
from desk.crisis.service import CrisisService
from desk.db.store import AuditFilter
from tests.helpers.cli import Cli
from tests.helpers.desks import add, mention

LIBRARY = """
[[answer]]
name = "water"
language = "fr"
title = "Eau potable"
body = "Bonjour, l'eau est potable : aucune contamination. Détails : https://ville.example/eau"
categories = ["rumour", "question"]
pre_approved = true

[[answer]]
name = "water"
language = "en"
title = "Drinking water"
body = "Hello, the water is safe: no contamination. Details: https://ville.example/water"
categories = ["rumour", "question"]
pre_approved = true
"""

RUMOUR_FR = "L'eau du robinet est contaminée à l'E. coli, ne buvez pas l'eau du quartier nord"
RUMOUR_EN = "The tap water is contaminated with E. coli, do not drink the water in the north end"


def _queue(desk: Desk) -> list[int]:
    desk.answers.import_text(LIBRARY, "library.toml")
    items = [
        mention("1", RUMOUR_FR),
        mention("2", "RT @voisin: " + RUMOUR_FR),
        mention("3", RUMOUR_FR + " #urgent", author_handle="@user1"),  # the same author again
        mention("4", RUMOUR_FR + " !!", kind="keyword"),  # a keyword watch: never answered
        mention("5", RUMOUR_EN, language="en"),
        mention("6", "@ville " + RUMOUR_EN + "?", language="en"),
        mention("7", "À quelle heure ouvre la piscine samedi ?"),
    ]
    return add(desk, *items)


def _json(capsys: pytest.CaptureFixture[str]) -> Any:
    return json.loads(capsys.readouterr().out)


def test_clusters_then_one_correction_to_the_cluster(
    cli: Cli, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = _queue(desk)
    assert cli("crisis", "clusters", "--json") == 0
    (rumour, english) = _json(capsys)
    assert rumour["mention_ids"] == ids[:4]
    assert rumour["size"] == 4
    assert rumour["languages"] == {"fr": 4}
    assert english["mention_ids"] == ids[4:6]

    assert cli("crisis", "answer", str(rumour["id"]), "--answer", "water", "--yes", "--json") == 1
    report = _json(capsys)
    assert [s["mention_id"] for s in report["sent"]] == [ids[0], ids[1]]
    assert {s["status"] for s in report["sent"]} == {"sent_offline"}
    assert [(s["id"], s["reason"]) for s in report["skipped"]] == [
        (ids[2], "same_author"),
        (ids[3], "not_addressed"),
    ]
    for mid in ids[:2]:
        (reply,) = desk.queries.detail(mid).replies
        assert reply.text.startswith("Bonjour, l'eau est potable")
        assert reply.text.endswith("—AB")
    sent = desk.queries.audit_log(flt=AuditFilter(actions=("reply.sent",)), limit=50)
    assert sorted(e.mention_id or 0 for e in sent) == ids[:2]  # one event each

    # in English for the English mentions, by --ids
    chosen = f"{ids[4]},{ids[5]}"
    assert cli("crisis", "answer", "--ids", chosen, "--answer", "water", "--yes") == 0
    out = capsys.readouterr().out
    assert "2 replies written (0 waiting for approval, 0 queued for the outbox)." in out
    assert desk.queries.detail(ids[4]).replies[0].text.startswith("Hello, the water is safe")

    # run again: nothing sent twice, every mention said with why
    assert cli("crisis", "answer", "--ids", chosen, "--answer", "water", "--json") == 1
    assert [s["reason"] for s in _json(capsys)["skipped"]] == ["closed", "closed"]
    assert len(desk.queries.audit_log(flt=AuditFilter(actions=("reply.sent",)), limit=50)) == 4


def test_answer_asks_first_and_a_script_must_say_yes(
    cli: Cli, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = _queue(desk)
    assert cli("crisis", "answer", str(ids[0]), "--answer", "water", lang="fr") == 2
    captured = capsys.readouterr()
    assert "2 réponses prévues (mastodon 2)\u00a0; écartées\u00a0:" in captured.out
    assert "cela enverrait 2 réponses" in captured.err
    assert desk.queries.detail(ids[0]).replies == []
    assert cli("crisis", "answer", "999", "--answer", "water", "--yes") != 0
    assert "no open cluster has the number 999" in capsys.readouterr().err


def test_surges_of_a_replayed_queue_where_they_happened(
    cli: Cli, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    quiet = [mention(str(i), f"question {i} sur la collecte") for i in range(1, 200, 20)]
    burst = [
        mention(
            f"b{i}",
            f"{RUMOUR_FR} {i}",
            created_at=quiet[-1].created_at + timedelta(hours=6, seconds=20 * i),
        )
        for i in range(40)
    ]
    add(desk, *quiet, *burst)
    assert cli("crisis", "surges", "--json") == 0
    found = {s["topic"]: s for s in _json(capsys)}
    assert "all" in found
    assert found["all"]["start"] == "2026-11-10T18:00:00+00:00"
    assert found["all"]["total"] == 40
    assert found["all"]["peak"] == 15
    assert any(topic.startswith("cluster:") for topic in found)
    assert cli("crisis", "surges") == 0
    assert "surges" in capsys.readouterr().out


class _QueuedReplies:
    """A ReplyService stand-in whose every reply goes to a live channel's outbox."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str, str | None]] = []

    def send(self, mention_id: int, text: str, **kw: Any) -> Any:
        self.sent.append((mention_id, text, kw.get("idempotency_key")))
        return type("R", (), {"id": len(self.sent), "status": "queued"})()


def test_live_replies_are_spaced_by_the_platform_budget(desk: Desk) -> None:
    ids = _queue(desk)
    replies = _QueuedReplies()
    pauses: list[float] = []
    service = CrisisService(
        read_factory=desk.queries.read_factory,
        config=desk.config,
        replies=cast(Any, replies),
        answers=desk.answers,
        clock=lambda: desk.clock(),
        sleep=pauses.append,
    )
    targets = [Target(mid, "x", f"@a{mid}", "mention", True, False) for mid in ids[:3]]
    report = service.answer(Plan(send=targets), "water")
    assert list(report.sent) == ids[:3]
    assert [key for _, _, key in replies.sent] == [f"crisis:water:{mid}" for mid in ids[:3]]
    assert len(pauses) == 2
    assert all(10 < p <= 15 for p in pauses)
