"""Mastodon: saved ``GET /api/v1/notifications`` bodies (a list) or one Notification object.

Only ``mention`` notifications (and ``quote``, Mastodon 4.5+) become items; favourites, follows,
boosts and the rest are counted as skipped. ``status.content`` is HTML and is turned into plain text.
``parse_statuses`` reads lists of Status entities (hashtag timelines, search results): the items of
a keyword watch, of kind ``keyword``.
"""

from __future__ import annotations

from typing import Any

from desk.platforms.fields import (
    ItemProblem,
    clip,
    collect,
    dig,
    handle,
    language_code,
    need,
    need_str,
    opt_str,
    parse_timestamp,
)
from desk.platforms.html import cap_text, html_to_text
from desk.platforms.parsed import ParsedMention, ParseResult

PLATFORM = "mastodon"

_KINDS_BY_TYPE = {"mention": "mention", "quote": "quote"}


def looks_like(obj: Any) -> bool:
    """True for a notification list or a single notification object."""
    if isinstance(obj, list):
        return True
    return isinstance(obj, dict) and "type" in obj and "account" in obj


def parse_obj(obj: Any, source: str) -> ParseResult:
    """Parse already-decoded JSON (a list of notifications or one notification)."""
    items = obj if isinstance(obj, list) else [obj]
    return collect(PLATFORM, items, _build)


def parse_statuses(obj: Any, source: str) -> ParseResult:
    """Parse a list of Status entities (``GET /api/v1/timelines/tag/:tag``, the ``statuses`` of
    ``GET /api/v2/search``) into ``keyword`` items; boosts are skipped (the original is what counts).
    """
    items = obj if isinstance(obj, list) else [obj]
    return collect(PLATFORM, items, _build_status)


def _build_status(status: dict[str, Any]) -> ParsedMention | None:
    if status.get("reblog") is not None:
        return None
    # Wrapped like a notification so both share one builder; the record stays the bare status.
    return _from_status({"status": status}, "keyword", raw=status)


def _build(notification: dict[str, Any]) -> ParsedMention | None:
    kind = _KINDS_BY_TYPE.get(need_str(notification, "type"))
    if kind is None:
        return None
    return _from_status(notification, kind, raw=notification)


def _from_status(notification: dict[str, Any], kind: str, raw: dict[str, Any]) -> ParsedMention:
    status = need(notification, "status")
    if not isinstance(status, dict):
        raise ItemProblem("status_not_object", value=clip(status))
    # The notification's account is the status author; fall back to the status's own copy.
    account_path = "account" if isinstance(notification.get("account"), dict) else "status.account"
    account = dig(notification, account_path)
    reply_to = opt_str(status, "in_reply_to_id")
    return ParsedMention(
        platform=PLATFORM,
        remote_id=need_str(notification, "status.id"),
        author_handle=handle(need_str(notification, f"{account_path}.acct")),
        author_name=opt_str(account, "display_name") or opt_str(account, "username") or "",
        text=_status_text(notification),
        created_at=parse_timestamp(need(notification, "status.created_at"), "status.created_at"),
        kind="reply" if kind == "mention" and reply_to else kind,
        url=opt_str(status, "url") or opt_str(status, "uri"),
        language=language_code(dig(status, "language")),
        in_reply_to_remote_id=reply_to,
        visibility=opt_str(status, "visibility"),
        raw=raw,
    )


def _status_text(notification: dict[str, Any]) -> str:
    """Plain text of the status; a content warning (``spoiler_text``) goes first."""
    body = html_to_text(need_str(notification, "status.content", limit=None))
    spoiler = opt_str(notification, "status.spoiler_text")
    return cap_text(f"{spoiler}\n\n{body}" if spoiler else body)
