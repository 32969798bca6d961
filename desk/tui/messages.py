"""Messages of the desk TUI: results of workers (past-tense events) and where to go (intents).

Workers run desk services in threads; they never touch widgets. They post one of the events and
the screen's handler updates the widgets on the UI thread.

Screens never open one another: they post an intent (``OpenDetail``, ``OpenTimeline``,
``OpenAudit``); it bubbles up to the app, whose navigation (desk.tui.navigation) pushes the screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message

from desk.answers.service import Suggestion
from desk.audit.chain import VerifyResult
from desk.replies.approval import PendingReply
from desk.replies.batches import BatchProgress
from desk.replies.claims import ReplyStart
from desk.views import MentionDetail, QueueRow, ReplyView


@dataclass
class CountLoaded(Message):
    """The queue count for one filter generation."""

    generation: int
    total: int


@dataclass
class PendingCounted(Message):
    """How many replies wait for approval (read for the queue header of those who approve)."""

    count: int


@dataclass
class ReplyWithdrawn(Message):
    """The person took back their own reply while it waited for approval."""

    reply: ReplyView


@dataclass
class PageLoaded(Message):
    """One page of queue rows for one filter generation."""

    generation: int
    offset: int
    rows: list[QueueRow]


@dataclass
class DetailLoaded(Message):
    """Everything about one mention, for the detail screen."""

    detail: MentionDetail


@dataclass
class MentionChanged(Message):
    """An action on a mention succeeded (``action`` is the InboxService method name)."""

    mention_id: int
    action: str
    value: str = ""


@dataclass
class ActionFailed(Message):
    """A service refused an action; ``message``/``hint`` come from the DeskError (untrusted)."""

    message: str
    hint: str | None = None


@dataclass
class ReplyClaimed(Message):
    """The composer's claim on a mention was started, renewed or taken over (desk.replies.claims)."""

    start: ReplyStart
    taken_over: bool = False


@dataclass
class ThreadMoved(Message):
    """A send stopped because the conversation changed; ``lines`` says how, in words."""

    lines: list[str]


@dataclass
class AnswersSuggested(Message):
    """Library answers ranked for the open mention (desk.answers)."""

    suggestions: list[Suggestion]


@dataclass
class ReportLoaded(Message):
    """The supervisor's report (``desk.reports`` data)."""

    data: dict[str, Any]


@dataclass
class ApprovalsLoaded(Message):
    """The replies waiting for approval, and the batches (each approved as one item)."""

    pending: list[PendingReply]
    batches: list[BatchProgress] = field(default_factory=list)


@dataclass
class ReplySent(Message):
    """A reply was stored and delivered (or put in the offline outbox)."""

    reply: ReplyView
    idempotency_key: str


@dataclass
class AuditVerified(Message):
    """The result of recomputing the audit hash chain."""

    result: VerifyResult


@dataclass
class RepliesLoaded(Message):
    """A page of replies; ``offset`` 0 replaces the list, more appends (``author``: the filter)."""

    offset: int
    replies: list[ReplyView]
    author: str | None = None


# -- navigation: intents a screen posts; the app pushes the screen (desk.tui.navigation) ----------
@dataclass
class OpenDetail(Message):
    """Show one mention in full (``compose``: with the reply composer focused)."""

    mention_id: int
    compose: bool = False


@dataclass
class OpenTimeline(Message):
    """Show one mention's timeline (its audit trail, readable)."""

    mention_id: int


@dataclass
class OpenAudit(Message):
    """Show the audit trail, filtered to one mention and/or one person when given."""

    mention_id: int | None = None
    actor: str | None = None


@dataclass
class FilterQueue(Message):
    """Show the queue filtered by ``line`` (desk.search patterns), e.g. a cluster's mentions."""

    line: str
