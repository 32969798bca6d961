"""Exports for access-to-information and records requests, verifiable by whoever receives them.

``desk export --since --until [--staff] --format csv|jsonl --out PATH [--force]`` writes the
mentions of a period (or those one person handled), their replies, and the audit events about
them with the fields their hashes were computed over. Only supervisors export.

How an extract proves itself (desk.audit.extract verifies it, with no database):

- the *manifest* lists every exported event's seq and hash, the counts of records, and each
  mention's and reply's digest over all its exported fields (its state too: status, category,
  assignee, which no event binds), so an edited cell or an added field is found;
- in the export's own write transaction, ``export.created`` is appended with the sha256 of that
  manifest, and written as the extract's last event: its *head*. The head's hash covers the
  manifest, which covers every event, whose hashes cover the records' content digests
  (desk.audit.content): change, add or remove anything and the head no longer fits;
- what no file can prove by itself is that the head is genuine: the export prints it, and with
  ``[audit] checkpoints`` set appends it to the checkpoint file (desk.audit.checkpoints), so the
  recipient compares it with the head the organisation published.

The extract is written beside its destination and renamed into place once the transaction has
committed: a failed export leaves neither a file nor an event. An existing path is refused
unless ``--force`` (which replaces only an earlier extract), and the database and its ``-wal``,
``-shm`` and ``-journal`` files are refused always. CSV is a folder (``extract/``: mentions.csv,
replies.csv, audit_events.csv, manifest.json), UTF-8 with a BOM so that spreadsheets show the
accents; a cell that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) gets a leading apostrophe, and so does one that starts with an
apostrophe, so that reading it back removes exactly one (JSONL keeps the exact text).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from desk.audit import chain, checkpoints, content
from desk.audit.actions import Action
from desk.audit.chain import Recorder
from desk.clock import Clock, as_utc, utcnow
from desk.config import DeskConfig
from desk.db import SessionFactory, transaction
from desk.db.tables import AuditEvent, Mention, Reply
from desk.errors import ActionRefused, InputError, PermissionDenied
from desk.views import StaffView

FORMAT_VERSION = 3  # 1: before manifests listed their events and export.created was the head;
# 2: before they listed each record's digest over all its exported fields ("records")
RECIPE = (
    "hash = sha256(prev_hash + '\\n' + body), body = the JSON object "
    '{"action","actor","at","data","mention_id","reply_id","seq"} with sorted keys, no spaces, '
    "non-ASCII kept, 'data' inserted as its exact text and 'at' as written here"
)
HEAD_RULE = (
    "the extract's last event is its head: export.created, whose data.manifest_sha256 is the "
    "sha256 of this manifest as a JSON object with sorted keys, no spaces, non-ASCII kept; "
    "'events' lists every other event of the extract as [seq, hash]; 'records' lists each "
    "mention and reply as [id, digest], the digest made as content's but over all the "
    "record's exported fields (its state too: status, category, assignee...)"
)
MENTION_STATE = ("language", "status", "category", "priority", "assignee")  # desk's, not bound
MENTION_FIELDS = (*content.MENTION_CONTENT, *MENTION_STATE)
REPLY_FIELDS = (*content.REPLY_CONTENT, "status")
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
CSV_FILES = {
    "mentions": "mentions.csv",
    "replies": "replies.csv",
    "audit_events": "audit_events.csv",
}
CSV_FIELDS = {"mentions": MENTION_FIELDS, "replies": REPLY_FIELDS, "audit_events": EVENT_FIELDS}
MANIFEST_FILE = "manifest.json"
KINDS = {"mentions": "mention", "replies": "reply", "audit_events": "audit_event"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")  # OWASP CSV injection, and the escape itself
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


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


def manifest_digest(manifest: dict[str, Any]) -> str:
    """The sha256 that ``export.created`` records: of the manifest's canonical JSON."""
    return hashlib.sha256(_CANONICAL(manifest).encode("utf-8", "surrogatepass")).hexdigest()


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: text a spreadsheet would run as a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_value(cell: str) -> str:
    """The text a CSV cell holds (``csv_cell`` undone: one leading apostrophe removed)."""
    return cell[1:] if cell.startswith("'") else cell


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What ``export`` wrote: where (a file, or a folder for CSV), its manifest, its head (the
    ``export.created`` event) and the checkpoint line it appended, if a file is configured."""

    path: Path
    folder: bool
    manifest: dict[str, Any]
    head: tuple[int, str]
    checkpoint: checkpoints.Line | None = None


@dataclass(kw_only=True)
class ExportService:
    """Writes extracts; audits each one (its event is the extract's head)."""

    read_factory: SessionFactory
    write_factory: SessionFactory
    config: DeskConfig
    actor: StaffView
    clock: Clock = utcnow

    def export(
        self,
        since: date,
        until: date,
        *,
        fmt: str,
        out: Path,
        staff: str | None = None,
        force: bool = False,
    ) -> ExportResult:
        """Write the extract to ``out`` (a file for jsonl, a folder for csv); what was written."""
        if not self.actor.is_supervisor:
            raise PermissionDenied.from_catalog("export_forbidden")
        if until < since:
            raise InputError.from_catalog("export_reversed")
        if fmt not in ("csv", "jsonl"):
            raise InputError.from_catalog("export_format", format=repr(fmt))
        target = export_target(out, fmt)
        log = checkpoints.CheckpointLog.configured(self.config)
        if log is not None:
            log.check_writable()  # before anything is recorded
        with self.read_factory() as session:
            _refuse_target(target, fmt, force, database_files(session))
        calendar = self.config.hours.calendar()
        start = as_utc(datetime.combine(since, time.min, tzinfo=calendar.tz))
        end = as_utc(datetime.combine(until + timedelta(days=1), time.min, tzinfo=calendar.tz))
        temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.tmp")
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with transaction(self.write_factory) as session:
                manifest, rows = self._collect(session, since, until, start, end, staff, fmt)
                Recorder(self.actor.name, self.clock).event(
                    session,
                    Action.EXPORT_CREATED,
                    {
                        "since": manifest["since"],
                        "until": manifest["until"],
                        "staff": staff,
                        "format": fmt,
                        "counts": manifest["counts"],
                        "manifest_sha256": manifest_digest(manifest),
                        "checkpoints": str(log.path) if log is not None else None,
                    },
                )
                seq, digest = chain.head(session)
                created = session.exec(select(AuditEvent).where(AuditEvent.seq == seq)).one()
                rows["audit_events"].append(event_record(created))
                if fmt == "jsonl":
                    _write_jsonl(temporary, manifest, rows)
                else:
                    _write_csv(temporary, manifest, rows)
        except BaseException:
            _remove(temporary)
            raise
        _move_into_place(temporary, target, fmt, force)
        line = None
        if log is not None:
            line = log.append(
                kind="export",
                seq=seq,
                digest=digest,
                by=self.actor.name,
                at=self.clock(),
                organisation=self.config.desk.organisation,
            )
        return ExportResult(target, fmt == "csv", manifest, (seq, digest), line)

    def _collect(
        self,
        session: Session,
        since: date,
        until: date,
        start: datetime,
        end: datetime,
        staff: str | None,
        fmt: str,
    ) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
        """The manifest and the records of the extract (without its head), read in ``session``."""
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
        replies.sort(key=lambda r: r.id or 0)
        manifest = {
            "type": "manifest",
            "version": FORMAT_VERSION,
            "organisation": self.config.desk.organisation,
            "since": since.isoformat(),
            "until": until.isoformat(),
            "timezone": self.config.hours.timezone,
            "staff": staff,
            "format": fmt,
            "exported_by": self.actor.name,
            "exported_at": self.clock().isoformat(),
            "counts": {
                "mentions": len(mentions),
                "replies": len(replies),
                "audit_events": len(events),
            },
            "events": [[e.seq, e.hash] for e in events],
            # the trail's head when the extract was read; export.created follows it
            "chain_before": {"seq": head_seq, "hash": head_hash},
            # after a retention purge the trail starts after this event (desk.audit.retention)
            "chain_anchor": {"seq": anchor.seq, "hash": anchor.hash} if anchor else None,
            "hash_recipe": RECIPE,
            "content_recipe": content.CONTENT_RECIPE,
            "head_rule": HEAD_RULE,
        }
        rows = {
            "mentions": [_mention_record(m) for m in mentions],
            "replies": [_reply_record(r) for r in replies],
            "audit_events": [event_record(e) for e in events],
        }
        # the state of each record as exported (status, category, assignee...: fields no event
        # binds) is bound by the head through the manifest: an edited cell is found too
        manifest["records"] = {
            kind: [[r["id"], content.digest(r, CSV_FIELDS[kind])] for r in rows[kind]]
            for kind in ("mentions", "replies")
        }
        return manifest, rows

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


def _mention_record(mention: Mention) -> dict[str, Any]:
    record = content.mention_record(
        {name: getattr(mention, name) for name in content.MENTION_COLUMNS}
    )
    record.update({name: content.plain(getattr(mention, name)) for name in MENTION_STATE})
    return record


def _reply_record(reply: Reply) -> dict[str, Any]:
    return {name: content.plain(getattr(reply, name)) for name in REPLY_FIELDS}


# -- where it goes ---------------------------------------------------------------------------------


def export_target(out: Path, fmt: str) -> Path:
    """Where the extract goes: ``out`` for jsonl; for csv a folder, named without the ``.csv``
    (or ``.jsonl``) that ``out`` may end with, since it is not a CSV file."""
    out = out.expanduser()
    if fmt == "csv" and out.suffix.lower() in (".csv", ".jsonl", ".json"):
        return out.with_suffix("")
    return out


def database_files(session: Session) -> list[Path]:
    """The database file and its companions (``-wal``, ``-shm``, ``-journal``), if SQLite."""
    url = session.get_bind().engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return []
    path = Path(url.database).resolve()
    return [path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))]


