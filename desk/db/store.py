"""Queries. Every function takes a keyword-only ``session`` and never commits: the caller owns
the transaction, so a change and its audit event land together or not at all.

``QueueFilter``, ``ReplyFilter`` and ``fts_query`` live in desk.db.filters (shared with the
SQLAlchemy-free read path of desk.db.fastread) and are imported from here as before."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql.expression import UnaryExpression
from sqlalchemy.sql.operators import custom_op
from sqlmodel import Session, col, select

from desk.clock import as_utc
from desk.db import fts_plan, lock_row
from desk.db.filters import (
    ANSWERING,
    SEARCH_WORD,
    SNIPPET,
    QueueFilter,
    ReplyFilter,
    fts_query,
    like_pattern,
)
from desk.db.tables import AuditEvent, Channel, Mention, Reply, RoutingState, Staff
from desk.errors import ActionRefused, NotFound
from desk.rows import queue_row
from desk.views import QueueRow, ReplyView, json_list
from desk.vocabulary import MentionStatus, ReplyStatus


def _has_reply(statuses: Sequence[str]) -> Any:
    return sa.exists(
        sa.select(sa.literal(1)).where(
            col(Reply.mention_id) == col(Mention.id), col(Reply.status).in_(list(statuses))
        )
    )


def _where(flt: QueueFilter, dialect: str, session: Session | None = None) -> list[Any]:
    """The filter's conditions. Given a ``session``, a search on SQLite is planned for one page
    (desk.db.fts_plan); without one, it is the plain condition (a count needs every match)."""
    conds: list[Any] = []
    status = flt.status
    if status is None:
        status = {"done": MentionStatus.CLOSED, "all": None}.get(flt.view, MentionStatus.OPEN)
    if status:
        conds.append(Mention.status == status)
    if flt.view == "mine":
        conds.append(Mention.assignee == (flt.me or ""))
    elif flt.view == "unassigned":
        conds.append(col(Mention.assignee).is_(None))
    if flt.assignee:
        conds.append(Mention.assignee == flt.assignee)
    if flt.category:
        conds.append(Mention.category == flt.category)
    if flt.platform:
        conds.append(Mention.platform == flt.platform)
    if flt.channel:
        named = sa.select(col(Channel.id)).where(col(Channel.name) == flt.channel)
        conds.append(col(Mention.channel_id).in_(named))
    if flt.language:
        conds.append(Mention.language == flt.language)
    if flt.min_priority is not None:
        conds.append(col(Mention.priority) >= flt.min_priority)
    if flt.tag:
        conds.append(col(Mention.tags).like(like_pattern(json.dumps(flt.tag)), escape="\\"))
    if flt.author:
        pattern = like_pattern(flt.author.lower())
        conds.append(
            sa.or_(
                sa.func.lower(Mention.author_handle).like(pattern, escape="\\"),
                sa.func.lower(Mention.author_name).like(pattern, escape="\\"),
            )
        )
    if flt.since is not None:
        conds.append(col(Mention.created_at) >= flt.since)
    if flt.until is not None:
        conds.append(col(Mention.created_at) < flt.until)
    if flt.waiting:  # few replies wait: the mentions named by them (replies.status is indexed),
        # not a lookup for every open mention (150 ms -> ~1 ms at 200k, bench_views)
        waiting = sa.select(col(Reply.mention_id)).where(
            col(Reply.status) == str(ReplyStatus.PENDING_APPROVAL)
        )
        conds.append(col(Mention.id).in_(waiting))
    if flt.replied is not None:
        conds.append(_has_reply(ANSWERING) if flt.replied else ~_has_reply(ANSWERING))
    if flt.ids is not None:
        conds.append(col(Mention.id).in_(flt.ids))
    if flt.search is not None:
        if dialect == "postgresql":
            conds.append(_tsv_match("mentions", flt.search))
        else:
            query = fts_query(flt.search)
            if query is None:
                conds.append(sa.false())
            elif session is not None:
                conds.append(fts_plan.page_condition(session, query))
            else:
                conds.append(fts_plan.matches(query))
    return conds


_QUEUE_COLUMNS = (
    col(Mention.id),
    col(Mention.platform),
    col(Mention.remote_id),
    col(Mention.author_handle),
    sa.func.substr(Mention.text, 1, SNIPPET),
    col(Mention.created_at),
    col(Mention.category),
    col(Mention.priority),
    col(Mention.assignee),
    col(Mention.status),
    col(Mention.language),
    col(Mention.kind),
    col(Mention.replying_by),
    col(Mention.replying_until),
)


def count_queue(flt: QueueFilter, *, session: Session) -> int:
    """How many mentions the filter selects."""
    stmt = sa.select(sa.func.count()).select_from(Mention).where(*_where(flt, _dialect(session)))
    return int(session.execute(stmt).scalar_one())


def page_queue(flt: QueueFilter, offset: int, limit: int, *, session: Session) -> list[QueueRow]:
    """One page of the queue: most urgent first, then newest. Only the page is read."""
    stmt = (
        sa.select(*_QUEUE_COLUMNS)
        .where(*_where(flt, _dialect(session), session))
        .order_by(
            col(Mention.priority).desc(), col(Mention.created_at).desc(), col(Mention.id).desc()
        )
        .offset(max(0, offset))
        .limit(max(0, limit))
    )
    return [queue_row(r, as_utc) for r in session.execute(stmt).all()]


def get_mention(mention_id: int, *, session: Session) -> Mention:
    """The mention with this id, or NotFound."""
    mention = session.get(Mention, mention_id)
    if mention is None:
        raise NotFound.from_catalog("mention_unknown", id=mention_id)
    return mention


def lock_mention(mention_id: int, *, session: Session) -> Mention:
    """The mention with this id, locked for this transaction (``desk.db.row_transaction``):
    NotFound when it does not exist, ActionRefused ``mention_busy`` while another desk's
    transaction holds it (PostgreSQL ``SKIP LOCKED``: a claim races no one and waits for no one).
    """
    mention = lock_row(session, select(Mention).where(col(Mention.id) == mention_id))
    if mention is not None:
        return mention
    get_mention(mention_id, session=session)  # NotFound when it does not exist
    raise ActionRefused.from_catalog("mention_busy", id=mention_id)


def hold_mention(mention_id: int, *, session: Session) -> Mention:
    """The mention with this id, locked for this transaction, waiting while another desk's
    transaction holds it (``lock_row(wait=True)``): what this transaction reads next about the
    mention, its replies included, is what that one committed. NotFound when it does not exist.
    Serialises the one-voice guard per mention (desk.replies.service), nothing more."""
    mention = lock_row(session, select(Mention).where(col(Mention.id) == mention_id), wait=True)
    if mention is None:
        raise NotFound.from_catalog("mention_unknown", id=mention_id)
    return mention


def hold_mention_of_reply(reply_id: int, *, session: Session) -> None:
    """``hold_mention`` for the mention reply ``reply_id`` answers, before anything about the
    reply is read (nothing when there is no such reply: the caller says so)."""
    mention_id = session.execute(
        sa.select(col(Reply.mention_id)).where(col(Reply.id) == reply_id)
    ).scalar()
    if mention_id is not None:
        hold_mention(mention_id, session=session)


def channel_name(channel_id: int, *, session: OrmSession) -> str:
    """The display name of a channel."""
    channel = session.get(Channel, channel_id)
    return f"{channel.platform}:{channel.name}" if channel else "?"


def get_or_create_channel(
    platform: str, name: str, *, session: Session, now: datetime, live: bool = False
) -> Channel:
    """The channel for (platform, name), created if new."""
    channel = find_channel(platform, name, session=session)
    if channel is None:
        channel = Channel(platform=platform, name=name, live=live, created_at=now)
        session.add(channel)
        session.flush()
    return channel


def find_channel(platform: str, name: str, *, session: Session) -> Channel | None:
    """The channel for (platform, name), if it exists."""
    return session.exec(
        select(Channel).where(Channel.platform == platform, Channel.name == name)
    ).first()


def existing_remote_ids(
    channel_id: int, remote_ids: Iterable[str], *, session: Session
) -> set[str]:
    """Which of these remote ids are already stored in this channel (dedupe: a remote id is
    unique within its channel only; two instances or feeds may use the same one)."""
    ids = list(dict.fromkeys(remote_ids))
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        stmt = sa.select(col(Mention.remote_id)).where(
            col(Mention.channel_id) == channel_id, col(Mention.remote_id).in_(chunk)
        )
        found.update(session.execute(stmt).scalars())
    return found


def next_mention_id(*, session: Session) -> int:
    """The next free mention id (call with the write lock held)."""
    return (
        int(session.execute(sa.select(sa.func.coalesce(sa.func.max(Mention.id), 0))).scalar_one())
        + 1
    )


def thread_of(mention: Mention, *, session: Session, limit: int = 50) -> list[QueueRow]:
    """The stored mentions of the same conversation, oldest first: the chain of parents, then
    every reply below the top of that chain (level by level), and the posts that name the same
    thread root (X conversation, Bluesky root). At most ``limit`` rows; empty when alone."""
    same_platform = col(Mention.platform) == mention.platform
    ids: set[int] = {mention.id or 0}
    root = mention.thread_root_remote_id
    top = mention.remote_id
    parent_id, hops = mention.in_reply_to_remote_id, 0
    while parent_id and hops < 20:
        parent = session.execute(
            sa.select(
                col(Mention.id),
                col(Mention.remote_id),
                col(Mention.in_reply_to_remote_id),
                col(Mention.thread_root_remote_id),
            ).where(same_platform, col(Mention.remote_id) == parent_id)
        ).first()
        if parent is None:
            top = parent_id  # the parent is not stored (e.g. the organisation's own post)
            break
        ids.add(parent[0])
        top, parent_id, root = parent[1], parent[2], root or parent[3]
        hops += 1
    if root:
        ids.update(
            session.execute(
                sa.select(col(Mention.id))
                .where(
                    same_platform,
                    sa.or_(
                        col(Mention.thread_root_remote_id) == root, col(Mention.remote_id) == root
                    ),
                )
                .order_by(col(Mention.created_at))
                .limit(limit)
            ).scalars()
        )
    frontier, seen = {top}, {top}
    while frontier and len(ids) < limit:
        children = session.execute(
            sa.select(col(Mention.id), col(Mention.remote_id))
            .where(same_platform, col(Mention.in_reply_to_remote_id).in_(frontier))
            .order_by(col(Mention.created_at))
            .limit(limit - len(ids) + 1)
        ).all()
        ids.update(child[0] for child in children)
        frontier = {child[1] for child in children} - seen
        seen |= frontier
    if len(ids) <= 1:
        return []
    rows = session.execute(
        sa.select(*_QUEUE_COLUMNS)
        .where(col(Mention.id).in_(ids))
        .order_by(col(Mention.created_at), col(Mention.id))
        .limit(limit)
    ).all()
    return [queue_row(r, as_utc) for r in rows]


def reply_view(reply: Reply) -> ReplyView:
    """Plain read model of a reply."""
    return ReplyView(
        id=reply.id or 0,
        mention_id=reply.mention_id,
        author=reply.author,
        body=reply.body,
        signature=reply.signature,
        text=reply.text,
        status=reply.status,
        remote_id=reply.remote_id,
        created_at=as_utc(reply.created_at),
        sent_at=as_utc(reply.sent_at) if reply.sent_at else None,
        error=reply.error,
        submitted_at=as_utc(reply.submitted_at) if reply.submitted_at else None,
        reviewer=reply.reviewer,
        reviewed_at=as_utc(reply.reviewed_at) if reply.reviewed_at else None,
        review_note=reply.review_note,
        approval_reasons=tuple(json_list(reply.approval_reasons or "[]")),
        send_after=as_utc(reply.send_after) if reply.send_after else None,
    )


def replies_for(mention_id: int, *, session: Session) -> list[Reply]:
    """Replies to one mention, oldest first."""
    return list(
        session.exec(
            select(Reply).where(Reply.mention_id == mention_id).order_by(col(Reply.id))
        ).all()
    )


def reply_by_key(key: str, *, session: Session) -> Reply | None:
    """The reply created with this idempotency key, if any."""
    return session.exec(select(Reply).where(Reply.idempotency_key == key)).first()


_SEARCH_CONFIG: sa.ColumnElement[Any] = sa.literal_column(
    "'desk_search'::regconfig"
)  # migration 0016


def _tsv_match(table: str, text: str) -> sa.ColumnElement[bool]:
    """PostgreSQL's twin of an FTS5 ``MATCH fts_query(text)``: every word must appear, each as a
    phrase of its tokens (``ville_caen`` is "ville caen", as FTS5 splits it), in the table's
    generated ``search_tsv`` (migration 0016: unaccent, lower case, no stemming, like
    ``unicode61 remove_diacritics 2``). Typed words only ever reach PostgreSQL as bound values."""
    words = [w.replace("_", " ").strip() for w in SEARCH_WORD.findall(text)[:20]]
    words = [w for w in words if w]
    if not words:
        return sa.false()
    query: Any = None
    for word in words:
        part = sa.func.phraseto_tsquery(_SEARCH_CONFIG, word)
        query = part if query is None else query.op("&&")(part)
    return sa.literal_column(f"{table}.search_tsv").op("@@")(query)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def sqlite_connection(session: Session) -> Any | None:
    """The sqlite3 connection under ``session``, its transaction begun (desk.db.fastread reads
    through it); None on another engine."""
    if _dialect(session) != "sqlite":
        return None
    return session.connection().connection.driver_connection


def list_replies(
    *, session: Session, flt: ReplyFilter | None = None, offset: int = 0, limit: int = 100
) -> list[Reply]:
    """Replies, newest first, filtered."""
    flt = flt or ReplyFilter()
    stmt = select(Reply)
    if flt.author:
        stmt = stmt.where(Reply.author == flt.author)
    if flt.since is not None:
        stmt = stmt.where(Reply.created_at >= flt.since)
    if flt.until is not None:
        stmt = stmt.where(Reply.created_at < flt.until)
    if flt.category or flt.channel:
        stmt = stmt.join(Mention, col(Mention.id) == Reply.mention_id)
        if flt.category:
            stmt = stmt.where(Mention.category == flt.category)
        if flt.channel:
            platform, _, name = flt.channel.partition(":")
            stmt = stmt.join(Channel, col(Channel.id) == Mention.channel_id).where(
                Channel.platform == platform, Channel.name == name
            )
    if flt.search is not None:
        query = fts_query(flt.search)
        if query is None:
            return []
        if _dialect(session) == "postgresql":
            stmt = stmt.where(_tsv_match("replies", flt.search))
        else:
            matching: sa.Select[Any] = (
                sa.select(sa.column("rowid"))
                .select_from(sa.table("replies_fts"))
                .where(sa.text("replies_fts MATCH :q").bindparams(q=query))
            )
            stmt = stmt.where(col(Reply.id).in_(matching))
    stmt = (
        stmt.order_by(col(Reply.created_at).desc(), col(Reply.id).desc())
        .offset(max(0, offset))
        .limit(max(0, limit))
    )
    return list(session.exec(stmt).all())


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which audit events to list; every field given narrows the list (they combine with AND).

    ``actions``: exact names (``reply.sent``) or families (``reply.*``), any of them;
    ``since`` is inclusive and ``until`` exclusive, both instants (``queries.day_bounds`` turns
    local days into them).
    """

    mention_id: int | None = None
    actor: str | None = None
    actions: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None

    @property
    def active(self) -> bool:
        """Whether any condition is set."""
        return any((self.mention_id is not None, self.actor, self.actions, self.since, self.until))


