"""The audit trail: append-only and hash-chained from the first event.

Each event stores ``prev_hash`` (the hash of the event before it; 64 zeros for the first) and
``hash = sha256(prev_hash + "\\n" + canonical(event))`` where ``canonical`` is a sorted, compact
JSON of the event's fields. ``verify`` recomputes the chain and names the first event that does not
fit: an altered row changes its hash, a deleted row breaks the ``seq`` run and the next
``prev_hash``, an inserted row breaks both as well. Appends happen inside the caller's
transaction (the change and its audit event commit together) and never commit themselves.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from desk.clock import as_utc
from desk.models import AuditEvent, AuditView

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
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


def canonical_data(data: dict[str, Any] | None) -> str:
    """The stable JSON text stored in ``audit_events.data``."""
    return json.dumps(data or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


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
    """Hash of one event over its canonical serialisation, chained to ``prev_hash``."""
    body = json.dumps(
        {
            "seq": seq,
            "at": _timestamp(at),
            "actor": actor,
            "action": action,
            "mention_id": mention_id,
            "reply_id": reply_id,
            "data": json.loads(data_text),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def _head(session: Session) -> tuple[int, str]:
    row = session.exec(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)  # type: ignore[union-attr]
    ).first()
    return (row[0], row[1]) if row else (0, GENESIS)


def append(session: Session, spec: EventSpec) -> AuditEvent:
    """Append one event in the caller's transaction (the caller holds the write lock)."""
    return append_many(session, [spec])[0]


def append_many(session: Session, specs: Iterable[EventSpec]) -> list[AuditEvent]:
    """Append several events in order, in the caller's transaction, with one bulk insert."""
    seq, prev = _head(session)
    rows: list[dict[str, Any]] = []
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
            {
                "seq": seq,
                "at": at,
                "actor": spec.actor,
                "action": spec.action,
                "mention_id": spec.mention_id,
                "reply_id": spec.reply_id,
                "data": data_text,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    if rows:
        session.execute(sa.insert(AuditEvent), rows)
    return [AuditEvent(**row) for row in rows]


def verify(session: Session, *, batch: int = 5000) -> VerifyResult:
    """Recompute the whole chain; return the first event that breaks it, if any."""
    expected_seq = 1
    prev = GENESIS
    checked = 0
    for event in _iter_events(session, batch):
        checked += 1
        if event.seq != expected_seq:
            what = "missing event(s) before it" if event.seq > expected_seq else "out of sequence"
            return VerifyResult(
                False,
                checked,
                event.seq,
                event.id,
                f"seq {event.seq}: {what} (expected seq {expected_seq})",
                prev,
            )
        if event.prev_hash != prev:
            return VerifyResult(
                False,
                checked,
                event.seq,
                event.id,
                "prev_hash does not match the previous event's hash (a row was removed or inserted)",
                prev,
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
            return VerifyResult(
                False, checked, event.seq, event.id, f"event cannot be read: {exc}", prev
            )
        if digest != event.hash:
            return VerifyResult(
                False,
                checked,
                event.seq,
                event.id,
                "content does not match its hash (the row was altered)",
                prev,
            )
        prev = digest
        expected_seq += 1
    return VerifyResult(True, checked, head=prev)


def _iter_events(session: Session, batch: int) -> Iterator[AuditEvent]:
    last_seq = -(2**62)
    while True:
        rows = session.exec(
            select(AuditEvent)
            .where(AuditEvent.seq > last_seq)
            .order_by(AuditEvent.seq)
            .limit(batch)  # type: ignore[arg-type]
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
