"""Retention: remove finished mentions older than a cutoff, and the audit trail's prefix before it.

What a purge removes, in one transaction together with its anchor and its ``audit.purged`` event:

- mentions created before the cutoff that are finished: closed (spam is closed too), with no
  audit event about them at or after the cutoff (nothing happened to them since), no reply at or
  after it, no reply still in progress (pending approval, sending, unknown outcome, draft) and no
  running reply claim. Their replies go with them (the reply search index follows by trigger),
  and so do their outbox rows. Nothing else refers to a mention (``routing_state`` holds team
  turns only; the reply claim is a column of the mention itself).
- the audit events up to the last one that is both older than the cutoff and before the first
  event about a mention that stays. The trail is hash-chained, so only a *prefix* can go: a
  mention kept because it is still open holds the trail back at its first event (the plan names
  it), so its history is never cut. Events about purged mentions that come after that point
  stay until a later purge reaches them.

The trail stays verifiable: before deleting, the purge records an anchor (``audit_anchors``: the
seq and hash of the last event removed) and then appends an ``audit.purged`` event naming that
anchor, the previous one, the counts and the ids of the mentions and replies it removed (as runs
``[[first, last], ...]``: events about them may stay after the anchor, and ``audit verify`` tells
their absence from a row deleted behind desk's back); ``desk.chain.verify`` starts from the anchor
and accepts it only if that event confirms it. A purge refuses to run on a trail that does not verify:
removing a tampered prefix would remove the evidence.

One transaction, all or nothing: an interruption (crash, Ctrl-C, power cut) leaves the database
as it was, and SQLite's triggers let audit events go only at or before a recorded anchor. Rows are
deleted by chunks of ids only to keep each statement small; the write lock is held throughout, so
a very large first purge can be split by running it with successive ``--before`` dates.

With ``[audit] checkpoints`` set, the purge then appends a ``purge`` line to the checkpoint file
(desk.audit.checkpoints): the head after the purge and the anchor it made, signed when a key is
configured. That line is what lets ``desk audit verify --checkpoints`` accept earlier checkpoints
inside the purged range; the file is checked before anything is removed.

Admins purge; supervisors may see the plan (a dry run); agents may do neither. A purged
mention is forgotten entirely: importing the same old payload again brings it back as new.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from desk.audit import chain, checkpoints, content
from desk.audit.actions import Action
from desk.audit.chain import Recorder
from desk.clock import Clock, as_utc, utcnow
from desk.config import MIN_RETENTION_DAYS, DeskConfig
from desk.db import SessionFactory, transaction
from desk.db.tables import AuditAnchor, AuditEvent, Mention, OutboxEntry, Reply
from desk.errors import ActionRefused, DeskError, InputError, PermissionDenied
from desk.views import StaffView
from desk.vocabulary import MentionStatus, ReplyStatus

# A reply in any other state (draft, pending_approval, queued, sending, unknown, or one added
# later) may still be published or decided: its mention is kept.
FINAL_REPLY_STATUSES = (
    ReplyStatus.SENT,
    ReplyStatus.SENT_OFFLINE,
    ReplyStatus.REJECTED,
    ReplyStatus.FAILED,
    ReplyStatus.CANCELLED,
)
_CHUNK = 500
# Core tables: the purge works on rows it never loads (and its aliases must not correlate).
_MENTIONS: sa.Table = Mention.__table__  # type: ignore[attr-defined]
_REPLIES: sa.Table = Reply.__table__  # type: ignore[attr-defined]
_EVENTS: sa.Table = AuditEvent.__table__  # type: ignore[attr-defined]
_OUTBOX: sa.Table = OutboxEntry.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class PurgeReport:
    """What a purge removed (or, for a dry run, would remove), and what it kept and why."""

    cutoff: datetime
    dry_run: bool
    mentions: int
    replies: int
    outbox: int
    audit_events: int
    anchor: tuple[int, str] | None  # where the trail starts after the purge (None: at seq 1)
    kept_open: int  # older than the cutoff but still open
    kept_unfinished: int  # closed, but a reply is in progress or a reply claim is running
    kept_recent: int  # closed, but something happened to it at or after the cutoff
    audit_held_by: int | None = None  # the kept mention whose history stops the audit prefix
    checkpoint: checkpoints.Line | None = None  # the purge's line in the checkpoint file

    def to_json(self) -> dict[str, Any]:
        """The form printed by ``desk purge --json``."""
        return {
            "cutoff": self.cutoff.isoformat(),
            "dry_run": self.dry_run,
            "removed": self.counts(),
            "anchor": None if self.anchor is None else _anchor_json(self.anchor),
            "kept": {
                "open": self.kept_open,
                "unfinished": self.kept_unfinished,
                "recent": self.kept_recent,
            },
            "audit_held_by_mention": self.audit_held_by,
            "checkpoint": self.checkpoint.to_json() if self.checkpoint else None,
        }

    def counts(self) -> dict[str, int]:
        """Rows removed per kind."""
        return {
            "mentions": self.mentions,
            "replies": self.replies,
            "outbox": self.outbox,
            "audit_events": self.audit_events,
        }


def _anchor_json(anchor: tuple[int, str] | None) -> dict[str, Any] | None:
    return None if anchor is None else {"seq": anchor[0], "hash": anchor[1]}


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


@dataclass(kw_only=True)
class RetentionService:
    """Plans and runs retention purges; each purge is one transaction with its audit event."""

    read_factory: SessionFactory
    write_factory: SessionFactory
    config: DeskConfig
    actor: StaffView
    clock: Clock = utcnow

    def cutoff(self, before: date | None = None) -> datetime:
        """The cutoff: the start of day ``before`` in the desk's time zone, else now minus
        ``[retention] days``; a ``DeskError`` when neither is given."""
        if before is not None:
            zone = self.config.hours.calendar().tz
            return as_utc(datetime.combine(before, time.min, tzinfo=zone))
        days = self.config.retention.days
        if days is None:
            raise InputError.from_catalog("purge_no_cutoff")
        return self.clock() - timedelta(days=days)

    def plan(self, cutoff: datetime) -> PurgeReport:
        """What ``purge(cutoff)`` would remove now (supervisors and admins; changes nothing)."""
        if not self.actor.is_supervisor:
            raise PermissionDenied.from_catalog("purge_plan_forbidden")
        now = self.clock()
        cutoff = self._checked(cutoff, now)
        with self.read_factory() as session:
            report, _ids = self._plan(session, cutoff, now, dry_run=True)
        return report

    def purge(self, cutoff: datetime) -> PurgeReport:
        """Remove what the plan lists, anchor the trail and append ``audit.purged`` (admins)."""
        if not self.actor.is_admin:
            raise PermissionDenied.from_catalog("purge_forbidden")
        now = self.clock()
        cutoff = self._checked(cutoff, now)
        log = checkpoints.CheckpointLog.configured(self.config)
        if log is not None:
            log.check_writable()  # a purge the file cannot record would leave it unprovable
        with transaction(self.write_factory) as session:
            checked = chain.verify(session)
            if not checked.ok:
                where = f"seq {checked.bad_seq}: " if checked.bad_seq is not None else ""
                raise ActionRefused.from_catalog(
                    "purge_chain_broken", reason=f"{where}{checked.reason}"
                )
            previous = chain.latest_anchor(session)
            report, ids = self._plan(session, cutoff, now, dry_run=False)
            reply_ids = self._reply_ids(session, ids)
            self._delete_mentions(session, ids)
            if report.anchor is not None and (previous is None or report.anchor[0] > previous.seq):
                session.add(
                    AuditAnchor(
                        seq=report.anchor[0],
                        hash=report.anchor[1],
                        removed=report.audit_events,
                        actor=self.actor.name,
                        cutoff=cutoff,
                        at=now,
                    )
                )
                session.flush()  # the delete guard lets events go only up to a recorded anchor
                session.execute(sa.delete(_EVENTS).where(_EVENTS.c.seq <= report.anchor[0]))
            Recorder(self.actor.name, self.clock)(
                session,
                Action.AUDIT_PURGED,
                at=now,
                cutoff=cutoff.isoformat(),
                anchor=_anchor_json(report.anchor),
                previous_anchor=_anchor_json((previous.seq, previous.hash) if previous else None),
                removed=report.counts(),
                removed_ids={
                    "mentions": content.ranges(ids),
                    "replies": content.ranges(reply_ids),
                },
                checkpoints=str(log.path) if log is not None else None,
            )
            head = chain.head(session)
        if log is None:
            return report
        try:
            line = log.append(
                kind="purge",
                seq=head[0],
                digest=head[1],
                by=self.actor.name,
                at=self.clock(),
                organisation=self.config.desk.organisation,
                anchor=report.anchor,
            )
        except (OSError, DeskError) as exc:
            raise ActionRefused.from_catalog(
                "checkpoint_purge_not_written", path=str(log.path), reason=str(exc)
            ) from exc
        return replace(report, checkpoint=line)

    def _checked(self, cutoff: datetime, now: datetime) -> datetime:
        """The cutoff, refused when it would remove what must still be kept."""
        if cutoff.tzinfo is None:
            raise InputError.from_catalog("purge_naive_cutoff")
        days = max(MIN_RETENTION_DAYS, self.config.retention.days or 0)
        latest = now - timedelta(days=days)
        if cutoff > latest:
            zone = self.config.hours.calendar().tz
            raise InputError.from_catalog(
                "purge_too_recent",
                cutoff=cutoff.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                days=days,
                latest=latest.astimezone(zone).date().isoformat(),
            )
        return as_utc(cutoff)

    @staticmethod
    def _purgeable(cutoff: datetime, now: datetime) -> sa.Select[tuple[int]]:
        """The ids of the mentions a purge at ``cutoff`` removes (a select usable as subquery).

        Aliased throughout so that, nested in a query over mentions or audit events, it never
        correlates with the enclosing query's tables.
        """
        m = _MENTIONS.alias("purge_mention")
        r = _REPLIES.alias("purge_reply")
        e = _EVENTS.alias("purge_event")
        busy_reply = sa.exists().where(
            r.c.mention_id == m.c.id,
            sa.or_(
                r.c.status.not_in(FINAL_REPLY_STATUSES),
                r.c.created_at >= cutoff,
                r.c.sent_at >= cutoff,
                r.c.reviewed_at >= cutoff,
            ),
        )
        recent_event = sa.exists().where(e.c.mention_id == m.c.id, e.c.at >= cutoff)
        return (
            sa.select(m.c.id)
            .where(
                m.c.status == MentionStatus.CLOSED,
                m.c.created_at < cutoff,
                sa.or_(m.c.replying_until.is_(None), m.c.replying_until < now),
                ~busy_reply,
                ~recent_event,
            )
            .correlate(None)
        )

    def _plan(
        self, session: Session, cutoff: datetime, now: datetime, *, dry_run: bool
    ) -> tuple[PurgeReport, list[int]]:
        mentions, replies_t, events, outbox_t = _MENTIONS.c, _REPLIES.c, _EVENTS.c, _OUTBOX.c
        purgeable = self._purgeable(cutoff, now)
        ids = list(session.execute(purgeable.order_by(purgeable.selected_columns[0])).scalars())
        replies = outbox = 0
        for chunk in _chunks(ids):
            of_chunk = sa.select(replies_t.id).where(replies_t.mention_id.in_(chunk))
            replies += _count(session, replies_t.mention_id.in_(chunk))
            outbox += _count(session, outbox_t.reply_id.in_(of_chunk))
        old = mentions.created_at < cutoff
        unfinished = sa.or_(
            sa.exists().where(
                replies_t.mention_id == mentions.id,
                replies_t.status.not_in(FINAL_REPLY_STATUSES),
            ),
            mentions.replying_until >= now,
        )
        old_all = _count(session, old)
        old_open = _count(session, old, mentions.status == MentionStatus.OPEN)
        old_unfinished = _count(session, old, mentions.status == MentionStatus.CLOSED, unfinished)
        start = chain.latest_anchor(session)
        start_seq = start.seq if start else 0
        head_seq, _ = chain.head(session)
        after_start = events.seq > start_seq
        time_stop = session.execute(
            sa.select(sa.func.min(events.seq)).where(after_start, events.at >= cutoff)
        ).scalar()
        kept = sa.select(mentions.id).where(mentions.id.not_in(purgeable))
        held_seq = session.execute(
            sa.select(sa.func.min(events.seq)).where(after_start, events.mention_id.in_(kept))
        ).scalar()
        last = min(head_seq + 1, time_stop or head_seq + 1, held_seq or head_seq + 1) - 1
        held_by = None
        if held_seq is not None and held_seq == last + 1 and time_stop != held_seq:
            held_by = session.execute(
                sa.select(events.mention_id).where(events.seq == held_seq)
            ).scalar()
        anchor = (start_seq, start.hash) if start else None
        removed_events = 0
        if last > start_seq:
            digest = session.execute(sa.select(events.hash).where(events.seq == last)).scalar_one()
            anchor = (last, digest)
            removed_events = _count(session, after_start, events.seq <= last)
        report = PurgeReport(
            cutoff=cutoff,
            dry_run=dry_run,
            mentions=len(ids),
            replies=replies,
            outbox=outbox,
            audit_events=removed_events,
            anchor=anchor,
            kept_open=old_open,
            kept_unfinished=old_unfinished,
            kept_recent=old_all - old_open - old_unfinished - len(ids),
            audit_held_by=held_by,
        )
        return report, ids

    @staticmethod
    def _reply_ids(session: Session, ids: Sequence[int]) -> list[int]:
        """The ids of the replies to the mentions ``ids``."""
        found: list[int] = []
        for chunk in _chunks(ids):
            found += session.execute(
                sa.select(_REPLIES.c.id).where(_REPLIES.c.mention_id.in_(chunk))
            ).scalars()
        return found

    @staticmethod
    def _delete_mentions(session: Session, ids: Sequence[int]) -> None:
        """Outbox rows, then replies (their search index follows by trigger), then mentions."""
        for chunk in _chunks(ids):
            of_chunk = sa.select(_REPLIES.c.id).where(_REPLIES.c.mention_id.in_(chunk))
            session.execute(sa.delete(_OUTBOX).where(_OUTBOX.c.reply_id.in_(of_chunk)))
            session.execute(sa.delete(_REPLIES).where(_REPLIES.c.mention_id.in_(chunk)))
            session.execute(sa.delete(_MENTIONS).where(_MENTIONS.c.id.in_(chunk)))


def _count(session: Session, *where: sa.ColumnElement[bool]) -> int:
    """How many rows of the one table ``where`` is about match it."""
    return int(session.execute(sa.select(sa.func.count()).where(*where)).scalar_one())