# A page of a date range, newest first, comes one of two ways: through the ``at`` index, then
# sorted by seq (cost: every event in the range, ~1 us each), or by walking the ``seq`` index
# from the newest event and skipping those outside the range (cost: every newer event, ~0.25 us
# each). Two capped counts on the ``at`` index (a few ms) say which is cheaper: at 1M events a
# page then takes under ~0.2 s however the range lies, where the planner alone took 0.8 s for a
# range covering the whole trail.
_WALK_COST = 4  # sorting one event in the range costs about as much as skipping four
_COUNT_CAP = 500_000


def _action_condition(actions: Sequence[str]) -> sa.ColumnElement[bool]:
    column = AuditEvent.__table__.c.action  # type: ignore[attr-defined]
    terms = []
    for action in actions:
        if action.endswith(".*"):  # a family: a range, so no LIKE wildcard (``_``) to escape
            prefix = action[:-1]
            terms.append(sa.and_(column >= prefix, column < prefix[:-1] + "/"))
        else:
            terms.append(column == action)
    return sa.or_(*terms)


def _capped_count(session: Session, conditions: Sequence[sa.ColumnElement[bool]], cap: int) -> int:
    rows = sa.select(sa.literal(1)).where(*conditions).limit(cap + 1).subquery()
    return int(session.execute(sa.select(sa.func.count()).select_from(rows)).scalar_one())


