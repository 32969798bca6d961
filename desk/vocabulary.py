"""The words desk's records use: mention statuses, categories, priorities, reply statuses."""

from __future__ import annotations

STATUSES = ("open", "closed")
CATEGORIES = ("question", "rumour", "complaint", "praise", "spam", "other")
PRIORITIES = {"low": 0, "normal": 1, "high": 2, "urgent": 3}
PRIORITY_NAMES = {v: k for k, v in PRIORITIES.items()}
REPLY_STATUSES = (
    "draft",
    "pending_approval",  # waits for a supervisor (four eyes, desk.replies.approval)
    "rejected",
    "queued",  # live channel: waits out the undo window, then the outbox posts it
    "cancelled",  # taken back during the undo window
    "sending",
    "sent",
    "sent_offline",
    "failed",
    "unknown",
)
