"""Acting on many mentions at once (issue 13): one audit event per mention changed, batches of
short transactions, refusals skipped with their reason, the same from ``desk bulk``."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from desk.bootstrap import Desk
from desk.db.store import AuditFilter
from desk.errors import ActionRefused
from tests.helpers.cli import Cli
from tests.helpers.desks import add, mention


def events(desk: Desk, action: str) -> list[int]:
    """The mentions that got an audit event ``action``."""
    found = desk.queries.audit_log(flt=AuditFilter(actions=(action,)), limit=1000)
    return sorted(e.mention_id for e in found if e.mention_id is not None)


def test_bulk_close_one_event_each_in_batches_skipping_what_is_closed(desk: Desk) -> None:
    ids = add(desk, *(mention(str(n), f"Spam numéro {n}") for n in range(1, 8)))
    desk.inbox.close(ids[0])
    seen: list[tuple[int, int]] = []
    report = desk.inbox.bulk(
        "close", [*ids, ids[1], 9999], batch=3, progress=lambda d, t: seen.append((d, t))
    )
    assert report.done == ids[1:]
    assert [(s.mention_id, s.key) for s in report.skipped] == [
        (ids[0], "already_closed"),
        (9999, "mention_unknown"),
    ]
    assert seen == [(3, 8), (6, 8), (8, 8)]  # the repeated id counted once
    assert events(desk, "mention.closed") == sorted(ids)
    assert desk.queries.verify_audit().ok


def test_bulk_assign_categorise_and_tag(desk: Desk) -> None:
    a, b = add(desk, mention("1", "Eau brune"), mention("2", "Eau trouble"))
    routed = {desk.queries.detail(m).assignee for m in (a, b)}
    to = next(n for n in ("amelie", "bruno", "chloe") if n not in routed)
    # a category neither has yet, whatever triage made of them (a category already set is skipped)
    triaged = {desk.queries.detail(m).category for m in (a, b)}
    category = next(c for c in ("complaint", "question", "praise") if c not in triaged)
    assert desk.inbox.bulk("assign", [a, b], to).done == [a, b]
    assert desk.inbox.bulk("categorise", [a, b], category).done == [a, b]
    report = desk.inbox.bulk("tag", [a, b], "#Eau")
    assert report.done == [a, b]
    again = desk.inbox.bulk("tag", [a], "eau")
    assert [s.key for s in again.skipped] == ["already_tagged"]
    detail = desk.queries.detail(a)
    assert (detail.assignee, detail.category) == (to, category)
    assert "eau" in detail.tags
    assert events(desk, "mention.tagged") == [a, b]


@pytest.mark.parametrize(
    ("action", "value", "said"),
    [
        ("burn", None, "is not something desk does to many mentions"),
        ("assign", None, "assign needs a staff"),
        ("tag", "deux mots", "is not a tag"),
        ("categorise", "gossip", "unknown category"),
    ],
)
def test_bulk_refuses_before_touching_anything(
    desk: Desk, action: str, value: str | None, said: str
) -> None:
    (a,) = add(desk, mention("1", "Bonjour"))
    with pytest.raises(ActionRefused, match=said):
        desk.inbox.bulk(action, [a], value)
    assert desk.queries.detail(a).history[-1].action == "mention.ingested"


def test_desk_bulk_by_search_with_a_confirmation_above_twenty(
    cli: Cli, make_desk: Callable[..., Desk], capsys: pytest.CaptureFixture[str]
) -> None:
    desk = make_desk()
    add(desk, *(mention(str(n), f"Gagnez un iPhone {n}") for n in range(1, 26)))
    add(desk, mention("99", "Quand ouvre la piscine ?"))
    capsys.readouterr()
    # 25 mentions: more than 20, and no terminal to ask: refused, nothing changed
    assert cli("bulk", "spam", "--search", "iphone", lang="en") == 2
    assert "this would change 25 mentions" in capsys.readouterr().err
    assert events(desk, "mention.marked_spam") == []
    assert cli("bulk", "spam", "--search", "iphone", "--yes", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert (len(out["done"]), out["skipped"]) == (25, [])
    assert len(events(desk, "mention.marked_spam")) == 25
    assert cli("bulk", "close", "--filter", "~b iphone ~s all", "--yes", lang="fr") == 1
    said = capsys.readouterr().out
    assert "fermer\u00a0: 0 mention changée" in said
    assert "laissée\u00a0: la mention nº" in said
