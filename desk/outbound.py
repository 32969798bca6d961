"""Where replies go. A ``ReplySender`` delivers one reply for one channel.

Senders come in two kinds (capability flag ``live``):
- offline (``OutboxSender``): the channel is a file replay with no platform behind it; the reply
  is written to the local ``outbox`` table inside the same transaction as the reply and its audit
  event, so it is recorded exactly once;
- live (later connectors): the service first records the reply as ``sending`` (committed, audited),
  then calls ``deliver`` outside any transaction, then records the outcome. A live sender must make
  a retry safe (Mastodon Idempotency-Key, Bluesky chosen rkey, X: look at recent posts first).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from desk.models import OutboxEntry


class NotDelivered(Exception):  # noqa: N818 - reads as the outcome it reports
    """Raised by a live sender that knows the platform did *not* publish the reply (refused
    before sending, 4xx validation error...). Any other exception means the outcome is unknown:
    the post may exist, so desk records ``unknown`` and never resends it blindly."""


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
    def deliver(self, reply: OutgoingReply, *, session: Session | None) -> Delivery:
        """Post the reply. Offline senders get the open session; live ones get None."""


class OutboxSender(ReplySender):
    """The local outbox for file-replayed channels: recorded, audited, shown as sent offline."""

    live = False

    def deliver(self, reply: OutgoingReply, *, session: Session | None) -> Delivery:
        """Write the outbox row in the caller's transaction."""
        assert session is not None, "the outbox writes inside the reply's transaction"
        entry = OutboxEntry(
            reply_id=reply.reply_id,
            platform=reply.platform,
            in_reply_to_remote_id=reply.in_reply_to_remote_id,
            text=reply.text,
            created_at=reply.created_at,
        )
        session.add(entry)
        session.flush()
        return Delivery(remote_id=f"outbox:{entry.id}", status="sent_offline")
