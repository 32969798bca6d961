"""desk on PostgreSQL (issue 15): migrations both ways, the append-only audit enforced by the
engine, writers from several desks at once without a forked chain or a second answer."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from alembic import command

from desk import db
from desk.bootstrap import Desk
from desk.config import Settings
from desk.errors import ActionRefused
from tests.helpers.clock import FakeClock
from tests.helpers.desks import add, mention


def test_migrations_go_down_and_up_again_and_match_the_models(postgres_empty_url: str) -> None:
    engine = db.make_engine(postgres_empty_url)
    try:
        config = db.alembic_config(engine)
        db.upgrade(engine)
        assert db.current_revision(engine) == db.SCHEMA_HEAD == db.head_revision()
        command.check(config)  # no difference between the models and the database
        command.downgrade(config, "base")
        with engine.connect() as conn:
            assert sa.inspect(conn).get_table_names() == ["alembic_version"]
        command.upgrade(config, "head")
        command.check(config)
    finally:
        engine.dispose()


def test_desk_init_creates_the_schema_on_an_empty_database(
    postgres_empty_url: str, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.helpers.cli import Cli

    # a password in the URL (the cluster trusts 127.0.0.1 and ignores it) is never printed
    with_password = postgres_empty_url.replace("://postgres@", "://postgres:s3cret-pw@")
    assert with_password != postgres_empty_url
    cli = Cli(Settings(db=with_password, config=config_file), FakeClock())
    assert cli("init") == 0
    out = capsys.readouterr().out
    assert f"schema {db.SCHEMA_HEAD}" in out
    assert "s3cret-pw" not in out
    assert "postgres:***@" in out
    engine = db.make_engine(postgres_empty_url)
    try:
        assert db.current_revision(engine) == db.SCHEMA_HEAD
    finally:
        engine.dispose()


def test_the_audit_trail_refuses_update_delete_and_truncate(open_pg: Callable[..., Desk]) -> None:
    desk = open_pg()
    (mid,) = add(desk, mention("1", "Bonjour"))
    desk.inbox.close(mid)
    for statement in (
        "UPDATE audit_events SET actor = 'mallory'",
        "DELETE FROM audit_events WHERE seq = 1",
        "TRUNCATE audit_events",
        "TRUNCATE audit_anchors",
    ):
        with pytest.raises(sa.exc.DBAPIError) as refused, desk.engine.begin() as conn:
            conn.exec_driver_sql(statement)
        assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege), statement
        assert "append-only" in str(refused.value.orig)
    assert desk.queries.verify_audit().ok


def at_once(desks: list[Desk], work: Callable[[Desk, int], None]) -> list[BaseException]:
    """``work(desk, its index)`` in one thread per desk, all released together; what they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(len(desks))

    def run(desk: Desk, offset: int) -> None:
        try:
            start.wait()
            work(desk, offset)
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(d, i)) for i, d in enumerate(desks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def test_three_desks_writing_at_once_keep_one_chain(open_pg: Callable[..., Desk]) -> None:
    first = open_pg("amelie")
    ids = add(first, *(mention(str(i), f"Question {i}") for i in range(1, 31)))
    desks = [first, open_pg("bruno"), open_pg("chloe")]

    def work(desk: Desk, offset: int) -> None:
        for mid in ids[offset::3]:
            desk.inbox.categorise(mid, "question")
            desk.inbox.close(mid)
            desk.inbox.reopen(mid)

    errors = at_once(desks, work)
    assert errors == []
    with first.engine.connect() as conn:
        seqs = [r[0] for r in conn.exec_driver_sql("SELECT seq FROM audit_events ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))
    result = first.queries.verify_audit()
    assert result.ok, result
    assert result.head_seq == len(seqs) >= 30 + 3 * 30


def test_desks_moving_mentions_between_categories_at_once_never_deadlock(
    open_pg: Callable[..., Desk],
) -> None:
    """A recategorised mention moves between two rows of the report's summary (migration 0021's
    triggers): two desks moving theirs in opposite directions at once lock those rows in
    opposite orders, unless every such change waits for the audit chain's lock first."""
    first = open_pg("amelie")
    ids = add(first, *(mention(str(i), f"Question {i}") for i in range(1, 41)))  # one hour
    for mid in ids[1::2]:
        first.inbox.categorise(mid, "complaint")
    desks = [first, open_pg("amelie")]

    def work(desk: Desk, offset: int) -> None:
        for turn in range(4):
            for mid in ids[offset::2]:  # desk 0: question <-> complaint; desk 1 the other way
                desk.inbox.categorise(mid, ("complaint", "question")[(turn + offset) % 2])

    errors = at_once(desks, work)
    assert errors == []
    with first.engine.connect() as conn:
        summary = conn.exec_driver_sql(
            "SELECT category, sum(mentions) FROM report_volume GROUP BY 1 HAVING sum(mentions) > 0"
        ).all()
    assert sorted(summary) == [("complaint", 20), ("question", 20)]


def test_two_desks_answering_at_once_send_one_reply(open_pg: Callable[..., Desk]) -> None:
    first = open_pg("amelie")
    mids = add(first, *(mention(str(i), f"Où est la piscine {i} ?") for i in range(1, 11)))
    desks = [first, open_pg("chloe")]
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(desks))

    def work(desk: Desk) -> None:
        start.wait()
        for mid in mids:
            try:
                desk.replies.send(mid, f"Réponse de {desk.me.name}")
                result = "sent"
            except ActionRefused:
                result = "refused"
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=work, args=(d,)) for d in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcomes.count("sent") == len(mids)
    assert outcomes.count("refused") == len(mids)
    with first.engine.connect() as conn:
        per_mention = conn.exec_driver_sql(
            "SELECT mention_id, count(*) FROM replies GROUP BY mention_id"
        ).all()
    assert sorted(per_mention) == [(m, 1) for m in sorted(mids)]
