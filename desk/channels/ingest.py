"""Connectors -> store -> triage. Used by ``desk ingest`` (saved payloads) and, later, live pulls.

Each payload is parsed outside any transaction, then its new mentions are triaged and written in
one transaction together with one ``mention.ingested`` audit event each (what came in, from where,
and how triage categorised and routed it). Duplicates (same platform + remote id) are counted and
left alone, so re-importing a file adds nothing.
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
from desk.db.tables import AuditEvent, Channel, Mention
from desk.errors import InputError
from desk.platforms.detect import parse_payload
from desk.platforms.parsed import ParsedMention, ParseResult
from desk.triage import Decision, RuleSet
from desk.triage.explain import summary
from desk.triage.language import Detected
from desk.triage.pipeline import Incoming, Triage
from desk.triage.routing import Router
from desk.vocabulary import MentionStatus

MAX_FILE_BYTES = 50 * 1024 * 1024
BATCH = 5000
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
    new_ids: list[int] = field(default_factory=list)

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
        }


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

    def triage_for(self, session: Session, items: list[ParsedMention]) -> Triage:
        """A Triage primed with the database's loads, round-robin turns and recent tags."""
        router = Router(
            self.config,
            loads=store.open_loads(session=session),
            turns=store.routing_turns(session=session),
        )
        history: list[tuple[datetime, list[str]]] = []
        surge = self.rules.surge
        if surge.threshold and items:
            window = timedelta(minutes=surge.window_minutes)
            first = min(i.created_at for i in items)
            last = max(i.created_at for i in items)
            history = store.recent_tags(first - window, last, session=session)
        return Triage(
            self.rules,
            self.config,
            router=router,
            surge_history=history,
            detect_language=self.detect_language,
        )

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
            except Exception as exc:  # noqa: BLE001 - one unreadable file never stops the others
                # Its transaction was rolled back whole: nothing of it is stored, and it says so.
                message = f"{path}: could not be imported ({type(exc).__name__}: {str(exc)[:200]})"
                reports.append(FileReport(str(path), rejected=1, errors=[message]))
        return reports

    def ingest_file(self, path: Path) -> FileReport:
        """Import one saved payload file."""
        source = str(path)
        try:
            mode = path.stat().st_mode
            if stat.S_ISDIR(mode):
                raise InputError(f"{source}: is a folder, not a payload file")
            if not stat.S_ISREG(mode):
                raise InputError(
                    f"{source}: not a regular file (device, pipe...)",
                    hint="save the payload to a file first",
                )
            with path.open("rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)  # never more, whatever the file claims
            if len(data) > MAX_FILE_BYTES:
                raise InputError(
                    f"{source}: file is over the {MAX_FILE_BYTES:,}-byte limit",
                    hint="split the payload into pages",
                )
        except FileNotFoundError:
            return FileReport(source, rejected=1, errors=[f"{source}: file not found"])
        except InputError as exc:
            return FileReport(source, rejected=1, errors=[str(exc)])
        except OSError as exc:
            return FileReport(
                source, rejected=1, errors=[f"{source}: cannot read: {exc.strerror or exc}"]
            )
        return self.ingest_bytes(data, source)

    def ingest_bytes(self, data: bytes, source: str) -> FileReport:
        """Import one payload given as bytes; ``source`` names it in messages."""
        try:
            parsed = parse_payload(data, source)
        except InputError as exc:
            return FileReport(source, rejected=1, errors=[str(exc)])
        return self.ingest_parsed(parsed, source)

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
        live channel (desk.channels.pull). ``after_write`` runs inside the same transaction once the
        mentions are written — desk.channels.pull saves the page's cursor there, so the page and its
        cursor are committed together or not at all.
        """
        report = FileReport(source, platform=parsed.platform, skipped=parsed.skipped)
        for err in parsed.errors:
            # An item that could not be used is rejected; a file-level note with a line number
            # (e.g. a feed that is not well-formed but still gave its entries) is a warning.
            if err.index is None and err.line is not None:
                report.warnings.append(f"{source}: {err.where()}: {err.message}")
            else:
                report.errors.append(f"{source}: {err.where()}: {err.message}")
                report.rejected += 1
        name = channel_name or parsed.channel_hint or "saved payloads"
        languages = self._languages_first(parsed, name)
        now = self.clock()
        with transaction(self.write_factory) as session:
            channel = store.get_or_create_channel(
                parsed.platform, name, session=session, now=now, live=live
            )
            known = store.existing_remote_ids(
                channel.id or 0, (i.remote_id for i in parsed.items), session=session
            )
            next_id = store.next_mention_id(session=session)
            fresh: list[ParsedMention] = []
            for item in parsed.items:
                if item.remote_id in known:
                    report.duplicate += 1
                    continue
                known.add(item.remote_id)
                fresh.append(item)
            report.new_ids = list(range(next_id, next_id + len(fresh)))
            self._write_batches(
                session, fresh, next_id, channel.id or 0, Path(source).name, now, languages
            )
            report.new = len(fresh)
            if after_write is not None:
                after_write(session, channel, report)
        return report

    def _languages_first(self, parsed: ParseResult, channel_name: str) -> dict[str, Detected]:
        """Detect the languages of the items not stored yet, before the write transaction, so
        a long import does not hold the database's write lock while lingua works."""
        if not self.detect_language or self.read_factory is None or not parsed.items:
            return {}
        with self.read_factory() as session:
            channel = store.find_channel(parsed.platform, channel_name, session=session)
            known = (
                store.existing_remote_ids(
                    channel.id or 0, (i.remote_id for i in parsed.items), session=session
                )
                if channel is not None
                else set()
            )
        fresh = [i for i in parsed.items if i.remote_id not in known]
        triage = Triage(self.rules, self.config, detect_language=True)
        found = triage.languages([_incoming(item, "") for item in fresh])
        return {item.remote_id: lang for item, lang in zip(fresh, found, strict=True)}

    def _write_batches(
        self,
        session: Session,
        items: list[ParsedMention],
        first_id: int,
        channel_id: int,
        source_name: str,
        now: datetime,
        languages: dict[str, Detected] | None = None,
    ) -> None:
        """Triage, chain and write in batches of BATCH, all in the caller's one transaction.

        (A writer thread does not help: sqlite3's executemany and Python code take turns on the
        GIL, measured serial on this machine.)
        """
        if not items:
            return
        conn = session.connection()
        chain_head = chain.head(session)
        triage = self.triage_for(session, items)
        channel_row = session.get(Channel, channel_id)
        channel = channel_row.name if channel_row else ""
        for start in range(0, len(items), BATCH):
            rows: list[tuple[Any, ...]] = []
            events: list[EventSpec] = []
            batch = items[start : start + BATCH]
            known = [(languages or {}).get(item.remote_id) for item in batch]
            # Routed to who is there when it arrives (now), not when it was posted: a file of
            # last week's posts must not go to someone who is away today.
            decisions = triage.decide_many(
                [_incoming(item, channel) for item in batch], known, route_at=now
            )
            for offset, (item, decision) in enumerate(zip(batch, decisions, strict=True)):
                row, event = self._row_and_event(
                    item, decision, first_id + start + offset, channel_id, source_name, now
                )
                rows.append(row)
                events.append(event)
            audit_rows, chain_head = chain.chain_rows(chain_head, events)
            fast_insert(conn, Mention.__table__, MENTION_COLUMNS, rows)  # type: ignore[attr-defined]
            fast_insert(conn, AuditEvent.__table__, chain.AUDIT_COLUMNS, audit_rows)  # type: ignore[attr-defined]
        store.save_routing_turns(triage.router.turns, session=session)

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
    )


def stored_language(declared: str | None, decision: Decision) -> str | None:
    """The language kept on the mention: the detected one when it overrules or fills in."""
    if decision.language_source == "detected" or not declared:
        return decision.language if decision.language_source != "unknown" else declared
    return declared
