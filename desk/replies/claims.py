"""Collision guard: who is replying to a mention right now, and whether its thread changed.

Opening the composer claims the mention for ``reply_claim_minutes`` (renewed while the person
types); others see "AB is replying" and cannot send over the claim without taking it over, which
is audited. The composer also keeps a *version* of the thread (its messages, the replies sent,
the mention's status); if it differs at send time, sending stops and says what changed. Both
checks run inside the send transaction (``ReplyService.send``), after it locked the mention
(desk.replies.service), so two desks racing on one database cannot both get a reply out.

Taking, renewing, taking over and giving back a claim are row transactions that lock the
mention the same way (``store.hold_mention``): two desks opening the composer on one mention take
turns and the second sees the first's claim, while claims on other mentions, and replies to other
citizens, never wait for them on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from desk.audit.actions import Action
from desk.audit.chain import Recorder
from desk.clock import Clock, as_utc, utcnow
from desk.config import DeskConfig
from desk.db import SessionFactory, row_transaction, store
from desk.db.tables import Mention
from desk.errors import ActionRefused
from desk.views import StaffView
from desk.vocabulary import MAYBE_PUBLISHED, ReplyStatus

_SENT_OR_GOING = MAYBE_PUBLISHED - {ReplyStatus.PENDING_APPROVAL}


@dataclass(frozen=True)
class ReplyStart:
    """What opening the composer found: the thread version, and who holds the claim."""

    mention_id: int
    version: str
    holder: str | None  # None: the claim is yours
    until: datetime | None

    @property
    def mine(self) -> bool:
        """Whether the current person holds the claim."""
        return self.holder is None


class ThreadChanged(ActionRefused):
    """The thread moved since the composer opened; ``changes`` says how (plain data, see
    ``describe``)."""

    changes: list[dict[str, Any]] = []  # noqa: RUF012 - set on each instance before raising


def describe(changes: list[dict[str, Any]], t: Callable[..., str]) -> list[str]:
    """Each change in words, in the language of ``t`` (a Catalog.t)."""
    lines = []
    for change in changes:
        values = {k: v for k, v in change.items() if k != "key"}
        if "ids" in values:
            values["n"] = len(values.pop("ids"))
        for side in ("before", "after"):
            if side in values:
                values[side] = t(f"tui.status.{values[side]}")
        lines.append(t(f"changes.{change['key']}", **values))
    return lines


def active_holder(mention: Mention, now: datetime) -> str | None:
    """Who holds a running claim on the mention (None when free or expired)."""
    until = mention.replying_until
    if mention.replying_by and until is not None and as_utc(until) > now:
        return mention.replying_by
    return None


def thread_state(mention: Mention, *, session: Session) -> dict[str, Any]:
    """What the composer must not miss: the thread's messages, the replies, the status."""
    replies = [
        {"id": r.id, "author": r.author, "status": r.status}
        for r in store.replies_for(mention.id or 0, session=session)
        if r.status in _SENT_OR_GOING
    ]
    return {
        "status": mention.status,
        "messages": sorted(
            row.id for row in store.thread_of(mention, session=session) if row.id != mention.id
        ),
        "replies": replies,
    }


def version_of(state: dict[str, Any]) -> str:
    """An opaque token for a thread state."""
    return json.dumps(state, sort_keys=True, separators=(",", ":"))


def changes_since(version: str, now_state: dict[str, Any]) -> list[dict[str, Any]]:
    """What differs between the state a composer opened on and the state now."""
    try:
        before = json.loads(version)
    except ValueError:
        before = {}
    if not isinstance(before, dict):
        before = {}
    changes: list[dict[str, Any]] = []
    new_messages = sorted(set(now_state["messages"]) - set(before.get("messages") or []))
    if new_messages:
        changes.append({"key": "new_message", "ids": new_messages})
    known = {r.get("id") for r in before.get("replies") or [] if isinstance(r, dict)}
    for reply in now_state["replies"]:
        if reply["id"] not in known:
            changes.append({"key": "new_reply", "author": reply["author"], "id": reply["id"]})
    if before.get("status") != now_state["status"]:
        changes.append(
            {"key": "status", "before": before.get("status"), "after": now_state["status"]}
        )
    return changes


