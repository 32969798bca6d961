"""Messages the screens' workers post back to the UI thread (past-tense events).

Workers run desk services in threads; they never touch widgets. They post one of these and the
screen's handler updates the widgets on the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from desk.answers.service import Suggestion
from desk.audit.chain import VerifyResult
from desk.replies.approval import PendingReply
from desk.replies.claims import ReplyStart
from desk.views import AuditView, MentionDetail, QueueRow, ReplyView


@dataclass
class CountLoaded(Message):
    """The queue count for one filter generation."""

    generation: int
    total: int


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
    """The replies waiting for approval."""

    pending: list[PendingReply]


@dataclass
class ReplySent(Message):
    """A reply was stored and delivered (or put in the offline outbox)."""

    reply: ReplyView
    idempotency_key: str


@dataclass
class AuditLoaded(Message):
    """A page of audit events; ``offset`` 0 replaces the list, more appends.

    ``query`` is the (mention id, actor) filter it was read with, so a late page of an
    earlier filter can be recognised and dropped.
    """

    offset: int
    events: list[AuditView]
    query: tuple[int | None, str | None] = (None, None)


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
