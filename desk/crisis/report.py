"""The crisis report: what happened between the first signal and the end of a declared crisis.

For the crisis going on (or the last one, after ``desk crisis stop``), read from what desk
already records — no table of its own:

- the first signal: the earliest surge (desk.crisis.surge, on the mentions' own times) starting
  within ``LOOKBACK`` before the declaration and before its end;
- declared (when, by whom, why) and stopped, from the declaration (desk.crisis.state);
- the official statement's first publication (``statement.published``, desk.crisis.statement);
- the first correction: the first reply sent after the declaration; replies sent meanwhile;
- the median time to answer (first reply sent minus the mention's arrival) of the mentions
  first answered during the crisis, against the same-length period just before it (the usual);
- the rumours: clusters (desk.crisis.clusters) of mentions mostly categorised ``rumour``, with
  their sizes;
- the timeline: the signal, each ``crisis.*`` (and, when it exists, ``statement.*``) audit event
  in the period — declared, alerts, acknowledgements, stopped — and the first correction, in
  order.

``render`` gives the plain-text form (``desk crisis report``); ``to_json`` the export.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from desk.audit.actions import Action
from desk.calendar import Calendar
from desk.clock import Clock, as_utc, utcnow
from desk.crisis.clusters import Cluster
from desk.crisis.state import Declaration, SurgeReader
from desk.db import SessionFactory
from desk.db.tables import AuditEvent, Mention, Reply
from desk.errors import NotFound
from desk.i18n import Catalog
from desk.reports import duration, percentile
from desk.text.safe import clean
from desk.vocabulary import Category, ReplyStatus

LOOKBACK = timedelta(hours=24)
"""How long before the declaration a surge or a cluster still belongs to the crisis."""
SENT = (ReplyStatus.SENT, ReplyStatus.SENT_OFFLINE)
TIMELINE_PREFIXES = ("crisis.", "statement.")
MAX_TIMELINE = 200

ClusterReader = Callable[..., list[Cluster]]
"""CrisisService.clusters (keywords ``since``, ``open_only``, ``min_size``)."""


@dataclass(frozen=True, slots=True)
class Moment:
    """One line of the crisis timeline: when, what (``kind``), and its details."""

    at: datetime
    kind: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The plain JSON form."""
        return {"at": self.at.isoformat(), "kind": self.kind, **self.details}


@dataclass(frozen=True, slots=True)
class Rumour:
    """A cluster of mentions mostly categorised ``rumour``."""

    cluster: int
    size: int
    rumours: int
    """How many of its mentions are categorised ``rumour``."""
    authors: int
    label: str
    languages: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        """The plain JSON form."""
        return {
            "cluster": self.cluster,
            "size": self.size,
            "categorised_rumour": self.rumours,
            "authors": self.authors,
            "label": self.label,
            "languages": self.languages,
        }


@dataclass(frozen=True, slots=True)
class Answering:
    """Time to answer over one period: how many mentions were first answered in it, median."""

    since: datetime
    until: datetime
    answered: int
    median_seconds: float | None

    def to_json(self) -> dict[str, Any]:
        """The plain JSON form."""
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "answered": self.answered,
            "median_seconds": self.median_seconds,
        }


@dataclass(frozen=True, slots=True)
class CrisisReport:
    """The report of one crisis (``declaration``), read at ``until`` (its end, or now)."""

    declaration: Declaration
    until: datetime
    first_signal: Moment | None
    first_correction: Moment | None
    statement: Moment | None
    """The official statement's first publication (desk.crisis.statement), if any."""
    replies_sent: int
    during: Answering
    usual: Answering
    rumours: tuple[Rumour, ...]
    timeline: tuple[Moment, ...]

    def to_json(self) -> dict[str, Any]:
        """``desk crisis report --json``."""
        d = self.declaration
        return {
            "crisis": d.to_record(),
            "until": self.until.isoformat(),
            "first_signal": self.first_signal.to_json() if self.first_signal else None,
            "declared": d.since.isoformat(),
            "first_correction": (
                self.first_correction.to_json() if self.first_correction else None
            ),
            "statement_published": self.statement.to_json() if self.statement else None,
            "replies_sent": self.replies_sent,
            "time_to_answer": {"during": self.during.to_json(), "usual": self.usual.to_json()},
            "rumours": [r.to_json() for r in self.rumours],
            "timeline": [m.to_json() for m in self.timeline],
        }


