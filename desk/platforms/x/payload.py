"""X (Twitter) API v2: saved ``GET /2/users/:id/mentions`` bodies or a single post lookup.

Authors come from ``includes.users`` (``expansions=author_id``); without expansions the author is
unknown and shown as ``id:<author_id>``. ``created_at`` is only present when requested; when it is
absent the time is read from the post id (a snowflake). X escapes ``&``, ``<`` and ``>`` in ``text``;
those three are decoded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from desk.platforms.fields import (
    ItemProblem,
    check_moment,
    clip,
    collect,
    dig,
    handle,
    language_code,
    need_str,
    opt_str,
    parse_timestamp,
)
from desk.platforms.html import cap_text
from desk.platforms.parsed import ItemError, ParsedMention, ParseResult

PLATFORM = "x"

TWITTER_EPOCH_MS = 1288834974657
"""Milliseconds since the Unix epoch at which X snowflake ids start counting."""

_UNDETERMINED_LANGS = frozenset({"und", "qme", "qht", "zxx"})


def looks_like(obj: Any) -> bool:
    """True for a v2 body: ``{"data": ...}``, or an empty page (``{"meta": {"result_count": 0}}``)."""
    if not isinstance(obj, dict):
        return False
    if isinstance(obj.get("data"), (list, dict)):
        return True
    return "data" not in obj and isinstance(dig(obj, "meta.result_count"), int)


def parse_obj(obj: dict[str, Any], source: str) -> ParseResult:
    """Parse an already-decoded v2 body (list page or single lookup)."""
    posts = obj.get("data") or []
    if isinstance(posts, dict):
        posts = [posts]
    users = _users_by_id(dig(obj, "includes.users"))
    result = collect(PLATFORM, posts, lambda post: _build(post, users))
    result.errors.extend(_api_errors(obj.get("errors")))
    return result


def snowflake_time(post_id: str) -> datetime:
    """Creation time encoded in an X id (milliseconds since ``TWITTER_EPOCH_MS`` in bits 22+)."""
    millis = (int(post_id) >> 22) + TWITTER_EPOCH_MS
    try:
        moment = datetime.fromtimestamp(millis / 1000, tz=UTC)
    except (OverflowError, ValueError, OSError):
        raise ItemProblem("id_no_date", value=clip(post_id)) from None
    return check_moment(moment, "id", post_id)


def post_url(post_id: str, username: str | None) -> str:
    """Web address of a post; the ``/i/web/`` form works without knowing the author."""
    if username:
        return f"https://x.com/{username}/status/{post_id}"
    return f"https://x.com/i/web/status/{post_id}"


def unescape(text: str) -> str:
    """Undo X's escaping of ``&``, ``<`` and ``>`` (nothing else is escaped)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _users_by_id(users: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(users, list):
        return {}
    return {str(u["id"]): u for u in users if isinstance(u, dict) and u.get("id") is not None}


def _build(post: dict[str, Any], users: dict[str, dict[str, Any]]) -> ParsedMention:
    post_id = need_str(post, "id")
    text = opt_str(post, "note_tweet.text", limit=None) or need_str(post, "text", limit=None)
    author_id = opt_str(post, "author_id")
    user = users.get(author_id or "", {})
    username = opt_str(user, "username")
    kind, reply_to = _kind(post.get("referenced_tweets"))
    return ParsedMention(
        platform=PLATFORM,
        remote_id=post_id,
        author_handle=_author_handle(username, author_id),
        author_name=opt_str(user, "name") or "",
        text=cap_text(unescape(text)),
        created_at=_created_at(post, post_id),
        kind=kind,
        url=post_url(post_id, username),
        language=None
        if dig(post, "lang") in _UNDETERMINED_LANGS
        else language_code(dig(post, "lang")),
        in_reply_to_remote_id=reply_to,
        thread_root_remote_id=opt_str(post, "conversation_id"),
        visibility="public",
        raw=post,
    )


def _author_handle(username: str | None, author_id: str | None) -> str:
    if username:
        return handle(username)
    return f"id:{author_id}" if author_id else "unknown"


def _kind(references: Any) -> tuple[str, str | None]:
    """``reply`` (with the parent id) beats ``quote``, which beats a plain ``mention``."""
    refs = [r for r in references if isinstance(r, dict)] if isinstance(references, list) else []
    for ref in refs:
        if ref.get("type") == "replied_to":
            return "reply", opt_str(ref, "id")
    if any(ref.get("type") == "quoted" for ref in refs):
        return "quote", None
    return "mention", None


def _created_at(post: dict[str, Any], post_id: str) -> datetime:
    if post.get("created_at") is not None:
        return parse_timestamp(post["created_at"], "created_at")
    if post_id.isascii() and post_id.isdigit() and len(post_id) <= 20:
        try:
            return snowflake_time(post_id)
        except (OverflowError, OSError, ValueError):
            pass
    raise ItemProblem("no_created_at", value=clip(post_id))


def _api_errors(errors: Any) -> list[ItemError]:
    """Partial errors X reports beside the data (deleted or protected posts, ...)."""
    if not isinstance(errors, list):
        return []
    found = []
    for error in errors:
        detail = dig(error, "detail") or dig(error, "title") or error
        found.append(ItemProblem("x_error", detail=clip(detail, 200)).error())
    return found
