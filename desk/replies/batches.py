"""Batches: one approved correction to many, prepared together, approved once, posted paced.

A batch (``reply_batches``) holds replies written from one library answer, each waiting for
approval with the reason ``batch`` (desk.crisis.batch prepares them, in one transaction). A
supervisor approves the whole batch at once (``approve``): every reply gets its own
``reply.approved`` event and is handed to delivery as ``ApprovalService.approve`` does, and the
batch gets one ``batch.approved`` event — all in **one transaction per batch**. Why not per
chunk: the planner caps a batch at the platform budgets (660 replies at most with the default
ones), and approving that largest batch held the write lock 1.2 s on a busy 2-core machine
(1.8 ms a reply, against 3.7 ms approved one at a time; benchmarks/bench_batch_approve.py), far
under the 10 s any other desk waits for the lock; and a batch approved wholly or not at all is
the supervisor's one decision: a crash during the approval leaves nothing half-approved to
reconcile, and running it again approves it all.

The outbox (desk.replies.outbox) posts the approved replies exactly once each, paced: each
platform's replies get ``send_after`` one ``spacing`` apart (the batch's ``pacing``, fixed when it
was prepared), and desk.replies.pacing holds back any batched reply claimed less than one
spacing after the last batched reply to the same platform — whatever the batch, even after the
outbox was stopped for a while, so the rate never goes over the budget. A paused batch is left queued
until resumed; resuming spaces what is left from that moment.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from desk.audit.actions import Action
from desk.audit.chain import Recorder
from desk.clock import Clock, as_utc, utcnow
from desk.config import DeskConfig
from desk.db import SessionFactory, store, transaction
from desk.db.tables import Mention, Reply, ReplyBatch
from desk.errors import ActionRefused, NotFound, PermissionDenied
from desk.replies.approval import may_approve
from desk.replies.faults import fault_point
from desk.replies.pacing import last_claims, pacing_of, schedule
from desk.replies.service import ReplyService
from desk.views import StaffView
from desk.vocabulary import MAYBE_PUBLISHED, BatchStatus, ReplyStatus

ANSWERED = MAYBE_PUBLISHED - {ReplyStatus.PENDING_APPROVAL}
IN_FLIGHT = (ReplyStatus.QUEUED, ReplyStatus.SENDING)


@dataclass(frozen=True)
class BatchProgress:
    """Where a batch stands: its replies by status, its pace, what it skipped, what is next."""

    id: int
    answer: str
    status: str
    created_by: str
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    counts: dict[str, int]
    pacing: dict[str, float]
    skipped: list[dict[str, Any]]
    next_at: datetime | None = None
    """When the next queued reply may go (None: nothing queued)."""
    last_at: datetime | None = None
    """When the last queued reply may go, at the batch's pace."""
    sample: str = ""
    """The text of its first reply (what a supervisor reads before approving)."""

    @property
    def total(self) -> int:
        """Replies in the batch (whatever became of them)."""
        return sum(self.counts.values())

    @property
    def sent(self) -> int:
        """Replies published (or recorded in the local outbox)."""
        return self.counts.get(ReplyStatus.SENT, 0) + self.counts.get(ReplyStatus.SENT_OFFLINE, 0)

    @property
    def in_flight(self) -> int:
        """Replies the outbox still has to post."""
        return sum(self.counts.get(s, 0) for s in IN_FLIGHT)

    @property
    def done(self) -> bool:
        """Approved, and nothing left to post."""
        return self.status != BatchStatus.PREPARED and self.in_flight == 0

    def to_json(self) -> dict[str, Any]:
        """For ``desk bulk status --json``."""
        return {
            "id": self.id,
            "answer": self.answer,
            "status": self.status,
            "done": self.done,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "approved_by": self.approved_by,
            "approved_at": self.approved_at.isoformat() if self.approved_at else None,
            "total": self.total,
            "sent": self.sent,
            "counts": dict(sorted(self.counts.items())),
            "pacing_seconds": self.pacing,
            "next_at": self.next_at.isoformat() if self.next_at else None,
            "last_at": self.last_at.isoformat() if self.last_at else None,
            "skipped": self.skipped,
        }


