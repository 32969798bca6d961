"""The audit trail: append-only and hash-chained from the first event.

Each event stores ``prev_hash`` (the hash of the event before it; 64 zeros for the first) and
``hash = sha256(prev_hash + "\\n" + canonical(event))`` where ``canonical`` is a sorted, compact
JSON of the event's fields. ``verify`` recomputes the chain and names the first event that does not
fit: an altered row changes its hash, a deleted row breaks the ``seq`` run and the next
``prev_hash``, an inserted row breaks both as well. Appends happen inside the caller's
transaction (the change and its audit event commit together) and never commit themselves.

A retention purge (desk.audit.retention) removes a *prefix* of the trail. It first records an anchor
(``audit_anchors``: the seq and hash of the last event removed), then appends an ``audit.purged``
event naming that anchor. ``verify`` then starts from the newest anchor instead of seq 1 and
accepts it only if an ``audit.purged`` event of the verified chain names it exactly, so an edited
or forged anchor, or events removed beyond it, are reported like any other break.

The rows the events are about are bound too (desk.audit.content): ``mention.ingested`` carries the
digest of the mention's content, and every event about a reply the digest of the reply as it
stands (``Recorder`` adds it). ``verify`` then re-reads the rows and names any that no longer
match. What no chain can show by itself — events cut from its end, or its start replaced
together with a forged anchor — takes a head kept outside the database: ``expect_head`` here,
and the checkpoint file of desk.audit.checkpoints.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlmodel import Session, col, select

from desk.audit import content
from desk.audit.actions import Action
from desk.clock import Clock, as_utc
from desk.db import lock_audit
from desk.db.bulk import fast_insert
from desk.db.tables import AuditAnchor, AuditEvent, Reply
from desk.errors import InputError
from desk.views import AuditView

GENESIS = "0" * 64
PURGED = Action.AUDIT_PURGED  # the event a retention purge appends (desk.audit.retention)


@dataclass(slots=True)  # not frozen: ingest builds one per mention, frozen init costs 3x
class EventSpec:
    """An event to append: who did what, to which mention/reply, with which details."""

    actor: str
    action: str
    at: datetime
    mention_id: int | None = None
    reply_id: int | None = None
    data: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """Outcome of ``verify``: ``ok``, how many events were checked, and the first bad one."""

    ok: bool
    checked: int
    bad_seq: int | None = None
    bad_id: int | None = None
    reason: str | None = None
    head: str = GENESIS
    start_seq: int = 0  # the purge anchor the chain starts after (0: from seq 1)
    head_seq: int = 0
    rows: content.RowReport | None = None  # the rows checked against their events (if asked)


# One encoder, built once: json.dumps with keyword arguments builds a new encoder per call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_SCALAR = json.JSONEncoder(ensure_ascii=False).encode


def canonical_data(data: dict[str, Any] | None) -> str:
    """The stable JSON text stored in ``audit_events.data``."""
    return _CANONICAL(data or {})


@lru_cache(maxsize=1024)
def _timestamp(at: datetime) -> str:
    return as_utc(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_hash(
    prev_hash: str,
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    mention_id: int | None,
    reply_id: int | None,
    data_text: str,
) -> str:
    """Hash of one event over its canonical serialisation, chained to ``prev_hash``.

    The serialisation is the JSON object of the fields with sorted keys and no spaces; ``data``
    is embedded as its canonical text (``canonical_data``), so it is not parsed again here.
    """
    dump = _DUMP
    body = (
        f'{{"action":{dump(action)},"actor":{dump(actor)},"at":"{_timestamp(at)}","data":{data_text},'
        f'"mention_id":{dump(mention_id)},"reply_id":{dump(reply_id)},"seq":{int(seq)}}}'
    )
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


@lru_cache(maxsize=4096)
def _DUMP(value: str | int | None) -> str:  # noqa: N802 - a constant-like alias used in the hot path
    return _SCALAR(value)


def head(session: Session, *, for_append: bool = False) -> tuple[int, str]:
    """The last event's (seq, hash); for an empty trail the newest purge anchor, else
    (0, GENESIS) — a purge may remove every event before it appends its own.

    ``for_append``: the caller appends after it. On PostgreSQL the transaction then holds the
    audit chain's advisory lock (desk.db.AUDIT_LOCK) until it ends, so two desks never chain to
    the same head, even row transactions running side by side; SQLite's write lock does that
    itself."""
    if for_append:
        lock_audit(session)
    row = session.exec(
        select(AuditEvent.seq, AuditEvent.hash).order_by(col(AuditEvent.seq).desc()).limit(1)
    ).first()
    if row:
        return row[0], row[1]
    anchor = latest_anchor(session)
    return (anchor.seq, anchor.hash) if anchor else (0, GENESIS)


def latest_anchor(session: Session) -> AuditAnchor | None:
    """The newest purge anchor (where the trail now starts), or None if nothing was purged."""
    return session.exec(select(AuditAnchor).order_by(col(AuditAnchor.seq).desc()).limit(1)).first()


@dataclass(frozen=True, slots=True)
class Recorder:
    """How a service records what it does: events by one actor, timed by one clock, appended in
    the caller's transaction (the change and its event commit together or not at all).

    An event about a reply (``reply_id``) binds the reply's content as it stands at that moment
    (``content``, desk.audit.content): whatever step changed the row — written, edited by the
    approver, refused with a note, sent with its remote id — the trail holds its digest.
    """

    actor: str
    clock: Clock

    def __call__(
        self,
        session: Session,
        action: Action,
        *,
        mention_id: int | None = None,
        reply_id: int | None = None,
        actor: str | None = None,
        at: datetime | None = None,
        **data: Any,
    ) -> str:
        """Append ``action`` with ``data``; the new event's hash. ``at`` defaults to now."""
        return self.event(
            session, action, data, mention_id=mention_id, reply_id=reply_id, actor=actor, at=at
        )

    def event(
        self,
        session: Session,
        action: Action,
        data: dict[str, Any],
        *,
        mention_id: int | None = None,
        reply_id: int | None = None,
        actor: str | None = None,
        at: datetime | None = None,
    ) -> str:
        """``__call__`` with ``data`` as a dict (for keys that are not Python names)."""
        if reply_id is not None and content.CONTENT not in data:
            reply = session.get(Reply, reply_id)
            if reply is not None:
                data = {**data, content.CONTENT: content.reply_digest(reply)}
        return append(
            session,
            EventSpec(
                actor=actor or self.actor,
                action=action,
                at=at or self.clock(),
                mention_id=mention_id,
                reply_id=reply_id,
                data=data,
            ),
        )

    def reply(
        self, session: Session, action: Action, reply: Any, *, actor: str | None = None, **data: Any
    ) -> str:
        """An event about ``reply`` (a ``Reply`` row): its mention, its id and its author."""
        return self(
            session,
            action,
            mention_id=reply.mention_id,
            reply_id=reply.id,
            actor=actor,
            author=reply.author,
            **data,
        )


