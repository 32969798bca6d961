"""Several desks on one PostgreSQL database (issue 15): claims taken side by side by three
processes (``FOR UPDATE SKIP LOCKED``) give each mention exactly one owner with one claim event
and one unforked audit chain (the same race, smaller, on SQLite); three outbox workers racing on
each reply post it once; three desk processes see each other's claims and replies within a
second (LISTEN/NOTIFY). The processes run tests/postgres/worker.py."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from desk.bootstrap import Desk
from desk.config import Settings
from desk.errors import ActionRefused
from desk.platforms.client import ReplyRequest
from desk.replies.outbox import OutboxService
from desk.replies.senders import LiveChannel
from tests.helpers.desks import DESK_TOML, add, mention, open_test_desk
from tests.helpers.paths import REPO

CLAIMERS = ("bruno", "chloe", "dora")  # agents: none may take a colleague's mention
# desk.toml without routing (no mention is anyone's before the race), with a third agent.
TOML = (
    DESK_TOML.split("[routing]")[0]
    + """
[[staff]]
name = "dora"
display_name = "Dora Lemieux"
initials = "DL"
role = "agent"
languages = ["fr", "en"]
"""
)


def _run_all(commands: list[list[str]], go: Path, timeout: float = 120) -> list[dict[str, object]]:
    """Start every worker, let them go at once when all are ready, their JSON results."""
    procs = [
        subprocess.Popen(  # noqa: S603 - our own interpreter on our own module
            [sys.executable, "-m", "tests.postgres.worker", *command],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line.strip() == "ready", (line, proc.stderr.read() if proc.stderr else "")
        go.touch()
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=timeout)
            assert proc.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.fixture(params=["postgresql", "sqlite"])
def race(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, int, int, Desk]]:
    """(database, mentions, attempts per process, a desk on it): PostgreSQL gets the full race
    (300 mentions, 3 x 1,000 attempts); SQLite, whose claims take its one write lock each in
    turn, a smaller one that still makes the processes collide (kept short for CI)."""
    config = tmp_path / "desk.toml"
    config.write_text(TOML, encoding="utf-8")
    if request.param == "postgresql":
        url, mentions, attempts = str(request.getfixturevalue("postgres_url")), 300, 1000
    else:
        url, mentions, attempts = str(tmp_path / "desk.db"), 60, 200
    desk = open_test_desk(Settings(db=url, config=config), "amelie")
    yield url, mentions, attempts, desk
    desk.close()


def test_three_processes_claiming_give_each_mention_exactly_one_owner(
    race: tuple[str, int, int, Desk], tmp_path: Path
) -> None:
    url, mentions, attempts, first = race
    config = tmp_path / "desk.toml"
    ids = add(first, *(mention(str(i), f"Question {i}") for i in range(1, mentions + 1)))
    with first.engine.connect() as conn:  # nobody's yet
        assert (
            conn.exec_driver_sql("SELECT count(*) FROM mentions WHERE assignee IS NULL").scalar()
            == mentions
        )
    go = tmp_path / "go"
    results = _run_all(
        [
            ["claim", url, str(config), name, str(seed), str(attempts), str(go)]
            for seed, name in enumerate(CLAIMERS)
        ],
        go,
    )

    claimed_by: dict[int, list[str]] = {}
    for name, result in zip(CLAIMERS, results, strict=True):
        claimed = result["claimed"]
        refused = result["refused"]
        assert isinstance(claimed, list)
        assert isinstance(refused, dict)
        assert len(claimed) + sum(refused.values()) == attempts, (name, refused)
        # Refused only for the reasons a claim may be refused: taken, already mine, held now.
        assert set(refused) <= {"assigned_to_other", "already_yours", "mention_busy"}, refused
        for mid in claimed:
            claimed_by.setdefault(mid, []).append(name)
    # Every mention was tried by every process: each has exactly one owner, who claimed it once.
    assert sorted(claimed_by) == sorted(ids)
    assert all(len(owners) == 1 for owners in claimed_by.values()), [
        (m, o) for m, o in claimed_by.items() if len(o) > 1
    ]
    with first.engine.connect() as conn:
        owners: dict[int, str | None] = {
            r[0]: r[1] for r in conn.exec_driver_sql("SELECT id, assignee FROM mentions")
        }
        events = Counter(
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT mention_id FROM audit_events WHERE action = 'mention.claimed'"
            )
        )
        seqs = [r[0] for r in conn.exec_driver_sql("SELECT seq FROM audit_events ORDER BY seq")]
    assert owners == {mid: names[0] for mid, names in claimed_by.items()}
    assert events == Counter({mid: 1 for mid in ids})  # one claim event per successful claim
    assert seqs == list(range(1, len(seqs) + 1))
    verified = first.queries.verify_audit()
    assert verified.ok, verified


def test_three_desks_see_each_others_claims_and_replies_within_a_second(
    postgres_url: str, tmp_path: Path, open_pg: Callable[..., Desk]
) -> None:
    config = tmp_path / "desk.toml"
    config.write_text(TOML, encoding="utf-8")
    ids = add(open_pg("amelie"), *(mention(str(i), f"Bonjour {i}") for i in range(1, 4)))
    go = tmp_path / "go"
    joined = ",".join(map(str, ids))
    results = _run_all(
        [
            ["live", postgres_url, str(config), name, str(turn), joined, str(go)]
            for turn, name in enumerate(CLAIMERS)
        ],
        go,
    )
    for me, result in enumerate(results):
        saw = result["saw"]
        assert isinstance(saw, dict)
        for other, theirs in enumerate(results):
            if other == me:
                continue
            did = theirs["did"]
            assert isinstance(did, dict)
            for what in ("claim", "reply"):
                key = f"{what} {other}"
                assert key in saw, (CLAIMERS[me], "never saw", key, results)
                # seen less than a second after the commit returned (or even before it did)
                delay = saw[key] - did[what]
                assert delay < 1.0, (CLAIMERS[me], key, delay)


class _CountingPlatform:
    """Records every post (by the reply's idempotency key); safe to share between threads."""

    def __init__(self) -> None:
        self.posted: list[str] = []

    def connect(self, _channel: str) -> Any:
        platform = self

        class _Connector:
            async def post(self, reply: ReplyRequest) -> str:
                platform.posted.append(reply.idempotency_key)  # list.append: atomic
                await asyncio.sleep(0.01)  # the network: the other workers run meanwhile
                return f"r-{reply.reply_id}"

            async def find_posted(self, reply: ReplyRequest) -> str | None:
                return f"r-{reply.reply_id}" if reply.idempotency_key in platform.posted else None

        @contextlib.asynccontextmanager
        async def opened() -> AsyncIterator[Any]:
            yield _Connector()

        return opened()


def test_three_outbox_workers_post_each_reply_once(open_pg: Callable[..., Desk]) -> None:
    desks = [open_pg("amelie"), open_pg("bruno"), open_pg("chloe")]
    first = desks[0]
    first.replies.senders = lambda _p, _c: LiveChannel(0)  # live channel, no undo window
    ids = add(first, *(mention(str(i), f"Horaires {i} ?") for i in range(1, 21)))
    replies = [first.replies.send(mid, f"Réponse {mid}").id for mid in ids]
    platform = _CountingPlatform()
    start = threading.Barrier(len(desks))
    sent: list[int] = []
    errors: list[BaseException] = []

    def work(desk: Desk) -> None:
        outbox = OutboxService(
            write_factory=desk.replies.write_factory,
            config=desk.config,
            clock=first.clock,  # one time for all: every reply is due for every worker
            connect=platform.connect,
        )
        try:
            for reply_id in replies:  # all three at once on each reply: the worst race
                start.wait()
                sent.extend(asyncio.run(outbox.run_once(only={reply_id})).sent)
        except BaseException as exc:  # noqa: BLE001 - reported below
            start.abort()
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(d,)) for d in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert sorted(sent) == sorted(replies)  # each sent by exactly one worker
    assert len(platform.posted) == len(set(platform.posted)) == len(replies)  # posted once
    with first.engine.connect() as conn:
        sending = Counter(
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT reply_id FROM audit_events WHERE action = 'reply.sending'"
            )
        )
    assert sending == Counter({rid: 1 for rid in replies})  # taken once each
    assert first.queries.verify_audit().ok


def test_a_mention_another_desk_holds_is_busy_at_once_then_free(
    open_pg: Callable[..., Desk],
) -> None:
    desk = open_pg("amelie")  # a supervisor: may claim whoever routing gave it to
    (mid,) = add(desk, mention("1", "Bonjour"))
    with desk.engine.connect() as other:  # a colleague's transaction holding the row
        other.exec_driver_sql(f"SELECT id FROM mentions WHERE id = {mid} FOR UPDATE")
        refused: list[ActionRefused] = []

        def claim() -> None:
            try:
                desk.inbox.claim(mid)
            except ActionRefused as exc:
                refused.append(exc)

        attempt = threading.Thread(target=claim)
        attempt.start()
        attempt.join(5)  # SKIP LOCKED: refused at once, never waits for the other's commit
        waited = attempt.is_alive()
        other.rollback()
        attempt.join()
        assert not waited
        assert [exc.key for exc in refused] == ["mention_busy"]
    desk.inbox.claim(mid)
    assert desk.queries.detail(mid).assignee == "amelie"