@dataclass(kw_only=True)
class ClaimService:
    """Claims on mentions for replying: start, renew, take over (audited), release."""

    write_factory: SessionFactory
    config: DeskConfig
    actor: StaffView
    clock: Clock = utcnow

    @property
    def ttl(self) -> timedelta:
        """How long a claim lasts without being renewed."""
        return timedelta(minutes=self.config.desk.reply_claim_minutes)

    def start(self, mention_id: int) -> ReplyStart:
        """Open the composer: claim the mention unless a colleague's claim is running."""
        with row_transaction(self.write_factory) as session:
            mention = store.hold_mention(mention_id, session=session)
            now = self.clock()
            version = version_of(thread_state(mention, session=session))
            holder = active_holder(mention, now)
            if holder is not None and holder != self.actor.name:
                return ReplyStart(mention_id, version, holder, mention.replying_until)
            self._hold(session, mention, now)
            return ReplyStart(mention_id, version, None, mention.replying_until)

    def renew(self, mention_id: int) -> datetime:
        """Keep the claim while typing; refused when a colleague took it over meanwhile."""
        with row_transaction(self.write_factory) as session:
            mention = store.hold_mention(mention_id, session=session)
            now = self.clock()
            holder = active_holder(mention, now)
            if holder is not None and holder != self.actor.name:
                raise ActionRefused.from_catalog("claim_lost", id=mention_id, name=holder)
            self._hold(session, mention, now)
            assert mention.replying_until is not None
            return mention.replying_until

    def take_over(self, mention_id: int) -> ReplyStart:
        """Take the claim from a colleague, explicitly (audited with whom it was taken from)."""
        with row_transaction(self.write_factory) as session:
            mention = store.hold_mention(mention_id, session=session)
            now = self.clock()
            previous = active_holder(mention, now)
            self._hold(session, mention, now)
            if previous is not None and previous != self.actor.name:
                record = Recorder(self.actor.name, self.clock)
                record(
                    session,
                    Action.MENTION_REPLY_TAKEN_OVER,
                    mention_id=mention.id,
                    at=now,
                    previous=previous,
                )
            version = version_of(thread_state(mention, session=session))
            return ReplyStart(mention_id, version, None, mention.replying_until)

    def release(self, mention_id: int) -> None:
        """Close the composer without sending: give the claim back if it is still yours."""
        with row_transaction(self.write_factory) as session:
            mention = store.hold_mention(mention_id, session=session)
            if mention.replying_by == self.actor.name:
                mention.replying_by = None
                mention.replying_until = None
                session.add(mention)

    def _hold(self, session: Session, mention: Mention, now: datetime) -> None:
        mention.replying_by = self.actor.name
        mention.replying_until = now + self.ttl
        session.add(mention)


def check_before_send(
    session: Session,
    mention: Mention,
    actor: str,
    now: datetime,
    version: str | None,
    local: Callable[[datetime], datetime] = as_utc,
) -> None:
    """Refuse a send over a colleague's running claim, or on a thread that changed since
    ``version`` (when given). Called inside the send transaction."""
    holder = active_holder(mention, now)
    if holder is not None and holder != actor:
        until = mention.replying_until
        raise ActionRefused.from_catalog(
            "someone_replying",
            id=mention.id,
            name=holder,
            until=local(as_utc(until)).strftime("%H:%M") if until else "?",
        )
    if version is None:
        return
    changes = changes_since(version, thread_state(mention, session=session))
    if changes:
        error = ThreadChanged.from_catalog("thread_changed", id=mention.id)
        error.changes = changes
        raise error