@dataclass(kw_only=True)
class CrisisReporter:
    """Builds the report of the current (or last) crisis from the trail, replies and queue."""

    read_factory: SessionFactory
    current: Callable[[], Declaration | None]
    surges: SurgeReader
    clusters: ClusterReader
    clock: Clock = utcnow

    def report(self) -> CrisisReport:
        """The report; NotFound when no crisis was ever declared."""
        declaration = self.current()
        if declaration is None:
            raise NotFound.from_catalog("crisis_never")
        now = self.clock()
        since, until = declaration.since, declaration.end(now)
        found = [s for s in self.surges(since=since - LOOKBACK, until=until) if s.start <= until]
        # the earliest; at the same start a named topic rather than ``all``
        first = min(found, key=lambda s: (s.start, s.topic == "all", s.topic), default=None)
        signal = (
            Moment(
                first.start,
                "signal",
                {"topic": first.topic, "total": first.total, "usual": round(first.usual, 1)},
            )
            if first is not None
            else None
        )
        length = until - since
        with self.read_factory() as session:
            correction = self._first_correction(session, since, until)
            sent = session.execute(
                sa.select(sa.func.count())
                .select_from(Reply)
                .where(
                    col(Reply.status).in_(SENT),
                    col(Reply.sent_at) >= since,
                    col(Reply.sent_at) <= until,
                )
            ).scalar_one()
            during = _answering(session, since, until)
            usual = _answering(session, since - length, since)
            events = self._events(session, since, until)
            published = self._first_published(session, since, until)
            rumours = self._rumours(session, since - LOOKBACK)
        timeline = [m for m in (signal, correction) if m is not None] + events
        timeline.sort(key=lambda m: m.at)
        return CrisisReport(
            declaration=declaration,
            until=until,
            first_signal=signal,
            first_correction=correction,
            statement=published,
            replies_sent=int(sent),
            during=during,
            usual=usual,
            rumours=rumours,
            timeline=tuple(timeline[:MAX_TIMELINE]),
        )

    @staticmethod
    def _first_correction(session: Any, since: datetime, until: datetime) -> Moment | None:
        row = session.execute(
            sa.select(col(Reply.id), col(Reply.mention_id), col(Reply.author), col(Reply.sent_at))
            .where(
                col(Reply.status).in_(SENT),
                col(Reply.sent_at) >= since,
                col(Reply.sent_at) <= until,
            )
            .order_by(col(Reply.sent_at), col(Reply.id))
            .limit(1)
        ).first()
        if row is None:
            return None
        reply_id, mention_id, author, sent_at = row
        return Moment(
            as_utc(sent_at),
            "first_correction",
            {"reply": reply_id, "mention": mention_id, "by": author},
        )

    @staticmethod
    def _first_published(session: Any, since: datetime, until: datetime) -> Moment | None:
        """The statement's first publication in the period, read on its own: the timeline
        keeps at most MAX_TIMELINE events, and failed retries could push it out."""
        row = session.execute(
            sa.select(col(AuditEvent.at), col(AuditEvent.actor), col(AuditEvent.data))
            .where(
                col(AuditEvent.action) == Action.STATEMENT_PUBLISHED,
                col(AuditEvent.at) >= since,
                col(AuditEvent.at) <= until,
            )
            .order_by(col(AuditEvent.seq))
            .limit(1)
        ).first()
        if row is None:
            return None
        at, actor, data = row
        return Moment(as_utc(at), Action.STATEMENT_PUBLISHED, {"by": actor, **_details(data)})

    @staticmethod
    def _events(session: Any, since: datetime, until: datetime) -> list[Moment]:
        kinds = {Action.CRISIS_STARTED: "declared", Action.CRISIS_STOPPED: "stopped"}
        prefixes = sa.or_(*(col(AuditEvent.action).startswith(p) for p in TIMELINE_PREFIXES))
        rows = session.execute(
            sa.select(
                col(AuditEvent.at),
                col(AuditEvent.action),
                col(AuditEvent.actor),
                col(AuditEvent.data),
            )
            .where(col(AuditEvent.at) >= since, col(AuditEvent.at) <= until, prefixes)
            .order_by(col(AuditEvent.seq))
            .limit(MAX_TIMELINE)
        ).all()
        return [
            Moment(as_utc(at), kinds.get(action, action), {"by": actor, **_details(data)})
            for at, action, actor, data in rows
        ]

    def _rumours(self, session: Any, since: datetime) -> tuple[Rumour, ...]:
        groups = self.clusters(since=since, open_only=False, min_size=2)
        members = [m for c in groups for m in c.mention_ids]
        categories: dict[int, str] = {}
        for start in range(0, len(members), 900):  # below every database's parameter limit
            chunk = members[start : start + 900]
            categories.update(
                session.execute(
                    sa.select(col(Mention.id), col(Mention.category)).where(
                        col(Mention.id).in_(chunk)
                    )
                ).all()
            )
        found = []
        for c in groups:
            rumours = sum(1 for m in c.mention_ids if categories.get(m) == Category.RUMOUR)
            if rumours * 2 > c.size:  # most of the group
                found.append(
                    Rumour(
                        cluster=c.id,
                        size=c.size,
                        rumours=rumours,
                        authors=c.authors,
                        label=c.representative,
                        languages=dict(c.languages),
                    )
                )
        found.sort(key=lambda r: (-r.size, r.cluster))
        return tuple(found)


