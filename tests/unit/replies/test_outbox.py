"""The live outbox state machine (desk.replies.outbox) with an in-process platform.

Queued → (undo window) → sending → sent | failed | unknown; cancel during the window; a crash
left in ``sending`` is reconciled against the platform before any retry; a timeout after the
platform published is never posted twice. Real-process crashes (kill -9 at each step) are in
tests/integration/test_outbox_crash.py.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from desk.bootstrap import Desk
from desk.errors import ActionRefused, PermissionDenied
from desk.platforms.client import ReplyRequest
from desk.platforms.errors import NotPosted, RateLimited, TransientError, Unprovable
from desk.replies.outbox import OutboxService, owner_alive
from desk.replies.senders import LiveChannel
from tests.helpers.clock import clock_of
from tests.helpers.desks import add, mention


class FakePlatform:
    """A platform that records posts by idempotency key; faults are scripted per call."""

    def __init__(self) -> None:
        self.posts: dict[str, str] = {}  # idempotency key -> remote id
        self.post_calls = 0
        self.faults: list[str] = []  # "timeout-after-publish", "timeout", "refuse", "429"
        self.lookup = "exact"  # or "unprovable"

    def connector(self) -> Any:
        platform = self

        class _Connector:
            async def post(self, reply: ReplyRequest) -> str:
                platform.post_calls += 1
                fault = platform.faults.pop(0) if platform.faults else None
                if fault == "refuse":
                    raise NotPosted("422 Validation failed: text too long")
                if fault == "429":
                    raise RateLimited("429", wait_seconds=30)
                if fault == "timeout":
                    raise TransientError("no answer within 20 s")
                remote = f"r{len(platform.posts) + 1}"
                platform.posts[reply.idempotency_key] = remote
                if fault == "timeout-after-publish":
                    raise TransientError("no answer within 20 s")
                return remote

            async def find_posted(self, reply: ReplyRequest) -> str | None:
                if platform.lookup == "unprovable":
                    raise Unprovable("the account's posts could not be listed")
                return platform.posts.get(reply.idempotency_key)

        return _Connector()

    def connect(self, _channel: str) -> Any:
        @contextlib.asynccontextmanager
        async def opened() -> AsyncIterator[Any]:
            yield self.connector()

        return opened()


def live(desk: Desk, platform: FakePlatform, undo: int = 5) -> OutboxService:
    desk.replies.senders = lambda _p, _c: LiveChannel(undo)
    return OutboxService(
        write_factory=desk.replies.write_factory,
        config=desk.config,
        actor=desk.me,
        clock=desk.clock,
        connect=platform.connect,
    )


def later(desk: Desk, seconds: int) -> None:
    clock_of(desk).advance(seconds)


def actions(desk: Desk, mention_id: int) -> list[str]:
    return [
        e.action for e in desk.queries.detail(mention_id).history if e.action.startswith("reply.")
    ]


async def test_queued_reply_waits_for_the_undo_window_then_goes_out_once(desk: Desk) -> None:
    platform = FakePlatform()
    outbox = live(desk, platform)
    (mid,) = add(desk, mention("1", "Quand reprend la collecte?"))
    reply = desk.replies.send(mid, "Lundi.")
    assert reply.status == "queued"
    assert desk.queries.detail(mid).status == "open"
    first = await outbox.run_once()
    assert (first.sent, first.waiting, platform.post_calls) == ([], 1, 0)  # undo window
    later(desk, 10)
    second = await outbox.run_once()
    assert second.sent == [reply.id]
    third = await outbox.run_once()  # nothing left: never twice
    assert (third.sent, platform.post_calls) == ([], 1)
    detail = desk.queries.detail(mid)
    assert detail.status == "closed"
    assert detail.replies[-1].status == "sent"
    assert detail.replies[-1].remote_id == "r1"
    assert actions(desk, mid) == ["reply.queued", "reply.sending", "reply.sent"]
    assert desk.queries.verify_audit().ok


async def test_cancel_during_the_undo_window(make_desk: Any) -> None:
    amelie, bruno = make_desk("amelie"), make_desk("bruno")
    platform = FakePlatform()
    outbox_b = live(bruno, platform)
    (mid,) = add(bruno, mention("1", "Bonjour"))  # routed to bruno (fr)
    reply = bruno.replies.send(mid, "Bonjour!")
    chloe = make_desk("chloe")
    with pytest.raises(PermissionDenied):
        live(chloe, platform).cancel(reply.id)  # neither author nor supervisor
    cancelled = outbox_b.cancel(reply.id)
    assert cancelled.status == "cancelled"
    later(bruno, 10)
    assert (await outbox_b.run_once()).sent == []
    assert platform.post_calls == 0
    with pytest.raises(ActionRefused, match="can no longer be cancelled"):
        outbox_b.cancel(reply.id)
    # the same text may be sent again after a cancel (nothing was published)
    again = bruno.replies.send(mid, "Bonjour!")
    assert again.status == "queued"
    assert amelie.queries.verify_audit().ok


async def test_refused_post_is_failed_and_may_be_retried(desk: Desk) -> None:
    platform = FakePlatform()
    platform.faults = ["refuse"]
    outbox = live(desk, platform, undo=0)
    (mid,) = add(desk, mention("1", "x"))
    reply = desk.replies.send(mid, "Trop long")
    report = await outbox.run_once()
    assert report.failed == [reply.id]
    detail = desk.queries.detail(mid)
    assert detail.status == "open"
    assert "422" in (detail.replies[-1].error or "")
    assert platform.posts == {}
    retry = desk.replies.send(mid, "Trop long")  # a known failure may be sent again
    assert (await outbox.run_once()).sent == [retry.id]


async def test_timeout_after_publishing_is_found_not_reposted(desk: Desk) -> None:
    platform = FakePlatform()
    platform.faults = ["timeout-after-publish"]
    outbox = live(desk, platform, undo=0)
    (mid,) = add(desk, mention("1", "x"))
    reply = desk.replies.send(mid, "Merci")
    report = await outbox.run_once()
    assert report.sent == [reply.id]
    assert platform.post_calls == 1
    assert len(platform.posts) == 1
    sent = desk.queries.detail(mid).replies[-1]
    assert (sent.status, sent.remote_id) == ("sent", "r1")


async def test_timeout_before_publishing_is_requeued_then_sent(desk: Desk) -> None:
    platform = FakePlatform()
    platform.faults = ["timeout"]
    outbox = live(desk, platform, undo=0)
    (mid,) = add(desk, mention("1", "x"))
    reply = desk.replies.send(mid, "Merci")
    first = await outbox.run_once()
    assert first.requeued == [reply.id]
    assert platform.posts == {}
    later(desk, 60)  # backoff
    assert (await outbox.run_once()).sent == [reply.id]
    assert len(platform.posts) == 1
    assert actions(desk, mid) == [
        "reply.queued",
        "reply.sending",
        "reply.requeued",
        "reply.sending",
        "reply.sent",
    ]


async def test_rate_limited_post_waits_for_the_platform(desk: Desk) -> None:
    platform = FakePlatform()
    platform.faults = ["429"]
    outbox = live(desk, platform, undo=0)
    (mid,) = add(desk, mention("1", "x"))
    reply = desk.replies.send(mid, "Merci")
    assert (await outbox.run_once()).requeued == [reply.id]
    later(desk, 10)
    assert (await outbox.run_once()).waiting == 1  # 30 s asked, 10 s passed
    later(desk, 30)
    assert (await outbox.run_once()).sent == [reply.id]


async def test_unprovable_goes_to_a_supervisor_who_settles_it(make_desk: Any) -> None:
    amelie, bruno = make_desk("amelie"), make_desk("bruno")
    platform = FakePlatform()
    platform.faults = ["timeout"]
    platform.lookup = "unprovable"
    outbox = live(bruno, platform, undo=0)
    (mid,) = add(bruno, mention("1", "x"))
    reply = bruno.replies.send(mid, "Merci")
    report = await outbox.run_once()
    assert report.unknown == [reply.id]
    assert (await outbox.run_once()).sent == []  # never resent blindly
    assert platform.post_calls == 1
    with pytest.raises(ActionRefused, match="already sent"):
        bruno.replies.send(mid, "Merci")
    with pytest.raises(PermissionDenied):
        outbox.resolve(reply.id, posted_as=None)  # an agent cannot settle it
    supervisor = live(amelie, platform, undo=0)
    settled = supervisor.resolve(reply.id, posted_as=None)  # she looked: not there
    assert settled.status == "queued"
    assert (await supervisor.run_once()).sent == [reply.id]
    assert platform.post_calls == 2
    assert len(platform.posts) == 1
    assert "reply.unknown" in actions(amelie, mid)


async def test_supervisor_records_a_post_found_on_the_platform(desk: Desk) -> None:
    platform = FakePlatform()
    platform.faults = ["timeout"]
    platform.lookup = "unprovable"
    outbox = live(desk, platform, undo=0)
    (mid,) = add(desk, mention("1", "x"))
    reply = desk.replies.send(mid, "Merci")
    await outbox.run_once()
    done = outbox.resolve(reply.id, posted_as="109876")
    assert (done.status, done.remote_id) == ("sent", "109876")
    assert desk.queries.detail(mid).status == "closed"


async def test_orphan_left_in_sending_is_reconciled_first(desk: Desk) -> None:
    """A row in ``sending`` whose process is gone: found → sent, absent → queued and posted."""
    from desk.db import transaction
    from desk.db.tables import Reply

    platform = FakePlatform()
    outbox = live(desk, platform, undo=0)
    m1, m2 = add(desk, mention("1", "a"), mention("2", "b"))
    r1 = desk.replies.send(m1, "Un")
    r2 = desk.replies.send(m2, "Deux")
    platform.posts[_key(desk, r1.id)] = "r-earlier"  # it did go out before the crash
    with transaction(desk.inbox.write_factory) as session:  # as a killed process left them
        for rid in (r1.id, r2.id):
            row = session.get(Reply, rid)
            assert row is not None
            row.status, row.delivery_owner = "sending", "ghost-host-never-seen:1"
            row.delivery_started_at = desk.inbox.clock() - timedelta(hours=1)
            session.add(row)
    report = await outbox.run_once()
    assert sorted(report.reconciled) == sorted([r1.id, r2.id])
    assert r1.id in report.sent  # found on the platform: recorded, not posted again
    assert r2.id in report.requeued  # provably absent: queued again...
    assert r2.id in report.sent  # ...and posted in the same pass
    assert desk.queries.detail(m1).replies[-1].remote_id == "r-earlier"
    assert desk.queries.detail(m2).replies[-1].status == "sent"
    assert platform.post_calls == 1  # only the one that was provably absent


def _key(desk: Desk, reply_id: int) -> str:
    from desk.db.tables import Reply

    with desk.inbox.write_factory() as session:
        row = session.get(Reply, reply_id)
        assert row is not None
        return row.idempotency_key


def test_owner_alive_checks_the_pid_on_this_host() -> None:
    import os
    import socket

    assert owner_alive(f"{socket.gethostname()}:{os.getpid()}")
    assert not owner_alive(f"{socket.gethostname()}:999999999")
    assert not owner_alive(None)
    assert owner_alive("another-host:1")  # trusted until the lease ends


class _SlowLookup(FakePlatform):
    """The first ``find_posted`` reads the platform, then stalls (a slow listing) until
    ``release`` is set: what it read is what it reports, however long the stall."""

    def __init__(self) -> None:
        super().__init__()
        import asyncio

        self.looking = asyncio.Event()
        self.release = asyncio.Event()
        self._stalled = False

    def connector(self) -> Any:
        inner = super().connector()
        platform = self

        class _Connector:
            post = inner.post

            async def find_posted(self, reply: ReplyRequest) -> str | None:
                seen = platform.posts.get(reply.idempotency_key)
                if not platform._stalled:
                    platform._stalled = True
                    platform.looking.set()
                    await platform.release.wait()
                return seen

        return _Connector()


def _orphan(desk: Desk, reply_id: int, *, owner: str, age: timedelta) -> None:
    from desk.db import transaction
    from desk.db.tables import Reply

    with transaction(desk.inbox.write_factory) as session:
        row = session.get(Reply, reply_id)
        assert row is not None
        row.status, row.delivery_owner = "sending", owner
        row.delivery_started_at = desk.inbox.clock() - age
        session.add(row)


async def test_a_second_desk_leaves_an_orphan_another_desk_is_reconciling(desk: Desk) -> None:
    """The desk reconciling an orphan holds a fresh lease: a second desk (another process on this
    host) must not reconcile and post it in the meantime, or the reply goes out twice."""
    import asyncio

    platform = _SlowLookup()
    first, second = live(desk, platform, undo=0), live(desk, platform, undo=0)
    (mid,) = add(desk, mention("1", "a"))
    reply = desk.replies.send(mid, "Un")
    _orphan(desk, reply.id, owner="ghost-host-never-seen:1", age=timedelta(hours=1))
    reconciling = asyncio.create_task(first.run_once())
    await platform.looking.wait()  # the first desk has looked: nothing there yet
    meanwhile = await second.run_once()
    platform.release.set()
    await reconciling
    assert meanwhile.reconciled == []
    assert platform.post_calls == 1
    detail = desk.queries.detail(mid)
    assert detail.replies[-1].status == "sent"
    assert actions(desk, mid).count("reply.sent") == 1


async def test_a_stale_lookup_never_requeues_a_reply_settled_meanwhile(desk: Desk) -> None:
    """A reconciliation so slow that its lease ran out: another desk took the reply over and
    posted it. The slow one's answer ("not there" when it looked) must not queue it again."""
    import asyncio

    platform = _SlowLookup()
    slow, other = live(desk, platform, undo=0), live(desk, platform, undo=0)
    (mid,) = add(desk, mention("1", "a"))
    reply = desk.replies.send(mid, "Un")
    _orphan(desk, reply.id, owner="ghost-host-never-seen:1", age=timedelta(hours=1))
    reconciling = asyncio.create_task(slow.run_once())
    await platform.looking.wait()
    later(desk, 3600)  # the slow desk's lease is over: the other one may take the reply over
    taken = await other.run_once()
    assert taken.sent == [reply.id]
    platform.release.set()
    stale = await reconciling
    assert reply.id not in stale.requeued
    assert platform.post_calls == 1
    assert desk.queries.detail(mid).replies[-1].status == "sent"
    assert actions(desk, mid).count("reply.sent") == 1