def append(session: Session, spec: EventSpec) -> str:
    """Append one event in the caller's transaction (the caller holds the write lock); its hash."""
    return append_many(session, [spec])[-1]


def append_many(session: Session, specs: Iterable[EventSpec]) -> list[str]:
    """Append several events in order, in the caller's transaction, with one bulk insert.

    Returns the new events' hashes.
    """
    rows, _head_after = chain_rows(head(session, for_append=True), specs)
    fast_insert(session.connection(), AuditEvent.__table__, AUDIT_COLUMNS, rows)  # type: ignore[attr-defined]
    return [row[_HASH] for row in rows]


# Column order of the tuples chain_rows makes (datetime last, for desk.db.bulk).
AUDIT_COLUMNS = (
    "seq",
    "actor",
    "action",
    "mention_id",
    "reply_id",
    "data",
    "prev_hash",
    "hash",
    "at",
)
_HASH = AUDIT_COLUMNS.index("hash")


def chain_rows(
    start: tuple[int, str], specs: Iterable[EventSpec]
) -> tuple[list[tuple[Any, ...]], tuple[int, str]]:
    """The rows (``AUDIT_COLUMNS`` tuples) for ``specs`` chained after ``start`` (seq, hash),
    and the new head. Pure: a bulk import chains its batches without re-reading the head."""
    seq, prev = start
    rows: list[tuple[Any, ...]] = []
    for spec in specs:
        seq += 1
        data_text = canonical_data(spec.data)
        at = as_utc(spec.at)
        digest = compute_hash(
            prev,
            seq=seq,
            at=at,
            actor=spec.actor,
            action=spec.action,
            mention_id=spec.mention_id,
            reply_id=spec.reply_id,
            data_text=data_text,
        )
        rows.append(
            (
                seq,
                spec.actor,
                spec.action,
                spec.mention_id,
                spec.reply_id,
                data_text,
                prev,
                digest,
                at,
            )
        )
        prev = digest
    return rows, (seq, prev)


