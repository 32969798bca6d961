"""desk.db.fastread answers exactly as desk.db.store does (issue 16's quick read-only commands).

One real SQLite file with varied mentions and replies (statuses, assignees, categories,
languages, priorities, tags with LIKE's own characters, authors with accents, replies waiting,
sent, rejected) and every filter the store knows, alone, with each view, and in random
combinations, through both: the same rows in the same order, the same counts. Words searched
include what FTS5 would read as syntax (quotes, operators, column filters, ``*``) and accents.
Then who is at the keyboard and whether desk.toml agrees with the records, decided as
desk.staff.records decides them.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from desk.bootstrap import Desk, open_desk
from desk.config import Settings, load_config, os_user
from desk.db import SCHEMA_HEAD, fastread, store, transaction
from desk.db.filters import QueueFilter, ReplyFilter
from desk.db.tables import Mention, Reply, Staff
from desk.errors import DeskError
from desk.staff import identity, records
from desk.vocabulary import CATEGORIES, VIEWS, ReplyStatus
from tests.helpers.clock import FakeClock
from tests.helpers.desks import add, log_in_as, mention, write_config

pytestmark = pytest.mark.sqlite_only(
    "desk.db.fastread reads SQLite files; PostgreSQL goes the ordinary way"
)

BASE = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)

TEXTS = [
    "Panne d'électricité rue Saint-Denis depuis ce matin",
    "ELECTRICITE coupée à l'école",
    "Quand l'eau sera-t-elle potable?",
    'Le "bouillir" de l\'eau, encore? NEAR(eau) OR text:eau',
    "Collecte des ordures ville_caen AND déneigement",
    "Bravo à l'équipe 🙂 pour la collecte",
    "Water main broken near the school",
    "Is the water safe to drink? author_name:emilie",
    "100% d'accord avec la décision",
    "Déneigement pourri, encore une fois",
    "Spam spam spam achetez maintenant *",
    "Une question sur les impôts fonciers",
]
AUTHORS = [
    ("@emilie", "Émilie Côté"),
    ("@jose", "JOSÉ Tremblay"),
    ("@a_b", "Zoë_x"),
    ("@ville100", "100% Ville"),
    ("@bob", "Bob"),
]
TAGS: list[list[str]] = [
    ["eau", "panne"],
    ["100%"],
    ["a_b"],
    ['dit "non"'],
    ["école"],
    [],
]
SEARCHES = [
    "eau",
    "EAU",
    "électricité",
    "electricite",
    "ÉCOLE",
    '"',
    'eau" OR "panne',
    "NEAR(eau)",
    "text:eau",
    "author_name:emilie",
    "*",
    "saint-denis",
    "l'eau",
    "AND",
    "ville_caen",
    "emilie",
    "Côté",
    "🙂",
    "eau potable",
    "water drink",
    "   ",
    "jose",
]


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Desk, list[int]]]:
    """A desk with 60 varied mentions and a dozen replies in different states (built once for
    the module: the tests only read it)."""
    settings = write_config(tmp_path_factory.mktemp("varied"))
    clock = FakeClock()
    amelie = open_desk(settings, as_name="amelie", clock=clock)
    bruno = open_desk(settings, as_name="bruno", clock=clock)
    rng = random.Random(16)
    items = []
    for i in range(60):
        handle, name = AUTHORS[i % len(AUTHORS)]
        platform = "x" if i % 7 == 3 else "mastodon"
        items.append(
            (
                platform,
                mention(
                    str(i + 1),
                    TEXTS[i % len(TEXTS)],
                    platform=platform,
                    language=[None, "fr", "en", "fr"][i % 4],
                    author_handle=handle,
                    author_name=name,
                ),
            )
        )
    ids = add(amelie, *[m for p, m in items if p == "mastodon"])
    ids += add(amelie, *[m for p, m in items if p == "x"], platform="x")
    for n, mid in enumerate(ids[:12]):
        (amelie if n % 2 else bruno).replies.send(mid, TEXTS[(n + 3) % len(TEXTS)])
    with transaction(amelie.write_factory) as session:
        for n, mid in enumerate(ids):
            m = session.get(Mention, mid)
            assert m is not None
            m.status = rng.choice(["open", "open", "closed"])
            m.assignee = rng.choice([None, "amelie", "bruno", "chloe"])
            m.category = rng.choice(CATEGORIES)
            m.priority = rng.randrange(4)
            m.tags = json.dumps(rng.choice(TAGS), ensure_ascii=False)
            # a few share their priority and time: the order then falls to the id
            m.created_at = BASE + timedelta(hours=rng.randrange(0, 400) if n % 9 else 50)
            if n % 11 == 0:
                m.replying_by, m.replying_until = "bruno", BASE + timedelta(days=30)
            session.add(m)
        replies = session.exec(select(Reply).order_by(col(Reply.id))).all()
        states = [
            ReplyStatus.PENDING_APPROVAL,
            ReplyStatus.REJECTED,
            ReplyStatus.SENT,
            ReplyStatus.FAILED,
        ]
        for n, reply in enumerate(replies):
            if n % 3 == 0:
                reply.status = states[n % len(states)]
                reply.approval_reasons = json.dumps(["crisis", "rule:écoles"])
                reply.reviewer, reply.reviewed_at = "amelie", BASE + timedelta(hours=n)
                reply.review_note = "Revoir l'accord"
            reply.created_at = BASE + timedelta(hours=rng.randrange(0, 400) if n % 5 else 10)
            session.add(reply)
    yield amelie, ids
    amelie.close()
    bruno.close()


@pytest.fixture
def conn(varied: tuple[Desk, list[int]]) -> Iterator[sqlite3.Connection]:
    """A read-only connection to the varied desk's file, as desk.cli._fast opens it."""
    connection = fastread.connect(Path(str(varied[0].engine.url.database)))
    assert connection is not None
    yield connection
    connection.close()


