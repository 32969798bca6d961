"""Search parity (issue 15): the same mentions and replies on SQLite (FTS5) and on PostgreSQL
(the generated ``search_tsv`` of migration 0016) give the same rows for the same typed words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desk.bootstrap import Desk
from desk.config import Settings
from desk.db.store import QueueFilter, ReplyFilter
from desk.errors import ActionRefused
from tests.helpers.clock import FakeClock
from tests.helpers.desks import add, mention, open_test_desk

TEXTS = [
    "Coupure d'électricité à Hérouville depuis ce matin",
    "L'ÉCOLE est fermée? Les écoles du quartier aussi",
    "Is the school closed? Schools in the north are",
    "Voir https://ville.example.fr/coupures-eau et écrire à info@ville.example.fr",
    "Le porte-parole a dit : l’eau est potable (avis n° 2026-11)",
    'Weird "quotes" NEAR(a b) OR * -x and émojis 🚰💧',
    "Œuvre d'art rue Saint-Jean; naïve question: où est la mairie?",
    "Rien à voir",
]
HANDLES = ["@ville_caen", "@renee", "@ecole_quartier", "@jp", "@x", "@y", "@z", "@w"]

QUERIES = [
    "electricite",
    "ÉLECTRICITÉ herouville",
    "electricite nord",
    "ecole",
    "ecoles",
    "school",
    "schools closed",
    "coupures",
    "coupures eau",
    "ville example fr",
    "info",
    "porte-parole",
    "parole",
    "l'eau",
    "eau potable",
    "2026",
    "11",
    'NEAR(a b) "quotes" OR',
    "*",
    "émojis",
    "naive",
    "ou est",
    "saint jean",
    "la",
    "the",
    "ville_caen",
    "caen",
    "renee",
    "quartier",
    "rien a voir",
    "absent",
    "",
]


def _desk(settings: Settings) -> Desk:
    desk = open_test_desk(settings, "amelie", clock=FakeClock())
    items = [
        mention(str(i + 1), text, author_handle=HANDLES[i], author_name=f"Personne {i + 1}")
        for i, text in enumerate(TEXTS)
    ]
    ids = add(desk, *items)
    for mention_id, text in zip(ids, TEXTS, strict=True):
        try:
            desk.replies.send(mention_id, f"Réponse : {text}")
        except ActionRefused:  # a link or a number asks for approval: the same on both engines
            continue
    return desk


@pytest.fixture
def both(tmp_path: Path, config_file: Path, postgres_url: str) -> Iterator[tuple[Desk, Desk]]:
    sqlite = _desk(Settings(db=str(tmp_path / "parity.db"), config=config_file))
    postgres = _desk(Settings(db=postgres_url, config=config_file))
    yield sqlite, postgres
    sqlite.close()
    postgres.close()


def _queue(desk: Desk, words: str) -> list[str]:
    rows = desk.queries.page(QueueFilter(view="all", search=words), 0, 100)
    return sorted(r.remote_id for r in rows)


def _replies(desk: Desk, words: str) -> list[str]:
    return sorted(r.text for r in desk.queries.replies(flt=ReplyFilter(search=words)))


def test_queue_and_reply_search_find_the_same_rows_on_both_engines(
    both: tuple[Desk, Desk],
) -> None:
    sqlite, postgres = both
    assert postgres.engine.dialect.name == "postgresql"
    differ = {}
    for words in QUERIES:
        on_sqlite, on_postgres = _queue(sqlite, words), _queue(postgres, words)
        if on_sqlite != on_postgres:
            differ[f"queue {words!r}"] = (on_sqlite, on_postgres)
        on_sqlite, on_postgres = _replies(sqlite, words), _replies(postgres, words)
        if on_sqlite != on_postgres:
            differ[f"replies {words!r}"] = (on_sqlite, on_postgres)
    assert differ == {}
    # and the searches do find things (a parity of two empty answers would prove nothing)
    assert _queue(postgres, "ÉLECTRICITÉ herouville") == ["1"]
    assert _queue(postgres, "ecole") == ["2", "3"]  # the text of 2, the handle of 3
    assert _replies(postgres, "coupures eau")


def test_the_search_uses_the_gin_index(postgres_url: str, config_file: Path) -> None:
    desk = open_test_desk(Settings(db=postgres_url, config=config_file), "amelie")
    try:
        with desk.engine.connect() as conn:
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = "\n".join(
                row[0]
                for row in conn.exec_driver_sql(
                    "EXPLAIN SELECT id FROM mentions WHERE search_tsv @@ "
                    "phraseto_tsquery('desk_search'::regconfig, 'eau')"
                )
            )
        assert "ix_mentions_search" in plan
    finally:
        desk.close()
