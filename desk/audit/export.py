"""Exports for access-to-information and records requests, verifiable by whoever receives them.

``desk export --since --until [--staff] --format csv|jsonl --out PATH`` writes the mentions of a
period (or those one person handled), their replies, and the audit events about them with the
fields their hashes were computed over. The manifest gives the chain's head at export time and
the hash recipe, so a recipient can recompute every event's hash (``desk audit verify-extract``
does it). Only supervisors export; each export is itself an audit event.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from desk.audit import chain
from desk.audit.actions import Action
from desk.audit.chain import Recorder
from desk.clock import Clock, as_utc, utcnow
from desk.config import DeskConfig
from desk.db import SessionFactory, transaction
from desk.db.tables import AuditEvent, Mention, Reply
from desk.errors import InputError, PermissionDenied
from desk.views import StaffView

RECIPE = (
    "hash = sha256(prev_hash + '\\n' + body), body = the JSON object "
    '{"action","actor","at","data","mention_id","reply_id","seq"} with sorted keys, no spaces, '
    "non-ASCII kept, 'data' inserted as its exact text and 'at' as written here"
)
MENTION_FIELDS = (
    "id",
    "platform",
    "remote_id",
    "url",
    "author_handle",
    "author_name",
    "text",
    "language",
    "kind",
    "created_at",
    "received_at",
    "status",
    "category",
    "priority",
    "assignee",
)
REPLY_FIELDS = (
    "id",
    "mention_id",
    "author",
    "text",
    "status",
    "remote_id",
    "created_at",
    "sent_at",
    "reviewer",
    "reviewed_at",
    "review_note",
    "answer_id",
    "answer_version",
)
EVENT_FIELDS = (
    "seq",
    "at",
    "actor",
    "action",
    "mention_id",
    "reply_id",
    "data",
    "prev_hash",
    "hash",
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    return value


def event_record(event: AuditEvent) -> dict[str, Any]:
    """An event with exactly what its hash covers (``at`` in the hashed form, ``data`` as text)."""
    return {
        "seq": event.seq,
        "at": as_utc(event.at).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": event.actor,
        "action": event.action,
        "mention_id": event.mention_id,
        "reply_id": event.reply_id,
        "data": event.data,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def event_hash(record: dict[str, Any]) -> str:
    """Recompute an exported event's hash with the recipe in the manifest."""
    dump = json.JSONEncoder(ensure_ascii=False).encode
    body = (
        f'{{"action":{dump(record["action"])},"actor":{dump(record["actor"])},"at":"{record["at"]}",'
        f'"data":{record["data"]},"mention_id":{dump(record["mention_id"])},'
        f'"reply_id":{dump(record["reply_id"])},"seq":{int(record["seq"])}}}'
    )
    return hashlib.sha256(f"{record['prev_hash']}\n{body}".encode()).hexdigest()


@dataclass(kw_only=True)
class ExportService:
    """Writes extracts; audits each one."""

    read_factory: SessionFactory
    write_factory: SessionFactory
    config: DeskConfig
    actor: StaffView
    clock: Clock = utcnow

    def export(
        self, since: date, until: date, *, fmt: str, out: Path, staff: str | None = None
    ) -> dict[str, Any]:
        """Write the extract to ``out`` (a file for jsonl, a folder for csv); the manifest."""
        if not self.actor.is_supervisor:
            raise PermissionDenied.from_catalog("export_forbidden")
        if until < since:
            raise InputError("--until is before --since")
        if fmt not in ("csv", "jsonl"):
            raise InputError(f"unknown format {fmt!r}", hint="csv or jsonl")
        calendar = self.config.hours.calendar()
        start = as_utc(datetime.combine(since, time.min, tzinfo=calendar.tz))
        end = as_utc(datetime.combine(until + timedelta(days=1), time.min, tzinfo=calendar.tz))
        with self.read_factory() as session:
            mentions = self._mentions(session, start, end, staff)
            ids = [m.id for m in mentions]
            replies = self._in_chunks(session, Reply, Reply.mention_id, ids)
            events = self._in_chunks(session, AuditEvent, AuditEvent.mention_id, ids)
            if staff is None:  # events of the period that concern no mention (staff, answers...)
                events += list(
                    session.exec(
                        select(AuditEvent).where(
                            col(AuditEvent.mention_id).is_(None),
                            AuditEvent.at >= start,
                            AuditEvent.at < end,
                        )
                    ).all()
                )
            head_seq, head_hash = chain.head(session)
            anchor = chain.latest_anchor(session)
        events.sort(key=lambda e: e.seq)
        manifest = {
            "type": "manifest",
            "organisation": self.config.desk.organisation,
            "since": since.isoformat(),
            "until": until.isoformat(),
            "timezone": self.config.hours.timezone,
            "staff": staff,
            "exported_by": self.actor.name,
            "exported_at": self.clock().isoformat(),
            "counts": {
                "mentions": len(mentions),
                "replies": len(replies),
                "audit_events": len(events),
            },
            "chain_head": {"seq": head_seq, "hash": head_hash},
            # after a retention purge the trail starts after this event (desk.audit.retention)
            "chain_anchor": {"seq": anchor.seq, "hash": anchor.hash} if anchor else None,
            "hash_recipe": RECIPE,
        }
        rows = {
            "mentions": [{k: _plain(getattr(m, k)) for k in MENTION_FIELDS} for m in mentions],
            "replies": [{k: _plain(getattr(r, k)) for k in REPLY_FIELDS} for r in replies],
            "audit_events": [event_record(e) for e in events],
        }
        if fmt == "jsonl":
            _write_jsonl(out, manifest, rows)
        else:
            _write_csv(out, manifest, rows)
        with transaction(self.write_factory) as session:
            Recorder(self.actor.name, self.clock).event(
                session,
                Action.EXPORT_CREATED,
                {k: manifest[k] for k in ("since", "until", "staff", "counts", "chain_head")}
                | {"format": fmt},
            )
        return manifest

    def _mentions(
        self, session: Session, start: datetime, end: datetime, staff: str | None
    ) -> list[Mention]:
        query = select(Mention).where(Mention.created_at >= start, Mention.created_at < end)
        if staff is not None:
            replied = select(Reply.mention_id).where(Reply.author == staff)
            query = query.where(
                sa.or_(col(Mention.assignee) == staff, col(Mention.id).in_(replied))
            )
        return list(session.exec(query.order_by(col(Mention.id))).all())

    @staticmethod
    def _in_chunks(session: Session, model: Any, column: Any, ids: list[int | None]) -> list[Any]:
        found: list[Any] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            found += list(session.exec(select(model).where(column.in_(chunk))).all())
        return found