def test_ctrl_c_in_desk_reply_before_the_claim_cancels_the_reply(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``desk reply`` says "Ctrl-C cancels": a Ctrl-C that lands once the window is over but
    before the reply was claimed must cancel it, not leave it queued for another desk to post
    while the author believes it was stopped."""
    from desk.cli.outbox import send_after_undo

    platform = FakePlatform()
    live(desk, platform, undo=0)
    (mid,) = add(desk, mention("1", "x"))
    reply = desk.replies.send(mid, "Merci")

    async def interrupted(only: set[int] | None = None) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(desk.outbox, "run_once", interrupted)
    done = send_after_undo(desk, reply, quiet=True)
    assert done.status == "cancelled"
    desk.outbox.connect = platform.connect
    monkeypatch.undo()
    assert asyncio_run(desk.outbox.run_once()).sent == []
    assert platform.post_calls == 0


def asyncio_run(coro: Any) -> Any:
    import asyncio

    return asyncio.run(coro)


@pytest.mark.parametrize("configured", ["disabled", "removed"])
async def test_a_reply_to_a_pulled_mention_never_goes_to_the_local_outbox(
    desk: Desk, configured: str
) -> None:
    """A mention pulled from a live channel is answered on its platform. When its [[channel]]
    is disabled (or gone) from desk.toml, the reply must not be recorded as "sent offline" (and
    the mention closed) while nobody ever posts it: it is queued, and the outbox says what
    became of it."""
    from desk.config.channels import ChannelConfig
    from desk.platforms.parsed import ParseResult
    from desk.replies.service import live_senders

    if configured == "disabled":
        desk.config.channel = [
            ChannelConfig(name="ville", platform="mastodon", url="https://x.example", enabled=False)
        ]
    desk.replies.senders = live_senders(desk.config)
    report = desk.ingest.ingest_parsed(
        ParseResult(platform="mastodon", items=[mention("1", "Quand?")]),
        "mastodon:ville",
        channel_name="ville",
        live=True,
    )
    (mid,) = report.new_ids
    reply = desk.replies.send(mid, "Lundi.")
    assert reply.status == "queued"
    assert desk.queries.detail(mid).status == "open"
