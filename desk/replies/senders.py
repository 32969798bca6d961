"""Where replies go. A ``ReplySender`` delivers one reply for one channel.

Senders come in two kinds (capability flag ``live``):
- offline (``OutboxSender``): the channel is a file replay with no platform behind it; the reply
  is written to the local ``outbox`` table inside the same transaction as the reply and its audit
  event, so it is recorded exactly once;
- live (``LiveChannel``): a configured ``[[channel]]``. The reply is only *queued* here, with
  the end of its undo window; ``desk.replies.outbox`` posts it afterwards through the channel's
  connector, once, reconciling with the platform after any failure.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from desk.db.tables import OutboxEntry
from desk.vocabulary import ReplyStatus


@dataclass(frozen=True, slots=True)
class OutgoingReply:
    """What a sender needs to post one reply."""

    reply_id: int
    platform: str
    channel: str
    in_reply_to_remote_id: str
    text: str
    idempotency_key: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    """The result of a delivery: the remote id (or outbox reference) and the final status."""

    remote_id: str
    status: str  # "sent" or "sent_offline"


class ReplySender(ABC):
    """Delivers replies for a channel. ``live`` says whether a real platform is called."""

    live: bool = False

    @abstractmethod
    def deliver(self, reply: OutgoingReply, *, session: Session) -> Delivery:
        """Record the reply in the caller's open transaction (offline senders only)."""


class OutboxSender(ReplySender):
    """The local outbox for file-replayed channels: recorded, audited, shown as sent offline."""

    live = False

    def deliver(self, reply: OutgoingReply, *, session: Session) -> Delivery:
        """Write the outbox row in the caller's transaction."""
        entry = OutboxEntry(
            reply_id=reply.reply_id,
            platform=reply.platform,
            in_reply_to_remote_id=reply.in_reply_to_remote_id,
            text=reply.text,
            created_at=reply.created_at,
        )
        session.add(entry)
        session.flush()
        return Delivery(remote_id=f"outbox:{entry.id}", status=ReplyStatus.SENT_OFFLINE)


class LiveChannel(ReplySender):
    """A configured live channel: replies are queued for desk.replies.outbox, never delivered here."""

    live = True

    def __init__(self, undo_seconds: int = 0) -> None:
        self.undo_seconds = undo_seconds

    def deliver(self, reply: OutgoingReply, *, session: Session) -> Delivery:
        """Never called: InboxService queues live replies (desk.replies.outbox posts them)."""
        raise NotImplementedError("live replies are posted by desk.replies.outbox")
