"""Reports for supervisors: volume, response times, approval delay, backlog, answers used.

Everything is read with a few aggregate queries over a date range (the days citizens posted, in
the desk's time zone) and returned as plain data: ``desk report --json`` prints it, the CLI and the TUI
draw it. Durations are in seconds; medians and 90th percentiles use the nearest-rank method.

At scale (a million mentions) nothing reads the mentions one by one: the volume, the answers
used and where the backlog's ranks fall come from the hourly summaries that triggers keep
(desk.db.summaries, migration 0021); first-response times from one summary row per answered
mention, their percentiles read at their ranks along an index when the period holds a good share
of them (``SCAN_SHARE``), row by row for a short one. Exact nearest ranks, as before: the JSON is
the same (tests/unit/test_reports_sql.py checks it against a plain computation). 2.8 s became
0.15–0.3 s for the whole period of 1M mentions (benchmarks/bench_review.py).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from desk.clock import Clock, as_utc, utcnow
from desk.config import DeskConfig
from desk.db import SessionFactory, summaries, transaction
from desk.db.summaries import EPOCH, hour_of, hour_start
from desk.db.tables import (
    Answer,
    Channel,
    Mention,
    Reply,
    ReportAnswers,
    ReportFirstReply,
    ReportVolume,
)
from desk.errors import PermissionDenied
from desk.i18n import Catalog
from desk.views import StaffView
from desk.vocabulary import MentionStatus, ReplyStatus

SENT = (ReplyStatus.SENT, ReplyStatus.SENT_OFFLINE)
SCAN_SHARE = 5
"""A period holding more than 1/SCAN_SHARE of the mentions is read by scanning the table."""


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (``share`` 0.5 = median); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return round(ordered[rank - 1], 1)


def _unindexed(column: Any) -> Any:
    """The same values as an expression no index serves: the query scans the table instead of
    looking every row up through an index (SQLite and PostgreSQL alike)."""
    return sa.func.coalesce(column, column)


def _seconds(dialect: str, later: Any, earlier: Any) -> Any:
    """``later - earlier`` in seconds, computed by the database (SQLite: julianday; PostgreSQL:
    the epoch of the interval)."""
    if dialect == "postgresql":
        return sa.func.extract("epoch", later - earlier)
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0


def _hour(dialect: str, column: Any) -> Any:
    """The UTC hour a time falls in, to group by (SQLite stores text: its first 13 characters)."""
    if dialect == "postgresql":
        return sa.func.date_trunc("hour", column)
    return sa.func.substr(column, 1, 13)


def duration(seconds: float | None, catalog: Catalog | None = None) -> str:
    """Seconds in the unit a person reads best (min, h, d); "—" for none. With a ``catalog``,
    in its language's words and numbers (``4,4 j`` in French, ``4.4 d`` in English)."""
    if seconds is None:
        return "—"
    minutes = seconds / 60
    if minutes < 90:
        value, unit = f"{minutes:.0f}", "min"
    else:
        hours = minutes / 60
        value, unit = (f"{hours:.1f}", "h") if hours < 48 else (f"{hours / 24:.1f}", "d")
    if catalog is None:
        return f"{value} {unit}"
    if catalog.language == "fr":
        value = value.replace(".", ",")
    return catalog.t(f"units.{unit}", n=value)


def _stats(values: list[float]) -> dict[str, Any]:
    return {"count": len(values), "median": percentile(values, 0.5), "p90": percentile(values, 0.9)}


def _in_hour(dialect: str, column: Any, hour: int) -> Any:
    """``column`` falls in ``hour`` as the summaries count it. SQLite compares its text with the
    hour's prefix (``'2026-11-12 14'``), the summaries' own rule, whatever the seconds look like."""
    begins, ends = hour_start(hour), hour_start(hour + 1)
    if dialect == "postgresql":
        return sa.and_(column >= begins, column < ends)
    prefix = "%Y-%m-%d %H"
    return sa.and_(
        column >= sa.literal(begins.strftime(prefix), sa.String),
        column < sa.literal(ends.strftime(prefix), sa.String),
    )


