"""Read-only views of the inbox for the UI and the CLI: queue pages, details, history, audit.

Everything returned is a plain read model (desk.views), safe to hand to another thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from desk.audit import chain
from desk.audit.chain import VerifyResult
from desk.audit.timeline import Subject, Timeline
from desk.audit.timeline import build as build_timeline
from desk.clock import as_utc
from desk.db import SessionFactory, fastread, store
from desk.db.store import QueueFilter
from desk.errors import InputError
from desk.views import AuditView, MentionDetail, QueueRow, ReplyView, extras_of


def parse_day(text: str) -> date | None:
    """A typed ``YYYY-MM-DD`` day (None when empty); InputError otherwise."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError.from_catalog("bad_day", text=text) from None


def day_bounds(
    tz: tzinfo, since: date | None, until: date | None
) -> tuple[datetime | None, datetime | None]:
    """Local days (both included, in the desk's time zone ``tz``) as UTC instants: the start of
    ``since`` and the start of the day after ``until``, as ``desk replies --since`` reads them."""
    if since is not None and until is not None and since > until:
        raise InputError.from_catalog("period_reversed", since=since, until=until)

    def start_of(day: date | None) -> datetime | None:
        return None if day is None else as_utc(datetime.combine(day, time.min, tzinfo=tz))

    return start_of(since), start_of(until + timedelta(days=1) if until else None)


@dataclass(kw_only=True)
class Queries:
    """Reads through a session factory; never writes."""

    read_factory: SessionFactory

    def count(self, flt: QueueFilter) -> int:
        """Number of mentions in the filtered queue."""
        with self.read_factory() as session:
            return store.count_queue(flt, session=session)

    def counts(self, filters: list[QueueFilter]) -> list[int]:
        """How many mentions each filter selects: one count each, in one read transaction (the
        counts of the queue's saved views agree with each other)."""
        with self.read_factory() as session:
            return [store.count_queue(flt, session=session) for flt in filters]

    def page(self, flt: QueueFilter, offset: int, limit: int) -> list[QueueRow]:
        """One page of the filtered queue. On SQLite, read with the driver's own connection in
        the session's transaction (desk.db.fastread's SQL, the same rows as desk.db.store's:
        tests/unit/db/test_fastread.py): a page is read at start-up and on every scroll, and
        building the statement and the ORM's result cost several times the query."""
        with self.read_factory() as session:
            conn = store.sqlite_connection(session)
            if conn is not None:
                try:
                    return fastread.page_queue(conn, flt, offset, limit)
                except fastread.Unsupported:
                    pass  # what only the ordinary path reads (or refuses)
            return store.page_queue(flt, offset, limit, session=session)

    def detail(self, mention_id: int) -> MentionDetail:
        """The mention with its thread, replies and audit history."""
        with self.read_factory() as session:
            m = store.get_mention(mention_id, session=session)
            attachments, notes = extras_of(store.json_object(m.raw))
            return MentionDetail(
                id=m.id or 0,
                platform=m.platform,
                channel=store.channel_name(m.channel_id, session=session),
                remote_id=m.remote_id,
                url=m.url,
                author_handle=m.author_handle,
                author_name=m.author_name,
                text=m.text,
                title=m.title,
                language=m.language,
                kind=m.kind,
                created_at=as_utc(m.created_at),
                received_at=as_utc(m.received_at),
                status=m.status,
                category=m.category,
                priority=m.priority,
                assignee=m.assignee,
                triage_reason=m.triage_reason,
                triage_rules=store.triage_rules_of(m),
                in_reply_to_remote_id=m.in_reply_to_remote_id,
                tags=store.json_list(m.tags),
                needs_approval=m.needs_approval,
                suggested_answer=m.suggested_answer,
                triage=store.json_object(m.triage_detail),
                replying_by=m.replying_by,
                replying_until=as_utc(m.replying_until) if m.replying_until else None,
                thread=store.thread_of(m, session=session),
                replies=[
                    store.reply_view(r) for r in store.replies_for(mention_id, session=session)
                ],
                history=[
                    chain.to_view(e)
                    for e in store.list_audit(
                        session=session, mention_id=mention_id, newest_first=False, limit=500
                    )
                ],
                attachments=attachments,
                notes=notes,
            )

    def audit_log(
        self,
        *,
        mention_id: int | None = None,
        actor: str | None = None,
        offset: int = 0,
        limit: int = 200,
        flt: store.AuditFilter | None = None,
        before_seq: int | None = None,
    ) -> list[AuditView]:
        """Audit events, newest first, filtered (``mention_id``/``actor`` alone, or a whole
        AuditFilter); ``before_seq`` gives the page after the event with that seq."""
        with self.read_factory() as session:
            events = store.list_audit(
                session=session,
                mention_id=mention_id,
                actor=actor,
                offset=offset,
                limit=limit,
                flt=flt,
                before_seq=before_seq,
            )
            return [chain.to_view(e) for e in events]

    def audit_actions(self) -> list[str]:
        """The actions present in the audit trail, sorted (for a filter's choices)."""
        with self.read_factory() as session:
            return store.audit_actions(session=session)

    TIMELINE_EVENTS = 5000  # one mention's events read at most (a real one has a few dozen)

    def timeline(self, mention_id: int) -> Timeline:
        """The mention's story, oldest first, with durations (desk.audit.timeline)."""
        with self.read_factory() as session:
            m = store.get_mention(mention_id, session=session)
            subject = Subject(
                id=m.id or 0,
                platform=m.platform,
                channel=store.channel_name(m.channel_id, session=session),
                author_handle=m.author_handle,
                author_name=m.author_name,
                text=m.text,
                created_at=as_utc(m.created_at),
                received_at=as_utc(m.received_at),
                status=m.status,
                category=m.category,
                assignee=m.assignee,
            )
            replies = [store.reply_view(r) for r in store.replies_for(mention_id, session=session)]
            events = [
                chain.to_view(e)
                for e in store.list_audit(
                    session=session,
                    mention_id=mention_id,
                    newest_first=False,
                    limit=self.TIMELINE_EVENTS + 1,
                )
            ]
        truncated = len(events) > self.TIMELINE_EVENTS
        return build_timeline(subject, events[: self.TIMELINE_EVENTS], replies, truncated=truncated)

    def replies(
        self,
        *,
        author: str | None = None,
        offset: int = 0,
        limit: int = 200,
        flt: store.ReplyFilter | None = None,
    ) -> list[ReplyView]:
        """Replies, newest first, filtered (``author`` alone, or a whole ReplyFilter)."""
        flt = flt or store.ReplyFilter(author=author)
        with self.read_factory() as session:
            return [
                store.reply_view(r)
                for r in store.list_replies(session=session, flt=flt, offset=offset, limit=limit)
            ]

    def verify_audit(self, expect_head: str | None = None) -> VerifyResult:
        """Recompute the audit chain (and check that ``expect_head`` is still in it)."""
        with self.read_factory() as session:
            return chain.verify(session, expect_head=expect_head)
