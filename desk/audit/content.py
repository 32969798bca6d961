"""What the audit trail binds of the records themselves: a digest of each row's content.

The hash chain proves the *events*; the mentions and replies they are about live in their own
tables, where an UPDATE would leave the chain intact. So the events carry ``content``, the
sha256 of the row's content as it stood when the event was recorded:

- a mention's content (``MENTION_CONTENT``: what was said, by whom, when, where, and a digest of
  the platform's raw record) never changes after arrival: ``mention.ingested`` carries it;
- a reply's content (``REPLY_CONTENT``: author, body, signature, the text posted, its times,
  the remote id once sent, the supervisor's review and note) is bound by *every* event about
  the reply (desk.audit.chain.Recorder adds it): submitted, approved (perhaps edited),
  rejected (with the note), queued, sent (with the remote id)... The latest must match the row.

``check_rows`` re-reads the rows and names every one whose content no longer matches the event
that bound it, every bound row that is gone (unless a recorded purge removed it), and every row
no event records. Rows recorded before this version have events without ``content``: they are
counted as *not bound*, not reported as altered.

The recipe (``CONTENT_RECIPE``) is the same for the database and for an extract
(desk.audit.export), whose records hold exactly these fields: each value as text (numbers in
decimal, times as ISO 8601 in UTC as exported, empty text and null alike as null), the JSON object
of the fields with sorted keys and no spaces, non-ASCII kept, hashed with sha256.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from desk.audit.actions import Action
from desk.clock import as_utc
from desk.db.tables import AuditEvent, Mention, Reply

CONTENT = "content"  # the key of the digest in an event's data
CONTENT_RECIPE = (
    "content = sha256 of the JSON object of the record's content fields (mention: "
    "id, platform, remote_id, url, author_handle, author_name, text, title, kind, visibility, "
    "in_reply_to_remote_id, thread_root_remote_id, created_at, received_at, raw_sha256; reply: "
    "id, mention_id, author, body, signature, text, created_at, remote_id, sent_at, reviewer, "
    "reviewed_at, review_note, answer_id, answer_version), each value as text as exported "
    "(empty and null alike as null), sorted keys, no spaces, non-ASCII kept; the event that "
    "recorded the record (mention.ingested; the latest event about a reply) holds it in "
    "data.content"
)
MENTION_CONTENT = (
    "id",
    "platform",
    "remote_id",
    "url",
    "author_handle",
    "author_name",
    "text",
    "title",
    "kind",
    "visibility",
    "in_reply_to_remote_id",
    "thread_root_remote_id",
    "created_at",
    "received_at",
    "raw_sha256",
)
REPLY_CONTENT = (
    "id",
    "mention_id",
    "author",
    "body",
    "signature",
    "text",
    "created_at",
    "remote_id",
    "sent_at",
    "reviewer",
    "reviewed_at",
    "review_note",
    "answer_id",
    "answer_version",
)
MENTION_COLUMNS = (*(f for f in MENTION_CONTENT if f != "raw_sha256"), "raw")
"""The columns of ``mentions`` its content digest is computed from."""
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_BATCH = 2000  # mention ids per read: bounded memory whatever the size of the database


def plain(value: Any) -> Any:
    """A column value as an extract writes it: times as ISO 8601 in UTC, the rest as is."""
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    return value


def _text(value: Any) -> str | None:
    value = plain(value)
    if value is None or value == "":
        return None
    return str(value)


def digest(record: Mapping[str, Any], fields: Iterable[str]) -> str:
    """The content digest of ``record`` (a row's values or an extract's record) over ``fields``."""
    body = _CANONICAL({name: _text(record.get(name)) for name in fields})
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


def raw_digest(raw: str | None) -> str:
    """The sha256 of a mention's raw platform record (its stored JSON text)."""
    return hashlib.sha256((raw or "").encode("utf-8", "surrogatepass")).hexdigest()


def mention_record(values: Mapping[str, Any]) -> dict[str, Any]:
    """A mention's content fields as an extract holds them (``raw`` becomes ``raw_sha256``)."""
    record = {name: plain(values.get(name)) for name in MENTION_CONTENT if name != "raw_sha256"}
    record["raw_sha256"] = raw_digest(values.get("raw"))
    return record


