"""Reply history: filters (person, category, channel, days) and word search with SQLite FTS5,
accent-insensitive, with whatever the user types quoted safely."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from desk.bootstrap import Desk
from desk.db.store import ReplyFilter, fts_query
from tests.helpers.clock import FakeClock
from tests.helpers.desks import add, apply_approval, mention


@pytest.mark.parametrize(
    ("typed", "query"),
    [
        ("eau potable", '"eau" "potable"'),
        ('NEAR(eau) OR text:"x"', '"NEAR" "eau" "OR" "text" "x"'),
        ("l'ébullition", '"l" "ébullition"'),
        ("   ", None),
        ("*^-()", None),
    ],
)
def test_typed_words_become_a_quoted_query(typed: str, query: str | None) -> None:
    assert fts_query(typed) == query


def test_filters_and_search(clock: FakeClock, make_desk: Callable[..., Desk]) -> None:
    amelie, bruno = make_desk("amelie"), make_desk("bruno")
    q1, q2 = add(
        amelie,
        mention("1", "Quand l'eau sera-t-elle potable?"),
        mention("2", "Collecte des ordures?"),
    )
    (c1,) = add(amelie, mention("3", "Déneigement pourri", platform="x"), platform="x")
    amelie.replies.send(q1, "L'ÉBULLITION n'est plus nécessaire depuis ce matin.")
    bruno.replies.send(q2, "La collecte passe mardi.")
    bruno.replies.send(c1, "Nous passons aujourd'hui dans votre rue.")

    def texts(**kw: object) -> list[str]:
        return [r.text.split("\n")[0] for r in amelie.queries.replies(flt=ReplyFilter(**kw))]  # type: ignore[arg-type]

    assert texts(search="ebullition") == ["L'ÉBULLITION n'est plus nécessaire depuis ce matin."]
    assert texts(search="NÉCESSAIRE matin") == [
        "L'ÉBULLITION n'est plus nécessaire depuis ce matin."
    ]
    assert texts(search="ebullition mardi") == []  # every word must appear
    assert texts(search='mardi" OR "matin') == []  # quotes cannot open an OR
    assert sorted(texts(author="bruno")) == [
        "La collecte passe mardi.",
        "Nous passons aujourd'hui dans votre rue.",
    ]
    assert texts(category="complaint") == ["Nous passons aujourd'hui dans votre rue."]
    assert texts(channel="mastodon:saved payloads", author="bruno") == ["La collecte passe mardi."]
    now = clock.now
    assert len(texts(since=now - timedelta(hours=1), until=now + timedelta(hours=1))) == 3
    assert texts(since=now + timedelta(hours=1)) == []


def test_search_follows_edits(make_desk: Callable[..., Desk], tmp_path: Path) -> None:
    amelie = make_desk("amelie")
    config = tmp_path / "desk.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[approval]\ncrisis = true\n")
    apply_approval(amelie)  # as an admin's `desk staff apply` records it
    bruno, chief = make_desk("bruno"), make_desk("amelie")
    (mid,) = add(amelie, mention("1", "Bonjour"))
    waiting = bruno.replies.send(mid, "Texte provisoire.")
    chief.approvals.approve(waiting.id, text="Texte corrigé par la superviseure.")
    assert amelie.queries.replies(flt=ReplyFilter(search="provisoire")) == []
    assert [r.id for r in amelie.queries.replies(flt=ReplyFilter(search="corrige"))] == [waiting.id]