def _period_conditions(flt: AuditFilter, session: Session) -> list[sa.ColumnElement[bool]]:
    if flt.since is None and flt.until is None:
        return []

    def bounds(column: Any) -> list[sa.ColumnElement[bool]]:
        out = []
        if flt.since is not None:
            out.append(column >= flt.since)
        if flt.until is not None:
            out.append(column < flt.until)
        return out

    column = AuditEvent.__table__.c.at  # type: ignore[attr-defined]
    if session.get_bind().dialect.name != "sqlite" or flt.mention_id is not None:
        return bounds(column)  # one mention's events are few: the mention_id index serves
    inside = _capped_count(session, bounds(column), _COUNT_CAP)
    if inside == 0:
        return bounds(column)  # the index says at once that there is nothing (a walk would not)
    if flt.until is not None:
        newer = _capped_count(session, [column >= flt.until], _WALK_COST * inside)
        if newer > _WALK_COST * inside:
            return bounds(column)
    # SQLite's unary + keeps the planner off the ``at`` index (same values, same comparison)
    return bounds(UnaryExpression(column, operator=custom_op("+"), type_=column.type))


def list_audit(
    *,
    session: Session,
    mention_id: int | None = None,
    actor: str | None = None,
    offset: int = 0,
    limit: int = 200,
    newest_first: bool = True,
    flt: AuditFilter | None = None,
    before_seq: int | None = None,
) -> list[AuditEvent]:
    """Audit events filtered by ``flt`` (or only ``mention_id``/``actor``), by ``seq``.

    ``before_seq`` pages newest first by key (events older than it): each page costs the same
    however deep it is, unlike ``offset``.
    """
    flt = flt or AuditFilter(mention_id=mention_id, actor=actor)
    conditions: list[sa.ColumnElement[bool]] = []
    if flt.mention_id is not None:
        conditions.append(col(AuditEvent.mention_id) == flt.mention_id)
    if flt.actor:
        conditions.append(col(AuditEvent.actor) == flt.actor)
    if flt.actions:
        conditions.append(_action_condition(flt.actions))
    if before_seq is not None:
        conditions.append(col(AuditEvent.seq) < before_seq)
    conditions += _period_conditions(flt, session)
    order = col(AuditEvent.seq).desc() if newest_first else col(AuditEvent.seq).asc()
    stmt = select(AuditEvent).where(*conditions).order_by(order)
    return list(session.exec(stmt.offset(max(0, offset)).limit(max(0, limit))).all())


