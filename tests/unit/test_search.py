"""Finding anything in the queue (issue 13): words (FTS5, accents and case ignored) and the
mutt-like filter line, in the core and from ``desk queue --search`` / ``--filter``."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import col

from desk.bootstrap import Desk
from desk.db import fastread, fts_plan
from desk.db.store import QueueFilter
from desk.db.tables import Mention
from desk.errors import InputError
from desk.i18n import Catalog
from desk.search import parse
from tests.helpers.cli import Cli
from tests.helpers.clock import FakeClock
from tests.helpers.desks import add, mention

CATALOGS = [Catalog("fr"), Catalog("en")]
NOW = datetime(2026, 11, 12, 15, 0, tzinfo=UTC)
TORONTO = ZoneInfo("America/Toronto")


def fields(line: str) -> dict[str, object]:
    """What the line asks for."""
    return parse(line, now=NOW, tz=TORONTO, catalogs=CATALOGS).filter_fields()


def test_patterns_in_either_language() -> None:
    assert fields('~f @renee ~b eau ~p urgente ~c rumeur ~l FR "avis d\'ébullition"') == {
        "author": "renee",
        "min_priority": 3,
        "category": "rumour",
        "language": "fr",
        "search": "eau avis d'ébullition",
    }
    assert fields("~p high ~c complaint ~s fermée ~t #eau ~P Mastodon ~C ville") == {
        "min_priority": 2,
        "category": "complaint",
        "view": "all",
        "status": "closed",
        "tag": "eau",
        "platform": "mastodon",
        "channel": "ville",
    }
    assert fields("~A !~R ~a -") == {"waiting": True, "replied": False, "view": "unassigned"}
    assert fields("~i #269,12") == {"ids": (269, 12)}


def test_dates_are_spans_from_now_or_days_in_the_desks_zone() -> None:
    assert fields("~d <2d") == {"since": NOW - timedelta(days=2)}
    assert fields("~d >3h") == {"until": NOW - timedelta(hours=3)}
    assert fields("~d <1s") == {"since": NOW - timedelta(weeks=1)}  # semaine
    # a day is the desk's day: Toronto's 3 November runs 04:00 UTC to 05:00 UTC the next day
    # (the clocks went back on 2 November)
    assert fields("~d 2026-11-03") == {
        "since": datetime(2026, 11, 3, 5, 0, tzinfo=UTC),
        "until": datetime(2026, 11, 4, 5, 0, tzinfo=UTC),
    }
    assert fields("~d 2026-11-01..") == {"since": datetime(2026, 11, 1, 4, 0, tzinfo=UTC)}


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("~p pressé", "“pressé” is not one of low, normal, high, urgent"),
        ("~x eau", "~x is not a pattern"),
        ("~f", "~f needs a value after it"),
        ("~d hier", "is not a day (YYYY-MM-DD)"),
        ("~d 2026-11-30..2026-11-01", "the period starts after it ends"),
        ("~i deux", "is not a list of mention numbers"),
        ('~f "Renée', "a quote is not closed"),
        ("!~A", "only ~R (replied) can be negated"),
        ("~b " + "x" * 1200, "longer than 1000 characters"),
    ],
)
def test_a_wrong_line_says_what_is_wrong(line: str, said: str) -> None:
    # (the choices are listed in the reader's language: see test_choices_in_the_readers_language)
    with pytest.raises(InputError) as caught:
        fields(line)
    assert said in str(caught.value)


def test_choices_in_the_readers_language() -> None:
    with pytest.raises(InputError) as caught:
        fields("~c bidule")
    french, _hint = caught.value.localized(Catalog("fr").t)
    assert "question, rumeur, plainte, bon mot, indésirable, autre" in french
    assert "rumour" not in french
    assert "question, rumour, complaint" in str(caught.value)


def words_of(desk: Desk, **kw: object) -> list[str]:
    """The texts the filter selects (every state)."""
    flt = QueueFilter(view="all", me=desk.me.name, **kw)  # type: ignore[arg-type]
    return sorted(r.text for r in desk.queries.page(flt, 0, 50))


def test_the_queue_searches_text_and_authors_without_accents_or_case(desk: Desk) -> None:
    add(
        desk,
        mention("1", "L'ÉCOLE est fermée?"),
        mention("2", "Is the school closed?", language="en", author_name="Renée Tremblay"),
        mention("3", "Rien à voir", author_handle="@ecole_quartier"),
        mention("4", 'Weird "quotes" NEAR(a b) OR * -x', language="en"),
    )
    assert words_of(desk, search="ecole") == ["L'ÉCOLE est fermée?", "Rien à voir"]
    assert words_of(desk, search="FERMEE") == ["L'ÉCOLE est fermée?"]
    assert words_of(desk, search="renee") == ["Is the school closed?"]
    assert words_of(desk, author="TREMB") == ["Is the school closed?"]
    # typed operators are words, never FTS syntax (no error, no injection)
    assert words_of(desk, search='NEAR(a b) "quotes" OR') == ['Weird "quotes" NEAR(a b) OR * -x']
    assert words_of(desk, search="*") == []
    assert words_of(desk, author="%") == []  # LIKE's wildcards are taken literally


def test_filters_combine_with_replies_and_approval(desk: Desk, clock: FakeClock) -> None:
    a, b, c = add(
        desk,
        mention("1", "Eau potable : avis ?"),
        mention("2", "Eau brune rue Principale", language="en"),
        mention("3", "Merci pour l'info"),
    )
    desk.replies.send(a, "L'avis est levé.")
    desk.inbox.reopen(a)
    assert words_of(desk, search="eau", replied=True) == ["Eau potable : avis ?"]
    assert words_of(desk, search="eau", replied=False) == ["Eau brune rue Principale"]
    assert words_of(desk, language="en") == ["Eau brune rue Principale"]
    assert words_of(desk, ids=(c, b)) == ["Eau brune rue Principale", "Merci pour l'info"]
    posted = datetime(2026, 11, 10, 9, 2, tzinfo=UTC)  # mention 2, by the helper's clock
    assert words_of(desk, since=posted) == ["Eau brune rue Principale", "Merci pour l'info"]
    assert words_of(desk, until=posted) == ["Eau potable : avis ?"]


def test_desk_queue_search_and_filter(
    cli: Cli, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    add(
        desk,
        mention("1", "Il paraît que l'eau est contaminée", author_handle="@renee"),
        mention("2", "Quand ouvre la piscine ?"),
    )
    capsys.readouterr()
    assert cli("queue", "--json", "--search", "CONTAMINEE") == 0
    assert [r["author"] for r in json.loads(capsys.readouterr().out)] == ["@renee"]
    assert cli("queue", "--json", "--filter", "~f @renee ~b eau") == 0
    assert len(json.loads(capsys.readouterr().out)) == 1
    assert cli("queue", "--json", "--filter", "~f @personne") == 0
    assert json.loads(capsys.readouterr().out) == []
    category = desk.queries.page(QueueFilter(view="all"), 0, 5)[0].category
    french = Catalog("fr").t(f"tui.category.{category}")
    assert cli("queue", "--json", "--view", "all", "--category", french) == 0  # in French too
    assert json.loads(capsys.readouterr().out)
    assert cli("queue", "--filter", "~p pressé", lang="fr") == 2  # bad input
    err = capsys.readouterr().err
    assert "«\u00a0pressé\u00a0» n'est pas parmi basse, normale, haute, urgente" in err
    assert "Traceback" not in err


@pytest.mark.sqlite_only("the FTS5 table; PostgreSQL: tests/postgres/test_engine.py")
def test_the_search_index_is_filled_on_upgrade_and_dropped_on_downgrade(desk: Desk) -> None:
    from alembic import command

    from desk.db import alembic_config

    add(desk, mention("1", "Coupure d'électricité secteur nord"))
    config = alembic_config(desk.engine)
    command.downgrade(config, "0014")  # a database from before the queue search
    with desk.engine.connect() as conn:
        tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
    assert not any(t.startswith("mentions_fts") for t in tables)
    command.upgrade(config, "head")  # its existing mentions become searchable
    assert words_of(desk, search="electricite") == ["Coupure d'électricité secteur nord"]


@pytest.mark.parametrize(("few", "many"), [(1_000, 50_000), (2, 50_000), (2, 6)])
def test_every_search_plan_gives_the_same_page(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, few: int, many: int
) -> None:
    # desk.db.fts_plan picks how a page meets the index by how many mentions match; with the
    # thresholds lowered, the 9 matches below take each plan in turn: the rows and their order
    # must be those of the queue's own order, whatever the plan
    monkeypatch.setattr(fts_plan, "FEW", few)
    monkeypatch.setattr(fts_plan, "MANY", many)
    expected_plan = {(1_000, 50_000): "few", (2, 50_000): "some", (2, 6): "many"}[(few, many)]
    assert fts_plan.choose(9) == expected_plan
    texts = [f"Coupure d'eau rue {n}" if n % 2 else f"Merci rue {n}" for n in range(1, 19)]
    ids = add(desk, *(mention(str(n), text) for n, text in enumerate(texts, start=1)))
    with desk.write_factory() as session:  # priorities that cut across the posting order
        for n, mention_id in enumerate(ids):
            session.get(Mention, mention_id).priority = n % 3  # type: ignore[union-attr]
        session.commit()
    with desk.read_factory() as session:
        rows = session.scalars(sa.select(Mention).where(col(Mention.id).in_(ids))).all()
        order = sorted(
            (m for m in rows if "eau" in m.text),
            key=lambda m: (m.priority, m.created_at, m.id),
            reverse=True,
        )
        want = [m.id for m in order]
    flt = QueueFilter(view="all", search="EAU")
    pages = [[r.id for r in desk.queries.page(flt, offset, 4)] for offset in (0, 4, 8)]
    assert [i for page in pages for i in page] == want
    assert len(want) == 9
    if desk.engine.dialect.name == "sqlite":  # the read-only commands' path plans the same
        connection = fastread.connect(Path(str(desk.engine.url.database)))
        assert connection is not None
        with fastread.reading(connection) as conn:
            quick = [[r.id for r in fastread.page_queue(conn, flt, o, 4)] for o in (0, 4, 8)]
        assert quick == pages
    assert [r.id for r in desk.queries.page(replace(flt, search="merci eau"), 0, 50)] == []
