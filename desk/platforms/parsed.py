"""What every connector hands to the rest of desk: plain dataclasses, never database rows.

A connector parses a platform's *native* payload (the JSON or XML the platform's API returns) into
``ParsedMention`` objects. Parsing never raises for one bad item: the item is reported in
``ParseResult.errors`` (with its index) and the rest of the payload is still returned. A payload
that cannot be read at all (broken JSON, not XML) raises ``desk.errors.InputError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class ParsedMention:
    """One incoming item, platform-neutral. ``raw`` is the item's own native JSON-able record."""

    platform: str
    remote_id: str
    author_handle: str
    author_name: str
    text: str
    created_at: datetime  # always timezone-aware UTC
    kind: str = "mention"
    url: str | None = None
    language: str | None = None
    in_reply_to_remote_id: str | None = None
    thread_root_remote_id: str | None = None
    title: str | None = None
    visibility: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ItemError:
    """One item of a payload that could not be used. ``index`` is 0-based within the listing."""

    message: str
    index: int | None = None
    line: int | None = None

    def where(self) -> str:
        """Human position of the item, e.g. ``item 3`` or ``line 12``."""
        if self.index is not None:
            return f"item {self.index}"
        if self.line is not None:
            return f"line {self.line}"
        return "file"


@dataclass(slots=True)
class ParseResult:
    """Everything a payload yielded: usable items, skipped non-mentions, and per-item errors."""

    platform: str
    items: list[ParsedMention] = field(default_factory=list)
    skipped: int = 0
    errors: list[ItemError] = field(default_factory=list)
    channel_hint: str | None = None  # e.g. the feed title or the account the payload belongs to
