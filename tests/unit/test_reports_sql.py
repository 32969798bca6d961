"""The report's figures come from SQL aggregates (issue 16): they agree with a plain computation
over the rows, whichever way the database reads them (through the created_at index for a short
period, scanning the table for a wide one)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from desk import reports
from desk.bootstrap import Desk
from desk.db.tables import Mention, Reply
from desk.vocabulary import MentionStatus, ReplyStatus
from tests.helpers.clock import FakeClock
from tests.helpers.desks import add, mention

T0 = datetime(2026, 11, 12, 14, 0, tzinfo=UTC)
TEXTS = [
    "Quand passe la collecte?",
    "Merci pour le déneigement!",
    "Pourquoi ma rue n'est jamais déneigée???",
    "Casino gratuit ici https://spam.example",
    "When is the pool open?",
    "Le parc est magnifique, merci",
]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _nearest(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)

    def rank(share: float) -> float | None:
        if not ordered:
            return None
        return round(ordered[max(1, math.ceil(share * len(ordered))) - 1], 1)

    return {"count": len(ordered), "median": rank(0.5), "p90": rank(0.9)}


def reference(desk: Desk, since: date, until: date) -> dict[str, Any]:
    """The figures computed the plain way: every row read, everything counted in Python."""
    start, end = desk.reports._bounds(since, until)
    now = desk.reports.clock()
    with desk.reports.read_factory() as session:
        rows = [m for m in session.exec(select(Mention)).all() if start <= _utc(m.created_at) < end]
        replies = session.exec(select(Reply)).all()
    ids = {m.id for m in rows}
    by_category: dict[str, int] = defaultdict(int)
    for m in rows:
        by_category[m.category] += 1
    sent: dict[int, list[Reply]] = defaultdict(list)
    for r in replies:
        if r.mention_id in ids and r.status in (ReplyStatus.SENT, ReplyStatus.SENT_OFFLINE):
            sent[r.mention_id].append(r)
    everyone: list[float] = []
    by_person: dict[str, list[float]] = defaultdict(list)
    by_cat: dict[str, list[float]] = defaultdict(list)
    for m in rows:
        if m.id in sent:
            first = min(_utc(r.sent_at) for r in sent[m.id] if r.sent_at)
            seconds = (first - _utc(m.received_at)).total_seconds()
            everyone.append(seconds)
            by_person[min(r.author for r in sent[m.id])].append(seconds)
            by_cat[m.category].append(seconds)
    with desk.reports.read_factory() as session:  # the backlog: every open mention, as queued
        everything = session.exec(select(Mention)).all()
    ages = [
        (now - _utc(m.created_at)).total_seconds()
        for m in everything
        if m.status == MentionStatus.OPEN
    ]
    answerable = len(rows) - by_category.get("spam", 0)
    return {
        "mentions": len(rows),
        "by_category": dict(sorted(by_category.items())),
        "first_all": _nearest(everyone),
        "first_by_person": {k: _nearest(v) for k, v in sorted(by_person.items())},
        "first_by_category": {k: _nearest(v) for k, v in sorted(by_cat.items())},
        "open": len(ages),
        "ages": {**_nearest(ages), "max": max(ages, default=None)},
        "answered_share": round(len(sent) / answerable, 4) if answerable else None,
    }


def figures(report: dict[str, Any]) -> dict[str, Any]:
    first = report["first_response_seconds"]
    return {
        "mentions": report["mentions"],
        "by_category": report["volume"]["by_category"],
        "first_all": first["all"],
        "first_by_person": first["by_person"],
        "first_by_category": first["by_category"],
        "open": report["backlog"]["open"],
        "ages": report["backlog"]["age_seconds"],
        "answered_share": report["answered_share"],
    }


def _close(expected: Any, got: Any) -> None:
    """Equal, durations within half a second (SQL's julianday against Python's timedelta)."""
    if isinstance(expected, dict):
        assert set(expected) == set(got)
        for key in expected:
            _close(expected[key], got[key])
    elif isinstance(expected, float):
        assert got == pytest.approx(expected, abs=0.5)
    else:
        assert got == expected


def test_the_sql_figures_are_those_of_a_plain_computation(
    clock: FakeClock, make_desk: Callable[..., Desk], monkeypatch: pytest.MonkeyPatch
) -> None:
    amelie = make_desk("amelie")
    bruno = make_desk("bruno")
    posted = datetime(2026, 11, 9, 15, 0, tzinfo=UTC)
    ids: list[int] = []
    for batch in range(4):  # four arrivals, a few mentions each (ingested together)
        clock.now = T0 - timedelta(days=3) + timedelta(hours=5 * batch)
        ids += add(
            amelie,
            *(
                mention(
                    f"{batch}-{i}",
                    TEXTS[(batch + i) % len(TEXTS)],
                    created_at=posted + timedelta(days=batch % 3, minutes=i),
                )
                for i in range(5)
            ),
        )
    for n, mention_id in enumerate(ids):
        clock.now = T0 - timedelta(days=1) + timedelta(minutes=7 * n)
        if n % 3 == 0:
            amelie.replies.send(mention_id, "Merci, nous regardons.")
        elif n % 3 == 1 and n % 2:
            bruno.replies.send(mention_id, "Thank you.")
        if n % 4 == 2 and amelie.queries.detail(mention_id).status == MentionStatus.OPEN:
            amelie.inbox.close(mention_id)  # closed without a reply
    clock.now = T0 + timedelta(hours=3)
    clock.step = timedelta(0)  # the report and the reference read the same now
    since, until = date(2026, 11, 1), date(2026, 11, 12)
    expected = reference(amelie, since, until)
    assert expected["open"] > 3  # the fixture has a backlog and answered mentions
    assert expected["first_all"]["count"] > 3
    scanned = amelie.reports.report(since, until)  # the whole table: scanned
    monkeypatch.setattr(reports, "SCAN_SHARE", 0)  # never scan: through the created_at index
    indexed = amelie.reports.report(since, until)
    _close(expected, figures(scanned))
    _close(expected, figures(indexed))
    assert scanned == indexed
    monkeypatch.setattr(reports, "SCAN_SHARE", 1000)  # a short period scanned all the same
    one_day = date(2026, 11, 10)
    narrow = amelie.reports.report(one_day, one_day)
    assert 0 < narrow["mentions"] < expected["mentions"]
    _close(reference(amelie, one_day, one_day), figures(narrow))
