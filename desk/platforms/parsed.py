"""What every connector hands to the rest of desk: plain dataclasses, never database rows.

A connector parses a platform's *native* payload (the JSON or XML the platform's API returns) into
``ParsedMention`` objects. Parsing never raises for one bad item: the item is reported in
``ParseResult.errors`` (with its index) and the rest of the payload is still returned. A payload
that cannot be read at all (broken JSON, not XML) raises ``desk.errors.InputError``.
"""

from __future__ import annotations

from collections.abc import Callable
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
    """One item of a payload that could not be used. ``index`` is 0-based within the listing.
    ``message`` is English; with a ``code`` (of the catalogs' ``[item_problem]``) and its
    ``params``, ``render`` says it in the reader's language."""

    message: str
    index: int | None = None
    line: int | None = None
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    def where(self, t: Callable[..., str] | None = None) -> str:
        """Position of the item, e.g. ``item 3`` or ``line 12`` (in the language of ``t``, a
        Catalog.t; English without)."""
        if t is None:
            if self.index is not None:
                return f"item {self.index}"
            return f"line {self.line}" if self.line is not None else "file"
        if self.index is not None:
            return t("item_problem.where.item", index=self.index)
        if self.line is not None:
            return t("item_problem.where.line", line=self.line)
        return t("item_problem.where.file")

    def render(self, t: Callable[..., str]) -> str:
        """The message in the language of ``t``; the English ``message`` when it has no code."""
        if not self.code:
            return self.message
        key = f"item_problem.{self.code}"
        said = t(key, problem_code=self.code, **self.params)
        return self.message if said == key else said


@dataclass(slots=True)
class ParseResult:
    """Everything a payload yielded: usable items, skipped non-mentions, and per-item errors."""

    platform: str
    items: list[ParsedMention] = field(default_factory=list)
    skipped: int = 0
    errors: list[ItemError] = field(default_factory=list)
    channel_hint: str | None = None  # e.g. the feed title or the account the payload belongs to