def _backlog(session: Any, dialect: str, now: datetime) -> dict[str, Any]:
    """The open mentions: how many, and their ages' median, 90th percentile and maximum
    (nearest rank, as ``percentile``). The k-th smallest age is the k-th latest posting time:
    the open counts per hour (``report_volume``) say which hour holds that rank, and the
    ``(created_at, status)`` index is walked within that hour only (at 1M mentions, 860k of
    them open, grouping them took 6 s; walking the whole index to the rank 0.3 s)."""
    volume = ReportVolume.__table__  # type: ignore[attr-defined]
    open_now = sa.func.sum(volume.c.open_mentions)
    hours = [
        (int(hour), int(n))
        for hour, n in session.execute(
            sa.select(volume.c.hour, open_now)
            .group_by(volume.c.hour)
            .having(open_now > 0)
            .order_by(volume.c.hour.desc())
        ).all()
    ]
    count = sum(n for _hour, n in hours)
    # status || '': the same test, which no index on status serves, so the walk goes by the
    # (created_at, status) index in time order, never by the queue's index and a sort
    still_open = col(Mention.status).concat("") == MentionStatus.OPEN
    posted = col(Mention.created_at)

    def age_at(rank: int, latest_first: bool = True) -> float | None:
        if not count:
            return None
        chosen, before = None, 0
        for hour, n in hours if latest_first else reversed(hours):
            if rank <= before + n:
                chosen = hour
                break
            before += n
        if chosen is None:  # mentions closed since the count (cannot happen in one snapshot)
            return None
        age = session.execute(
            sa.select(_seconds(dialect, sa.literal(now), posted))
            .where(_in_hour(dialect, posted, chosen), still_open)
            .order_by(posted.desc() if latest_first else posted)
            .offset(rank - before - 1)
            .limit(1)
        ).scalar()
        return None if age is None else round(float(age), 1)

    return {
        "open": count,
        "age_seconds": {
            "count": count,
            "median": age_at(max(1, math.ceil(0.5 * count))),
            "p90": age_at(max(1, math.ceil(0.9 * count))),
            "max": age_at(1, latest_first=False),
        },
    }


def _ranked(session: Any, where: Any, count: int) -> dict[str, Any]:
    """Count, median and 90th percentile (nearest rank) of the first-response seconds of the
    rows ``where`` selects, each read at its rank along an index ordered by seconds, from the
    nearer end: no row sorted or sent back."""
    seconds = col(ReportFirstReply.seconds)

    def at(share: float) -> float | None:
        if not count:
            return None
        rank = max(1, math.ceil(share * count))
        order: Any = seconds.asc() if rank - 1 <= count - rank else seconds.desc()
        skip = rank - 1 if rank - 1 <= count - rank else count - rank
        value = session.execute(
            sa.select(seconds).where(where).order_by(order).offset(skip).limit(1)
        ).scalar()
        return None if value is None else round(float(value), 1)

    return {"count": count, "median": at(0.5), "p90": at(0.9)}


def _first_responses(
    session: Any, start: datetime, end: datetime
) -> tuple[int, dict[str, Any], dict[str, Any], dict[str, Any]]:
    """How many mentions posted in the period were answered, and their first-response times:
    everyone's, per person and per category (``report_first_replies``). A period holding a good
    share of the answered mentions is read at ranks along the seconds indexes (its posting time
    tested in the index, never looked up: ``_unindexed``); a short one row by row."""
    posted = col(ReportFirstReply.created_at)
    in_range = sa.and_(posted >= start, posted < end)
    answered = session.execute(
        sa.select(sa.func.count()).select_from(ReportFirstReply).where(in_range)
    ).scalar_one()
    every = session.execute(sa.select(sa.func.count()).select_from(ReportFirstReply)).scalar_one()
    author, category = col(ReportFirstReply.author), col(ReportFirstReply.category)
    if answered * SCAN_SHARE > every:
        scanned = sa.and_(_unindexed(posted) >= start, _unindexed(posted) < end)
        groups: dict[str, dict[str, Any]] = {}
        for name, column in (("by_person", author), ("by_category", category)):
            counts = session.execute(
                sa.select(column, sa.func.count()).where(scanned).group_by(column)
            ).all()
            groups[name] = {
                key: _ranked(session, sa.and_(column == key, scanned), n)
                for key, n in sorted(counts)
            }
        everyone = _ranked(session, scanned, answered)
        return answered, everyone, groups["by_person"], groups["by_category"]
    by_person: dict[str, list[float]] = defaultdict(list)
    by_category: dict[str, list[float]] = defaultdict(list)
    values: list[float] = []
    for cat, who, seconds in session.execute(
        sa.select(category, author, col(ReportFirstReply.seconds)).where(in_range)
    ).all():
        by_person[who].append(seconds)
        by_category[cat].append(seconds)
        values.append(seconds)
    return (
        answered,
        _stats(values),
        {k: _stats(v) for k, v in sorted(by_person.items())},
        {k: _stats(v) for k, v in sorted(by_category.items())},
    )


