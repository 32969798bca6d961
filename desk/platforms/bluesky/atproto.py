"""AT Protocol pieces of the Bluesky connector that do no I/O (desk.platforms.bluesky.client uses them).

- ``tid_for``: a reply's record key, a TID derived from when it was queued and its id;
- ``facets_for`` / ``mentioned_handles``: mention and link facets with UTF-8 byte offsets;
- ``reply_refs``: the ``root`` / ``parent`` strong refs of a reply to a stored notification;
- ``Mark`` / ``Walk``: the high-water mark that stands in for a "since" cursor, and the walk of
  newest-first pages against it;
- ``Session`` and its tokens, wrapped in ``desk.config.secrets.Secret``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from desk.config.secrets import Secret
from desk.platforms.fields import cursor_object, dig, opt_str

OVERLAP = timedelta(minutes=2)  # items this much older than the mark are still looked at
MAX_SEEN = 200  # uris kept in the cursor for the overlap window
MAX_KEY_CHARS = 512  # longer uris are not kept in the cursor, longer page cursors not followed
TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Handles and URLs as Bluesky's own client detects them (@atproto/api ``detectFacets``).
_MENTION = re.compile(r"(?:^|(?<=[\s(]))@([a-zA-Z0-9.-]+)\b")
_URL = re.compile(r"(?:^|(?<=[\s(]))(https?://\S+)", re.IGNORECASE)
_DOMAIN = re.compile(
    r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
)

# -- pure helpers ------------------------------------------------------------------------


def tid_for(created_at: datetime, reply_id: int) -> str:
    """The record key of a reply: a TID (13 base32-sortable characters of 53 bits of
    microseconds since 1970 and a 10-bit clock id) from when it was queued and its id.

    The same reply always gets the same key, so a retry cannot publish it twice.
    """
    moment = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
    micros = (moment - _EPOCH) // timedelta(microseconds=1)
    if not 0 <= micros < 2**53:
        raise ValueError(f"no TID for {created_at!r}")
    value = (micros << 10) | (reply_id % 1024)
    chars = []
    for _ in range(13):
        chars.append(TID_CHARS[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def _handles(text: str) -> Iterable[re.Match[str]]:
    return (m for m in _MENTION.finditer(text) if _DOMAIN.fullmatch(m[1]))


def _links(text: str) -> Iterable[tuple[int, int]]:
    """Spans of the URLs in ``text``, less a final punctuation mark (and an unmatched ``)``)."""
    for match in _URL.finditer(text):
        start, end = match.span(1)
        if text[end - 1] in ".,;:!?":
            end -= 1
        if text[end - 1] == ")" and "(" not in text[start:end]:
            end -= 1
        yield start, end


def mentioned_handles(text: str) -> list[str]:
    """The ``@handles`` written in ``text`` (without the ``@``, lower case), first seen first."""
    return list(dict.fromkeys(m[1].lower() for m in _handles(text)))


def facets_for(text: str, resolve: Callable[[str], str | None]) -> list[dict[str, Any]]:
    """Mention and link facets of ``text``, with UTF-8 byte offsets (``byteEnd`` exclusive).

    ``resolve`` maps a handle (lower case, no ``@``) to its DID, or None: an unresolvable
    handle stays plain text.
    """

    def byte_range(start: int, end: int) -> dict[str, int]:
        return {
            "byteStart": len(text[:start].encode("utf-8")),
            "byteEnd": len(text[:end].encode("utf-8")),
        }

    found: list[tuple[int, dict[str, Any]]] = []
    for match in _handles(text):
        did = resolve(match[1].lower())
        if did:
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": did}
            found.append(
                (match.start(), {"index": byte_range(*match.span()), "features": [feature]})
            )
    for start, end in _links(text):
        feature = {"$type": "app.bsky.richtext.facet#link", "uri": text[start:end]}
        found.append((start, {"index": byte_range(start, end), "features": [feature]}))
    return [facet for _, facet in sorted(found, key=lambda pair: pair[0])]


def strong_ref(value: Any) -> dict[str, str] | None:
    """``{"uri", "cid"}`` when ``value`` is a strong reference to a record, else None."""
    uri, cid = opt_str(value, "uri"), opt_str(value, "cid")
    if uri and cid and uri.startswith("at://"):
        return {"uri": uri, "cid": cid}
    return None


def reply_refs(parent_raw: dict[str, Any]) -> dict[str, dict[str, str]] | None:
    """``{"root", "parent"}`` for a reply to the stored notification (or postView)."""
    parent = strong_ref(parent_raw)
    if parent is None:
        return None
    root = strong_ref(dig(parent_raw, "record.reply.root")) or parent
    return {"root": root, "parent": parent}


def iso_z(moment: datetime) -> str:
    """``2024-06-04T14:26:15.123Z``: the datetime format Bluesky's clients write."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_moment(value: Any) -> datetime | None:
    """An ISO-8601 timestamp as aware UTC (naive ones taken as UTC); None when unreadable."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- the cursor --------------------------------------------------------------------------


@dataclass
class Mark:
    """High-water mark of one source: the newest ``indexedAt`` seen and the uris seen near it."""

    newest: datetime | None = None
    seen: dict[str, datetime | None] | None = None  # uri -> indexedAt

    def to_json(self) -> dict[str, Any]:
        """Stored form (only the uris inside the overlap window, newest first)."""
        seen = self.seen or {}
        floor = self.newest - OVERLAP if self.newest else None
        kept = [(uri, t) for uri, t in seen.items() if floor is None or t is None or t >= floor]
        kept.sort(key=lambda pair: pair[1] or _EPOCH, reverse=True)
        return {
            "t": self.newest.isoformat().replace("+00:00", "Z") if self.newest else None,
            "seen": [uri for uri, _ in kept[:MAX_SEEN]],
        }

    @classmethod
    def from_json(cls, value: Any) -> Mark:
        """Read a stored mark; anything unreadable is a fresh one."""
        if not isinstance(value, dict):
            return cls()
        newest = parse_moment(value.get("t"))
        raw_seen = value.get("seen")
        seen = (
            {uri: newest for uri in raw_seen if isinstance(uri, str)}
            if isinstance(raw_seen, list)
            else {}
        )
        return cls(newest=newest, seen=seen)


def load_cursor(cursor: str | None) -> dict[str, Any]:
    """The per-source marks stored for a channel (desk.platforms.bluesky.client's module docstring)."""
    return cursor_object(cursor) or {}


def dump_cursor(state: dict[str, Any]) -> str:
    """The stored form of the per-source marks."""
    return json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Walk:
    """Notifications (or posts) read newest first against a high-water mark."""

    def __init__(self, mark: Mark) -> None:
        self.old = mark
        self.floor = mark.newest - OVERLAP if mark.newest else None
        self.seen: dict[str, datetime | None] = dict(mark.seen or {})
        self.new: list[dict[str, Any]] = []
        self.newest = mark.newest

    def take(self, items: list[Any]) -> bool:
        """Keep the unseen items of one page; True once the page reached below the window."""
        reached = False
        for item in items:
            uri = opt_str(item, "uri", limit=None)
            indexed = parse_moment(dig(item, "indexedAt"))
            if indexed is not None and self.floor is not None and indexed < self.floor:
                reached = True  # older than the window: seen by an earlier pull
                continue
            if uri is None or len(uri) > MAX_KEY_CHARS:
                self.new.append(item)  # the parser reports it; nothing to remember it by
                continue
            if uri in self.seen:
                # Without a readable indexedAt, an item the last pull saw also ends the walk.
                reached = reached or (indexed is None and uri in (self.old.seen or {}))
                continue
            self.seen[uri] = indexed
            self.new.append(item)
            if indexed is not None and (self.newest is None or indexed > self.newest):
                self.newest = indexed
        return reached

    def mark(self) -> Mark:
        """The new high-water mark."""
        return Mark(newest=self.newest, seen=self.seen)


# -- the session -------------------------------------------------------------------------


def as_secret(value: str) -> Secret:
    """``value`` wrapped in a Secret (redacted repr): session tokens are secrets too."""
    return Secret(value, source="bluesky session")


def reveal(value: Any) -> str | None:
    """The text of a Secret (or of a plain string), None when empty or not text."""
    if isinstance(value, str):
        return value or None
    if hasattr(value, "reveal"):
        revealed = value.reveal()
        return revealed if isinstance(revealed, str) and revealed else None
    return None


@dataclass(slots=True)
class Session:
    """An open session: whose it is, where to call, and its two tokens (Secrets)."""

    did: str
    handle: str | None
    pds: str
    access: Any
    refresh: Any
