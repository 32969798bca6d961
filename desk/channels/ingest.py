"""Connectors -> store -> triage. Used by ``desk ingest`` (saved payloads) and, later, live pulls.

Each payload is parsed and its new mentions triaged outside any transaction; then they are
routed and written in batches, each batch one transaction, together with one ``mention.ingested``
audit event each (what came in, from where, and how triage categorised and routed it). No import
holds the write lock for long, whatever its size or its rules. Duplicates (same channel + remote
id) are counted and left alone, so re-importing a file adds nothing.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlmodel import Session

from desk.audit import chain, content
from desk.audit.actions import Action
from desk.audit.chain import EventSpec
from desk.clock import Clock, utcnow
from desk.config import DeskConfig
from desk.db import SessionFactory, store, transaction
from desk.db.bulk import fast_insert
from desk.db.busy import DatabaseBusy, is_busy
from desk.db.tables import AuditEvent, Channel, Mention
from desk.errors import DeskError, InputError, Worded
from desk.gcpause import paused
from desk.platforms.detect import parse_payload
from desk.platforms.parsed import ItemError, ParsedMention, ParseResult
from desk.triage import Decision, RuleSet
from desk.triage.explain import summary
from desk.triage.pipeline import Incoming, Triage
from desk.triage.routing import Router
from desk.vocabulary import MentionStatus

MAX_FILE_BYTES = 50 * 1024 * 1024
BATCH = 5000  # mentions per write transaction: well under a second of the write lock
Progress = Callable[[str, int, int], None]


@dataclass
class FileReport:
    """What one file gave: counts and the messages of its rejected items."""

    source: str
    platform: str = "?"
    new: int = 0
    duplicate: int = 0
    skipped: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    refused: DeskError | None = None  # the file refused whole: ``errors`` holds its English text
    new_ids: list[int] = field(default_factory=list)
    busy: bool = False  # stopped: another desk held the database past the busy timeout
    unstored: int = 0  # new mentions not stored because it stopped (a new import adds them)

    def to_json(self) -> dict[str, Any]:
        """JSON form for ``desk ingest --json``."""
        return {
            "file": self.source,
            "platform": self.platform,
            "new": self.new,
            "duplicate": self.duplicate,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "errors": self.errors,
            "warnings": self.warnings,
            "busy": self.busy,
            "unstored": self.unstored,
        }


def _refused(source: str, error: DeskError) -> FileReport:
    """The report of a file refused whole: ``errors`` (and so ``--json``) keep the English text
    as before, ``refused`` lets the command line say it in the reader's language."""
    return FileReport(source, rejected=1, errors=[str(error)], refused=error)


class IngestBusy(DatabaseBusy):
    """An import stopped because another desk held the write lock past the busy timeout;
    ``report`` says what its earlier batches stored, ``unstored`` how many new mentions were
    left for a later import."""

    def __init__(self, report: FileReport, unstored: int) -> None:
        busy = DatabaseBusy.now()
        super().__init__(busy.message, busy.hint, key=busy.key, params=busy.params)
        self.report = report
        self.unstored = unstored


# Column order of the mention tuples _row_and_event makes (datetime last, for desk.db.bulk).
MENTION_COLUMNS = (
    "id",
    "channel_id",
    "platform",
    "remote_id",
    "url",
    "author_handle",
    "author_name",
    "text",
    "title",
    "language",
    "kind",
    "visibility",
    "in_reply_to_remote_id",
    "thread_root_remote_id",
    "raw",
    "status",
    "category",
    "priority",
    "assignee",
    "triage_reason",
    "triage_rules",
    "tags",
    "needs_approval",
    "suggested_answer",
    "triage_detail",
    "created_at",
    "received_at",
)
_RAW_JSON = json.JSONEncoder(ensure_ascii=False, default=str).encode


@lru_cache(maxsize=1024)
def _rules_json(rules: tuple[str, ...]) -> str:
    return json.dumps(list(rules))