class _Volume:
    """The period's volume (by category, channel and local day) and answers used, from the
    hourly summaries for its whole UTC hours, and from the mentions themselves for the part of
    an hour at either end (a desk whose midnight is not on a UTC hour: India, Newfoundland)."""

    def __init__(
        self, session: Any, dialect: str, calendar: Any, start: datetime, end: datetime
    ) -> None:
        self.session, self.dialect = session, dialect
        first = hour_of(start) + (hour_start(hour_of(start)) != start)  # the first whole hour
        last = hour_of(end)  # the hours before it are whole
        if first < last:
            self.hours: tuple[int, int] | None = (first, last)
            ends = ((start, hour_start(first)), (hour_start(last), end))
            self.edges = [(lo, hi) for lo, hi in ends if lo < hi]
        else:
            self.hours, self.edges = None, [(start, end)]
        by_category: dict[str, int] = defaultdict(int)
        by_channel_id: dict[int, int] = defaultdict(int)
        by_day: dict[str, int] = defaultdict(int)
        volume = ReportVolume.__table__  # type: ignore[attr-defined]
        if self.hours is not None:
            in_hours = sa.and_(volume.c.hour >= first, volume.c.hour < last)
            counted = sa.func.sum(volume.c.mentions)
            for column, into in (
                (volume.c.category, by_category),
                (volume.c.channel_id, by_channel_id),
            ):
                for key, n in session.execute(
                    sa.select(column, counted).where(in_hours).group_by(column)
                ).all():
                    into[key] += int(n)
            for hour, n in session.execute(
                sa.select(volume.c.hour, counted).where(in_hours).group_by(volume.c.hour)
            ).all():
                day = calendar.local(hour_start(hour)).date()
                if calendar.local(hour_start(hour + 1) - timedelta.resolution).date() != day:
                    # an hour across the desk's midnight goes, whole, to the day of its first
                    # mention (as the hours of the edges below)
                    posted = col(Mention.created_at)
                    first_posted = session.execute(
                        sa.select(sa.func.min(posted)).where(_in_hour(dialect, posted, hour))
                    ).scalar_one()
                    day = calendar.local(as_utc(first_posted)).date()
                by_day[day.isoformat()] += int(n)
        for lo, hi in self.edges:
            edge = sa.and_(col(Mention.created_at) >= lo, col(Mention.created_at) < hi)
            for column, into in (
                (col(Mention.category), by_category),
                (col(Mention.channel_id), by_channel_id),
            ):
                for key, n in session.execute(
                    sa.select(column, sa.func.count()).where(edge).group_by(column)
                ).all():
                    into[key] += n
            for posted, n in session.execute(
                sa.select(sa.func.min(Mention.created_at), sa.func.count())
                .where(edge)
                .group_by(_hour(dialect, col(Mention.created_at)))  # the UTC hour
            ).all():
                by_day[calendar.local(as_utc(posted)).date().isoformat()] += n
        channels = session.execute(
            sa.select(col(Channel.id), col(Channel.platform), col(Channel.name))
        ).all()
        self.by_category = {k: n for k, n in by_category.items() if n}
        self.by_channel = {
            f"{platform}:{name}": by_channel_id[channel_id]
            for channel_id, platform, name in channels
            if by_channel_id.get(channel_id)
        }
        self.by_day = dict(by_day)
        self.total = sum(self.by_category.values())

    def answers_used(self) -> list[Any]:
        """The ten answers most used by the sent replies to the period's mentions."""
        counted = ReportAnswers.__table__  # type: ignore[attr-defined]
        parts: list[Any] = []
        if self.hours is not None:
            first, last = self.hours
            parts.append(
                sa.select(counted.c.answer_id, counted.c.replies.label("n")).where(
                    counted.c.hour >= first, counted.c.hour < last
                )
            )
        for lo, hi in self.edges:
            parts.append(
                sa.select(col(Reply.answer_id), sa.literal(1).label("n"))
                .join(Mention, col(Reply.mention_id) == Mention.id)
                .where(
                    col(Mention.created_at) >= lo,
                    col(Mention.created_at) < hi,
                    col(Reply.status).in_(SENT),
                    col(Reply.answer_id).is_not(None),
                )
            )
        used: Any = parts[0].subquery() if len(parts) == 1 else sa.union_all(*parts).subquery()
        replies = sa.func.sum(used.c.n)
        return list(
            self.session.execute(
                sa.select(col(Answer.name), col(Answer.language), replies)
                .join(Answer, col(Answer.id) == used.c.answer_id)
                .group_by(col(Answer.name), col(Answer.language))
                # ties by name: the same ten whatever plan the database picks
                .order_by(replies.desc(), col(Answer.name), col(Answer.language))
                .limit(10)
            ).all()
        )