def mention_digest(values: Mapping[str, Any]) -> str:
    """The digest ``mention.ingested`` carries, from the mention's columns (``raw`` included)."""
    return digest(mention_record(values), MENTION_CONTENT)


def reply_digest(reply: Any) -> str:
    """The digest an event about ``reply`` (a ``Reply`` row, or a mapping) carries."""
    if isinstance(reply, Mapping):
        return digest(reply, REPLY_CONTENT)
    return digest({name: getattr(reply, name) for name in REPLY_CONTENT}, REPLY_CONTENT)


def bound_digest(data: str) -> str | None:
    """The ``content`` digest in an event's data text, if it has one."""
    if f'"{CONTENT}":"' not in data:  # cheap test first: most events bind nothing
        return None
    try:
        value = json.loads(data).get(CONTENT)
    except (ValueError, AttributeError, RecursionError):
        return None
    return value if isinstance(value, str) else None


# -- checking the rows against the trail ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowFinding:
    """A row that does not match the trail: ``problem`` is ``altered`` (its content differs
    from the digest of event ``seq``), ``missing`` (event ``seq`` bound it, and it is gone
    without a recorded purge), ``unrecorded`` (no event records it at all) or, among the
    notes, ``purged_unprovable`` (gone, and a purge made before this version may have removed
    it)."""

    kind: str  # mention | reply
    id: int
    problem: str
    seq: int | None = None

    def describe(self) -> str:
        """English, for the TUI's status line and logs (the CLI speaks the catalog)."""
        what = f"{self.kind} #{self.id}"
        return {
            "altered": f"{what}: its content no longer matches event seq {self.seq}, "
            "which recorded it (the row was altered)",
            "missing": f"{what}: recorded by event seq {self.seq}, it is no longer in the "
            "database, and no purge records its removal",
            "unrecorded": f"{what}: no event of the trail records it (inserted outside desk?)",
            "purged_unprovable": f"{what}: recorded by event seq {self.seq}, gone; a purge "
            "made before this version may have removed it",
        }[self.problem]


