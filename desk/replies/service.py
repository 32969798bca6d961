"""ReplyService: writing a reply and handing it to delivery, each step one transaction with its
audit event.

``send`` signs the body, measures it as the platform counts it (``desk.replies.compose``),
checks the collision guard (``desk.replies.claims``) and the four-eyes policy
(``desk.replies.policy``), then either leaves it ``pending_approval`` for a supervisor or starts
its delivery. ``start_delivery`` queues a live channel's reply for the outbox (with its undo
window) or records a file-replayed channel's reply in the local outbox; ``record_sent`` is the one
"sent" transition, used here and by ``desk.replies.outbox`` alike.

One voice per citizen, race-free without a global lock: ``send`` is a row transaction
(desk.db.row_transaction) that first locks the mention, waiting for a colleague's transaction
holding it (``store.hold_mention``). Two desks answering one citizen take turns there, and the
second sees the first's reply and is refused (``already_answered``); desks answering other
citizens never wait for each other on PostgreSQL (on SQLite every write takes its turn). The
partial unique index of migration 0012 (``uq_reply_one_voice``) remains the last word.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import object_session
from sqlmodel import Session

from desk.answers.ranking import expired, fills, render
from desk.audit.actions import Action
from desk.audit.chain import Recorder
from desk.clock import Clock, utcnow
from desk.config import DeskConfig
from desk.db import SessionFactory, policies, row_transaction, store
from desk.db.policies import ApprovalPolicy
from desk.db.tables import Answer, Channel, Mention, Reply
from desk.errors import ActionRefused, NotFound
from desk.i18n import Labels
from desk.platforms.registry import platform as platform_named
from desk.replies.claims import check_before_send
from desk.replies.compose import NO_FRAME, ComposedReply, ReplyFrame, compose
from desk.replies.policy import reasons_for, reasons_json
from desk.replies.senders import LiveChannel, OutboxSender, OutgoingReply, ReplySender
from desk.views import ReplyView, StaffView
from desk.vocabulary import MAYBE_PUBLISHED, MentionStatus, ReplyStatus

SenderLookup = Callable[[str, str], ReplySender]
UNCONFIGURED_UNDO_SECONDS = 5  # ChannelConfig's default undo window


def offline_senders(_platform: str, _channel: str) -> ReplySender:
    """Every channel goes to the local outbox (file-replayed channels have no live platform)."""
    return OutboxSender()


def live_senders(config: DeskConfig) -> SenderLookup:
    """Replies to a configured ``[[channel]]`` whose platform takes replies are queued for
    desk.replies.outbox (with the channel's undo window), even while it is disabled
    (``enabled`` stops its polling; the thread still lives on the platform); every other
    channel uses the local outbox."""
    live = {
        c.key: c.undo_seconds for c in config.channel if platform_named(c.platform).takes_replies
    }

    def lookup(_platform: str, channel: str) -> ReplySender:
        if channel in live:
            return LiveChannel(live[channel])
        return OutboxSender()

    return lookup


def _pulled_live(session: Session, mention: Mention) -> bool:
    """Whether ``mention`` came from a live platform that takes replies (not a file replay)."""
    row = session.get(Channel, mention.channel_id)
    return bool(row is not None and row.live and platform_named(mention.platform).takes_replies)


def record_sent(
    session: Session,
    reply: Reply,
    mention: Mention,
    *,
    status: str,
    remote_id: str,
    record: Recorder,
    actor: str | None = None,
    **extra: Any,
) -> ReplyView:
    """The one "sent" transition: the reply is delivered (``sent`` on the platform, or
    ``sent_offline`` in the local outbox) with its remote id, the mention is done, and
    ``reply.sent`` records the exact text, in the caller's transaction."""
    reply.status = status
    reply.remote_id = remote_id
    reply.sent_at = record.clock()
    reply.delivery_owner = None
    reply.error = None
    mention.status = MentionStatus.CLOSED
    session.add_all([reply, mention])
    record.reply(
        session,
        Action.REPLY_SENT,
        reply,
        actor=actor,
        text=reply.text,
        status=status,
        remote_id=remote_id,
        **extra,
    )
    return store.reply_view(reply)


@dataclass(kw_only=True)
class ReplyService:
    """Replies written by one staff member (``actor``)."""

    write_factory: SessionFactory
    config: DeskConfig
    actor: StaffView
    clock: Clock = utcnow
    senders: SenderLookup = field(default=offline_senders)
    read_factory: SessionFactory | None = None  # reads that must not wait for the write lock

    def __post_init__(self) -> None:
        self.record = Recorder(self.actor.name, self.clock)

    # -- composing ---------------------------------------------------------------------------
    def signature(self) -> str:
        """The current person's signature, e.g. ``—AB``."""
        return self.config.signature_for(self.actor)

    def preview(self, platform: str, body: str, frame: ReplyFrame = NO_FRAME) -> ComposedReply:
        """What would be posted, with its length (for the composer's counter)."""
        return compose(body, self.signature(), platform, frame)

    def frame(self, mention: Mention, channel: str) -> ReplyFrame:
        """The length frame of replies to ``mention`` (channel ``platform:name``)."""
        live = next((c for c in self.config.channel if c.key == channel), None)
        if live is None:
            return NO_FRAME
        try:
            raw = json.loads(mention.raw) if mention.raw else {}
        except ValueError:
            raw = {}
        return ReplyFrame(
            live.max_chars, raw if isinstance(raw, dict) else {}, mention.author_handle
        )

    def frame_for(self, mention_id: int) -> ReplyFrame:
        """``frame`` read from the database (the composer asks once per mention)."""
        with (self.read_factory or self.write_factory)() as session:
            mention = store.get_mention(mention_id, session=session)
            return self.frame(mention, store.channel_name(mention.channel_id, session=session))

    def checked_text(self, mention: Mention, body: str, signature: str) -> ComposedReply:
        """The reply as it would be posted, or ActionRefused (empty, no channel, too long)."""
        session = object_session(mention)
        frame = (
            self.frame(mention, store.channel_name(mention.channel_id, session=session))
            if session is not None and self.config.channel
            else NO_FRAME
        )
        composed = compose(body, signature, mention.platform, frame)
        if not composed.body:
            raise ActionRefused.from_catalog("reply_empty")
        if composed.limit is None:
            raise ActionRefused.from_catalog("no_reply_channel", platform=mention.platform)
        if composed.reason is not None:
            over = max(1, composed.length - composed.limit)
            raise ActionRefused.from_catalog(
                "reply_too_long",
                over=over,
                platform=mention.platform,
                limit=composed.limit,
                length=composed.length,
                signature=composed.signature,
            )
        return composed

    # -- sending -----------------------------------------------------------------------------
    def send(
        self,
        mention_id: int,
        body: str,
        *,
        idempotency_key: str | None = None,
        version: str | None = None,
        answer_id: int | None = None,
        again: bool = False,
    ) -> ReplyView:
        """Sign, check the length, and send once. A repeated key returns the first reply unchanged.

        One voice per citizen: refused while a colleague's reply claim runs, when another reply
        to the mention is out, on its way or waiting for approval (unless ``again``: a
        deliberate second answer, audited as such), and, with ``version`` (from
        ``ClaimService.start``), when the thread changed since (desk.replies.claims). Two desks
        sending to one mention at the same instant take turns at its row lock (see the module);
        should they ever meet at the one-voice index instead, the second is refused all the
        same (``answer_raced``). A reply that needs approval nobody else can give is refused.
        The claim is released by the send.
        """
        key = idempotency_key or str(uuid.uuid4())
        try:
            with row_transaction(self.write_factory) as session:
                return self.write(
                    session,
                    mention_id,
                    body,
                    key=key,
                    version=version,
                    answer_id=answer_id,
                    again=again,
                )
        except IntegrityError as exc:
            violated = str(exc.orig)
            if "idempotency_key" in violated:  # the same key sent for another mention meanwhile
                previous = self._by_key(key)
                if previous is not None:
                    return _same_mention(previous, mention_id)
            if "uq_reply_one_voice" not in violated and "replies.mention_id" not in violated:
                raise
            raise ActionRefused.from_catalog("answer_raced", id=mention_id) from None

    def _by_key(self, key: str) -> ReplyView | None:
        """The reply stored under idempotency ``key``, read afresh (None if there is none)."""
        with (self.read_factory or self.write_factory)() as session:
            previous = store.reply_by_key(key, session=session)
            return store.reply_view(previous) if previous is not None else None

    def write(
        self,
        session: Session,
        mention_id: int,
        body: str,
        *,
        key: str,
        version: str | None = None,
        answer_id: int | None = None,
        again: bool = False,
        batch_id: int | None = None,
    ) -> ReplyView:
        """``send`` in the caller's transaction (the checks raise before anything is written).

        With ``batch_id`` (desk.replies.batches) the reply always waits for approval (reason
        ``batch``, beside the policy's own): a supervisor approves the whole batch at once.

        The mention is locked first (``store.hold_mention``), so the key and the one-voice
        checks below read what a colleague's send to it committed."""
        mention = store.hold_mention(mention_id, session=session)
        previous = store.reply_by_key(key, session=session)
        if previous is not None:
            return _same_mention(store.reply_view(previous), mention_id)
        check_before_send(
            session,
            mention,
            self.actor.name,
            self.clock(),
            version,
            self.config.hours.calendar().local,
        )
        composed = self.checked_text(mention, body, self.signature())
        answering = [
            r for r in store.replies_for(mention_id, session=session) if r.status in MAYBE_PUBLISHED
        ]
        for earlier in answering:
            if earlier.text == composed.text:
                raise ActionRefused.from_catalog("already_sent", id=mention_id, reply=earlier.id)
        if answering and not again:
            first = answering[0]
            raise ActionRefused.from_catalog(
                "already_answered",
                id=mention_id,
                reply=first.id,
                author=first.author,
                status=first.status,  # the code, for a screen or script that reads it
                state=Labels("cli.reply.status", [first.status]),  # in words (French)
            )
        voice = max((r.voice for r in answering), default=-1) + 1
        channel = store.channel_name(mention.channel_id, session=session)
        approval = policies.in_force(self.config, session)  # the recorded one, not a desk.toml's
        reasons = reasons_for(
            approval,
            mention,
            channel.partition(":")[2],
            crisis=store.crisis_declared(session=session),  # declared by an ordinary writer
        )
        now = self.clock()
        answer = self._answer(session, answer_id) if answer_id is not None else None
        if answer is not None:
            reasons = self._answer_reasons(answer, mention, composed, now, reasons)
        if batch_id is not None:
            reasons = ["batch", *reasons]
        if reasons and not self.approvers(session, approval):
            raise ActionRefused.from_catalog("no_approver", id=mention_id)
        reply = Reply(
            mention_id=mention_id,
            author=self.actor.name,
            body=composed.body,
            signature=composed.signature,
            text=composed.text,
            status=ReplyStatus.PENDING_APPROVAL if reasons else ReplyStatus.SENDING,
            idempotency_key=key,
            created_at=now,
            submitted_at=now if reasons else None,
            approval_reasons=reasons_json(reasons) if reasons else None,
            answer_id=answer.id if answer else None,
            answer_version=answer.version if answer else None,
            voice=voice,
            batch_id=batch_id,
        )
        session.add(reply)
        if mention.replying_by == self.actor.name:  # the reply is written: claim done
            mention.replying_by = mention.replying_until = None
            session.add(mention)
        session.flush()
        extra: dict[str, Any] = {"again": voice} if voice else {}  # a deliberate second one
        if batch_id is not None:
            extra["batch"] = batch_id
        if reasons:  # four eyes: a supervisor sends it (desk.replies.approval)
            self.record(
                session,
                Action.REPLY_SUBMITTED,
                mention_id=mention.id,
                reply_id=reply.id,
                text=reply.text,
                reasons=reasons,
                **extra,
            )
            return store.reply_view(reply)
        return self.start_delivery(session, reply, mention, **extra)

    def approvers(self, session: Session, approval: ApprovalPolicy | None = None) -> list[str]:
        """Who could approve a reply by the current person: the other active supervisors, and
        the recorded policy's fallback approver (``[approval] fallback``: desk.db.policies) if
        that is someone else, active in the staff records."""
        rows = store.staff_rows(session=session)
        names = [
            row.name
            for row in rows.values()
            if row.active and row.role in ("supervisor", "admin") and row.name != self.actor.name
        ]
        approval = approval or policies.in_force(self.config, session)
        fallback = approval.approval.fallback
        if fallback and fallback != self.actor.name and fallback not in names:
            person = rows.get(fallback)
            if person is not None and person.active:
                names.append(fallback)
        return names

    def withdraw(self, reply_id: int) -> ReplyView:
        """Take back one's own reply while it waits for approval (audited); nothing is sent.
        A row transaction locking the reply's mention first, like ``send``."""
        with row_transaction(self.write_factory) as session:
            store.hold_mention_of_reply(reply_id, session=session)
            reply = session.get(Reply, reply_id)
            if reply is None:
                raise NotFound.from_catalog("reply_unknown", id=reply_id)
            if reply.author != self.actor.name:
                raise ActionRefused.from_catalog(
                    "withdraw_forbidden", id=reply_id, author=reply.author
                )
            if reply.status != ReplyStatus.PENDING_APPROVAL:
                raise ActionRefused.from_catalog(
                    "not_withdrawable",
                    id=reply_id,
                    status=Labels("cli.reply.status", [reply.status]),
                )
            reply.status = ReplyStatus.WITHDRAWN
            session.add(reply)
            self.record.reply(session, Action.REPLY_WITHDRAWN, reply, text=reply.text)
            return store.reply_view(reply)

    def _answer(self, session: Session, answer_id: int) -> Answer:
        answer = session.get(Answer, answer_id)
        if answer is None or not answer.active:
            raise NotFound.from_catalog("answer_unknown", name=f"#{answer_id}")
        return answer

    def _answer_reasons(
        self,
        answer: Answer,
        mention: Mention,
        composed: ComposedReply,
        now: datetime,
        reasons: list[str],
    ) -> list[str]:
        """An expired answer is refused. One sent as filled in: a pre-approved one needs no
        supervisor, unless a value it took from the mention failed its check (``{author}`` that
        is not a handle): then, pre-approved or not, it waits for one (``unchecked:author``),
        since nobody has read that text under the organisation's name."""
        today = self.config.hours.calendar().local(now).date()
        if expired(answer, today):
            raise ActionRefused.from_catalog("answer_expired", name=answer.name)
        if composed.body != render(answer, mention, today):
            return reasons  # edited: the person who typed it read it; the policy decides
        unchecked = [f.reason() for f in fills(answer, mention) if not f.checked]
        if answer.pre_approved:
            return unchecked
        return reasons + [r for r in unchecked if r not in reasons]

    def _frozen_sender(self, platform: str, channel: str) -> dict[str, str] | None:
        """What the platform keeps of ``channel``'s desk.toml settings for a reply queued now
        (``Platform.frozen_sender``); None when the channel left desk.toml or needs nothing."""
        configured = next((c for c in self.config.channel if c.key == channel), None)
        if configured is None:
            return None
        return platform_named(platform).frozen_sender(configured)

    def start_delivery(
        self, session: Session, reply: Reply, mention: Mention, **extra: Any
    ) -> ReplyView:
        """Deliver a reply that may go out now, in the caller's transaction.

        A file-replayed channel's local outbox records it at once (``sent_offline``). A live
        channel's reply is ``queued`` with the end of its undo window and what its platform
        freezes of the channel's settings (``Reply.sender``: an e-mail's From, so that a
        desk.toml change before it goes out or is reconciled changes nothing);
        desk.replies.outbox posts it afterwards, once, and records the outcome.
        """
        channel = store.channel_name(mention.channel_id, session=session)
        sender = self.senders(mention.platform, channel)
        if not sender.live and _pulled_live(session, mention):
            # Its [[channel]] left desk.toml: the local outbox would call it "sent offline" and
            # close the mention while nobody ever posts it. Queued, the outbox says what failed.
            sender = LiveChannel(UNCONFIGURED_UNDO_SECONDS)
        if sender.live:
            undo = getattr(sender, "undo_seconds", 0)
            frozen = self._frozen_sender(mention.platform, channel)
            reply.status = ReplyStatus.QUEUED
            reply.send_after = self.clock() + timedelta(seconds=undo)
            reply.attempts = 0
            reply.sender = _canonical(frozen) if frozen else None
            session.add(reply)
            session.flush()
            if frozen:
                extra = {**extra, "sender": frozen}
            self.record(
                session,
                Action.REPLY_QUEUED,
                mention_id=mention.id,
                reply_id=reply.id,
                text=reply.text,
                undo_seconds=undo,
                **extra,
            )
            return store.reply_view(reply)
        outgoing = OutgoingReply(
            reply_id=reply.id or 0,
            platform=mention.platform,
            channel=channel,
            in_reply_to_remote_id=mention.remote_id,
            text=reply.text,
            idempotency_key=reply.idempotency_key,
            created_at=self.clock(),
        )
        delivery = sender.deliver(outgoing, session=session)
        return record_sent(
            session,
            reply,
            mention,
            status=delivery.status,
            remote_id=delivery.remote_id,
            record=self.record,
            **extra,
        )


def _canonical(value: dict[str, str]) -> str:
    """The stored form of a frozen sender (sorted keys, non-ASCII kept)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _same_mention(previous: ReplyView, mention_id: int) -> ReplyView:
    """The reply a repeated send's key already stored, when it answers this mention; a key
    reused for another mention is refused: that mention was not answered."""
    if previous.mention_id != mention_id:
        raise ActionRefused.from_catalog(
            "reply_key_reused", id=mention_id, other=previous.mention_id
        )
    return previous