def audit_actions(*, session: Session) -> list[str]:
    """The actions present in the trail, sorted (one pass over the table: 0.1 s at 1M events)."""
    return sorted(session.exec(select(AuditEvent.action).distinct()).all())


def staff_rows(*, session: Session) -> dict[str, Staff]:
    """Staff mirrored in the database, by name."""
    return {s.name: s for s in session.exec(select(Staff)).all()}


def staff_records(*, session: Session) -> dict[str, Staff]:
    """``staff_rows`` as plain rows, to read only (each has the columns of ``Staff`` as
    attributes): opening a desk reads who is who before anything else, and the ORM's first
    query sets up every mapper (~12 ms), which the first paint need not wait for."""
    rows = session.execute(sa.select(*Staff.__table__.columns)).all()  # type: ignore[attr-defined]
    return {row.name: cast(Staff, row) for row in rows}


def triage_rules_of(mention: Mention) -> list[str]:
    """The rule names stored with a mention's triage decision."""
    return json_list(mention.triage_rules)


def json_object(value: str) -> dict[str, Any]:
    """A JSON object column (the triage detail); {} when damaged."""
    try:
        parsed = json.loads(value)
    except (ValueError, RecursionError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def open_loads(*, session: Session) -> dict[str, int]:
    """Open mentions per assignee (for max_open and least-loaded routing)."""
    rows = session.exec(
        select(Mention.assignee, sa.func.count())
        .where(Mention.status == MentionStatus.OPEN, col(Mention.assignee).is_not(None))
        .group_by(Mention.assignee)
    ).all()
    return {str(name): int(count) for name, count in rows}


TURN_PREFIX = "turn:"


def routing_turns(*, session: Session) -> dict[str, str]:
    """Team -> the member who got the last round-robin turn."""
    rows = session.exec(
        select(RoutingState).where(col(RoutingState.key).startswith(TURN_PREFIX))
    ).all()
    return {row.key[len(TURN_PREFIX) :]: row.value for row in rows}


def save_routing_turns(turns: dict[str, str], *, session: Session) -> None:
    """Persist round-robin turns (in the caller's transaction)."""
    for team, member in turns.items():
        row = session.get(RoutingState, TURN_PREFIX + team)
        if row is None:
            session.add(RoutingState(key=TURN_PREFIX + team, value=member))
        elif row.value != member:
            row.value = member
            session.add(row)


CRISIS_KEY = "crisis"
"""The ``routing_state`` row holding the declared crisis (desk.crisis.state), or the last one."""


def crisis_record(*, session: Session) -> dict[str, Any] | None:
    """The current (or last) crisis declaration as desk.crisis.state wrote it, or None."""
    row = session.get(RoutingState, CRISIS_KEY)
    return json_object(row.value) if row is not None else None


def crisis_declared(*, session: Session) -> bool:
    """Whether a crisis is declared now (one primary-key read: every reply asks it)."""
    record = crisis_record(session=session)
    return bool(record and record.get("declared"))


def save_crisis_record(record: dict[str, Any], *, session: Session) -> None:
    """Write the crisis declaration (in the caller's transaction, beside its audit event)."""
    value = json.dumps(record, sort_keys=True)
    row = session.get(RoutingState, CRISIS_KEY)
    if row is None:
        session.add(RoutingState(key=CRISIS_KEY, value=value))
    else:
        row.value = value
        session.add(row)


def recent_tags(
    since: datetime, until: datetime, *, session: Session
) -> list[tuple[datetime, list[str]]]:
    """(created_at, tags) of tagged mentions created between two moments (surge history)."""
    rows = session.exec(
        select(Mention.created_at, Mention.tags).where(
            Mention.created_at >= since, Mention.created_at <= until, Mention.tags != "[]"
        )
    ).all()
    return [(as_utc(at), json_list(tags)) for at, tags in rows]


def mentions_by_id(ids: Sequence[int], *, session: Session) -> dict[int, Mention]:
    """The mentions with these ids (those that exist), by id."""
    found: dict[int, Mention] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        for mention in session.exec(select(Mention).where(col(Mention.id).in_(chunk))):
            found[mention.id or 0] = mention
    return found


def open_mentions_of(assignee: str, *, session: Session) -> list[Mention]:
    """The open mentions assigned to one person, oldest first."""
    return list(
        session.exec(
            select(Mention)
            .where(Mention.assignee == assignee, Mention.status == MentionStatus.OPEN)
            .order_by(col(Mention.created_at), col(Mention.id))
        ).all()
    )


def count_pending_replies(*, session: Session) -> int:
    """How many replies wait for a supervisor."""
    stmt = (
        sa.select(sa.func.count())
        .select_from(Reply)
        .where(col(Reply.status) == ReplyStatus.PENDING_APPROVAL)
    )
    return int(session.execute(stmt).scalar_one())


def pending_replies(*, session: Session, limit: int = 500) -> list[Reply]:
    """Replies waiting for a supervisor's approval, oldest first."""
    return list(
        session.exec(
            select(Reply)
            .where(Reply.status == ReplyStatus.PENDING_APPROVAL)
            .order_by(col(Reply.submitted_at), col(Reply.id))
            .limit(limit)
        ).all()
    )
