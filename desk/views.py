"""The read models services hand to the UI and the CLI: plain, frozen, safe across threads.

Services build them from table rows (``desk.db.tables``) inside a session; nothing here touches
the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

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
_NOTE_CODE = re.compile(r"[a-z][a-z0-9_]{0,59}")
MAX_NOTE_ARGS = 8


class Wording(Protocol):
    """What an import note is worded with: a ``desk.i18n.Catalog`` (not imported here: the
    read models stay below the catalogs)."""

    language: str

    def t(self, key: str, **values: Any) -> str:
        """The catalog's string for ``key``, formatted (the key itself when missing)."""
        ...


@dataclass(frozen=True, slots=True)
class ImportNote:
    """One thing the import could not read well, as a platform's parser left it in
    ``raw["notes"]``: a code and its values (``{"code": "unknown_charset", "args": {"charset":
    "x-bad"}}``), worded in the reader's language by the catalog section ``import_note``; or,
    in a record stored before notes had codes, the English sentence itself (``text``)."""

    code: str = ""
    args: dict[str, str | int] = field(default_factory=dict)
    text: str = ""
    section: str = "import_note"
    """The catalog section that words the code: ``import_note``; ``automatic_mail`` (why a
    mail was sent by a machine, ``raw["automatic"]``); ``pull_note`` (what a pull noticed)."""

    @classmethod
    def of(cls, item: Any) -> ImportNote | None:
        """The note an entry of ``raw["notes"]`` holds; None for anything of another shape (the
        record is untrusted input)."""
        if isinstance(item, str):
            return cls(text=item[:500])
        if not isinstance(item, dict):
            return None
        code, args = item.get("code"), item.get("args")
        if not isinstance(code, str) or not _NOTE_CODE.fullmatch(code):
            return None
        kept: dict[str, str | int] = {}
        for key, value in args.items() if isinstance(args, dict) else ():
            if len(kept) == MAX_NOTE_ARGS:
                break
            if isinstance(key, str) and _NOTE_CODE.fullmatch(key):
                if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**18:
                    kept[key] = value
                elif isinstance(value, str):
                    kept[key] = value[:200]
        return cls(code=code, args=kept)

    def render(self, catalog: Wording) -> str:
        """The note in the catalog's language (numbers grouped its way); a stored sentence as it
        is; a code no catalog knows (a newer desk's) with its values."""
        if not self.code:
            return self.text
        values = {
            k: _grouped(v, catalog.language) if isinstance(v, int) else v
            for k, v in self.args.items()
        }
        key = f"{self.section}.{self.code}"
        worded = catalog.t(key, **values)
        if worded != key:
            return worded
        return " ".join([self.code, *(f"{k}={v}" for k, v in values.items())])

    def to_json(self) -> dict[str, Any]:
        """JSON form: the code and its values (and its section, when not ``import_note``), or
        the stored sentence."""
        if not self.code:
            return {"text": self.text}
        coded: dict[str, Any] = {"code": self.code, "args": self.args}
        return coded if self.section == "import_note" else {**coded, "section": self.section}


def _grouped(n: int, language: str) -> str:
    """``12,345`` in English, ``12 345`` (narrow no-break space) in French."""
    return f"{n:,}".replace(",", "\u202f") if language == "fr" else f"{n:,}"


def extras_of(raw: Any) -> tuple[list[Attachment], list[ImportNote]]:
    """The attachments and import notes a platform's parser left in a mention's ``raw`` record
    (``raw["attachments"]``: ``{"name", "type", "size"}`` objects, ``raw["notes"]``: ``{"code",
    "args"}`` objects, or English sentences in records stored before notes had codes), with
    ``raw["automatic"]`` (why a machine sent it, in the same form) as the first note.
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
    stored = raw.get("notes")
    stored = stored[: MAX_LISTED * 4] if isinstance(stored, list) else []
    notes = [n for n in map(ImportNote.of, stored) if n is not None]
    automatic = ImportNote.of(raw.get("automatic"))
    if automatic is not None:  # why a machine sent it, first (an English reason if stored before)
        notes.insert(0, replace(automatic, section="automatic_mail"))
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
    notes: list[ImportNote] = field(default_factory=list)
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
            "notes": [n.to_json() for n in self.notes],
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
