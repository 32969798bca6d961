"""InboxService: every action on a mention is one transaction that also writes its audit event.

The UI and the CLI call these methods and nothing else to change the inbox. Each method raises a
``DeskError`` subclass with a message for the user when the action is refused.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import object_session
from sqlmodel import Session

from desk.answers.service import expired, render
from desk.audit import chain as audit
from desk.audit.chain import EventSpec
from desk.clock import Clock, utcnow
from desk.config import DeskConfig
from desk.db import SessionFactory, store, transaction
from desk.db.tables import Answer, Channel, Mention, Reply
from desk.errors import ActionRefused, NotFound, PermissionDenied
from desk.replies.approval import reasons_for, reasons_json
from desk.replies.claims import check_before_send
from desk.replies.senders import Delivery, LiveChannel, OutboxSender, OutgoingReply, ReplySender
from desk.text.length import check
from desk.views import ReplyView, StaffView
from desk.vocabulary import CATEGORIES

SenderLookup = Callable[[str, str], ReplySender]
# A reply in one of these states is, or may be, on the platform: the same text is not sent again.
_MAYBE_PUBLISHED = ("sent", "sent_offline", "queued", "sending", "unknown", "pending_approval")


def offline_senders(_platform: str, _channel: str) -> ReplySender:
    """Every channel goes to the local outbox (file-replayed channels have no live platform)."""
    return OutboxSender()


def live_senders(config: DeskConfig) -> SenderLookup:
    """Replies to a configured ``[[channel]]`` that can reply are queued for desk.replies.outbox (with
    the channel's undo window), even while it is disabled (``enabled`` stops its polling; the
    thread still lives on the platform); every other channel uses the local outbox."""
    live = {c.key: c.undo_seconds for c in config.channel if c.platform != "rss"}

    def lookup(_platform: str, channel: str) -> ReplySender:
        if channel in live:
            return LiveChannel(live[channel])
        return OutboxSender()

    return lookup


UNCONFIGURED_UNDO_SECONDS = 5  # ChannelConfig's default undo window


def _pulled_live(session: Session, mention: Mention) -> bool:
    """Whether ``mention`` came from a live platform that takes replies (not a file replay)."""
    row = session.get(Channel, mention.channel_id)
    return bool(row is not None and row.live and mention.platform != "rss")


@dataclass(frozen=True, slots=True)
class ReplyFrame:
    """Where a reply will be posted, as far as its length is concerned.

    ``limit``: the live channel's ``max_chars`` (a Mastodon instance's own limit), else the
    platform's. ``parent_raw``/``author``: set for a live Mastodon channel, whose connector puts
    the author's ``@acct`` first (desk.platforms.mastodon.client.posted_text); the count includes it.
    """

    limit: int | None = None
    parent_raw: dict[str, Any] | None = None
    author: str | None = None

    def posted(self, text: str) -> str:
        """The text as the platform will receive it."""
        if self.parent_raw is None:
            return text
        from desk.platforms.mastodon.client import posted_text

        return posted_text(text, self.parent_raw, self.author)


NO_FRAME = ReplyFrame()


@dataclass(frozen=True, slots=True)
class ComposedReply:
    """A reply body with its signature, measured against the platform limit."""

    body: str
    signature: str
    text: str
    length: int
    limit: int | None
    unit: str = "characters"
    reason: str | None = None  # why the platform would refuse it ("over 3000 bytes"...)

    @property
    def remaining(self) -> int | None:
        """Units left under the limit (negative when over); None when the platform has none."""
        return None if self.limit is None else self.limit - self.length


def compose(
    body: str, signature: str, platform: str, frame: ReplyFrame = NO_FRAME
) -> ComposedReply:
    """Join body and signature (the signature is never cut) and measure the result exactly as
    the platform counts it (desk.text.length: graphemes, bytes, weights, URLs, @mentions)."""
    clean = body.strip()
    text = f"{clean}\n{signature}" if signature else clean
    measured = check(platform, frame.posted(text), limit=frame.limit)
    reason = None if measured.ok or not clean else measured.reason
    return ComposedReply(
        clean, signature, text, measured.length, measured.limit, measured.unit, reason
    )


@dataclass
class InboxService:
    """Actions on the inbox as one staff member (``actor``)."""

    write_factory: SessionFactory
    config: DeskConfig
    actor: StaffView
    clock: Clock = utcnow
    senders: SenderLookup = field(default=offline_senders)
    read_factory: SessionFactory | None = None  # reads that must not wait for the write lock

    # -- helpers ---------------------------------------------------------------------------
    def _event(
        self,
        session: Session,
        action: str,
        mention: Mention | None,
        reply_id: int | None = None,
        **data: Any,
    ) -> None:
        audit.append(
            session,
            EventSpec(
                actor=self.actor.name,
                action=action,
                at=self.clock(),
                mention_id=mention.id if mention else None,
                reply_id=reply_id,
                data=data,
            ),
        )

    def _staff_name(self, name: str, *, receiver: bool = False) -> str:
        person = self.config.staff_named(name)
        if person is None:
            names = ", ".join(s.name for s in self.config.staff)
            raise NotFound.from_catalog("staff_unknown", name=name, names=names)
        if receiver and not person.active:  # deactivated (desk.staff): given no new work
            raise ActionRefused.from_catalog("staff_inactive_target", name=person.name)
        return person.name

    # -- assignment ------------------------------------------------------------------------
    def assign(self, mention_id: int, staff_name: str) -> None:
        """Give the mention to a named staff member."""
        name = self._staff_name(staff_name, receiver=True)
        with transaction(self.write_factory) as session:
            mention = store.get_mention(mention_id, session=session)
            held_by_other = mention.assignee not in (None, self.actor.name)
            if held_by_other and not self.actor.is_supervisor:
                raise ActionRefused.from_catalog(
                    "assigned_to_other", id=mention_id, name=mention.assignee
                )
            if mention.assignee == name:
                raise ActionRefused.from_catalog("already_assigned", id=mention_id, name=name)
            before = mention.assignee
            mention.assignee = name
            session.add(mention)
            self._event(session, "mention.assigned", mention, to=name, previous=before)

    def handover(self, from_name: str, to_name: str, *, at: datetime | None = None) -> list[int]:
        """Move every open mention of one person to another, one audit event each.

        Allowed to a supervisor, or to the person handing over their own items. Refused when the
        receiver is absent that day (desk.toml ``absences``): work must not land on an empty desk.
        """
        source, target = self._staff_name(from_name), self._staff_name(to_name, receiver=True)
        if source == target:
            raise ActionRefused.from_catalog("handover_same", name=source)
        if not self.actor.is_supervisor and self.actor.name != source:
            raise PermissionDenied.from_catalog("handover_forbidden", name=source)
        day = self.config.hours.calendar().local(at or self.clock()).date()
        person = self.config.staff_named(target)
        for absence in person.absences if person else ():
            if absence.start <= day <= absence.end:
                raise ActionRefused.from_catalog(
                    "handover_absent", name=target, until=absence.end.isoformat()
                )
        with transaction(self.write_factory) as session:
            mentions = store.open_mentions_of(source, session=session)
            for mention in mentions:
                mention.assignee = target
                session.add(mention)
                self._event(session, "mention.handed_over", mention, previous=source, to=target)
            return [m.id for m in mentions if m.id is not None]

    def claim(self, mention_id: int) -> None:
        """Take the mention for yourself (refused if a colleague has it, unless you supervise)."""
        with transaction(self.write_factory) as session:
            mention = store.get_mention(mention_id, session=session)
            if mention.assignee == self.actor.name:
                raise ActionRefused.from_catalog("already_yours", id=mention_id)
            if mention.assignee and not self.actor.is_supervisor:
                raise ActionRefused.from_catalog(
                    "assigned_to_other", id=mention_id, name=mention.assignee
                )
            before = mention.assignee
            mention.assignee = self.actor.name
            session.add(mention)
            self._event(session, "mention.claimed", mention, previous=before)

    def release(self, mention_id: int) -> None:
        """Give back a mention you hold, so it is unassigned."""
        with transaction(self.write_factory) as session:
            mention = store.get_mention(mention_id, session=session)
            if mention.assignee != self.actor.name and not self.actor.is_supervisor:
                raise ActionRefused.from_catalog(
                    "not_yours", id=mention_id, name=mention.assignee or "-"
                )
            if mention.assignee is None:
                raise ActionRefused.from_catalog("not_assigned", id=mention_id)
            before = mention.assignee
            mention.assignee = None
            session.add(mention)
            self._event(session, "mention.released", mention, previous=before)

    # -- state -----------------------------------------------------------------------------
    def categorise(self, mention_id: int, category: str) -> None:
        """Set the category by hand (overrides triage)."""
        if category not in CATEGORIES:
            raise ActionRefused.from_catalog(
                "unknown_category", category=category, categories=", ".join(CATEGORIES)
            )
        with transaction(self.write_factory) as session:
            mention = store.get_mention(mention_id, session=session)
            if mention.category == category:
                raise ActionRefused.from_catalog(
                    "already_category", id=mention_id, category=category
                )
            before = mention.category
            mention.category = category
            session.add(mention)
            self._event(session, "mention.categorised", mention, category=category, previous=before)

    def close(self, mention_id: int, reason: str = "") -> None:
        """Mark the mention done."""
        with transaction(self.write_factory) as session:
            mention = store.get_mention(mention_id, session=session)
            if mention.status == "closed":
                raise ActionRefused.from_catalog("already_closed", id=mention_id)
            mention.status = "closed"
            session.add(mention)
            self._event(session, "mention.closed", mention, reason=reason)

    def reopen(self, mention_id: int) -> None:
        """Put a closed mention back in the open queue."""
        with transaction(self.write_factory) as session:
            mention = store.get_mention(mention_id, session=session)
            if mention.status == "open":
                raise ActionRefused.from_catalog("already_open", id=mention_id)
            mention.status = "open"
            session.add(mention)
            self._event(session, "mention.reopened", mention)

    def mark_spam(self, mention_id: int) -> None:
        """Categorise as spam and close, in one step."""
        with transaction(self.write_factory) as session:
            mention = store.get_mention(mention_id, session=session)
            if mention.category == "spam" and mention.status == "closed":
                raise ActionRefused.from_catalog("already_spam", id=mention_id)
            before = mention.category
            mention.category = "spam"
            mention.status = "closed"
            session.add(mention)
            self._event(session, "mention.marked_spam", mention, previous=before)

    # -- replies ---------------------------------------------------------------------------
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
        if mention.platform != "mastodon":
            return ReplyFrame(limit=live.max_chars)
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

    def _checked(self, mention: Mention, body: str) -> ComposedReply:
        return self.checked_text(mention, body, self.signature())

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

    def save_draft(self, mention_id: int, body: str) -> ReplyView:
        """Keep a draft of a reply (audited, not sent)."""
        with transaction(self.write_factory) as session:
            mention = store.get_mention(mention_id, session=session)
            composed = compose(body, self.signature(), mention.platform)
            if not composed.body:
                raise ActionRefused.from_catalog("draft_empty")
            reply = Reply(
                mention_id=mention_id,
                author=self.actor.name,
                body=composed.body,
                signature=composed.signature,
                text=composed.text,
                status="draft",
                idempotency_key=str(uuid.uuid4()),
                created_at=self.clock(),
            )
            session.add(reply)
            session.flush()
            self._event(session, "reply.drafted", mention, reply.id, text=composed.text)
            return store.reply_view(reply)

    def send_reply(
        self,
        mention_id: int,
        body: str,
        *,
        idempotency_key: str | None = None,
        version: str | None = None,
        answer_id: int | None = None,
    ) -> ReplyView:
        """Sign, check the length, and send once. A repeated key returns the first reply unchanged.

        Refused while a colleague's reply claim runs, and, with ``version`` (from
        ``ClaimService.start``), when the thread changed since (desk.replies.claims). The claim is
        released by the send.
        """
        key = idempotency_key or str(uuid.uuid4())
        with transaction(self.write_factory) as session:
            previous = store.reply_by_key(key, session=session)
            if previous is not None:
                return store.reply_view(previous)
            mention = store.get_mention(mention_id, session=session)
            check_before_send(
                session,
                mention,
                self.actor.name,
                self.clock(),
                version,
                self.config.hours.calendar().local,
            )
            composed = self._checked(mention, body)
            for earlier in store.replies_for(mention_id, session=session):
                if earlier.text == composed.text and earlier.status in _MAYBE_PUBLISHED:
                    raise ActionRefused.from_catalog(
                        "already_sent", id=mention_id, reply=earlier.id
                    )
            channel = store.channel_name(mention.channel_id, session=session)
            reasons = reasons_for(self.config, mention, channel.partition(":")[2])
            now = self.clock()
            answer = self._answer(session, answer_id) if answer_id is not None else None
            if answer is not None:
                today = self.config.hours.calendar().local(now).date()
                if expired(answer, today):
                    raise ActionRefused.from_catalog("answer_expired", name=answer.name)
                if answer.pre_approved and composed.body == render(answer, mention, today):
                    reasons = []  # only a pre-approved answer, unedited: no supervisor needed
            reply = Reply(
                mention_id=mention_id,
                author=self.actor.name,
                body=composed.body,
                signature=composed.signature,
                text=composed.text,
                status="pending_approval" if reasons else "sending",
                idempotency_key=key,
                created_at=now,
                submitted_at=now if reasons else None,
                approval_reasons=reasons_json(reasons) if reasons else None,
                answer_id=answer.id if answer else None,
                answer_version=answer.version if answer else None,
            )
            session.add(reply)
            if mention.replying_by == self.actor.name:  # the reply is written: claim done
                mention.replying_by = mention.replying_until = None
                session.add(mention)
            session.flush()
            if reasons:  # four eyes: a supervisor sends it (desk.replies.approval)
                self._event(
                    session, "reply.submitted", mention, reply.id, text=reply.text, reasons=reasons
                )
                return store.reply_view(reply)
            return self.start_delivery(session, reply, mention)

    def _answer(self, session: Session, answer_id: int) -> Answer:
        answer = session.get(Answer, answer_id)
        if answer is None or not answer.active:
            raise NotFound.from_catalog("answer_unknown", name=f"#{answer_id}")
        return answer

    def start_delivery(self, session: Session, reply: Reply, mention: Mention) -> ReplyView:
        """Deliver a reply that may go out now, in the caller's transaction.

        A file-replayed channel's local outbox records it at once (``sent_offline``). A live
        channel's reply is ``queued`` with the end of its undo window; desk.replies.outbox posts it
        afterwards, once, and records the outcome.
        """
        channel = store.channel_name(mention.channel_id, session=session)
        sender = self.senders(mention.platform, channel)
        if not sender.live and _pulled_live(session, mention):
            # Its [[channel]] left desk.toml: the local outbox would call it "sent offline" and
            # close the mention while nobody ever posts it. Queued, the outbox says what failed.
            sender = LiveChannel(UNCONFIGURED_UNDO_SECONDS)
        if sender.live:
            now = self.clock()
            undo = getattr(sender, "undo_seconds", 0)
            reply.status = "queued"
            reply.send_after = now + timedelta(seconds=undo)
            reply.attempts = 0
            session.add(reply)
            session.flush()
            self._event(
                session, "reply.queued", mention, reply.id, text=reply.text, undo_seconds=undo
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
        return self._record_sent(session, reply, mention, delivery)

    def _record_sent(
        self, session: Session, reply: Reply, mention: Mention, delivery: Delivery
    ) -> ReplyView:
        """Mark the reply delivered and the mention done, with the ``reply.sent`` event."""
        reply.status = delivery.status
        reply.remote_id = delivery.remote_id
        reply.sent_at = self.clock()
        mention.status = "closed"
        session.add_all([reply, mention])
        self._event(
            session,
            "reply.sent",
            mention,
            reply.id,
            text=reply.text,
            status=delivery.status,
            remote_id=delivery.remote_id,
        )
        return store.reply_view(reply)