@dataclass(kw_only=True)
class IngestService:
    """Imports parsed mentions: dedupe, triage, store, audit — one transaction per payload."""

    write_factory: SessionFactory
    config: DeskConfig
    rules: RuleSet
    actor: str = "system"
    clock: Clock = utcnow
    detect_language: bool = True
    read_factory: SessionFactory | None = None  # lets slow work happen before the write lock

    def ingest_files(
        self, paths: Iterable[Path], progress: Progress | None = None
    ) -> list[FileReport]:
        """Import each file; a bad file is reported and the others still go in."""
        reports = []
        path_list = list(paths)
        for index, path in enumerate(path_list, start=1):
            if progress:
                progress(str(path), index, len(path_list))
            try:
                reports.append(self.ingest_file(path))
            except IngestBusy as exc:
                # The database stays busy: the next files would each wait and fail the same way.
                # What was stored stays stored; the same command later adds only the rest.
                stopped = exc.report
                stopped.busy, stopped.rejected = True, stopped.rejected + 1
                stopped.unstored = exc.unstored
                stopped.errors.append(
                    f"{path}: stopped, the database is busy (another desk is writing): "
                    f"{stopped.new} new mentions stored, {exc.unstored} not; import it again later"
                )
                reports.append(stopped)
                reports += [
                    FileReport(
                        str(rest),
                        busy=True,
                        errors=[f"{rest}: not imported, the database is busy"],
                    )
                    for rest in path_list[index:]
                ]
                break
            except Exception as exc:  # noqa: BLE001 - one unreadable file never stops the others
                # A batch that failed was rolled back whole; earlier batches stay stored (a new
                # import of the file adds only the rest). Never the database driver's SQL text.
                failed = InputError.from_catalog(
                    "payload_failed", path=str(path), cause=_cause(exc)
                )
                reports.append(_refused(str(path), failed))
        return reports

    def ingest_file(self, path: Path) -> FileReport:
        """Import one saved payload file."""
        source = str(path)
        try:
            mode = path.stat().st_mode
            if stat.S_ISDIR(mode):
                raise InputError.from_catalog("payload_folder", path=source)
            if not stat.S_ISREG(mode):
                raise InputError.from_catalog("payload_not_regular", path=source)
            with path.open("rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)  # never more, whatever the file claims
            if len(data) > MAX_FILE_BYTES:
                raise InputError.from_catalog(
                    "payload_over_limit", path=source, limit=f"{MAX_FILE_BYTES:,}"
                )
        except FileNotFoundError:
            return _refused(source, InputError.from_catalog("file_missing", path=source))
        except InputError as exc:
            return _refused(source, exc)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            return _refused(
                source, InputError.from_catalog("file_unreadable", path=source, reason=reason)
            )
        return self.ingest_bytes(data, source)

    @paused()  # many parsed items, decisions and rows live on: no collector walks over them
    def ingest_bytes(self, data: bytes, source: str) -> FileReport:
        """Import one payload given as bytes; ``source`` names it in messages."""
        try:
            parsed = parse_payload(data, source)
        except InputError as exc:
            return _refused(source, exc)
        return self.ingest_parsed(parsed, source)

    @paused()
    def ingest_parsed(
        self,
        parsed: ParseResult,
        source: str,
        *,
        channel_name: str | None = None,
        live: bool = False,
        after_write: Callable[[Session, Channel, FileReport], None] | None = None,
    ) -> FileReport:
        """Store the items of a parse result that are not already there.

        ``channel_name`` names the channel (else the payload's hint); ``live`` marks it as a
        live channel (desk.channels.pull). ``after_write`` runs inside the transaction of the
        last batch once its mentions are written — desk.channels.pull saves the page's cursor
        there, so the page and its cursor are committed together or not at all.

        The slow work (language detection, the rules) is done first, outside any write
        transaction; then the mentions are written BATCH at a time, each batch its own
        transaction, so no import holds the write lock long enough for another desk to give up
        (its busy timeout is 10 s). A batch re-checks what is already stored, so a failure
        part-way loses nothing and importing the file again adds only the rest. When another
        desk holds the lock past the timeout: IngestBusy, with what was stored before.
        """
        report = FileReport(source, platform=parsed.platform, skipped=parsed.skipped)
        for err in parsed.errors:
            # An item that could not be used is rejected; a file-level note with a line number
            # (e.g. a feed that is not well-formed but still gave its entries) is a warning.
            line = _item_line(source, err)
            if err.index is None and err.line is not None:
                report.warnings.append(line)
            else:
                report.errors.append(line)
                report.rejected += 1
        name = channel_name or parsed.channel_hint or "saved payloads"
        now = self.clock()
        fresh, decisions = self._decide_first(parsed, name, now)
        report.duplicate += len(parsed.items) - len(fresh)
        batches = [range(i, min(i + BATCH, len(fresh))) for i in range(0, len(fresh), BATCH)]
        for number, batch in enumerate(batches or [range(0)], start=1):
            counted = (report.new, len(report.new_ids), report.duplicate)
            try:
                with transaction(self.write_factory) as session:
                    channel = store.get_or_create_channel(
                        parsed.platform, name, session=session, now=now, live=live
                    )
                    ids = self._write_batch(
                        session,
                        [(fresh[i], decisions[i]) for i in batch],
                        channel,
                        Path(source).name,
                        now,
                        report,
                    )
                    report.new += len(ids)
                    report.new_ids += ids
                    if after_write is not None and number == max(1, len(batches)):
                        after_write(session, channel, report)
            except Exception as exc:
                # this batch was rolled back: the report counts only what was committed
                report.new, report.duplicate = counted[0], counted[2]
                del report.new_ids[counted[1] :]
                if is_busy(exc):
                    raise IngestBusy(report, len(fresh) - batch.start) from exc
                raise
        return report

    def _decide_first(
        self, parsed: ParseResult, channel_name: str, now: datetime
    ) -> tuple[list[ParsedMention], list[Decision]]:
        """The items not stored yet, and triage's decision for each, unrouted: languages
        detected and every rule run before any write transaction, so neither lingua nor a slow
        regex holds the database's write lock. Routing waits for the write (who has how much
        work is read under the lock)."""
        if not parsed.items:
            return [], []
        with (self.read_factory or self.write_factory)() as session:
            channel = store.find_channel(parsed.platform, channel_name, session=session)
            known = (
                store.existing_remote_ids(
                    channel.id or 0, (i.remote_id for i in parsed.items), session=session
                )
                if channel is not None
                else set()
            )
            fresh: list[ParsedMention] = []
            for item in parsed.items:
                if item.remote_id not in known:
                    known.add(item.remote_id)  # twice in one payload: stored once
                    fresh.append(item)
            history: list[tuple[datetime, list[str]]] = []
            surge = self.rules.surge
            if surge.threshold and fresh:
                window = timedelta(minutes=surge.window_minutes)
                first = min(i.created_at for i in fresh)
                last = max(i.created_at for i in fresh)
                history = store.recent_tags(first - window, last, session=session)
        triage = Triage(
            self.rules,
            self.config,
            surge_history=history,
            detect_language=self.detect_language,
        )
        incoming = [_incoming(item, channel_name) for item in fresh]
        # Routed to who is there when it arrives (now), not when it was posted: a file of
        # last week's posts must not go to someone who is away today.
        decisions = triage.decide_many(incoming, route=False, route_at=now)
        return fresh, decisions

    def _write_batch(
        self,
        session: Session,
        batch: list[tuple[ParsedMention, Decision]],
        channel: Channel,
        source_name: str,
        now: datetime,
        report: FileReport,
    ) -> list[int]:
        """Route, chain and write one batch in the caller's transaction; the ids written.

        What another import stored since the items were triaged is counted as a duplicate.
        (A writer thread does not help: sqlite3's executemany and Python code take turns on the
        GIL, measured serial on this machine.)
        """
        if not batch:
            return []
        known = store.existing_remote_ids(
            channel.id or 0, (item.remote_id for item, _ in batch), session=session
        )
        todo = [(item, decision) for item, decision in batch if item.remote_id not in known]
        report.duplicate += len(batch) - len(todo)
        if not todo:
            return []
        router = Router(
            self.config,
            loads=store.open_loads(session=session),
            turns=store.routing_turns(session=session),
        )
        for _, decision in sorted(todo, key=lambda pair: pair[0].created_at):  # oldest first
            if not decision.spam:  # spam is closed on arrival: nobody's work
                router.route(decision, now)
        first_id = store.next_mention_id(session=session)
        rows: list[tuple[Any, ...]] = []
        events: list[EventSpec] = []
        for offset, (item, decision) in enumerate(todo):
            row, event = self._row_and_event(
                item, decision, first_id + offset, channel.id or 0, source_name, now
            )
            rows.append(row)
            events.append(event)
        audit_rows, _ = chain.chain_rows(chain.head(session, for_append=True), events)
        conn = session.connection()
        fast_insert(conn, Mention.__table__, MENTION_COLUMNS, rows)  # type: ignore[attr-defined]
        fast_insert(conn, AuditEvent.__table__, chain.AUDIT_COLUMNS, audit_rows)  # type: ignore[attr-defined]
        store.save_routing_turns(router.turns, session=session)
        return list(range(first_id, first_id + len(todo)))

    def _row_and_event(
        self,
        item: ParsedMention,
        decision: Decision,
        mention_id: int,
        channel_id: int,
        source: str,
        now: Any,
    ) -> tuple[tuple[Any, ...], EventSpec]:
        detail = decision.detail()
        reason = summary(detail)
        row = (
            mention_id,
            channel_id,
            item.platform,
            item.remote_id,
            item.url,
            item.author_handle,
            item.author_name,
            item.text,
            item.title,
            stored_language(item.language, decision),
            item.kind,
            item.visibility,
            item.in_reply_to_remote_id,
            item.thread_root_remote_id,
            _RAW_JSON(item.raw),
            MentionStatus.CLOSED if decision.spam else MentionStatus.OPEN,
            decision.category,
            decision.priority,
            decision.assignee,
            reason,
            _rules_json(decision.rules),
            _rules_json(decision.tags),
            decision.needs_approval,
            decision.suggest,
            _RAW_JSON(detail),
            item.created_at,
            now,
        )
        event = EventSpec(
            actor=self.actor,
            action=Action.MENTION_INGESTED,
            at=now,
            mention_id=mention_id,
            data={
                "platform": item.platform,
                "remote_id": item.remote_id,
                "source": source,
                "category": decision.category,
                "priority": decision.priority,
                "assignee": decision.assignee,
                "status": MentionStatus.CLOSED if decision.spam else MentionStatus.OPEN,
                "rules": list(decision.rules),
                "matched": decision.matched,
                "language": detail["language"],
                "route": detail["route"],
                # what was said, bound to the chain (desk.audit.content): `audit verify` re-reads it
                content.CONTENT: content.mention_digest(
                    dict(zip(MENTION_COLUMNS, row, strict=True))
                ),
            },
        )
        return row, event


def _cause(exc: Exception) -> str:
    """``Type: first line`` of an exception, at most 200 characters; a database error gives its
    driver's own message, without the SQL and parameters SQLAlchemy adds."""
    orig = getattr(exc, "orig", None)
    shown = orig if isinstance(orig, Exception) else exc
    lines = str(shown).strip().splitlines()
    return f"{type(shown).__name__}: {lines[0] if lines else ''}"[:200]


def _incoming(item: ParsedMention, channel: str) -> Incoming:
    return Incoming(
        text=item.text,
        title=item.title,
        created_at=item.created_at,
        platform=item.platform,
        language=item.language,
        channel=channel,
        kind=item.kind,
        author=item.author_handle,
        author_name=item.author_name,
    )


def stored_language(declared: str | None, decision: Decision) -> str | None:
    """The language kept on the mention: the detected one when it overrules or fills in."""
    if decision.language_source == "detected" or not declared:
        return decision.language if decision.language_source != "unknown" else declared
    return declared


def _item_line(source: str, error: ItemError) -> Worded:
    """``file: item 3: what is wrong``, English as text, said in the reader's language by
    ``render`` (desk ingest prints it so)."""
    return Worded(
        lambda t: t(
            "item_problem.line", source=source, where=error.where(t), message=error.render(t)
        )
    )