def _write_jsonl(
    out: Path, manifest: dict[str, Any], rows: dict[str, list[dict[str, Any]]]
) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    kinds = {"mentions": "mention", "replies": "reply", "audit_events": "audit_event"}
    with out.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps(manifest, ensure_ascii=False) + "\n")
        for table, records in rows.items():
            for record in records:
                handle.write(
                    json.dumps({"type": kinds[table], **record}, ensure_ascii=False) + "\n"
                )


def _write_csv(out: Path, manifest: dict[str, Any], rows: dict[str, list[dict[str, Any]]]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    fields = {"mentions": MENTION_FIELDS, "replies": REPLY_FIELDS, "audit_events": EVENT_FIELDS}
    for table, records in rows.items():
        with (out / f"{table}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields[table])
            writer.writeheader()
            writer.writerows(records)
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )


def _events_of(path: Path) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    if path.is_dir():
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        handle = (path / "audit_events.csv").open(encoding="utf-8", newline="")

        def rows() -> Iterator[dict[str, Any]]:
            with handle:
                for row in csv.DictReader(handle):
                    yield {
                        **row,
                        "seq": int(row["seq"]),
                        "mention_id": int(row["mention_id"]) if row["mention_id"] else None,
                        "reply_id": int(row["reply_id"]) if row["reply_id"] else None,
                    }

        return manifest, rows()
    lines = path.read_text(encoding="utf-8").splitlines()
    manifest = json.loads(lines[0])
    return manifest, (r for r in map(json.loads, lines[1:]) if r.get("type") == "audit_event")


def verify_extract(path: Path) -> tuple[bool, int, list[str]]:
    """Recompute each exported event's hash and check the links between consecutive events."""
    try:
        manifest, events = _events_of(path)
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"{path}: not a desk export ({type(exc).__name__}: {exc})") from exc
    if manifest.get("type") != "manifest":
        raise InputError(f"{path}: the first record is not a desk export manifest")
    problems: list[str] = []
    checked = 0
    previous: dict[str, Any] | None = None
    try:
        for record in _sorted(events):
            checked += 1
            if event_hash(record) != record["hash"]:
                problems.append(f"event seq {record['seq']}: its hash does not match its content")
            if (
                previous is not None
                and record["seq"] == previous["seq"] + 1
                and record["prev_hash"] != previous["hash"]
            ):
                problems.append(f"event seq {record['seq']}: not chained to seq {previous['seq']}")
            previous = record
    except (KeyError, ValueError, TypeError) as exc:
        raise InputError(f"{path}: an audit event is incomplete ({exc})") from exc
    head = manifest.get("chain_head") or {}
    if (
        previous is not None
        and previous["seq"] == head.get("seq")
        and previous["hash"] != head.get("hash")
    ):
        problems.append("the last event does not match the chain head in the manifest")
    return not problems, checked, problems


def _sorted(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(events, key=lambda r: int(r["seq"]))