def _same(path: Path, protected: Path) -> bool:
    if path.resolve() == protected:
        return True
    try:
        return path.exists() and protected.exists() and os.path.samefile(path, protected)
    except OSError:
        return False


def _refuse_target(target: Path, fmt: str, force: bool, protected: list[Path]) -> None:
    """An ``ActionRefused`` when the extract may not be written to ``target``."""
    written = [target] + (
        [target / n for n in (*CSV_FILES.values(), MANIFEST_FILE)] if fmt == "csv" else []
    )
    for path in written:
        for database in protected:
            if _same(path, database) or (path != target and _same(path.parent, database)):
                raise ActionRefused.from_catalog("export_database", path=str(target))
    if not (target.exists() or target.is_symlink()):
        return
    if not force:
        raise ActionRefused.from_catalog("export_exists", path=str(target))
    if fmt == "jsonl" and not target.is_file():
        raise ActionRefused.from_catalog("export_not_a_file", path=str(target))
    if fmt == "jsonl" and not _begins_like_an_extract(target):
        raise ActionRefused.from_catalog("export_not_an_extract_file", path=str(target))
    if fmt == "csv":
        if not target.is_dir() or target.is_symlink():
            raise ActionRefused.from_catalog("export_not_a_folder", path=str(target))
        names = {p.name for p in target.iterdir()}
        if names and (
            MANIFEST_FILE not in names or not names <= {*CSV_FILES.values(), MANIFEST_FILE}
        ):
            raise ActionRefused.from_catalog("export_not_an_extract", path=str(target))