@dataclass(slots=True)
class RowReport:
    """What ``check_rows`` found: counts of bound and not-bound rows, findings, notes."""

    bound: dict[str, int] = field(default_factory=lambda: {"mentions": 0, "replies": 0})
    unbound: dict[str, int] = field(default_factory=lambda: {"mentions": 0, "replies": 0})
    purged: int = 0  # bound rows gone, removed by a purge that recorded them
    findings: list[RowFinding] = field(default_factory=list)
    notes: list[RowFinding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No row contradicts the trail."""
        return not self.findings


@dataclass(frozen=True, slots=True)
class Purges:
    """What the retention purges of the verified trail say they removed."""

    mentions: frozenset[int] = frozenset()
    replies: frozenset[int] = frozenset()
    legacy: tuple[int, ...] = ()  # seqs of purges made before purges named their rows

    @classmethod
    def from_events(cls, events: Iterable[tuple[int, str]]) -> Purges:
        """From the ``(seq, data)`` of the trail's ``audit.purged`` events."""
        mentions: set[int] = set()
        replies: set[int] = set()
        legacy: list[int] = []
        for seq, data in events:
            try:
                removed = json.loads(data).get("removed_ids")
                mentions.update(expand(removed["mentions"]))
                replies.update(expand(removed["replies"]))
            except (ValueError, TypeError, KeyError, AttributeError):
                legacy.append(seq)
        return cls(frozenset(mentions), frozenset(replies), tuple(legacy))

    def removed(self, kind: str, row_id: int, bound_at: int) -> bool | None:
        """True when a purge recorded removing the row; None when a purge made before this
        version (after the binding event) may have; False otherwise."""
        if row_id in (self.mentions if kind == "mention" else self.replies):
            return True
        return None if any(seq > bound_at for seq in self.legacy) else False


def ranges(ids: Iterable[int]) -> list[list[int]]:
    """Sorted ids as ``[[first, last], ...]`` runs (what ``audit.purged`` records)."""
    runs: list[list[int]] = []
    for value in sorted(set(ids)):
        if runs and value == runs[-1][1] + 1:
            runs[-1][1] = value
        else:
            runs.append([value, value])
    return runs


def expand(runs: Iterable[Iterable[int]]) -> Iterator[int]:
    """The ids of ``ranges`` runs."""
    for first, last in runs:
        yield from range(int(first), int(last) + 1)


def check_rows(session: Session, purges: Purges, *, batch: int = _BATCH) -> RowReport:
    """Compare every mention and reply with the event that bound its content."""
    report = RowReport()
    # the largest of three: SQLite's scalar max(), PostgreSQL's greatest()
    largest = sa.func.greatest if session.get_bind().dialect.name == "postgresql" else sa.func.max
    top = session.execute(
        sa.select(
            largest(
                sa.func.coalesce(sa.select(sa.func.max(Mention.id)).scalar_subquery(), 0),
                sa.func.coalesce(
                    sa.select(sa.func.max(AuditEvent.mention_id)).scalar_subquery(), 0
                ),
                sa.func.coalesce(sa.select(sa.func.max(Reply.mention_id)).scalar_subquery(), 0),
            )
        )
    ).scalar_one()
    for low in range(1, int(top or 0) + 1, batch):
        _check_range(session, low, low + batch - 1, purges, report)
    return report


def _check_range(session: Session, low: int, high: int, purges: Purges, report: RowReport) -> None:
    mentions_t: sa.Table = Mention.__table__  # type: ignore[attr-defined]
    replies_t: sa.Table = Reply.__table__  # type: ignore[attr-defined]
    events_t: sa.Table = AuditEvent.__table__  # type: ignore[attr-defined]
    mentions = {
        row.id: row._mapping
        for row in session.execute(
            sa.select(*(mentions_t.c[name] for name in MENTION_COLUMNS)).where(
                mentions_t.c.id.between(low, high)
            )
        )
    }
    replies = {
        row.id: row._mapping
        for row in session.execute(
            sa.select(*(replies_t.c[name] for name in REPLY_CONTENT)).where(
                replies_t.c.mention_id.between(low, high)
            )
        )
    }
    mention_bound: dict[int, tuple[int, str | None]] = {}  # id -> (seq, digest or None)
    reply_bound: dict[int, tuple[int, str | None]] = {}
    events = session.execute(
        sa.select(
            events_t.c.seq,
            events_t.c.mention_id,
            events_t.c.reply_id,
            events_t.c.action,
            events_t.c.data,
        )
        .where(events_t.c.mention_id.between(low, high))
        .order_by(events_t.c.seq)
    )
    for seq, mention_id, reply_id, action, data in events:
        bound = bound_digest(data)
        if reply_id is not None:
            if bound is not None or reply_id not in reply_bound:
                reply_bound[reply_id] = (seq, bound)
        elif bound is not None or (
            action == Action.MENTION_INGESTED and mention_id not in mention_bound
        ):
            mention_bound[mention_id] = (seq, bound)
    _compare("mention", mentions, mention_bound, mention_digest, purges, report)
    _compare("reply", replies, reply_bound, reply_digest, purges, report)


def _compare(
    kind: str,
    rows: Mapping[int, Any],
    bound: Mapping[int, tuple[int, str | None]],
    digest_of: Callable[[Any], str],
    purges: Purges,
    report: RowReport,
) -> None:
    plural = {"mention": "mentions", "reply": "replies"}[kind]
    for row_id, values in rows.items():
        seq, expected = bound.get(row_id, (None, None))
        if seq is None:
            report.findings.append(RowFinding(kind, row_id, "unrecorded"))
        elif expected is None:
            report.unbound[plural] += 1
        elif digest_of(values) != expected:
            report.findings.append(RowFinding(kind, row_id, "altered", seq))
        else:
            report.bound[plural] += 1
    for row_id, (seq, expected) in bound.items():
        if row_id in rows or expected is None:
            continue
        removed = purges.removed(kind, row_id, seq)
        if removed:
            report.purged += 1
        elif removed is None:
            report.notes.append(RowFinding(kind, row_id, "purged_unprovable", seq))
        else:
            report.findings.append(RowFinding(kind, row_id, "missing", seq))
