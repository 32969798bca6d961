"""The LISTEN/NOTIFY change feed on PostgreSQL (issue 15): another desk's commit pushed within a
second, heard once; notifications carry ids, never content, under 8,000 bytes; a dropped
listening connection reconnects and says so, so the desk reads everything again."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

import psycopg

from desk.bootstrap import Desk
from desk.config import Settings
from desk.db.changes import CHANNEL, watch
from tests.helpers.desks import add, mention
from tests.postgres.conftest import libpq


def test_another_desks_commit_is_pushed_within_a_second(open_pg: Callable[..., Desk]) -> None:
    desk, other = open_pg("amelie"), open_pg("bruno")
    (mid,) = add(desk, mention("1", "Bonjour"))
    feed = watch(desk.engine)
    try:
        assert feed.wait(0.3) is False  # the starting point: nothing new
        began = time.monotonic()
        other.inbox.close(mid)
        assert feed.wait(5.0) is True
        assert time.monotonic() - began < 1.0
        assert feed.wait(0.3) is False  # one command, heard once
    finally:
        feed.close()
    assert feed.closed


def test_notifications_carry_ids_never_content(
    pg_settings: Settings, open_pg: Callable[..., Desk]
) -> None:
    desk = open_pg()
    with psycopg.connect(libpq(str(pg_settings.db)), autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        add(desk, *(mention(str(i), f"secret {i} " + "x" * 400) for i in range(1, 301)))
        payloads = [n.payload for n in listener.notifies(timeout=1.0)]
    assert payloads
    assert all(len(p.encode()) < 8000 and "secret" not in p for p in payloads)
    events = [json.loads(p) for p in payloads if json.loads(p)["t"] == "audit_events"]
    assert events
    assert events[-1]["seq"] >= 300
    assert len(events[-1]["mentions"]) <= 50
    assert {"t": "mentions"} in [json.loads(p) for p in payloads]


def test_a_dropped_listener_reconnects_and_resynchronises(open_pg: Callable[..., Desk]) -> None:
    desk, other = open_pg("amelie"), open_pg("bruno")
    (mid,) = add(desk, mention("1", "Bonjour"))
    feed = watch(desk.engine)
    try:
        assert feed.wait(0.3) is False
        with other.engine.begin() as conn:  # the server drops the desk's listening connection
            killed = conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE query LIKE 'LISTEN%%' AND datname = current_database()"
            ).all()
        assert killed == [(True,)]
        other.inbox.close(mid)  # a change made while the desk was deaf
        assert feed.wait(5.0) is True  # reconnected: read everything again
        assert getattr(feed, "reconnections", 0) == 1
        other.inbox.reopen(mid)
        assert feed.wait(5.0) is True  # and listening again
    finally:
        feed.close()


def test_closing_wakes_a_waiting_thread(open_pg: Callable[..., Desk]) -> None:
    feed = watch(open_pg().engine)
    waited: list[bool] = []
    thread = threading.Thread(target=lambda: waited.append(feed.wait(30.0)))
    thread.start()
    time.sleep(0.3)
    feed.close()
    thread.join(2.0)
    assert not thread.is_alive()
    assert waited == [False]