@dataclass
class Approved:
    """What ``approve`` did: the batch now, and the replies refused because their mention was
    answered meanwhile (reply id -> the other reply's id)."""

    progress: BatchProgress
    refused: dict[int, int] = field(default_factory=dict)


@dataclass(kw_only=True)
class BatchService:
    """Batches of replies for one person (``actor``): prepared, approved, paused, followed."""

    write_factory: SessionFactory
    read_factory: SessionFactory
    config: DeskConfig
    actor: StaffView
    replies: ReplyService
    clock: Clock = utcnow

    def __post_init__(self) -> None:
        self.record = Recorder(self.actor.name, self.clock)

    def may_approve(self, session: Session | None = None) -> bool:
        """Whether the person approves batches: as for one reply (desk.replies.approval), read
        in ``session`` or a read of its own."""
        if session is not None:
            return may_approve(self.actor, self.config, session)
        with self.read_factory() as reading:
            return may_approve(self.actor, self.config, reading)

    # -- preparing (desk.crisis.batch calls these inside its transaction) -----------------------
    def open_batch(
        self, session: Session, answer: str, pacing: Mapping[str, timedelta]
    ) -> ReplyBatch:
        """A new batch row (its replies are written next, with its id)."""
        batch = ReplyBatch(
            answer=answer,
            status=BatchStatus.PREPARED,
            created_by=self.actor.name,
            created_at=self.clock(),
            pacing=json.dumps({p: s.total_seconds() for p, s in sorted(pacing.items())}),
        )
        session.add(batch)
        session.flush()
        return batch

    def close_preparation(
        self,
        session: Session,
        batch: ReplyBatch,
        written: Sequence[int],
        skipped: list[dict[str, Any]],
    ) -> None:
        """Record what the batch holds and what it left out (``batch.prepared``)."""
        batch.skipped = json.dumps(skipped)
        session.add(batch)
        self.record(
            session,
            Action.BATCH_PREPARED,
            batch=batch.id,
            answer=batch.answer,
            replies=list(written),
            skipped=skipped,
            pacing_seconds=pacing_of(batch),
        )

    # -- the supervisor's decision ---------------------------------------------------------------
    def approve(self, batch_id: int) -> Approved:
        """Approve every reply of the batch at once, in one transaction; each goes to delivery
        (queued at the batch's pace on a live channel). A reply whose mention was answered
        meanwhile is refused, with a note, instead of sent."""
        refused: dict[int, int] = {}
        with transaction(self.write_factory) as session:
            if not self.may_approve(session):
                raise PermissionDenied.from_catalog("approve_forbidden")
            batch = self._batch(session, batch_id)
            if batch.status != BatchStatus.PREPARED:
                raise ActionRefused.from_catalog(
                    "batch_not_prepared", id=batch_id, status=batch.status
                )
            if batch.created_by == self.actor.name:
                raise PermissionDenied.from_catalog("batch_approve_own", id=batch_id)
            rows = session.exec(
                select(Reply, Mention)
                .join(Mention, col(Reply.mention_id) == col(Mention.id))
                .where(Reply.batch_id == batch_id, Reply.status == ReplyStatus.PENDING_APPROVAL)
                .order_by(col(Reply.id))
            ).all()
            if not rows:
                raise ActionRefused.from_catalog("batch_empty", id=batch_id)
            now = self.clock()
            queued: list[tuple[Reply, str]] = []
            for reply, mention in rows:
                other = self._answered_by(session, reply)
                reply.reviewer = self.actor.name
                reply.reviewed_at = now
                submitted = as_utc(reply.submitted_at) if reply.submitted_at else now
                delay = round((now - submitted).total_seconds(), 1)
                if other is not None:
                    reply.status = ReplyStatus.REJECTED
                    reply.review_note = f"answered meanwhile (reply {other})"
                    session.add(reply)
                    self.record.reply(
                        session,
                        Action.REPLY_REJECTED,
                        reply,
                        note=reply.review_note,
                        delay_seconds=delay,
                        batch=batch_id,
                    )
                    refused[reply.id or 0] = other
                    continue
                reply.status = ReplyStatus.SENDING
                session.add(reply)
                self.record.reply(
                    session,
                    Action.REPLY_APPROVED,
                    reply,
                    edited=False,
                    text=reply.text,
                    note=None,
                    delay_seconds=delay,
                    batch=batch_id,
                )
                view = self.replies.start_delivery(session, reply, mention, batch=batch_id)
                fault_point("batch_approve")  # crash tests: killed inside the one transaction
                if view.status == ReplyStatus.QUEUED:
                    queued.append((reply, mention.platform))
            self._space(session, batch, queued, now)
            batch.status = BatchStatus.APPROVED
            batch.approved_by = self.actor.name
            batch.approved_at = now
            session.add(batch)
            self.record(
                session,
                Action.BATCH_APPROVED,
                batch=batch_id,
                answer=batch.answer,
                approved=len(rows) - len(refused),
                queued=len(queued),
                refused=sorted(refused),
                pacing_seconds=pacing_of(batch),
            )
        return Approved(self.progress(batch_id), refused)

    def _answered_by(self, session: Session, reply: Reply) -> int | None:
        for other in store.replies_for(reply.mention_id, session=session):
            if other.id != reply.id and other.status in ANSWERED and other.voice >= reply.voice:
                return other.id
        return None

    def _space(
        self,
        session: Session,
        batch: ReplyBatch,
        queued: Sequence[tuple[Reply, str]],
        start: datetime,
    ) -> None:
        """Give the batch's queued replies their turn: one spacing apart per platform, the first
        at the end of its undo window (or one spacing after the last batched reply there)."""
        if not queued:
            return
        undo_end = max(as_utc(r.send_after or start) for r, _ in queued)
        after = last_claims(session, [p for _, p in queued])
        when = schedule(
            [(r.id or 0, p) for r, p in queued], max(start, undo_end), pacing_of(batch), after=after
        )
        for reply, _ in queued:
            reply.send_after = when[reply.id or 0]
            session.add(reply)

    # -- pausing -------------------------------------------------------------------------------
    def pause(self, batch_id: int) -> BatchProgress:
        """Stop posting the batch: its queued replies stay queued (its preparer or a supervisor)."""
        with transaction(self.write_factory) as session:
            batch = self._batch(session, batch_id)
            if not (self.may_approve(session) or batch.created_by == self.actor.name):
                raise PermissionDenied.from_catalog("batch_pause_forbidden", id=batch_id)
            left = self._queued(session, batch_id)
            if batch.status != BatchStatus.APPROVED or not left:
                status = batch.status if batch.status != BatchStatus.APPROVED else "done"
                raise ActionRefused.from_catalog("batch_not_running", id=batch_id, status=status)
            batch.status = BatchStatus.PAUSED
            batch.paused_at = self.clock()
            session.add(batch)
            self.record(session, Action.BATCH_PAUSED, batch=batch_id, left=len(left))
        return self.progress(batch_id)

    def resume(self, batch_id: int) -> BatchProgress:
        """Post the rest of a paused batch, spaced from now (supervisors: it speaks publicly)."""
        with transaction(self.write_factory) as session:
            if not self.may_approve(session):
                raise PermissionDenied.from_catalog("batch_resume_forbidden", id=batch_id)
            batch = self._batch(session, batch_id)
            if batch.status != BatchStatus.PAUSED:
                raise ActionRefused.from_catalog(
                    "batch_not_paused", id=batch_id, status=batch.status
                )
            left = self._queued(session, batch_id)
            now = self.clock()
            for reply, _ in left:
                reply.send_after = now  # the spacing below starts now, not at the old turns
            self._space(session, batch, left, now)
            batch.status = BatchStatus.APPROVED
            batch.paused_at = None
            session.add(batch)
            self.record(session, Action.BATCH_RESUMED, batch=batch_id, left=len(left))
        return self.progress(batch_id)

    def _queued(self, session: Session, batch_id: int) -> list[tuple[Reply, str]]:
        rows = session.exec(
            select(Reply, Mention.platform)
            .join(Mention, col(Reply.mention_id) == col(Mention.id))
            .where(Reply.batch_id == batch_id, Reply.status == ReplyStatus.QUEUED)
            .order_by(col(Reply.send_after), col(Reply.id))
        ).all()
        return [(r, p) for r, p in rows]

    # -- reading ---------------------------------------------------------------------------------
    def progress(self, batch_id: int) -> BatchProgress:
        """Where the batch stands now."""
        with self.read_factory() as session:
            batch = self._batch(session, batch_id)
            return self._progress(session, batch)

    def listing(self, *, limit: int = 20) -> list[BatchProgress]:
        """The newest batches first (``desk bulk status`` without a number)."""
        with self.read_factory() as session:
            rows = session.exec(
                select(ReplyBatch).order_by(col(ReplyBatch.id).desc()).limit(limit)
            ).all()
            return [self._progress(session, b) for b in rows]

    def waiting(self) -> list[BatchProgress]:
        """Batches waiting for a supervisor's approval, oldest first."""
        with self.read_factory() as session:
            rows = session.exec(
                select(ReplyBatch)
                .where(ReplyBatch.status == BatchStatus.PREPARED)
                .order_by(col(ReplyBatch.id))
            ).all()
            return [self._progress(session, b) for b in rows]

    def running(self) -> list[BatchProgress]:
        """Batches approved and still posting, and paused ones, oldest first: what a
        supervisor follows, pauses or resumes."""
        posting = sa.exists(
            sa.select(sa.literal(1)).where(
                col(Reply.batch_id) == col(ReplyBatch.id), col(Reply.status).in_(IN_FLIGHT)
            )
        )
        with self.read_factory() as session:
            rows = session.exec(
                select(ReplyBatch)
                .where(
                    sa.or_(
                        col(ReplyBatch.status) == BatchStatus.PAUSED,
                        sa.and_(col(ReplyBatch.status) == BatchStatus.APPROVED, posting),
                    )
                )
                .order_by(col(ReplyBatch.id))
            ).all()
            return [self._progress(session, b) for b in rows]

    def in_flight(self, batch_id: int) -> set[int]:
        """The batch's replies the outbox still has to post (queued or sending)."""
        with self.read_factory() as session:
            ids = session.exec(
                select(Reply.id).where(Reply.batch_id == batch_id, col(Reply.status).in_(IN_FLIGHT))
            ).all()
            return {i for i in ids if i is not None}

    def _progress(self, session: Session, batch: ReplyBatch) -> BatchProgress:
        rows = session.execute(
            sa.select(
                col(Reply.status),
                sa.func.count(),
                sa.func.min(col(Reply.send_after)),
                sa.func.max(col(Reply.send_after)),
            )
            .where(col(Reply.batch_id) == batch.id)
            .group_by(col(Reply.status))
        ).all()
        counts = {str(status): int(n) for status, n, _, _ in rows}
        queued = [(lo, hi) for status, _, lo, hi in rows if status == ReplyStatus.QUEUED]
        try:
            skipped = json.loads(batch.skipped or "[]")
        except ValueError:
            skipped = []
        return BatchProgress(
            id=batch.id or 0,
            answer=batch.answer,
            status=batch.status,
            created_by=batch.created_by,
            created_at=as_utc(batch.created_at),
            approved_by=batch.approved_by,
            approved_at=as_utc(batch.approved_at) if batch.approved_at else None,
            counts=counts,
            pacing=pacing_of(batch),
            skipped=skipped if isinstance(skipped, list) else [],
            next_at=_utc(queued[0][0]) if queued else None,
            last_at=_utc(queued[0][1]) if queued else None,
            sample=session.exec(
                select(Reply.text).where(Reply.batch_id == batch.id).order_by(col(Reply.id))
            ).first()
            or "",
        )

    def _batch(self, session: Session, batch_id: int) -> ReplyBatch:
        batch = session.get(ReplyBatch, batch_id)
        if batch is None:
            raise NotFound.from_catalog("batch_unknown", id=batch_id)
        return batch


def _utc(value: Any) -> datetime | None:
    """A min/max of a UTC column, as SQLite returns it (text) or PostgreSQL (a datetime)."""
    if value is None:
        return None
    if isinstance(value, str):
        return as_utc(datetime.fromisoformat(value))
    return as_utc(value)