def _queue_values(ids: list[int]) -> dict[str, list[Any]]:
    """Every QueueFilter field and values worth asking of the varied desk."""
    return {
        "view": list(VIEWS),
        "status": ["open", "closed"],
        "category": ["complaint", "question", "nope"],
        "assignee": ["bruno", "nobody", ""],
        "me": ["amelie", "bruno", None],
        "platform": ["x", "mastodon", "nope"],
        "channel": ["saved payloads", "nope"],
        "language": ["fr", "en", "de"],
        "min_priority": [0, 2, 3],
        "tag": ["eau", "100%", "a_b", "%", "_", 'dit "non"', "école", "ecole", "absent"],
        "author": ["émilie", "EMILIE", "côté", "JOSÉ", "josé", "_", "%", "@", "zoë", "100%"],
        "since": [BASE + timedelta(hours=100), BASE + timedelta(hours=50)],
        "until": [BASE + timedelta(hours=200), BASE + timedelta(hours=50)],
        "waiting": [True, False],
        "replied": [True, False],
        "ids": [(), (ids[0],), tuple(ids[:9])],
        "search": SEARCHES,
    }


def _same_queue(
    desk: Desk, conn: sqlite3.Connection, flt: QueueFilter, offset: int = 0, limit: int = 100
) -> int:
    """Assert both paths give the same page and count; return the count."""
    with desk.read_factory() as session:
        expected = store.page_queue(flt, offset, limit, session=session)
        count = store.count_queue(flt, session=session)
    assert fastread.page_queue(conn, flt, offset, limit) == expected, flt
    assert fastread.count_queue(conn, flt) == count, flt
    # the TUI's pages: the driver's connection inside the ordinary read session
    assert desk.queries.page(flt, offset, limit) == expected, flt
    return count


def test_every_queue_filter_reads_the_same(
    varied: tuple[Desk, list[int]], conn: sqlite3.Connection
) -> None:
    desk, ids = varied
    values = _queue_values(ids)
    assert set(values) == {f.name for f in fields(QueueFilter)}  # a new field must be added here
    counts = []
    for view in VIEWS:
        for name, choices in values.items():
            for value in choices if name != "view" else []:
                counts.append(_same_queue(desk, conn, QueueFilter(view=view, **{name: value})))
    rng = random.Random(1616)
    for _ in range(150):
        chosen = rng.sample(sorted(values), rng.randrange(2, 6))
        flt = QueueFilter(**{name: rng.choice(values[name]) for name in chosen})
        counts.append(_same_queue(desk, conn, flt, rng.choice([0, 0, 3]), rng.choice([100, 5])))
    assert sum(1 for n in counts if n) > len(counts) // 3  # the data answers most questions
    assert 0 in counts


