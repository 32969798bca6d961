"""The read models services hand to the UI and the CLI: plain, frozen, safe across threads.

Services build them from table rows (``desk.db.tables``) inside a session; nothing here touches
the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from desk.rows import QueueRow as QueueRow  # re-exported: the rows of a list live there
from desk.rows import ReplyView as ReplyView
from desk.rows import json_list as json_list
from desk.vocabulary import PRIORITY_NAMES


@dataclass(frozen=True, slots=True)
class AuditView:
    """One audit event as shown to supervisors."""

    seq: int
    at: datetime
    actor: str
    action: str
    mention_id: int | None
    reply_id: int | None
    data: dict[str, Any]
    hash: str

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "mention_id": self.mention_id,
            "reply_id": self.reply_id,
            "data": self.data,
            "hash": self.hash,
        }


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that came with a mention (an e-mail's attachment): listed, never opened."""

    name: str
    type: str
    size: int

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"name": self.name, "type": self.type, "size": self.size}


MAX_LISTED = 50
"""Attachments and import notes a detail lists at most."""


def extras_of(raw: Any) -> tuple[list[Attachment], list[str]]:
    """The attachments and import notes a platform's parser left in a mention's ``raw`` record
    (``raw["attachments"]``: ``{"name", "type", "size"}`` objects, ``raw["notes"]``: strings).
    Anything of another shape is ignored: the record is untrusted input."""
    if not isinstance(raw, dict):
        return [], []
    attachments = []
    for item in raw.get("attachments") or []:
        if isinstance(item, dict):
            size = item.get("size")
            attachments.append(
                Attachment(
                    name=str(item.get("name") or "?")[:300],
                    type=str(item.get("type") or "")[:100],
                    size=size if isinstance(size, int) and size >= 0 else 0,
                )
            )
    notes = [str(n)[:500] for n in raw.get("notes") or [] if isinstance(n, str)]
    return attachments[:MAX_LISTED], notes[:MAX_LISTED]


@dataclass(frozen=True, slots=True)
class MentionDetail:
    """Everything the detail pane and ``desk show`` need about one mention."""

    id: int
    platform: str
    channel: str
    remote_id: str
    url: str | None
    author_handle: str
    author_name: str
    text: str
    title: str | None
    language: str | None
    kind: str
    created_at: datetime
    received_at: datetime
    status: str
    category: str
    priority: int
    assignee: str | None
    triage_reason: str
    triage_rules: list[str]
    in_reply_to_remote_id: str | None
    tags: list[str] = field(default_factory=list)
    needs_approval: bool = False
    suggested_answer: str | None = None
    triage: dict[str, Any] = field(default_factory=dict)  # Decision.detail(), see triage.explain
    replying_by: str | None = None  # the reply claim (desk.replies.claims), running or expired
    replying_until: datetime | None = None
    thread: list[QueueRow] = field(default_factory=list)
    replies: list[ReplyView] = field(default_factory=list)
    history: list[AuditView] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What the import could not read well (a bad charset, a message cut to its limit...)."""

    def to_json(self) -> dict[str, Any]:
        """JSON form printed by ``desk show --json``."""
        return {
            "id": self.id,
            "platform": self.platform,
            "channel": self.channel,
            "remote_id": self.remote_id,
            "url": self.url,
            "author": self.author_handle,
            "author_name": self.author_name,
            "text": self.text,
            "title": self.title,
            "language": self.language,
            "kind": self.kind,
            "created_at": self.created_at.isoformat(),
            "received_at": self.received_at.isoformat(),
            "status": self.status,
            "category": self.category,
            "priority": PRIORITY_NAMES.get(self.priority, str(self.priority)),
            "assignee": self.assignee,
            "triage_reason": self.triage_reason,
            "triage_rules": self.triage_rules,
            "tags": self.tags,
            "needs_approval": self.needs_approval,
            "suggested_answer": self.suggested_answer,
            "triage": self.triage,
            "in_reply_to": self.in_reply_to_remote_id,
            "thread": [row.to_json() for row in self.thread],
            "replies": [r.to_json() for r in self.replies],
            "history": [e.to_json() for e in self.history],
            "attachments": [a.to_json() for a in self.attachments],
            "notes": self.notes,
        }


@dataclass(frozen=True, slots=True)
class StaffView:
    """A staff member as the services and UI see them."""

    name: str
    display_name: str
    initials: str
    role: str
    languages: tuple[str, ...]

    @property
    def is_supervisor(self) -> bool:
        """Supervisors (and admins) approve replies, edit answers, re-triage and export."""
        return self.role in ("supervisor", "admin")

    @property
    def is_admin(self) -> bool:
        """Admins manage staff (e.g. set someone else's passphrase)."""
        return self.role == "admin"
