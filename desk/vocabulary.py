"""The words desk's records use, defined once: mention statuses, categories, priorities and reply
statuses. Each is a ``StrEnum``: its members are the very strings stored in the database, so a
comparison with a stored value needs no conversion.
"""

from __future__ import annotations

from enum import StrEnum


class MentionStatus(StrEnum):
    """Where a mention stands in the queue."""

    OPEN = "open"
    CLOSED = "closed"


class Category(StrEnum):
    """What a mention is about, as triage (or a person) sorted it. Also the precedence order of
    triage: when several rules set a category, the first of this list wins."""

    SPAM = "spam"
    RUMOUR = "rumour"
    COMPLAINT = "complaint"
    QUESTION = "question"
    PRAISE = "praise"
    OTHER = "other"


CATEGORIES: tuple[str, ...] = (
    Category.QUESTION,
    Category.RUMOUR,
    Category.COMPLAINT,
    Category.PRAISE,
    Category.SPAM,
    Category.OTHER,
)
"""The categories in the order people read them (lists, pickers, reports)."""

ROLES: tuple[str, ...] = ("agent", "supervisor", "admin")
"""What a [[staff]] ``role`` may say, least powerful first (desk.config.Role spells the same)."""

VIEWS: tuple[str, ...] = ("open", "mine", "unassigned", "done", "all")
"""The slices of the queue (``desk queue --view``, the interface's views), default first."""

PRIORITIES = {"low": 0, "normal": 1, "high": 2, "urgent": 3}
"""Priority names and the numbers stored (higher is more urgent)."""
PRIORITY_NAMES = {v: k for k, v in PRIORITIES.items()}


class ReplyStatus(StrEnum):
    """The life of a reply: written, perhaps approved, then delivered exactly once."""

    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"  # waits for a supervisor (desk.replies.approval)
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # its author took it back before a supervisor decided
    QUEUED = "queued"  # live channel: waits out the undo window, then the outbox posts it
    CANCELLED = "cancelled"  # taken back during the undo window
    SENDING = "sending"  # the outbox is posting it (or a crash left it so: reconciled)
    SENT = "sent"  # the platform published it
    SENT_OFFLINE = "sent_offline"  # recorded in the local outbox (file-replayed channel)
    FAILED = "failed"  # the platform refused it
    UNKNOWN = "unknown"  # nobody can tell whether it was published: a supervisor settles it


MAYBE_PUBLISHED = frozenset(
    {
        ReplyStatus.SENT,
        ReplyStatus.SENT_OFFLINE,
        ReplyStatus.QUEUED,
        ReplyStatus.SENDING,
        ReplyStatus.UNKNOWN,
        ReplyStatus.PENDING_APPROVAL,
    }
)
"""A reply in one of these states is, or may become, public: the same text is not sent again."""


class BatchStatus(StrEnum):
    """Where a batch of replies (one approved correction to many) stands."""

    PREPARED = "prepared"  # its replies wait for one supervisor's approval
    APPROVED = "approved"  # the outbox posts its replies, paced
    PAUSED = "paused"  # approved, but the outbox leaves its replies queued until resumed


class StatementStatus(StrEnum):
    """Where the official statement of a crisis stands (desk.crisis.statement)."""

    DRAFT = "draft"  # written, waiting for a supervisor
    APPROVED = "approved"  # a supervisor approved it: it may be published
    PUBLISHED = "published"  # published on at least one channel


class ChannelHealth(StrEnum):
    """How a live channel's pulls go: ``ChannelState.health`` after the last one, and what one
    pull did (``ChannelReport.status``, which may also be ``skipped``)."""

    NEW = "new"  # never pulled yet
    OK = "ok"
    SKIPPED = "skipped"  # a pull only: the channel is disabled, or its circuit is open
    RATE_LIMITED = "rate_limited"  # the platform said to wait
    ERROR = "error"  # transient: retried after a backoff
    FAILING = "failing"  # retrying will not help: fix the configuration or the token


BULK_ACTIONS: dict[str, str | None] = {
    "assign": "staff",
    "claim": None,
    "release": None,
    "categorise": "category",
    "tag": "tag",
    "close": None,
    "reopen": None,
    "spam": None,
}
"""What desk.inbox's ``bulk`` can do to many mentions, and the value each needs (None: none)."""