def _details(data: str | None) -> dict[str, Any]:
    """An audit event's data as a timeline line shows it: its plain values only (a damaged or
    odd record gives none)."""
    try:
        details = json.loads(data or "{}")
    except (ValueError, RecursionError):
        return {}
    if not isinstance(details, dict):
        return {}
    return {k: v for k, v in details.items() if isinstance(v, str | int | float)}


def _answering(session: Any, since: datetime, until: datetime) -> Answering:
    """Mentions whose first reply went out in [since, until): first sent minus arrival."""
    first_sent = sa.func.min(Reply.sent_at)
    rows = session.execute(
        sa.select(col(Mention.received_at), first_sent)
        .join(Reply, col(Reply.mention_id) == col(Mention.id))
        .where(col(Reply.status).in_(SENT), col(Reply.sent_at) < until)
        .group_by(col(Mention.id), col(Mention.received_at))
        .having(first_sent >= since)
    ).all()
    seconds = [
        max(0.0, (as_utc(_moment(sent)) - as_utc(received)).total_seconds())
        for received, sent in rows
        if sent is not None
    ]
    return Answering(since, until, len(seconds), percentile(seconds, 0.5))


def _moment(value: datetime | str) -> datetime:
    """An aggregate's datetime (SQLite gives MIN() back as text)."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def render(report: CrisisReport, catalog: Catalog, zone: Calendar) -> list[str]:
    """The plain-text report, one line each, in ``catalog``'s language and the desk's zone;
    every value from data (reasons, names, topics, texts) made safe for a terminal."""
    t = catalog.t

    def when(moment: datetime | None) -> str:
        return f"{zone.local(moment):%Y-%m-%d %H:%M}" if moment is not None else "—"

    def safe(value: object, size: int = 120) -> str:
        return clean(str(value), one_line=True, max_len=size)

    d = report.declaration
    lines = [
        t("crisis.report.title", reason=safe(d.reason)),
        t(
            "crisis.report.declared",
            at=when(d.since),
            by=safe(d.by, 40),
        ),
    ]
    if d.stopped_at is not None:
        lines.append(t("crisis.report.stopped", at=when(d.stopped_at), by=safe(d.stopped_by, 40)))
    else:
        lines.append(t("crisis.report.going_on", at=when(report.until)))
    signal = report.first_signal
    lines.append(
        t(
            "crisis.report.signal",
            at=when(signal.at),
            topic=topic_label(signal.details["topic"], catalog),
        )
        if signal is not None
        else t("crisis.report.no_signal")
    )
    fix = report.first_correction
    lines.append(
        t(
            "crisis.report.correction",
            at=when(fix.at),
            mention=fix.details["mention"],
            by=safe(fix.details["by"], 40),
        )
        if fix is not None
        else t("crisis.report.no_correction")
    )
    published = report.statement
    lines.append(
        t(
            "crisis.report.statement",
            at=when(published.at),
            id=published.details.get("statement", "?"),
            channel=safe(published.details.get("channel", ""), 60),
        )
        if published is not None
        else t("crisis.report.no_statement")
    )
    lines.append(t("crisis.report.sent", n=report.replies_sent))
    lines.append(
        t(
            "crisis.report.answer_time",
            during=duration(report.during.median_seconds),
            n=report.during.answered,
            usual=duration(report.usual.median_seconds),
            m=report.usual.answered,
        )
    )
    if report.rumours:
        lines.append(t("crisis.report.rumours"))
        for r in report.rumours:
            lines.append(
                "  "
                + t("crisis.report.rumour", cluster=r.cluster, size=r.size, authors=r.authors)
                + " "
                + safe(r.label, 80)
            )
    else:
        lines.append(t("crisis.report.no_rumours"))
    lines.append(t("crisis.report.timeline"))
    for m in report.timeline:
        lines.append(f"  {when(m.at)}  {moment_text(m, catalog)}")
    return lines


def topic_label(topic: object, catalog: Catalog) -> str:
    """A surge's topic as people read it (``all``: every mention), made safe."""
    if topic == "all":
        return catalog.t("crisis.timeline.topic_all")
    return clean(str(topic), one_line=True, max_len=60)


def moment_text(moment: Moment, catalog: Catalog) -> str:
    """One timeline line's words (an action the catalog does not know is shown by name)."""
    values = {k: clean(str(v), one_line=True, max_len=80) for k, v in moment.details.items()}
    if "topic" in values:
        values["topic"] = topic_label(moment.details["topic"], catalog)
    key = f"crisis.timeline.{moment.kind.replace('.', '_')}"
    text = catalog.t(key, **values)
    if text == key:
        by = values.get("by", "")
        return f"{clean(moment.kind, one_line=True, max_len=60)} ({by})" if by else moment.kind
    return text
