"""The read models of a list: a queue row and a reply, with their ``--json`` forms.

Apart from desk.views (which re-exports them) because desk.db.fastread, behind the quick
``desk queue`` and ``desk replies``, needs these two and nothing else: every
dataclass costs about a millisecond to make at import (issue 16).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from desk.vocabulary import PRIORITY_NAMES


def json_list(value: str) -> list[str]:
    """A JSON list column (tags, rule names, approval reasons) as strings; [] when damaged."""
    try:
        parsed = json.loads(value)
    except ValueError:
        return []
    return [str(v) for v in parsed] if isinstance(parsed, list) else []


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One line of the queue."""

    id: int
    platform: str
    remote_id: str
    author: str
    text: str
    created_at: datetime
    category: str
    priority: int
    assignee: str | None
    status: str
    language: str | None
    kind: str
    replying_by: str | None = None  # set only while that person's claim is running
    replying_until: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """The scriptable form printed by ``desk queue --json``."""
        return {
            "id": self.id,
            "platform": self.platform,
            "remote_id": self.remote_id,
            "author": self.author,
            "text": self.text,
            "created_at": self.created_at.isoformat(),
            "category": self.category,
            "priority": PRIORITY_NAMES.get(self.priority, str(self.priority)),
            "assignee": self.assignee,
            "status": self.status,
            "language": self.language,
            "kind": self.kind,
        }


def queue_row(values: Sequence[Any], instant: Callable[[Any], datetime]) -> QueueRow:
    """A QueueRow from the queue's selected columns (id, platform, remote id, author handle,
    text snippet, posted, category, priority, assignee, status, language, kind, replying by,
    replying until: desk.db.store's and desk.db.fastread's ``_QUEUE_COLUMNS``), its instants
    read by ``instant`` (each path reads the stored time its own way)."""
    return QueueRow(
        id=values[0],
        platform=values[1],
        remote_id=values[2],
        author=values[3],
        text=values[4] or "",
        created_at=instant(values[5]),
        category=values[6],
        priority=values[7],
        assignee=values[8],
        status=values[9],
        language=values[10],
        kind=values[11],
        replying_by=values[12],
        replying_until=None if values[13] is None else instant(values[13]),
    )


@dataclass(frozen=True, slots=True)
class ReplyView:
    """A reply as shown in history screens."""

    id: int
    mention_id: int
    author: str
    body: str
    signature: str
    text: str
    status: str
    remote_id: str | None
    created_at: datetime
    sent_at: datetime | None
    error: str | None = None
    submitted_at: datetime | None = None
    reviewer: str | None = None
    reviewed_at: datetime | None = None
    review_note: str | None = None
    approval_reasons: tuple[str, ...] = ()
    send_after: datetime | None = None  # queued for a live channel: end of the undo window

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "id": self.id,
            "mention_id": self.mention_id,
            "send_after": self.send_after.isoformat() if self.send_after else None,
            "submitted_at": self.submitted_at.isoformat() if self.submitted_at else None,
            "approval_reasons": list(self.approval_reasons),
            "reviewer": self.reviewer,
            "reviewed_at": self.reviewed_at.isoformat() if self.reviewed_at else None,
            "review_note": self.review_note,
            "author": self.author,
            "body": self.body,
            "signature": self.signature,
            "text": self.text,
            "status": self.status,
            "remote_id": self.remote_id,
            "created_at": self.created_at.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
        }
