"""One voice per citizen on a shared database (issue 15), without a global lock.

Sending, approving, rejecting or withdrawing a reply and the composer's claim are row
transactions that first lock the mention they concern (desk.replies.service): three processes
answering the same citizens give each exactly one reply, the others refused with the catalog's
``already_answered``, and one unforked audit chain (on SQLite too, where every write takes its
turn); a reply to one citizen (the composer's claim, then the send) completes while a reply to
another is held open mid-transaction, where with the writers' lock alone (what desk did before:
``desk.db.SHARED_WRITERS = False``) it waited; two desks deciding on the same pending replies at
once make one decision each; two desks opening the composer on one mention at once give it one
holder; one idempotency key sent for two citizens at the same instant gives one reply. The
processes run tests/postgres/worker.py.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from desk import db
from desk.bootstrap import Desk
from desk.config import Settings
from desk.errors import ActionRefused
from desk.replies import service
from desk.vocabulary import MAYBE_PUBLISHED, ReplyStatus
from tests.helpers.desks import DESK_TOML, add, mention, open_test_desk
from tests.postgres.test_concurrency import CLAIMERS, TOML, _run_all

ANSWERING = ", ".join(f"'{status}'" for status in sorted(MAYBE_PUBLISHED))
# Replies wait for a supervisor (the crisis policy, always on); two supervisors may approve them.
APPROVAL_TOML = (
    DESK_TOML.split("[routing]")[0]
    + """
[[staff]]
name = "dora"
display_name = "Dora Lemieux"
initials = "DL"
role = "supervisor"
languages = ["fr", "en"]

[approval]
crisis = true
"""
)


class _Call(threading.Thread):
    """``fn()`` in a thread of its own, started at once; what it returned or raised."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.fn = fn
        self.result: Any = None
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self.result = self.fn()
        except BaseException as exc:  # noqa: BLE001 - the test reads it
            self.error = exc


def _pause_first_send_to(
    monkeypatch: pytest.MonkeyPatch, mention_id: int
) -> tuple[threading.Event, threading.Event]:
    """The first send to ``mention_id`` stops inside its transaction (after locking the
    mention, before writing its reply) until the second event is set; the first says it is
    there."""
    inside, release = threading.Event(), threading.Event()
    real = service.check_before_send

    def paused(session: Any, mention: Any, *args: Any) -> None:
        if mention.id == mention_id and not inside.is_set():
            inside.set()
            release.wait(30)
        real(session, mention, *args)

    monkeypatch.setattr(service, "check_before_send", paused)
    return inside, release


def _open_and_send(desk: Desk, mention_id: int, body: str) -> Any:
    """What the composer does: claim the mention (``ClaimService.start``), then send on the
    thread version it saw."""
    start = desk.claims.start(mention_id)
    assert start.mine, start
    return desk.replies.send(mention_id, body, version=start.version)


def _lock_waits(engine: sa.Engine, at_least: int, timeout: float = 10.0) -> list[str]:
    """What this database's sessions wait for (``pg_stat_activity.wait_event`` of the lock
    waits), once at least ``at_least`` of them wait (or after ``timeout``)."""
    deadline = time.monotonic() + timeout
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        while True:  # autocommit: each query sees the activity afresh
            waits = sorted(
                row[0]
                for row in conn.exec_driver_sql(
                    "SELECT wait_event FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            if len(waits) >= at_least or time.monotonic() > deadline:
                return waits
            time.sleep(0.02)


def _answering(engine: sa.Engine) -> dict[int, list[str]]:
    """The authors of the replies that answer (or may have answered) each mention."""
    out: dict[int, list[str]] = {}
    with engine.connect() as conn:
        for mention_id, author in conn.exec_driver_sql(
            f"SELECT mention_id, author FROM replies WHERE status IN ({ANSWERING}) ORDER BY id"
        ):
            out.setdefault(mention_id, []).append(author)
    return out


def _events(engine: sa.Engine, action: str, column: str = "mention_id") -> Counter[int]:
    with engine.connect() as conn:
        return Counter(
            row[0]
            for row in conn.execute(
                sa.text(f"SELECT {column} FROM audit_events WHERE action = :a"), {"a": action}
            )
        )


@pytest.fixture(params=["postgresql", "sqlite"])
def shared_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Path, Desk]]:
    """(URL, desk.toml, a desk on it): a fresh PostgreSQL database, or an SQLite file."""
    config = tmp_path / "desk.toml"
    config.write_text(TOML, encoding="utf-8")
    if request.param == "postgresql":
        url = str(request.getfixturevalue("postgres_url"))
    else:
        url = str(tmp_path / "desk.db")
    desk = open_test_desk(Settings(db=url, config=config), "amelie")
    yield url, config, desk
    desk.close()


