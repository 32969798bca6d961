"""Four-eyes approval: the supervisor's decision on the replies that wait for one.

A reply that needs approval (``desk.replies.policy``) is stored as ``pending_approval`` by
``ReplyService.send`` instead of going out. ``ApprovalService`` lists those replies and lets a
supervisor approve (optionally after editing the text; it then goes out through
``ReplyService.start_delivery``) or reject with a note; nobody approves their own reply. The
wait is recorded (``submitted_at`` -> ``reviewed_at``) for the reports.

Approving (or rejecting) is a row transaction that first locks the reply's mention, like a send
(desk.replies.service): two supervisors deciding at once, or a decision meeting a colleague's
send to the same citizen, take turns there and the second is refused; decisions on replies to
other citizens run side by side on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from desk.audit.actions import Action
from desk.audit.chain import Recorder
from desk.clock import Clock, as_utc, utcnow
from desk.config import DeskConfig
from desk.db import SessionFactory, policies, row_transaction, store
from desk.db.tables import Mention, Reply, ReplyBatch
from desk.errors import ActionRefused, NotFound, PermissionDenied
from desk.i18n import Labels
from desk.replies.service import ReplyService
from desk.views import ReplyView, StaffView
from desk.vocabulary import MAYBE_PUBLISHED, BatchStatus, ReplyStatus

# A reply in one of these states answered the mention, or may have: a second one is not approved.
ANSWERED = MAYBE_PUBLISHED - {ReplyStatus.PENDING_APPROVAL}


@dataclass(frozen=True)
class PendingReply:
    """A reply in the approval queue, with what the supervisor needs to judge it."""

    reply: ReplyView
    mention_text: str
    mention_author: str
    category: str

    def to_json(self) -> dict[str, Any]:
        """JSON form for ``desk approvals --json``."""
        return {
            **self.reply.to_json(),
            "mention_text": self.mention_text,
            "mention_author": self.mention_author,
            "category": self.category,
        }


def may_approve(actor: StaffView, config: DeskConfig, session: Session) -> bool:
    """Supervisors approve, and the fallback approver of the *recorded* policy
    (``[approval] fallback`` as an admin applied it: desk.db.policies, never a desk.toml alone):
    one reply or a whole batch (desk.replies.batches)."""
    if actor.is_supervisor:
        return True
    fallback = policies.in_force(config, session).approval.fallback
    return fallback is not None and actor.name == fallback


@dataclass(kw_only=True)
class ApprovalService:
    """The supervisor's side: the queue, approve (optionally edited), reject."""

    write_factory: SessionFactory
    read_factory: SessionFactory
    config: DeskConfig
    actor: StaffView
    replies: ReplyService  # delivers approved replies
    clock: Clock = utcnow

    def __post_init__(self) -> None:
        self.record = Recorder(self.actor.name, self.clock)

    def may_approve(self, session: Session | None = None) -> bool:
        """Whether the person at the keyboard approves replies (``may_approve``), read in
        ``session`` (a decision's own transaction) or a read of its own."""
        if session is not None:
            return may_approve(self.actor, self.config, session)
        with self.read_factory() as reading:
            return may_approve(self.actor, self.config, reading)

    def pending_count(self) -> int:
        """How many items wait for approval (for the queue's header): each reply written one
        at a time, and each batch as one (it is approved at once)."""
        with self.read_factory() as session:
            batched = session.execute(
                sa.select(sa.func.count())
                .select_from(Reply)
                .where(
                    col(Reply.status) == ReplyStatus.PENDING_APPROVAL,
                    col(Reply.batch_id).is_not(None),
                )
            ).scalar_one()
            batches = session.execute(
                sa.select(sa.func.count())
                .select_from(ReplyBatch)
                .where(col(ReplyBatch.status) == BatchStatus.PREPARED)
            ).scalar_one()
            return store.count_pending_replies(session=session) - int(batched) + int(batches)

    def pending(self) -> list[PendingReply]:
        """Replies waiting for approval, oldest first."""
        with self.read_factory() as session:
            out = []
            for reply in store.pending_replies(session=session):
                if reply.batch_id is not None:  # approved with its batch (desk.replies.batches)
                    continue
                mention = store.get_mention(reply.mention_id, session=session)
                out.append(
                    PendingReply(
                        store.reply_view(reply),
                        mention.text,
                        mention.author_handle,
                        mention.category,
                    )
                )
            return out

    def _reviewable(self, session: Session, reply_id: int) -> tuple[Reply, Mention]:
        if not self.may_approve(session):
            raise PermissionDenied.from_catalog("approve_forbidden")
        reply = session.get(Reply, reply_id)
        if reply is None:
            raise NotFound.from_catalog("reply_unknown", id=reply_id)
        if reply.status != ReplyStatus.PENDING_APPROVAL:
            raise ActionRefused.from_catalog(
                "not_pending", id=reply_id, status=Labels("cli.reply.status", [reply.status])
            )
        if reply.author == self.actor.name:
            raise PermissionDenied.from_catalog("approve_own", id=reply_id)
        return reply, store.get_mention(reply.mention_id, session=session)

    def _review(self, session: Session, reply: Reply, mention: Mention, note: str) -> float:
        now = self.clock()
        reply.reviewer = self.actor.name
        reply.reviewed_at = now
        reply.review_note = note.strip() or None
        submitted = as_utc(reply.submitted_at) if reply.submitted_at else now
        return round((now - submitted).total_seconds(), 1)

    def approve(self, reply_id: int, *, text: str | None = None, note: str = "") -> ReplyView:
        """Approve (after editing the body, if ``text`` is given) and send. Refused when another
        reply to the mention went out (or is on its way) meanwhile: the citizen is answered."""
        with row_transaction(self.write_factory) as session:
            store.hold_mention_of_reply(reply_id, session=session)
            reply, mention = self._reviewable(session, reply_id)
            if reply.batch_id is not None:  # paced with its batch, never alone
                raise ActionRefused.from_catalog(
                    "approve_in_batch", id=reply_id, batch=reply.batch_id
                )
            answered = next(
                (
                    other
                    for other in store.replies_for(mention.id or 0, session=session)
                    if other.id != reply.id
                    and other.status in ANSWERED
                    and other.voice >= reply.voice  # a deliberate later answer may follow one
                ),
                None,
            )
            if answered is not None:
                raise ActionRefused.from_catalog(
                    "approve_answered",
                    id=reply_id,
                    mention=mention.id,
                    other=answered.id,
                    author=answered.author,
                )
            edited = text is not None and text.strip() != reply.body
            if edited:
                author = self.config.staff_named(reply.author)
                signature = self.config.signature_for(author) if author else reply.signature
                composed = self.replies.checked_text(mention, text or "", signature)
                reply.body, reply.text = composed.body, composed.text
            delay = self._review(session, reply, mention, note)
            reply.status = ReplyStatus.SENDING
            session.add(reply)
            self.record.reply(
                session,
                Action.REPLY_APPROVED,
                reply,
                edited=edited,
                text=reply.text,
                note=reply.review_note,
                delay_seconds=delay,
            )
            return self.replies.start_delivery(session, reply, mention)

    def reject(self, reply_id: int, note: str) -> ReplyView:
        """Refuse the reply with a note the author will see; nothing is sent."""
        if not note.strip():
            raise ActionRefused.from_catalog("reject_needs_note")
        with row_transaction(self.write_factory) as session:
            store.hold_mention_of_reply(reply_id, session=session)
            reply, mention = self._reviewable(session, reply_id)
            delay = self._review(session, reply, mention, note)
            reply.status = ReplyStatus.REJECTED
            session.add(reply)
            self.record.reply(
                session,
                Action.REPLY_REJECTED,
                reply,
                note=reply.review_note,
                delay_seconds=delay,
            )
            return store.reply_view(reply)
