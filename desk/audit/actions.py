"""Every action the audit trail records, defined once.

The values are what the trail stores (and what ``desk audit log --action`` filters on); they are
not catalog keys: how an action reads in French or English is the catalog's business
(``action.*`` in core.toml, through ``said``).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum


class Action(StrEnum):
    """What happened, as the audit trail names it."""

    # mentions
    MENTION_INGESTED = "mention.ingested"
    MENTION_RETRIAGED = "mention.retriaged"
    MENTION_ASSIGNED = "mention.assigned"
    MENTION_HANDED_OVER = "mention.handed_over"
    MENTION_CLAIMED = "mention.claimed"
    MENTION_RELEASED = "mention.released"
    MENTION_REPLY_TAKEN_OVER = "mention.reply_taken_over"
    MENTION_CATEGORISED = "mention.categorised"
    MENTION_CLOSED = "mention.closed"
    MENTION_REOPENED = "mention.reopened"
    MENTION_MARKED_SPAM = "mention.marked_spam"
    MENTION_TAGGED = "mention.tagged"
    # replies
    REPLY_SUBMITTED = "reply.submitted"
    REPLY_APPROVED = "reply.approved"
    REPLY_REJECTED = "reply.rejected"
    REPLY_WITHDRAWN = "reply.withdrawn"
    REPLY_QUEUED = "reply.queued"
    REPLY_CANCELLED = "reply.cancelled"
    REPLY_SENDING = "reply.sending"
    REPLY_SENT = "reply.sent"
    REPLY_REQUEUED = "reply.requeued"
    REPLY_FAILED = "reply.failed"
    REPLY_UNKNOWN = "reply.unknown"
    # the answer library
    ANSWER_CREATED = "answer.created"
    ANSWER_UPDATED = "answer.updated"
    ANSWER_RETIRED = "answer.retired"
    # staff and identity
    STAFF_ADDED = "staff.added"
    STAFF_UPDATED = "staff.updated"
    STAFF_ROLE_CHANGED = "staff.role_changed"
    STAFF_DEACTIVATED = "staff.deactivated"
    STAFF_REACTIVATED = "staff.reactivated"
    STAFF_PASSPHRASE_SET = "staff.passphrase_set"
    STAFF_PASSPHRASE_REHASHED = "staff.passphrase_rehashed"
    APPROVAL_POLICY_SET = "approval.policy_set"  # the recorded [approval] (desk.db.policies)
    AUTH_FAILED = "auth.failed"
    AUTH_REMOTE = "auth.remote"  # a login vouched for by SSH's forced key or desk serve's ticket
    # the record itself
    EXPORT_CREATED = "export.created"
    AUDIT_PURGED = "audit.purged"
    AUDIT_CHECKPOINTED = "audit.checkpointed"  # its head written outside (desk.audit.checkpoints)
    # crisis mode (desk.crisis.alerts)
    CRISIS_ALERT_SENT = "crisis.alert_sent"  # a surge out of hours, told to the on-call person
    CRISIS_ALERT_ACKNOWLEDGED = "crisis.alert_acknowledged"
    # a declared crisis (desk.crisis.state): the [approval] crisis policy in force meanwhile
    CRISIS_STARTED = "crisis.started"
    CRISIS_STOPPED = "crisis.stopped"
    # the official statement (desk.crisis.statement)
    STATEMENT_DRAFTED = "statement.drafted"
    STATEMENT_APPROVED = "statement.approved"
    STATEMENT_PUBLISHED = "statement.published"  # on one channel, with its remote id
    STATEMENT_PINNED = "statement.pinned"
    STATEMENT_NOTED = "statement.noted"  # a channel refused, or the pin is a person's to do
    STATEMENT_SETTLED = "statement.settled"  # a supervisor's finding for a post left unknown
    # one approved correction to many (desk.replies.batches); each reply has its own events too
    BATCH_PREPARED = "batch.prepared"
    BATCH_APPROVED = "batch.approved"
    BATCH_PAUSED = "batch.paused"
    BATCH_RESUMED = "batch.resumed"


def said(action: str, t: Callable[..., str]) -> str:
    """How ``action`` reads for a person in the language of ``t`` (a Catalog.t): the catalog's
    ``action.<action>``, or the code itself for an action this desk does not know (a trail
    written by a newer desk)."""
    key = f"action.{action}"
    words = t(key)
    return action if words == key else words