def test_queue_pages_and_order(varied: tuple[Desk, list[int]], conn: sqlite3.Connection) -> None:
    desk, _ = varied
    for view in VIEWS:
        for offset in (0, 1, 7, 59, 200):
            for limit in (1, 5, 50):
                _same_queue(desk, conn, QueueFilter(view=view), offset, limit)
    whole = fastread.page_queue(conn, QueueFilter(view="all"), 0, 100)
    assert len(whole) == 60
    keys = [(-r.priority, -r.created_at.timestamp(), -r.id) for r in whole]
    assert keys == sorted(keys)  # most urgent, then newest, then the highest id


def test_search_finds_words_whatever_the_accents_and_syntax(conn: sqlite3.Connection) -> None:
    """Not only the same as the store: right (accents and case ignored, syntax quoted)."""

    def texts(words: str) -> set[str]:
        rows = fastread.page_queue(conn, QueueFilter(view="all", search=words), 0, 100)
        return {r.text for r in rows}

    assert texts("electricite") == {TEXTS[0], TEXTS[1]}
    assert texts("NEAR(eau)") == {TEXTS[3]}  # the words NEAR and eau, not the operator
    assert texts('eau" OR "panne') == set()  # eau, OR and panne: no text has all three
    assert texts("emilie") >= {TEXTS[0]}  # the author's name, accents ignored
    assert texts("   ") == set()


def _reply_values() -> dict[str, list[Any]]:
    return {
        "author": ["amelie", "bruno", "nobody", ""],
        "category": ["complaint", "question", "nope"],
        "channel": ["mastodon:saved payloads", "x:saved payloads", "saved payloads", "x:"],
        "since": [BASE + timedelta(hours=100), BASE + timedelta(hours=10)],
        "until": [BASE + timedelta(hours=300), BASE + timedelta(hours=10)],
        "search": SEARCHES,
    }


def _same_replies(desk: Desk, conn: sqlite3.Connection, flt: ReplyFilter, limit: int) -> int:
    expected = desk.queries.replies(flt=flt, limit=limit)
    assert fastread.list_replies(conn, flt, limit=limit) == expected, flt
    return len(expected)


def test_every_reply_filter_reads_the_same(
    varied: tuple[Desk, list[int]], conn: sqlite3.Connection
) -> None:
    desk, _ = varied
    values = _reply_values()
    assert set(values) == {f.name for f in fields(ReplyFilter)}
    counts = [_same_replies(desk, conn, ReplyFilter(), 100)]
    for name, choices in values.items():
        for value in choices:
            counts.append(_same_replies(desk, conn, ReplyFilter(**{name: value}), 100))
    rng = random.Random(1617)
    for _ in range(200):
        chosen = rng.sample(sorted(values), rng.randrange(2, 4))
        flt = ReplyFilter(**{name: rng.choice(values[name]) for name in chosen})
        counts.append(_same_replies(desk, conn, flt, rng.choice([100, 3])))
    assert sum(1 for n in counts if n) > len(counts) // 4
    assert 0 in counts
    waiting = fastread.list_replies(conn, ReplyFilter(), limit=100)
    assert any(r.approval_reasons == ("crisis", "rule:écoles") for r in waiting)


def test_connect_only_to_a_current_schema(tmp_path: Path, settings: Settings, desk: Desk) -> None:
    assert settings.db is not None
    path = Path(settings.db)
    current = fastread.connect(path)
    assert current is not None
    current.close()
    assert fastread.connect(tmp_path / "absent.db") is None
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    assert fastread.connect(empty) is None  # no alembic_version: the ordinary path creates it
    older = sqlite3.connect(path)
    older.execute("UPDATE alembic_version SET version_num = '0001'")
    older.commit()
    older.close()
    assert fastread.connect(path) is None  # the ordinary path migrates
    assert SCHEMA_HEAD != "0001"


def test_read_only(conn: sqlite3.Connection) -> None:
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("UPDATE mentions SET status = 'closed'")


# -- who is at the keyboard, and whether desk.toml agrees ---------------------------------------


def _set_staff(desk: Desk, **changes: dict[str, Any]) -> None:
    with transaction(desk.write_factory) as session:
        for name, values in changes.items():
            row = session.exec(select(Staff).where(Staff.name == name)).one()
            for key, value in values.items():
                setattr(row, key, value)
            session.add(row)


