"""The live outbox: replies to real platforms go out once, even when desk or the network fails.

A reply to a live channel moves through states, each change committed (``synchronous=FULL``,
see desk.db) with its audit event before the next step starts:

    queued ──(undo window over)──> sending ──> sent
      │                              │  └────> failed   (the platform refused it: not published)
      └─> cancelled (undo)           └───────> unknown  (cannot tell: a supervisor decides)

- ``queued``: written by InboxService/ApprovalService; ``send_after`` ends the undo window, during
  which the author (or a supervisor) may cancel.
- ``sending``: this process (``delivery_owner`` = host:pid) claimed it and is calling the
  platform. A row left in ``sending`` by a process that died is *reconciled* before anything
  else: the connector looks for the post (Mastodon: the account's statuses, Bluesky: the record
  key desk chose, X: the account's recent posts). Found → ``sent``; provably absent → back to
  ``queued``; cannot tell → ``unknown``, which only a supervisor resolves (``resolve``). Nothing
  is ever resent blindly.
- A call that fails without a clear refusal (timeout, 5xx) is reconciled the same way at once.

``DESK_FAULT_AT`` (tests only) kills the process with SIGKILL at a named step, so crash tests can
stop it exactly between two commits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from desk.audit.actions import Action
from desk.audit.chain import Recorder
from desk.clock import Clock, as_utc, utcnow
from desk.config import DeskConfig
from desk.db import SessionFactory, lock_row, row_transaction, store, transaction
from desk.db.tables import Mention, Reply
from desk.errors import ActionRefused, NotFound, PermissionDenied
from desk.i18n import Labels
from desk.platforms.client import Connector, ReplyRequest
from desk.platforms.errors import ChannelError, NotPosted, RateLimited, Unprovable
from desk.platforms.http import retrying
from desk.replies import pacing
from desk.replies.faults import FAULT_ENV as FAULT_ENV  # re-exported: the crash tests' name
from desk.replies.faults import fault_point
from desk.replies.service import record_sent
from desk.stop import StopEvent, wait_or_stop
from desk.views import ReplyView, StaffView
from desk.vocabulary import ReplyStatus

log = logging.getLogger(__name__)
OUTBOX_STATUSES = (ReplyStatus.QUEUED, ReplyStatus.SENDING, ReplyStatus.UNKNOWN)
MAX_ATTEMPTS = 5
ACTOR = "outbox"
Connect = Callable[[str], AbstractAsyncContextManager[Connector]]


def owner_tag() -> str:
    """Who is posting: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str | None) -> bool:
    """Whether the process that claimed a reply may still be posting it.

    On this host the pid is checked; another host's claim is trusted until its lease ends.
    """
    if not owner:
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname():
        return True
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


@dataclass
class OutboxReport:
    """What one pass of the outbox did."""

    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)
    reconciled: list[int] = field(default_factory=list)
    waiting: int = 0  # queued, still inside the undo window (or backing off)
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """For ``desk outbox run --json``."""
        return {
            "sent": self.sent,
            "failed": self.failed,
            "unknown": self.unknown,
            "requeued": self.requeued,
            "reconciled": self.reconciled,
            "waiting": self.waiting,
            "errors": self.errors,
        }


def request_for(reply: Reply, mention: Mention) -> ReplyRequest:
    """What the connector needs, from the stored reply and its mention (never from memory)."""
    try:
        raw = json.loads(mention.raw) if mention.raw else {}
    except ValueError:
        raw = {}
    return ReplyRequest(
        reply_id=reply.id or 0,
        text=reply.text,
        idempotency_key=reply.idempotency_key,
        created_at=as_utc(reply.created_at),
        parent_remote_id=mention.remote_id,
        parent_author=mention.author_handle,
        parent_visibility=mention.visibility,
        parent_raw=raw if isinstance(raw, dict) else {},
        language=mention.language,
        sender=_frozen(reply.sender),
    )


def _frozen(stored: str | None) -> dict[str, str] | None:
    """``Reply.sender`` read back: a JSON object of texts, else None (the channel's settings)."""
    try:
        value = json.loads(stored) if stored else None
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


