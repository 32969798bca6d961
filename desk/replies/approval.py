"""Four-eyes approval: which replies wait for a supervisor, and the supervisor's decision.

``reasons_for`` applies desk.toml's ``[approval]`` policy (and the triage rules'
``require_approval``) to a mention: a reply that needs approval is stored as
``pending_approval`` by ``InboxService.send_reply`` instead of going out. ``ApprovalService``
lists those replies and lets a supervisor approve (optionally after editing the text) or reject
with a note; nobody approves their own reply. The wait is recorded (``submitted_at`` ->
``reviewed_at``) for the reports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from desk.audit import chain as audit
from desk.audit.chain import EventSpec
from desk.clock import Clock, as_utc, utcnow
from desk.config import DeskConfig
from desk.db import SessionFactory, store, transaction
from desk.db.tables import Mention, Reply
from desk.errors import ActionRefused, NotFound, PermissionDenied
from desk.triage.conditions import normalise_handle
from desk.views import ReplyView, StaffView

# A reply in one of these states answered the mention, or may have: a second one is not approved.
ANSWERED = ("queued", "sending", "sent", "sent_offline", "unknown")


def reasons_for(config: DeskConfig, mention: Mention, channel: str) -> list[str]:
    """Why a free-text reply to ``mention`` needs a supervisor's approval (empty: it does not)."""
    policy = config.approval
    reasons: list[str] = []
    if mention.needs_approval:
        reasons.append("triage_rule")
    if mention.category in policy.categories:
        reasons.append(f"category:{mention.category}")
    fired = set(store.json_list(mention.triage_rules))
    reasons += [f"rule:{name}" for name in policy.rules if name in fired]
    tags = set(store.json_list(mention.tags))
    reasons += [f"tag:{tag}" for tag in policy.tags if tag in tags]
    if channel in policy.channels:
        reasons.append(f"channel:{channel}")
    author = normalise_handle(mention.author_handle)
    for name in policy.author_lists:
        if author in {normalise_handle(h) for h in config.lists.get(name, [])}:
            reasons.append(f"author:{name}")
    if policy.crisis and policy.crisis_free_text:
        reasons.append("crisis")
    return reasons


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


@dataclass
class ApprovalService:
    """The supervisor's side: the queue, approve (optionally edited), reject."""

    write_factory: SessionFactory
    read_factory: SessionFactory
    config: DeskConfig
    actor: StaffView
    inbox: Any  # InboxService (delivers approved replies); Any avoids an import cycle
    clock: Clock = utcnow

    def pending(self) -> list[PendingReply]:
        """Replies waiting for approval, oldest first."""
        with self.read_factory() as session:
            out = []
            for reply in store.pending_replies(session=session):
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
        if not self.actor.is_supervisor:
            raise PermissionDenied.from_catalog("approve_forbidden")
        reply = session.get(Reply, reply_id)
        if reply is None:
            raise NotFound.from_catalog("reply_unknown", id=reply_id)
        if reply.status != "pending_approval":
            raise ActionRefused.from_catalog("not_pending", id=reply_id, status=reply.status)
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
        with transaction(self.write_factory) as session:
            reply, mention = self._reviewable(session, reply_id)
            answered = next(
                (
                    other
                    for other in store.replies_for(mention.id or 0, session=session)
                    if other.id != reply.id and other.status in ANSWERED
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
                composed = self.inbox.checked_text(mention, text or "", signature)
                reply.body, reply.text = composed.body, composed.text
            delay = self._review(session, reply, mention, note)
            reply.status = "sending"
            session.add(reply)
            self._event(
                session,
                "reply.approved",
                mention,
                reply,
                edited=edited,
                text=reply.text,
                note=reply.review_note,
                delay_seconds=delay,
            )
            return self.inbox.start_delivery(session, reply, mention)

    def reject(self, reply_id: int, note: str) -> ReplyView:
        """Refuse the reply with a note the author will see; nothing is sent."""
        if not note.strip():
            raise ActionRefused.from_catalog("reject_needs_note")
        with transaction(self.write_factory) as session:
            reply, mention = self._reviewable(session, reply_id)
            delay = self._review(session, reply, mention, note)
            reply.status = "rejected"
            session.add(reply)
            self._event(
                session,
                "reply.rejected",
                mention,
                reply,
                note=reply.review_note,
                delay_seconds=delay,
            )
            return store.reply_view(reply)

    def _event(
        self, session: Session, action: str, mention: Mention, reply: Reply, **data: Any
    ) -> None:
        audit.append(
            session,
            EventSpec(
                actor=self.actor.name,
                action=action,
                at=self.clock(),
                mention_id=mention.id,
                reply_id=reply.id,
                data={"author": reply.author, **data},
            ),
        )


def reasons_json(reasons: list[str]) -> str:
    """The stored form of the reasons."""
    return json.dumps(reasons)