def verify(
    session: Session, *, batch: int = 5000, expect_head: str | None = None, rows: bool = True
) -> VerifyResult:
    """Recompute the whole chain; return the first event that breaks it, if any.

    A chain cannot show by itself that its *last* events were deleted. ``expect_head`` closes
    that gap: the hash of the head at an earlier verification (or a prefix of at least 12 hex
    digits) must still be in the chain, else the trail was cut after it.

    After a retention purge the chain starts right after the newest anchor, chained to its hash;
    the anchor is accepted only when an ``audit.purged`` event of the chain names it exactly, and
    every ``audit.purged`` event must name anchors exactly as ``audit_anchors`` records them.

    With ``rows`` (the default), once the chain holds, every mention and reply is compared with
    the event that bound its content (desk.audit.content.check_rows): the result is not ``ok``
    when one was altered, removed without a recorded purge, or never recorded.
    """
    wanted = (expect_head or "").strip().lower()
    if wanted and len(wanted) < 12:
        raise InputError.from_catalog(
            "verify_head_short",
        )
    anchors = {a.seq: a.hash for a in session.exec(select(AuditAnchor)).all()}
    start = max(anchors, default=0)
    prev = anchors[start] if anchors else GENESIS
    expected_seq = start + 1
    checked = 0
    confirmed = not anchors  # the newest anchor must be named by an audit.purged event
    seen_head = not wanted or (bool(anchors) and prev.startswith(wanted))
    purges: list[tuple[int, str]] = []
    for event in _iter_events(session, batch):
        checked += 1
        if event.seq <= start:
            problem: str | None = (
                f"seq {event.seq}: at or before the purge anchor (seq {start}), "
                "yet still present: the anchor was altered or added"
            )
            digest: str | None = None
        else:
            digest, problem = _check(event, expected_seq, prev)
        if digest is None and expected_seq == 1 and event.seq > 1:
            problem = f"{problem}; no purge anchor records their removal"
        if digest is not None and event.action == PURGED:
            names_newest, problem = _check_purge(event, anchors, start)
            confirmed = confirmed or names_newest
            digest = None if problem else digest
            purges.append((event.seq, event.data))
        if digest is None:
            return VerifyResult(
                False, checked, event.seq, event.id, problem, prev, start, expected_seq - 1
            )
        prev = digest
        expected_seq += 1
        seen_head = seen_head or prev.startswith(wanted)
    last = expected_seq - 1
    if not confirmed:
        return VerifyResult(
            False,
            checked,
            None,
            None,
            f"no audit.purged event names the purge anchor at seq {start}: the anchor was "
            "altered or added, or the events after it were removed",
            prev,
            start,
            last,
        )
    if not seen_head:
        purged = f", or it was purged (the trail starts after seq {start})" if anchors else ""
        return VerifyResult(
            False,
            checked,
            None,
            None,
            f"no event has the expected head {wanted}: events were removed from the end of the trail "
            f"(or the hash comes from another database{purged})",
            prev,
            start,
            last,
        )
    if not rows:
        return VerifyResult(True, checked, head=prev, start_seq=start, head_seq=last)
    report = content.check_rows(session, content.Purges.from_events(purges))
    if report.findings:
        first = report.findings[0]
        more = len(report.findings) - 1
        reason = first.describe() + (f" (and {more} more)" if more else "")
        return VerifyResult(False, checked, first.seq, None, reason, prev, start, last, report)
    return VerifyResult(True, checked, head=prev, start_seq=start, head_seq=last, rows=report)


def _check_purge(
    event: AuditEvent, anchors: dict[int, str], newest: int
) -> tuple[bool, str | None]:
    """Whether an ``audit.purged`` event names the newest anchor, and what does not match."""
    try:
        data = json.loads(event.data)
        named = [data.get("anchor"), data.get("previous_anchor")]
        pairs = [(int(a["seq"]), str(a["hash"])) for a in named if a is not None]
    except (ValueError, TypeError, KeyError, AttributeError):
        return False, "audit.purged event does not name its anchor in a readable way"
    for seq, digest in pairs:
        if anchors.get(seq) != digest:
            return False, (
                f"the purge anchor it names (seq {seq}) is not in audit_anchors as it recorded "
                "it: the anchor was altered or removed"
            )
    return bool(anchors) and named[0] is not None and int(named[0]["seq"]) == newest, None


def _check(event: AuditEvent, expected_seq: int, prev: str) -> tuple[str | None, str | None]:
    """``(hash, None)`` if the event chains onto ``prev`` at ``expected_seq``, else ``(None, why)``."""
    if event.seq != expected_seq:
        what = "missing event(s) before it" if event.seq > expected_seq else "out of sequence"
        return None, f"seq {event.seq}: {what} (expected seq {expected_seq})"
    if event.prev_hash != prev:
        return (
            None,
            "prev_hash does not match the previous event's hash (a row was removed or inserted)",
        )
    try:
        digest = compute_hash(
            prev,
            seq=event.seq,
            at=event.at,
            actor=event.actor,
            action=event.action,
            mention_id=event.mention_id,
            reply_id=event.reply_id,
            data_text=event.data,
        )
    except (ValueError, TypeError) as exc:
        return None, f"event cannot be read: {exc}"
    if digest != event.hash:
        return None, "content does not match its hash (the row was altered)"
    return digest, None


def _iter_events(session: Session, batch: int) -> Iterator[AuditEvent]:
    last_seq = -(2**31)  # below any seq, and within PostgreSQL's INTEGER
    while True:
        rows = session.exec(
            select(AuditEvent)
            .where(AuditEvent.seq > last_seq)
            .order_by(col(AuditEvent.seq))
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last_seq = rows[-1].seq


def to_view(event: AuditEvent) -> AuditView:
    """Plain read model of an event."""
    try:
        data = json.loads(event.data)
    except ValueError:
        data = {"unreadable": event.data}
    return AuditView(
        seq=event.seq,
        at=as_utc(event.at),
        actor=event.actor,
        action=event.action,
        mention_id=event.mention_id,
        reply_id=event.reply_id,
        data=data,
        hash=event.hash,
    )
