"""Bluesky: saved ``app.bsky.notification.listNotifications`` bodies.

``mention``, ``reply`` and ``quote`` notifications become items; likes, reposts, follows and the
rest are counted as skipped. ``record.text`` is already plain text. Placeholder values written by
test snapshots (``record(3)``, ``user(0)``, 1970 dates) are accepted as they are.

``parse_posts`` reads lists of ``app.bsky.feed.defs#postView`` (``app.bsky.feed.searchPosts``):
the items of a keyword watch, of kind ``keyword``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from desk.platforms.fields import (
    ItemProblem,
    collect,
    dig,
    handle,
    language_code,
    need,
    need_str,
    opt_str,
    parse_timestamp,
)
from desk.platforms.html import cap_text
from desk.platforms.parsed import ParsedMention, ParseResult

PLATFORM = "bluesky"

_KINDS_BY_REASON = {"mention": "mention", "reply": "reply", "quote": "quote"}
_POST_URI = re.compile(r"^at://([^/]+)/app\.bsky\.feed\.post/([^/?#]+)$")


def looks_like(obj: Any) -> bool:
    """True for a ``{"notifications": [...]}`` listing."""
    return isinstance(obj, dict) and isinstance(obj.get("notifications"), list)


def parse_obj(obj: Any, source: str) -> ParseResult:
    """Parse an already-decoded listNotifications body."""
    return collect(PLATFORM, obj["notifications"], _build)


def parse_posts(obj: Any, source: str) -> ParseResult:
    """Parse a list of postViews (the ``posts`` of ``app.bsky.feed.searchPosts``) into
    ``keyword`` items. Each item's record is the postView itself (uri, cid, record.reply: what a
    reply needs)."""
    items = obj if isinstance(obj, list) else [obj]
    return collect(PLATFORM, items, _build_post)


def post_url(uri: str, author_handle: str | None) -> str | None:
    """Web address of a post (``https://bsky.app/profile/<handle>/post/<rkey>``), if ``uri`` is one."""
    match = _POST_URI.match(uri)
    if match is None:
        return None
    who = author_handle if author_handle and author_handle != "handle.invalid" else match[1]
    return f"https://bsky.app/profile/{who}/post/{match[2]}"


def _build(notification: dict[str, Any]) -> ParsedMention | None:
    kind = _KINDS_BY_REASON.get(need_str(notification, "reason"))
    if kind is None:
        return None
    return _from_post(notification, kind)


def _build_post(post: dict[str, Any]) -> ParsedMention:
    return _from_post(post, "keyword")


def _from_post(notification: dict[str, Any], kind: str) -> ParsedMention:
    """A notification or a postView: both carry uri, author, record and indexedAt."""
    uri = need_str(notification, "uri")
    author = need_str(notification, "author.handle")
    text = need(notification, "record.text")
    if not isinstance(text, str):
        raise ItemProblem("record_text")
    return ParsedMention(
        platform=PLATFORM,
        remote_id=uri,
        author_handle=handle(author),
        author_name=opt_str(notification, "author.displayName") or author,
        text=cap_text(text),
        created_at=_created_at(notification),
        kind=kind,
        url=post_url(uri, author),
        language=_first_language(dig(notification, "record.langs")),
        in_reply_to_remote_id=opt_str(notification, "record.reply.parent.uri"),
        thread_root_remote_id=opt_str(notification, "record.reply.root.uri"),
        visibility="public",
        raw=notification,
    )


def _created_at(notification: dict[str, Any]) -> datetime:
    """``record.createdAt`` (client-declared, may be odd), else the server's ``indexedAt``."""
    first_problem: ItemProblem | None = None
    for path in ("record.createdAt", "indexedAt"):
        value = dig(notification, path)
        if value is None:
            continue
        try:
            return parse_timestamp(value, path)
        except ItemProblem as problem:
            first_problem = first_problem or problem
    raise first_problem or ItemProblem("missing_field", path="record.createdAt")


def _first_language(langs: Any) -> str | None:
    if isinstance(langs, list) and langs:
        return language_code(langs[0])
    return None
