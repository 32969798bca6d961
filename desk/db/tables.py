"""Database tables (SQLModel).

Table rows never leave a session: services convert them to the frozen read models of
``desk.views``, which are safe to pass across threads (the TUI runs services in workers).
Every datetime column is timezone-aware UTC (``UTCDateTime``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Column, Field, SQLModel

from desk.clock import as_utc
from desk.vocabulary import (
    MAYBE_PUBLISHED,
    BatchStatus,
    ChannelHealth,
    MentionStatus,
    ReplyStatus,
    StatementStatus,
)


class UTCDateTime(TypeDecorator[datetime]):
    """A DateTime that refuses naive values on the way in and returns aware UTC on the way out."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


def _utc_column(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class Channel(SQLModel, table=True):
    """Where mentions come from: one account or feed on one platform (or a file replay of it)."""

    __tablename__ = "channels"
    __table_args__ = (sa.UniqueConstraint("platform", "name", name="uq_channel_platform_name"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str
    name: str
    live: bool = False
    created_at: datetime = _utc_column()


class Staff(SQLModel, table=True):
    """A person of the team: the desk's record of who is who (desk.staff.records).

    Roles, login mappings and the active flag are read from here, never from desk.toml: they
    change only through audited admin actions. Everyone who ever worked the desk stays, so the
    history keeps their names.
    """

    __tablename__ = "staff"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    display_name: str
    initials: str
    role: str = "agent"
    languages: str = ""  # comma-separated language codes
    active: bool = True
    passphrase_hash: str | None = None  # salted scrypt (desk.staff.identity); never the passphrase
    os_users: str | None = None  # comma-separated OS logins; None: not recorded yet (before 0013)
    failed_logins: int = 0  # wrong passphrases in a row (desk.staff.identity)
    locked_until: datetime | None = _utc_column(nullable=True)  # no try before this


class RecordedPolicy(SQLModel, table=True):
    """A policy the desk enforces, as recorded (desk.db.policies): ``name`` (``approval``: who
    approves and which replies wait) and its settings as canonical JSON. Like the staff records,
    read here, never from desk.toml alone; changed only by an admin's audited ``desk staff
    apply`` (or the first opening of a desk, as ``system``)."""

    __tablename__ = "policies"

    name: str = Field(primary_key=True)
    value: str = Field(sa_column=Column(sa.Text(), nullable=False))


class Mention(SQLModel, table=True):
    """One incoming item. ``raw`` keeps the platform's own record as received."""

    __tablename__ = "mentions"
    __table_args__ = (
        sa.UniqueConstraint("channel_id", "remote_id", name="uq_mention_channel_remote"),
        sa.Index("ix_mention_platform_remote", "platform", "remote_id"),
        sa.Index("ix_mention_queue", "status", "priority", "created_at", "id"),
        sa.Index("ix_mention_all_queue", "priority", "created_at", "id"),
        sa.Index("ix_mention_assignee_queue", "assignee", "status", "priority", "created_at"),
        sa.Index("ix_mention_category_queue", "category", "status", "priority", "created_at"),
        sa.Index("ix_mention_created", "created_at"),
        sa.Index("ix_mention_created_status", "created_at", "status"),  # the backlog's ages
        sa.Index("ix_mention_channel_created", "channel_id", "created_at"),  # report by channel
    )

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channels.id")
    platform: str
    remote_id: str
    url: str | None = None
    author_handle: str
    author_name: str = ""
    text: str
    title: str | None = None
    language: str | None = None
    kind: str = "mention"
    visibility: str | None = None
    in_reply_to_remote_id: str | None = Field(default=None, index=True)
    thread_root_remote_id: str | None = Field(default=None, index=True)
    created_at: datetime = _utc_column()
    received_at: datetime = _utc_column()
    raw: str = "{}"  # the native JSON record, as text
    status: str = MentionStatus.OPEN
    category: str = "other"
    priority: int = 1
    assignee: str | None = None
    triage_reason: str = ""
    triage_rules: str = "[]"  # JSON list of rule names that fired
    tags: str = "[]"  # JSON list
    needs_approval: bool = False
    suggested_answer: str | None = None
    triage_detail: str = "{}"  # JSON: Decision.detail(), rendered by desk.triage.explain
    replying_by: str | None = (
        None  # collision guard: who has the composer open (desk.replies.claims)
    )
    replying_until: datetime | None = _utc_column(nullable=True)


class RoutingState(SQLModel, table=True):
    """Small routing memory that must survive restarts (e.g. ``turn:TEAM`` -> last assignee)."""

    __tablename__ = "routing_state"

    key: str = Field(primary_key=True)
    value: str


class Answer(SQLModel, table=True):
    """An approved answer (template) of the answer library, in one language (desk.answers)."""

    __tablename__ = "answers"
    __table_args__ = (sa.UniqueConstraint("name", "language", name="uq_answer_name_language"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str  # shared by the French and English versions of one answer
    language: str
    title: str
    body: str  # may hold {author}, {date}, {place}, {link}
    source_url: str | None = None  # the official statement or page it relies on
    source_updated: date | None = None  # when that source last changed
    version: int = 1
    expires_on: date | None = None
    tags: str = "[]"  # JSON list
    categories: str = "[]"  # JSON list: the triage categories it answers
    pre_approved: bool = False  # a reply made only of it needs no supervisor
    active: bool = True
    updated_by: str = "system"
    updated_at: datetime = _utc_column()


ONE_VOICE_WHERE = sa.text(
    "status IN (" + ", ".join(f"'{s}'" for s in sorted(MAYBE_PUBLISHED)) + ")"
)
"""The replies that answer a mention (out, on their way, or waiting for approval)."""


class Reply(SQLModel, table=True):
    """A reply written in desk. ``body`` is what the person typed; ``text`` is what was posted.

    One voice per citizen: among the replies that answer a mention (``ONE_VOICE_WHERE``), each
    ``voice`` appears once. A reply is voice 0; only a deliberate second answer (``--again``,
    audited) takes the next number. The database itself refuses a second voice 0, so desks
    racing on one mention get exactly one reply out, on SQLite as on PostgreSQL.
    """

    __tablename__ = "replies"
    __table_args__ = (
        sa.Index(
            "uq_reply_one_voice",
            "mention_id",
            "voice",
            unique=True,
            sqlite_where=ONE_VOICE_WHERE,
            postgresql_where=ONE_VOICE_WHERE,
        ),
        sa.Index("ix_reply_submitted", "submitted_at"),  # the report's approval delays
    )

    id: int | None = Field(default=None, primary_key=True)
    mention_id: int = Field(foreign_key="mentions.id", index=True)
    author: str = Field(index=True)
    body: str
    signature: str
    text: str
    status: str = Field(default=ReplyStatus.DRAFT, index=True)
    voice: int = 0  # 0, or n for the n-th deliberate extra answer to the same mention
    remote_id: str | None = None
    idempotency_key: str = Field(unique=True)
    created_at: datetime = _utc_column()
    sent_at: datetime | None = _utc_column(nullable=True)
    error: str | None = None
    # four eyes (desk.replies.approval): why it needed approval, and the supervisor's decision
    submitted_at: datetime | None = _utc_column(nullable=True)
    approval_reasons: str | None = None  # JSON list
    reviewer: str | None = None
    reviewed_at: datetime | None = _utc_column(nullable=True)
    review_note: str | None = None
    answer_id: int | None = None  # the library answer it was built from, unedited
    answer_version: int | None = None
    # live outbox (desk.replies.outbox): queued -> sending -> sent | failed | unknown
    send_after: datetime | None = _utc_column(nullable=True)  # end of the undo window
    delivery_owner: str | None = None  # "host:pid" of the process posting it right now
    delivery_started_at: datetime | None = _utc_column(nullable=True)
    attempts: int | None = None
    # what the platform needs to send it exactly as approved, frozen when it is queued (JSON;
    # e-mail: {"address": the From address, "name": its display name}; NULL elsewhere and on
    # rows queued before migration 0024, which follow the channel's settings)
    sender: str | None = None
    # one approved correction to many (desk.replies.batches): the batch it belongs to
    batch_id: int | None = Field(default=None, index=True)


class ReplyBatch(SQLModel, table=True):
    """Replies prepared together from one library answer, approved once (desk.replies.batches).

    ``pacing``: JSON, platform -> seconds between two of its replies (the budget's spacing when
    it was prepared); ``skipped``: JSON list of the mentions left out, ``{"id", "reason", ...}``.
    Done is not a status: it is read from the replies (none left queued or sending).
    """

    __tablename__ = "reply_batches"

    id: int | None = Field(default=None, primary_key=True)
    answer: str
    status: str = Field(default=BatchStatus.PREPARED, index=True)
    created_by: str
    created_at: datetime = _utc_column()
    approved_by: str | None = None
    approved_at: datetime | None = _utc_column(nullable=True)
    paused_at: datetime | None = _utc_column(nullable=True)
    pacing: str = "{}"
    skipped: str = "[]"


class OutboxEntry(SQLModel, table=True):
    """A reply delivered to the local outbox because its channel has no live platform."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    reply_id: int = Field(foreign_key="replies.id", unique=True)
    platform: str
    in_reply_to_remote_id: str
    text: str
    created_at: datetime = _utc_column()


class Statement(SQLModel, table=True):
    """The organisation's official statement in a crisis (desk.crisis.statement): French and
    English, approved once by a supervisor, then published and pinned on each channel."""

    __tablename__ = "statements"

    id: int | None = Field(default=None, primary_key=True)
    text_fr: str
    text_en: str
    status: str = StatementStatus.DRAFT  # draft -> approved -> published
    drafted_by: str
    drafted_at: datetime = _utc_column()
    approved_by: str | None = None
    approved_at: datetime | None = _utc_column(nullable=True)
    posts: str = "{}"  # JSON: channel key -> {"remote_id", "pinned", "note"}


class AuditEvent(SQLModel, table=True):
    """One link of the append-only, hash-chained audit trail (see desk.audit)."""

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True)
    at: datetime = _utc_column(index=True)
    actor: str = Field(index=True)
    action: str
    mention_id: int | None = Field(default=None, index=True)
    reply_id: int | None = None
    data: str = "{}"  # canonical JSON
    prev_hash: str
    hash: str


class AuditAnchor(SQLModel, table=True):
    """Where the audit trail starts after a retention purge (desk.audit.retention): the seq and hash of
    the last event removed, which the first kept event's ``prev_hash`` must equal. Append-only."""

    __tablename__ = "audit_anchors"

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True)
    hash: str
    removed: int  # audit events this purge removed
    actor: str
    cutoff: datetime = _utc_column()
    at: datetime = _utc_column()


class ChannelState(SQLModel, table=True):
    """Where a live channel stands (desk.channels.pull): its cursor and its health.

    ``cursor`` is written in the same transaction as the mentions of the page it follows, so a
    crash between pages neither loses nor repeats anything. ``last_error`` is clipped and never
    holds a token. ``session_state`` is reserved for a platform session (a Bluesky session holds a
    refresh token) and stays empty until storing one is decided.
    """

    __tablename__ = "channel_state"

    channel_id: int = Field(foreign_key="channels.id", primary_key=True)
    cursor: str | None = None
    session_state: str | None = None
    health: str = ChannelHealth.NEW  # new | ok | error | failing | rate_limited
    last_success_at: datetime | None = _utc_column(nullable=True)
    last_error_at: datetime | None = _utc_column(nullable=True)
    last_error: str | None = None
    consecutive_failures: int = 0
    circuit_until: datetime | None = _utc_column(nullable=True)  # no call before this
    rate_limit: str | None = None  # JSON: RateLimit.to_json() of the last response
    last_new: int = 0
    total_new: int = 0
    updated_at: datetime = _utc_column()


# -- the report's summaries (derived data, kept by triggers: desk.db.summaries) ------------------


class ReportVolume(SQLModel, table=True):
    """Mentions per UTC hour of posting (hours since 1970), channel and category, and how many
    of them are open now. No foreign key: a derived count, rebuilt from ``mentions``."""

    __tablename__ = "report_volume"

    hour: int = Field(sa_column=Column(sa.BigInteger(), primary_key=True))
    channel_id: int = Field(primary_key=True)
    category: str = Field(primary_key=True)
    mentions: int
    open_mentions: int


class ReportFirstReply(SQLModel, table=True):
    """A mention that has a sent reply: its posting time and category, the reply author the
    report names, and the seconds from receipt to the first sent reply."""

    __tablename__ = "report_first_replies"
    __table_args__ = (
        sa.Index("ix_first_reply_created", "created_at"),
        sa.Index("ix_first_reply_seconds", "seconds", "created_at"),
        sa.Index("ix_first_reply_author", "author", "seconds", "created_at"),
        sa.Index("ix_first_reply_category", "category", "seconds", "created_at"),
    )

    mention_id: int = Field(primary_key=True)
    created_at: datetime = _utc_column()
    category: str
    author: str
    seconds: float | None = None


class ReportAnswers(SQLModel, table=True):
    """Sent replies built from a library answer, per UTC hour of their mention's posting."""

    __tablename__ = "report_answers"

    hour: int = Field(sa_column=Column(sa.BigInteger(), primary_key=True))
    answer_id: int = Field(primary_key=True)
    replies: int