@dataclass(kw_only=True)
class OutboxService:
    """Posts queued replies to live platforms and reconciles what a crash left behind."""

    write_factory: SessionFactory
    config: DeskConfig
    actor: StaffView | None = None  # who resolves unknown replies / cancels; None for the worker
    clock: Clock = utcnow
    connect: Connect | None = None  # channel key -> connector context (desk.platforms.registry)
    lease: timedelta = timedelta(minutes=10)  # another host's claim is trusted this long
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # retry waits (tests: none)
    read_factory: SessionFactory | None = None  # the every-second look needs no write lock

    def __post_init__(self) -> None:
        self.record = Recorder(ACTOR, self.clock)  # the worker's events; people's name themselves

    def _reader(self) -> Session:
        return (self.read_factory or self.write_factory)()

    # -- people's actions -----------------------------------------------------------------
    def cancel(self, reply_id: int) -> ReplyView:
        """Take a queued reply back during its undo window (its author or a supervisor)."""
        with transaction(self.write_factory) as session:
            reply = self._reply(session, reply_id)
            me = self._me()
            if reply.author != me.name and not me.is_supervisor:
                raise PermissionDenied.from_catalog("cancel_forbidden", id=reply_id)
            if reply.status != ReplyStatus.QUEUED:
                raise ActionRefused.from_catalog(
                    "not_queued", id=reply_id, status=Labels("cli.reply.status", [reply.status])
                )
            reply.status = ReplyStatus.CANCELLED
            session.add(reply)
            self.record.reply(session, Action.REPLY_CANCELLED, reply, actor=me.name)
            return store.reply_view(reply)

    def resolve(self, reply_id: int, *, posted_as: str | None) -> ReplyView:
        """A supervisor settles an ``unknown`` reply after looking at the platform: it was
        published as ``posted_as`` (its id there), or it was not (``None``: queued again)."""
        me = self._me()
        if not me.is_supervisor:
            raise PermissionDenied.from_catalog("resolve_forbidden")
        with transaction(self.write_factory) as session:
            reply = self._reply(session, reply_id)
            if reply.status != ReplyStatus.UNKNOWN:
                raise ActionRefused.from_catalog(
                    "not_unknown", id=reply_id, status=Labels("cli.reply.status", [reply.status])
                )
            mention = store.get_mention(reply.mention_id, session=session)
            if posted_as:
                record_sent(
                    session,
                    reply,
                    mention,
                    status=ReplyStatus.SENT,
                    remote_id=posted_as,
                    record=self.record,
                    actor=me.name,
                    resolved=True,
                )
            else:
                reply.status = ReplyStatus.QUEUED
                reply.send_after = self.clock()
                reply.delivery_owner = None
                reply.error = None
                session.add(reply)
                self.record.reply(
                    session, Action.REPLY_REQUEUED, reply, actor=me.name, resolved=True
                )
            return store.reply_view(reply)

    def _me(self) -> StaffView:
        if self.actor is None:
            raise PermissionDenied.from_catalog("resolve_forbidden")
        return self.actor

    # -- the worker -----------------------------------------------------------------------
    def due(self, only: set[int] | None = None) -> tuple[list[int], list[int], int]:
        """(orphans to reconcile, queued replies due now, replies still waiting), among
        ``only`` when given (so a batch's pace is decided among the replies asked for)."""
        now = self.clock()
        with self._reader() as session:
            rows = session.exec(
                select(Reply, Mention.platform)
                .join(Mention, col(Reply.mention_id) == col(Mention.id))
                .where(col(Reply.status).in_((ReplyStatus.QUEUED, ReplyStatus.SENDING)))
                .order_by(col(Reply.id))
            ).all()
            orphans, ready, waiting = [], [], 0
            batched: list[tuple[Reply, str]] = []
            for reply, platform in rows:
                if only is not None and reply.id not in only:
                    continue
                if reply.status == ReplyStatus.SENDING:
                    if self._orphaned(reply, now):
                        orphans.append(reply.id or 0)
                elif reply.send_after is not None and as_utc(reply.send_after) > now:
                    waiting += 1
                elif reply.batch_id is not None:  # one approved correction to many: paced
                    batched.append((reply, platform))
                else:
                    ready.append(reply.id or 0)
            paced, held_back = pacing.pace(session, batched, now)
        return orphans, ready + paced, waiting + held_back

    def _orphaned(self, reply: Reply, now: datetime) -> bool:
        """A ``sending`` reply nobody is posting: its process is gone, or its lease ran out."""
        started = as_utc(reply.delivery_started_at or reply.created_at)
        return not owner_alive(reply.delivery_owner) or now - started > self.lease

    async def run_once(self, only: set[int] | None = None) -> OutboxReport:
        """Reconcile orphans, then post every queued reply whose undo window is over (or just
        the replies in ``only``)."""
        report = OutboxReport()
        orphans, _, _ = self.due(only)
        for reply_id in orphans:
            await self._reconcile_orphan(reply_id, report)
        _, ready, report.waiting = self.due(only)  # orphans proven absent are due again now
        for reply_id in ready:
            if only is None or reply_id in only:
                await self._send(reply_id, report)
        return report

    async def run_forever(
        self,
        stop_event: StopEvent,
        on_report: Callable[[OutboxReport], None],
        *,
        every: float = 1.0,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        """``run_once`` every ``every`` seconds until ``stop_event`` is set. ``on_report`` gets
        each pass that did something; a pass that failed goes to ``on_error`` (default: logged)
        and the next pass tries again."""
        while not stop_event.is_set():
            try:
                report = await self.run_once()
            except Exception as exc:  # noqa: BLE001 - the next pass tries again
                if on_error is None:
                    log.exception("outbox pass failed")
                else:
                    on_error(exc)
            else:
                if report.sent or report.failed or report.unknown or report.requeued:
                    on_report(report)
            if await wait_or_stop(stop_event, every):
                return

    def listing(self, statuses: tuple[str, ...] = OUTBOX_STATUSES) -> list[ReplyView]:
        """Replies in the live outbox's states (queued, sending, unknown by default)."""
        with self._reader() as session:
            rows = session.exec(
                select(Reply).where(col(Reply.status).in_(statuses)).order_by(col(Reply.id))
            ).all()
            return [store.reply_view(r) for r in rows]

    async def _reconcile_orphan(self, reply_id: int, report: OutboxReport) -> None:
        with transaction(self.write_factory) as session:
            reply = session.get(Reply, reply_id)
            if reply is None or reply.status != ReplyStatus.SENDING:
                return
            now = self.clock()
            if not self._orphaned(reply, now):
                return  # another desk is posting it right now
            # Taking it over starts a new lease: without it, a second desk would see the old
            # start and reconcile (then post) the same reply while this one is still looking.
            reply.delivery_owner = owner_tag()
            reply.delivery_started_at = now
            session.add(reply)
            mention = store.get_mention(reply.mention_id, session=session)
            channel = store.channel_name(mention.channel_id, session=session)
            request = request_for(reply, mention)
        report.reconciled.append(reply_id)
        await self._settle_uncertain(
            reply_id, channel, request, report, "left by a stopped desk", retry_in=0.0
        )

    async def _send(self, reply_id: int, report: OutboxReport) -> None:
        claimed = self._claim(reply_id)
        if claimed is None:
            return  # someone else took it, or it was cancelled
        channel, request = claimed
        fault_point("claimed")
        async with contextlib.AsyncExitStack() as stack:
            try:
                connector = await stack.enter_async_context(self._connector(channel))
            except Exception as exc:  # noqa: BLE001 - nothing reached the platform
                why = f"cannot reach {channel}: {_describe(exc)}"
                report.errors.append(f"reply {reply_id}: {why}")
                outcome = self._requeue(reply_id, why, delay=None, count=True)
                if outcome is not None:
                    (report.requeued if outcome else report.failed).append(reply_id)
                return
            try:
                remote_id = await connector.post(request)
            except RateLimited as exc:  # refused before publishing: try after the wait
                if self._requeue(reply_id, str(exc), delay=exc.wait_seconds, count=False):
                    report.requeued.append(reply_id)
                return
            except NotPosted as exc:
                if self._failed(reply_id, str(exc)):
                    report.failed.append(reply_id)
                return
            except Exception as exc:  # noqa: BLE001 - a timeout may hide a published post
                report.errors.append(f"reply {reply_id}: {_describe(exc)}")
                await self._settle_uncertain(reply_id, channel, request, report, _describe(exc))
                return
        fault_point("posted")
        recorded = self._sent(reply_id, remote_id)
        fault_point("recorded")
        if recorded:
            report.sent.append(reply_id)

    async def _settle_uncertain(
        self,
        reply_id: int,
        channel: str,
        request: ReplyRequest,
        report: OutboxReport,
        why: str,
        retry_in: float | None = None,
    ) -> None:
        """The post may or may not exist: ask the platform before anything else. Provably
        absent, it is queued again after ``retry_in`` seconds (None: the attempt's backoff)."""
        try:
            async with self._connector(channel) as connector:
                # a short glitch while looking must not send a reply to a supervisor
                found = await retrying(
                    lambda: connector.find_posted(request), attempts=3, cap=10.0, sleep=self.sleep
                )
        except Unprovable as exc:
            if self._unknown(reply_id, f"{why}; {exc}"):
                report.unknown.append(reply_id)
            return
        except Exception as exc:  # noqa: BLE001 - cannot look now: a person decides
            if self._unknown(reply_id, f"{why}; could not check: {_describe(exc)}"):
                report.unknown.append(reply_id)
            return
        if found:
            if self._sent(reply_id, found, reconciled=True):
                report.sent.append(reply_id)
            return
        outcome = self._requeue(reply_id, f"{why}; not on the platform", delay=retry_in, count=True)
        if outcome is not None:
            (report.requeued if outcome else report.failed).append(reply_id)

    @contextlib.asynccontextmanager
    async def _connector(self, channel: str) -> AsyncIterator[Connector]:
        if self.connect is None:
            raise ChannelError(f"{channel}: no live connector is configured")
        async with self.connect(channel) as connector:
            yield connector

    # -- state changes, each one transaction with its audit event -------------------------
    def _claim(self, reply_id: int) -> tuple[str, ReplyRequest] | None:
        # A row transaction: on PostgreSQL several outbox workers take replies side by side,
        # each skipping the rows another one holds (FOR UPDATE SKIP LOCKED), so a reply is
        # taken by one of them; SQLite's write lock gives the same one-at-a-time.
        with row_transaction(self.write_factory) as session:
            reply = lock_row(
                session,
                select(Reply).where(
                    col(Reply.id) == reply_id, col(Reply.status) == ReplyStatus.QUEUED
                ),
            )
            if reply is None:
                return None
            now = self.clock()
            if reply.send_after is not None and as_utc(reply.send_after) > now:
                return None
            if reply.batch_id is not None and pacing.held(session, reply, now):
                return None  # its batch is paused, or its platform's pace says not yet
            reply.status = ReplyStatus.SENDING
            reply.delivery_owner = owner_tag()
            reply.delivery_started_at = now
            reply.attempts = (reply.attempts or 0) + 1
            session.add(reply)
            mention = store.get_mention(reply.mention_id, session=session)
            self.record.reply(
                session, Action.REPLY_SENDING, reply, attempt=reply.attempts, text=reply.text
            )
            return store.channel_name(mention.channel_id, session=session), request_for(
                reply, mention
            )

    def _sent(self, reply_id: int, remote_id: str, *, reconciled: bool = False) -> bool:
        """Record what the platform said it published. A reply another desk took over and
        queued again meanwhile is recorded too (so it is not posted again); one already
        recorded as sent is left as it is. Returns whether it was recorded now."""
        with transaction(self.write_factory) as session:
            reply = self._reply(session, reply_id)
            if reply.status == ReplyStatus.SENT:
                return False
            mention = store.get_mention(reply.mention_id, session=session)
            record_sent(
                session,
                reply,
                mention,
                status=ReplyStatus.SENT,
                remote_id=remote_id,
                record=self.record,
                reconciled=reconciled,
            )
            return True

    def _requeue(self, reply_id: int, why: str, *, delay: float | None, count: bool) -> bool | None:
        """Back to ``queued`` (provably not published): True; after MAX_ATTEMPTS it is
        ``failed``: False. None when the reply is no longer this desk's to settle."""
        with transaction(self.write_factory) as session:
            reply = self._reply(session, reply_id)
            if not _still_ours(reply):
                return None
            attempts = reply.attempts or 0
            if count and attempts >= MAX_ATTEMPTS:
                reply.status = ReplyStatus.FAILED
                reply.error = f"{why} (after {attempts} attempts)"[:500]
                reply.delivery_owner = None
                session.add(reply)
                self.record.reply(session, Action.REPLY_FAILED, reply, error=reply.error)
                return False
            wait = delay if delay is not None else min(300.0, 5.0 * 2 ** max(0, attempts - 1))
            reply.status = ReplyStatus.QUEUED
            reply.send_after = self.clock() + timedelta(seconds=wait)
            reply.delivery_owner = None
            reply.error = why[:500]
            session.add(reply)
            self.record.reply(
                session, Action.REPLY_REQUEUED, reply, reason=reply.error, wait_seconds=wait
            )
            return True

    def _failed(self, reply_id: int, why: str) -> bool:
        with transaction(self.write_factory) as session:
            reply = self._reply(session, reply_id)
            if not _still_ours(reply):
                return False
            reply.status = ReplyStatus.FAILED
            reply.error = why[:500]
            reply.delivery_owner = None
            session.add(reply)
            self.record.reply(session, Action.REPLY_FAILED, reply, error=reply.error)
            return True

    def _unknown(self, reply_id: int, why: str) -> bool:
        with transaction(self.write_factory) as session:
            reply = self._reply(session, reply_id)
            if not _still_ours(reply):
                return False
            reply.status = ReplyStatus.UNKNOWN
            reply.error = why[:500]
            reply.delivery_owner = None
            session.add(reply)
            self.record.reply(session, Action.REPLY_UNKNOWN, reply, error=reply.error)
            return True

    def _reply(self, session: Session, reply_id: int) -> Reply:
        reply = session.get(Reply, reply_id)
        if reply is None:
            raise NotFound.from_catalog("reply_unknown", id=reply_id)
        return reply


def _still_ours(reply: Reply) -> bool:
    """Whether this process still holds the reply's delivery: a desk whose lease ran out while
    it posted or looked may find the reply taken over (and settled) by another one; its late
    answer must not move the reply back (a ``queued`` reply that was published goes out twice).
    """
    return reply.status == ReplyStatus.SENDING and reply.delivery_owner == owner_tag()


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__