def _ordinary_who(desk: Desk, as_name: str | None) -> str | None:
    """Who the ordinary opening takes, as the OS login of the moment, without asking a
    passphrase (desk.cli._shared.prove) or refusing; None otherwise."""
    with desk.read_factory() as session:
        if records.needs_first_opening(session):
            return None
        try:
            me = records.who(session, as_name, os_user())
        except DeskError:  # unknown, unmapped, deactivated: refused
            return None
    return None if identity.needs_passphrase(desk.read_factory, as_name) else me.name


def _rows(desk: Desk) -> dict[str, fastread.StaffRecord]:
    conn = fastread.connect(Path(str(desk.engine.url.database)))
    assert conn is not None
    with fastread.reading(conn):
        return fastread.staff_rows(conn)


WHO_CASES: list[tuple[dict[str, dict[str, Any]], str | None, str]] = [
    ({"bruno": {"os_users": "bg"}}, None, "bg"),
    ({"bruno": {"os_users": "bg"}}, None, "someone"),
    ({"bruno": {"os_users": "bg"}}, None, ""),
    ({"bruno": {"os_users": "bg,bgagnon"}}, "BRUNO", "bgagnon"),
    ({"bruno": {"os_users": "bg"}}, "amelie", "bg"),  # someone else: a passphrase
    ({"bruno": {"os_users": "bg"}}, "zoe", "bg"),
    ({"bruno": {"os_users": "bg", "active": False}}, None, "bg"),
    ({"bruno": {"os_users": "bg", "active": False}, "chloe": {"os_users": "bg"}}, None, "bg"),
    ({"amelie": {"os_users": "bg"}, "chloe": {"os_users": "bg"}}, None, "bg"),
    ({"amelie": {"os_users": "bg", "active": False}}, "amelie", "bg"),
    ({"bruno": {"os_users": None}}, None, "bg"),  # logins not recorded yet: a first opening
]
AS_SEEDED = {"os_users": "", "active": True}


def test_who_as_the_staff_records_say(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    taken = []
    for staff, as_name, login in WHO_CASES:
        _set_staff(desk, **staff)
        log_in_as(monkeypatch, login)
        expected = _ordinary_who(desk, as_name)
        me = fastread.who(_rows(desk), as_name, login)
        assert me == expected, (staff, as_name, login)
        if me is not None:
            taken.append(me)
        _set_staff(desk, **{name: AS_SEEDED for name in ("amelie", "bruno", "chloe")})
    assert taken == ["bruno", "bruno", "chloe", "amelie"]


DRIFTS: list[dict[str, dict[str, Any]]] = [
    {},
    {"bruno": {"display_name": "Bruno G."}},
    {"chloe": {"languages": "fr"}},
    {"amelie": {"role": "admin"}},
    {"bruno": {"active": False}},
    {"bruno": {"os_users": "bg"}},
    {"chloe": {"initials": "C"}},
]


def test_agreement_as_drift_says(desk: Desk, config_file: Path) -> None:
    config = load_config(config_file)
    wanted = {person.name: records.values_of(person) for person in config.staff}
    seeded = {name: dict(values) for name, values in wanted.items()}
    for staff in DRIFTS:
        _set_staff(desk, **staff)
        with desk.read_factory() as session:
            drift = records.drift(config, session)
        agrees = fastread.staff_agrees(_rows(desk), wanted)
        assert agrees == (drift == []), staff
        assert agrees == (staff == {}), staff
        _set_staff(desk, **seeded)


def test_agreement_sees_people_only_one_side_has(desk: Desk, config_file: Path) -> None:
    config = load_config(config_file)
    wanted = {person.name: records.values_of(person) for person in config.staff}
    assert fastread.staff_agrees(_rows(desk), wanted)
    assert not fastread.staff_agrees(_rows(desk), {**wanted, "zoe": wanted["bruno"]})
    fewer = {k: v for k, v in wanted.items() if k != "chloe"}
    assert not fastread.staff_agrees(_rows(desk), fewer)  # chloe, active, only in the records
    _set_staff(desk, chloe={"active": False})
    assert fastread.staff_agrees(_rows(desk), fewer)  # a deactivated person is no drift
    with desk.read_factory() as session:
        assert [d.name for d in records.drift(config, session)] == ["chloe"]  # she is in desk.toml