@dataclass(kw_only=True)
class ReportService:
    """Computes the report for a period."""

    read_factory: SessionFactory
    config: DeskConfig
    clock: Clock = utcnow
    write_factory: SessionFactory | None = None  # for ``rebuild``
    actor: StaffView | None = None

    def rebuild(self) -> dict[str, dict[str, int]]:
        """Recompute the summary tables (desk.db.summaries) from the mentions and replies, in
        one write transaction; per table, the rows it holds and how many differed from what
        the triggers had kept (0 unless something wrote behind them). Supervisors and admins.

        Not audited: it changes no record. The summaries are derived data, a function of the
        mentions and replies whose every change the audit trail already holds; a rebuild
        rewrites that function's cached result, and ``desk audit verify`` never reads it."""
        if self.actor is None or not self.actor.is_supervisor or self.write_factory is None:
            raise PermissionDenied.from_catalog("report_rebuild_forbidden")
        with transaction(self.write_factory) as session:
            return summaries.rebuild(session.connection())

    def _bounds(self, since: date | None, until: date | None) -> tuple[datetime, datetime]:
        calendar = self.config.hours.calendar()
        today = calendar.local(self.clock()).date()
        until = until or today
        since = since or until - timedelta(days=29)
        start = datetime.combine(since, time.min, tzinfo=calendar.tz)
        end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=calendar.tz)
        return as_utc(start), as_utc(end)

    def report(self, since: date | None = None, until: date | None = None) -> dict[str, Any]:
        """The whole report for mentions received between two local dates (both included)."""
        start, end = self._bounds(since, until)
        calendar = self.config.hours.calendar()
        now = self.clock()
        # the period and the volume go by when citizens posted; response times and backlog age
        # by when the desk received (it cannot answer earlier)
        in_range = sa.and_(col(Mention.created_at) >= start, col(Mention.created_at) < end)
        with self.read_factory() as session:
            dialect = session.get_bind().dialect.name
            if dialect == "postgresql":  # the summaries and the rows read in one snapshot
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            volume = _Volume(session, dialect, calendar, start, end)
            total = volume.total
            by_category, by_channel, by_day = volume.by_category, volume.by_channel, volume.by_day
            answered, everyone, by_person, by_kind = _first_responses(session, start, end)
            # the approvals: through the created_at index for a short period; for a wide one
            # from the replies that went through approval (their index), mentions by id
            highest = session.execute(sa.select(sa.func.max(Mention.id))).scalar_one() or 0
            if total * SCAN_SHARE > highest:
                created = _unindexed(col(Mention.created_at))
                # a range, not IS NOT NULL: SQLite takes the index for it (every submission
                # happened after 1970)
                approved = sa.and_(
                    created >= start, created < end, col(Reply.submitted_at) >= EPOCH
                )
            else:
                approved = sa.and_(in_range, col(Reply.submitted_at).is_not(None))
            approvals = session.execute(
                sa.select(
                    col(Reply.submitted_at),
                    col(Reply.reviewed_at),
                    col(Reply.reviewer),
                    col(Reply.status),
                )
                .join(Mention, col(Reply.mention_id) == Mention.id)
                .where(approved)
            ).all()
            # The backlog is what the queue shows: every mention open now, whatever the period,
            # aged from when the citizen posted (desk.views.backlog_age) — one definition for
            # the report and the queue.
            backlog = _backlog(session, dialect, as_utc(now))
            spam = by_category.get("spam", 0)
            answers_used = volume.answers_used()
        waits = [
            (as_utc(reviewed) - as_utc(submitted)).total_seconds()
            for submitted, reviewed, _who, _status in approvals
            if reviewed is not None
        ]
        still_waiting = [
            (now - as_utc(submitted)).total_seconds()
            for submitted, reviewed, _who, status in approvals
            if reviewed is None and status == ReplyStatus.PENDING_APPROVAL
        ]
        answerable = max(0, total - spam)
        return {
            "period": {
                "since": calendar.local(start).date().isoformat(),
                "until": (calendar.local(end).date() - timedelta(days=1)).isoformat(),
                "timezone": self.config.hours.timezone,
            },
            "mentions": total,
            "volume": {
                "by_category": dict(sorted(by_category.items())),
                "by_channel": dict(sorted(by_channel.items())),
                "by_day": dict(sorted(by_day.items())),
            },
            "first_response_seconds": {
                "all": everyone,
                "by_person": by_person,
                "by_category": by_kind,
            },
            "approval_delay_seconds": {
                **_stats(waits),
                "waiting_now": len(still_waiting),
                "oldest_waiting": max(still_waiting, default=None),
            },
            "backlog": backlog,
            "answered_share": round(answered / answerable, 4) if answerable else None,
            "answers_used": [
                {"name": n, "language": lang, "replies": c} for n, lang, c in answers_used
            ],
        }