def _begins_like_an_extract(path: Path) -> bool:
    """Whether the file begins as desk's JSONL extracts do: their manifest's first key."""
    start = b'{"type": "manifest"'
    try:
        with path.open("rb") as handle:
            return handle.read(len(start)) == start
    except OSError:
        return False


def _move_into_place(temporary: Path, target: Path, fmt: str, force: bool) -> None:
    """Rename the written extract to ``target`` (only over an earlier extract, with ``force``)."""
    try:
        if fmt == "jsonl":
            if target.exists() and not force:
                raise ActionRefused.from_catalog("export_exists", path=str(target))
            os.replace(temporary, target)
        elif not target.exists():
            os.rename(temporary, target)
        else:  # --force over an earlier extract folder: each file replaced whole
            for name in (*CSV_FILES.values(), MANIFEST_FILE):
                os.replace(temporary / name, target / name)
            temporary.rmdir()
    except OSError as exc:
        raise ActionRefused.from_catalog(
            "export_not_moved",
            path=str(target),
            temporary=str(temporary),
            reason=exc.strerror or str(exc),
        ) from exc


def _remove(temporary: Path) -> None:
    if temporary.is_dir():
        shutil.rmtree(temporary, ignore_errors=True)
    else:
        temporary.unlink(missing_ok=True)


# -- writing -------------------------------------------------------------------------------------


def _records(rows: dict[str, list[dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    for table, records in rows.items():
        for record in records:
            yield {"type": KINDS[table], **record}


def _write_jsonl(
    out: Path, manifest: dict[str, Any], rows: dict[str, list[dict[str, Any]]]
) -> None:
    with out.open("x", encoding="utf-8", newline="\n") as handle:
        handle.write(json.dumps(manifest, ensure_ascii=False) + "\n")
        for record in _records(rows):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _write_csv(out: Path, manifest: dict[str, Any], rows: dict[str, list[dict[str, Any]]]) -> None:
    out.mkdir()
    for table, records in rows.items():
        with (out / CSV_FILES[table]).open("x", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS[table])
            writer.writeheader()
            writer.writerows({k: csv_cell(v) for k, v in record.items()} for record in records)
    (out / MANIFEST_FILE).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
