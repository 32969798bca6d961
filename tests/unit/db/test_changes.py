"""The change signal every open desk watches (issue 13): another desk's commit is heard, a
quiet database is not, and closing the feed wakes its waiting thread."""

from __future__ import annotations

import os
import threading
import time

import pytest

from desk import db
from desk.bootstrap import Desk
from desk.config import Settings
from desk.db.changes import watch
from tests.helpers.cli import desk_argv, run_desk
from tests.helpers.desks import add, mention


def test_another_process_committing_is_heard(desk: Desk, settings: Settings) -> None:
    (mid,) = add(desk, mention("1", "Bonjour"))
    feed = watch(desk.engine)
    try:
        assert feed.wait(0.5) is False  # nothing happened
        # the other desk: a real process on the same file
        done = run_desk(*desk_argv(settings, "close", str(mid)), env=dict(os.environ))
        assert done.returncode == 0, done.stderr
        assert feed.wait(5.0) is True
        assert feed.wait(0.3) is False  # heard once
    finally:
        feed.close()


@pytest.mark.sqlite_only(
    "a second engine on the same file; PostgreSQL: tests/postgres/test_changes.py"
)
def test_a_commit_through_another_connection_is_heard(desk: Desk) -> None:
    (mid,) = add(desk, mention("1", "Bonjour"))
    feed = watch(desk.engine)
    other = db.make_engine(str(desk.engine.url.database))
    try:
        feed.wait(0.01)  # the starting point
        with other.begin() as conn:
            conn.exec_driver_sql("UPDATE mentions SET assignee = 'bruno' WHERE id = ?", (mid,))
        assert feed.wait(2.0) is True
    finally:
        feed.close()
        other.dispose()


def test_closing_wakes_a_waiting_thread(desk: Desk) -> None:
    feed = watch(desk.engine)
    answer: list[bool] = []
    waiter = threading.Thread(target=lambda: answer.append(feed.wait(30.0)))
    waiter.start()
    time.sleep(0.1)
    feed.close()
    waiter.join(timeout=5)
    assert not waiter.is_alive()
    assert answer == [False]


def test_any_other_engine_listens_to_the_newest_event(desk: Desk) -> None:
    from desk.db.changes import _NewestEvent

    feed = _NewestEvent(desk.engine)  # the shape PostgreSQL uses until it pushes (issue 15)
    try:
        feed.wait(0.01)
        add(desk, mention("1", "Bonjour"))  # writes mention.ingested
        assert feed.wait(2.0) is True
        assert feed.wait(0.3) is False
    finally:
        feed.close()