def test_three_processes_answering_the_same_citizens_give_each_one_reply(
    shared_db: tuple[str, Path, Desk], tmp_path: Path
) -> None:
    url, config, first = shared_db
    mentions = 30 if first.engine.dialect.name == "postgresql" else 15
    ids = add(first, *(mention(str(i), f"Question {i} ?") for i in range(1, mentions + 1)))
    go = tmp_path / "go"
    joined = ",".join(map(str, ids))  # the same order for all three: they meet on each one
    results = _run_all(
        [["reply", url, str(config), name, joined, str(go)] for name in CLAIMERS], go
    )

    sent_by: dict[int, list[str]] = {}
    for name, result in zip(CLAIMERS, results, strict=True):
        sent, refused = result["sent"], result["refused"]
        assert isinstance(sent, list)
        assert isinstance(refused, dict)
        assert len(sent) + sum(refused.values()) == len(ids), (name, result)
        # Refused by the one-voice check itself, which saw the other's reply: never by the
        # index's last word (answer_raced), never "busy".
        assert set(refused) <= {"already_answered"}, (name, refused)
        for mid in sent:
            sent_by.setdefault(mid, []).append(name)
    assert sent_by == {mid: sent_by[mid][:1] for mid in ids}  # each exactly once, by one desk
    assert _answering(first.engine) == sent_by  # the database agrees: one answering reply each
    assert _events(first.engine, "reply.sent") == Counter({mid: 1 for mid in ids})
    with first.engine.connect() as conn:
        seqs = [r[0] for r in conn.exec_driver_sql("SELECT seq FROM audit_events ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))
    verified = first.queries.verify_audit()
    assert verified.ok, verified


@pytest.mark.parametrize("shared", [True, False], ids=["row_transactions", "writers_lock_alone"])
def test_a_reply_to_one_citizen_does_not_wait_for_a_reply_to_another(
    open_pg: Callable[..., Desk], monkeypatch: pytest.MonkeyPatch, shared: bool
) -> None:
    monkeypatch.setattr(db, "SHARED_WRITERS", shared)
    amelie, bruno, chloe = open_pg("amelie"), open_pg("bruno"), open_pg("chloe")
    a, b = add(amelie, mention("1", "Bonjour"), mention("2", "Allô ?"))
    inside, release = _pause_first_send_to(monkeypatch, a)
    held = _Call(lambda: amelie.replies.send(a, "Réponse d'Amélie"))
    try:
        assert inside.wait(10)  # Amélie's reply to citizen A is mid-transaction
        other = _Call(lambda: _open_and_send(bruno, b, "Réponse de Bruno"))
        if shared:  # citizen B's composer opens and its reply goes out meanwhile
            other.join(10)
            assert not other.is_alive(), "the reply to another citizen waited"
            assert other.error is None
            assert other.result.status == ReplyStatus.SENT_OFFLINE
        else:  # before: it waited for the writers' lock, whoever it answered
            assert _lock_waits(amelie.engine, 1) == ["advisory"]
            assert other.is_alive()
        same = _Call(lambda: chloe.replies.send(a, "Réponse de Chloé"))
        # A second reply to citizen A waits: for A's row now, for the writers' lock before.
        waits = _lock_waits(amelie.engine, 1 if shared else 2)
        if shared:
            assert len(waits) == 1, waits
            assert waits[0] in {"transactionid", "tuple"}, waits  # a row lock's wait
        else:
            assert waits == ["advisory", "advisory"]
        assert same.is_alive()
    finally:
        release.set()
    for call in (held, other, same):
        call.join(10)
        assert not call.is_alive()
    assert held.error is None
    assert held.result.status == ReplyStatus.SENT_OFFLINE
    assert other.error is None
    assert isinstance(same.error, ActionRefused)
    assert same.error.key == "already_answered"
    assert f"mention {a} is already answered: reply {held.result.id} by amelie" in str(same.error)
    assert _answering(amelie.engine) == {a: ["amelie"], b: ["bruno"]}
    verified = amelie.queries.verify_audit()
    assert verified.ok, verified


# The rival decision on each pending reply, beside Amélie approving it: who, what, its event, and
# the refusal it gets when Amélie's came first.
RIVALS = {
    "approve": ("dora", lambda d, rid: d.approvals.approve(rid), "reply.approved", "not_pending"),
    "reject": (
        "dora",
        lambda d, rid: d.approvals.reject(rid, "Non."),
        "reply.rejected",
        "not_pending",
    ),
    "withdraw": (
        "bruno",
        lambda d, rid: d.replies.withdraw(rid),
        "reply.withdrawn",
        "not_withdrawable",
    ),
}


@pytest.mark.parametrize("rival", sorted(RIVALS))
def test_two_decisions_on_one_pending_reply_at_once_only_one_counts(
    postgres_url: str, tmp_path: Path, rival: str
) -> None:
    config = tmp_path / "desk.toml"
    config.write_text(APPROVAL_TOML, encoding="utf-8")
    name, decide, event, refusal = RIVALS[rival]
    opened = {
        who: open_test_desk(Settings(db=postgres_url, config=config), who)
        for who in ("bruno", "amelie", "dora")
    }
    try:
        bruno, amelie = opened["bruno"], opened["amelie"]
        ids = add(bruno, *(mention(str(i), f"Question {i} ?") for i in range(1, 13)))
        pending = [bruno.replies.send(mid, f"Réponse {mid}").id for mid in ids]
        start = threading.Barrier(2)
        won: dict[str, list[int]] = {"approve": [], "rival": []}
        refused: dict[str, list[str]] = {"approve": [], "rival": []}

        def all_of(side: str, act: Callable[[int], Any]) -> None:
            for reply_id in pending:  # both at once on each reply: the worst race
                start.wait(10)
                try:
                    act(reply_id)
                except ActionRefused as exc:
                    refused[side].append(exc.key or "")
                else:
                    won[side].append(reply_id)

        calls = [
            _Call(lambda: all_of("approve", amelie.approvals.approve)),
            _Call(lambda: all_of("rival", functools.partial(decide, opened[name]))),
        ]
        for call in calls:
            call.join(60)
            assert call.error is None
        # Each reply got exactly one decision; the other desk was told it came too late.
        assert sorted(won["approve"] + won["rival"]) == sorted(pending)
        assert refused["approve"] == ["not_pending"] * len(won["rival"])
        assert refused["rival"] == [refusal] * len(won["approve"])
        approved = won["approve"] + (won["rival"] if rival == "approve" else [])
        assert _events(amelie.engine, "reply.approved", "reply_id") == Counter(approved)
        assert _events(amelie.engine, "reply.sent", "reply_id") == Counter(approved)
        if rival != "approve":
            assert _events(amelie.engine, event, "reply_id") == Counter(won["rival"])
        with amelie.engine.connect() as conn:
            outbox = Counter(r[0] for r in conn.exec_driver_sql("SELECT reply_id FROM outbox"))
        assert outbox == Counter(approved)  # what was approved is recorded once, nothing else
        verified = amelie.queries.verify_audit()
        assert verified.ok, verified
    finally:
        for desk in opened.values():
            desk.close()


def test_two_desks_opening_the_composer_at_once_give_each_mention_one_holder(
    open_pg: Callable[..., Desk],
) -> None:
    desks = [open_pg("bruno"), open_pg("chloe")]
    ids = add(desks[0], *(mention(str(i), f"Question {i} ?") for i in range(1, 13)))
    start = threading.Barrier(len(desks))
    opened: dict[str, list[Any]] = {}

    def open_all(desk: Desk) -> None:
        for mid in ids:  # both at once on each mention
            start.wait(10)
            opened.setdefault(desk.me.name, []).append(desk.claims.start(mid))

    calls = [_Call(functools.partial(open_all, d)) for d in desks]
    for call in calls:
        call.join(60)
        assert call.error is None
    with desks[0].engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, replying_by FROM mentions").all()
    held: dict[int, str | None] = {row[0]: row[1] for row in rows}
    for mid, got in zip(ids, zip(opened["bruno"], opened["chloe"], strict=True), strict=True):
        mine = [name for name, s in zip(("bruno", "chloe"), got, strict=True) if s.mine]
        assert len(mine) == 1, (mid, got)  # one holds the claim...
        assert [s.holder for s in got if not s.mine] == mine  # ...the other is told who
        assert held[mid] == mine[0]


def test_one_key_sent_for_two_citizens_at_once_gives_one_reply(
    open_pg: Callable[..., Desk], monkeypatch: pytest.MonkeyPatch
) -> None:
    amelie, bruno = open_pg("amelie"), open_pg("bruno")
    a, b = add(amelie, mention("1", "Bonjour"), mention("2", "Allô ?"))
    inside, release = _pause_first_send_to(monkeypatch, a)
    held = _Call(lambda: amelie.replies.send(a, "Réponse", idempotency_key="k-1"))
    try:
        assert inside.wait(10)  # it looked the key up: none yet
        first = bruno.replies.send(b, "Réponse de Bruno", idempotency_key="k-1")
    finally:
        release.set()
    held.join(10)
    # the key now holds a reply to another citizen: refused, not taken for this one's answer
    assert isinstance(held.error, ActionRefused)
    assert f"already stored a reply to mention {b}" in str(held.error)
    assert first.mention_id == b
    assert _answering(amelie.engine) == {b: ["bruno"]}
    assert amelie.queries.verify_audit().ok
