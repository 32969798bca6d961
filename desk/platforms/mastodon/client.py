"""Mastodon: mentions from the notifications API, hashtag and keyword watches, threaded replies.

Fetching
- Mentions: ``GET /api/v1/notifications?types[]=mention&types[]=quote&limit=40&min_id=<cursor>``.
  With ``min_id`` the server returns the items *immediately after* the cursor (still newest
  first), so walking forward until an empty page leaves no gap and no duplicate. The new cursor
  is the ``min_id`` of the ``rel="prev"`` link, else the first (newest) id of the page: ids are
  opaque strings and are never compared here.
- First run (no stored cursor): only the newest page is taken and the cursor set to its newest
  item. The account's history is not walked: a new channel starts from now, not from years of
  old mentions (import a saved payload for those).
- Watches (``channel.watch``): ``#tag`` reads ``GET /api/v1/timelines/tag/:tag``, paged with
  ``min_id`` like the mentions; any other words ``GET /api/v2/search?type=statuses`` (newest 40
  results each time, no cursor: the store drops what it already holds; the instance needs
  full-text search for this). Their items are of kind ``keyword``; the channel's own posts are
  left out. A watch the server refuses (4xx) is reported in the page's errors and skipped.
- Cursor: one string per channel holding a small JSON object, one entry per source:
  ``{"notifications": "<id>", "tag:belleville": "<id>"}``. A bare id (hand-written) is read as
  the notifications cursor.
- One ``fetch`` makes one request for one source; ``more`` stays true until every source of the
  cycle is done, so one pull drains the mentions, then each watch.

Replying
- ``POST /api/v1/statuses`` (JSON) in the thread (``in_reply_to_id``), with the parent's
  visibility (a ``direct`` mention is never answered publicly), the parent author's ``@acct``
  in front (Mastodon does not add it: ``reply_text``) and ``Idempotency-Key``: a retry with the
  same key within the hour returns the status already created instead of a second one.
- ``find_posted`` reads the account's own recent statuses for a reply to the same parent with
  the same text.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx

from desk.platforms.client import Connector, Page, ReplyRequest
from desk.platforms.errors import (
    ChannelError,
    NotPosted,
    PermanentError,
    TransientError,
    Unprovable,
)
from desk.platforms.fields import aware_moment, cursor_object, dig, opt_str
from desk.platforms.html import html_to_text
from desk.platforms.http import RateHeaders, auth_header, error_text, read_json
from desk.platforms.mastodon import payload as parser
from desk.platforms.mastodon.replies import posted_text, status_of
from desk.platforms.parsed import ItemError, ParseResult

NOTIFICATIONS = "notifications"
MAX_ID_CHARS = 256
PAGE_LIMIT = 40  # notifications allow 80, statuses 40: one size for all sources
RECONCILE_PAGES = 5  # own statuses read by find_posted before giving up (5 x 40)
CLOCK_SLACK = timedelta(minutes=1)  # this machine's clock against the server's
NOTIFICATION_TYPES = ("mention", "quote")  # quote: Mastodon 4.5+; older servers ignore it
VISIBILITIES = ("direct", "private", "unlisted", "public")  # narrowest first
_REMOTE_MENTION = re.compile(r"(?<![\w@])@([\w.-]+)@[\w.-]+\w")
_SPACE = re.compile(r"\s+")


def reply_text(reply: ReplyRequest) -> str:
    """The text actually posted for ``reply`` (see ``posted_text``)."""
    return posted_text(reply.text, reply.parent_raw, reply.parent_author)


def reply_visibility(reply: ReplyRequest) -> str:
    """The parent's visibility, never wider: the narrowest one known, ``direct`` when unknown."""
    seen = {reply.parent_visibility, opt_str(status_of(reply.parent_raw), "visibility")}
    known = [v for v in VISIBILITIES if v in seen]
    return known[0] if known else "direct"


def comparable(text: str) -> str:
    """Text reduced for matching a posted status: remote mentions to their local part (that is
    how Mastodon renders them), whitespace collapsed, case folded."""
    return _SPACE.sub(" ", _REMOTE_MENTION.sub(r"@\1", text)).strip().casefold()


def load_cursor(cursor: str | None) -> dict[str, str]:
    """The per-source cursors stored for a channel (see the module docstring)."""
    value = cursor_object(cursor)
    if value is None:
        return {NOTIFICATIONS: cursor} if cursor else {}  # a bare id
    return {
        str(k): str(v)
        for k, v in value.items()
        if isinstance(v, (str, int)) and not isinstance(v, bool) and str(v)
    }


def dump_cursor(state: dict[str, str]) -> str:
    """The stored form of the per-source cursors."""
    return json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _min_id_of(response: httpx.Response, rel: str, key: str) -> str | None:
    """A paging id (``min_id`` / ``max_id``) from the ``Link`` header's ``rel`` link."""
    try:
        url = response.links.get(rel, {}).get("url")
    except (ValueError, KeyError):
        return None
    if not url:
        return None
    values = parse_qs(urlsplit(url).query).get(key)
    return _usable_id(values[0]) if values else None


def _has_link(response: httpx.Response, rel: str) -> bool:
    try:
        return rel in response.links
    except (ValueError, KeyError):
        return False


def _first_id(items: list[Any]) -> str | None:
    for item in items:
        value = _usable_id(opt_str(item, "id"))
        if value:
            return value
    return None


def _usable_id(value: str | None) -> str | None:
    """An id worth storing as a cursor: short printable text (ids are opaque, not numbers)."""
    if value and len(value) <= MAX_ID_CHARS and value.isprintable() and not value.isspace():
        return value
    return None


class MastodonConnector(Connector):
    """One Mastodon account: its mentions and watches in, its replies out."""

    platform = "mastodon"
    rate_headers = RateHeaders(
        "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "iso"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # channel, client, secret, now=
        self._types: tuple[str, ...] = NOTIFICATION_TYPES
        self._pending: list[str] | None = None  # sources left in this fetch cycle
        self._account_id: str | None = None
        self._notes: list[str] = []

    # -- fetching ------------------------------------------------------------------------
    def sources(self) -> list[str]:
        """``notifications``, then ``tag:<name>`` / ``search:<words>`` for each watch."""
        keys = [NOTIFICATIONS]
        for entry in self.channel.watch:
            entry = entry.strip()
            if entry.startswith("#") and entry[1:].strip():
                keys.append(f"tag:{entry[1:].strip()}")
            elif entry.lstrip("#").strip():
                keys.append(f"search:{entry}")
        return list(dict.fromkeys(keys))

    async def fetch(self, cursor: str | None) -> Page:
        """One page of one source (see the module docstring for the order and the cursor)."""
        state = load_cursor(cursor)
        sources = self.sources()
        if not self._pending:
            self._pending = list(sources)
        source = self._pending[0]
        self._notes = []
        try:
            result, newest, more_here = await self._fetch_source(source, state.get(source))
        except BaseException:
            self._pending = None  # the next call starts the cycle again, mentions first
            raise
        if not more_here:
            self._pending.pop(0)
        more = bool(self._pending)
        if not more:
            self._pending = None
        new_state = {k: v for k, v in state.items() if k in sources}
        if newest:
            new_state[source] = newest
        changed = new_state != state or (cursor is not None and dump_cursor(new_state) != cursor)
        return Page(
            result=result,
            cursor=dump_cursor(new_state) if changed and new_state else None,
            more=more,
            rate=self.rate,
            notes=self._notes,
        )

    async def _fetch_source(
        self, source: str, since: str | None
    ) -> tuple[ParseResult, str | None, bool]:
        if source == NOTIFICATIONS:
            return await self._notifications(since)
        kind, _, name = source.partition(":")
        if kind == "tag":
            path = f"/api/v1/timelines/tag/{quote(name, safe='')}"
            return await self._timeline(source, path, since)
        return await self._search(source, name)

    async def _notifications(self, since: str | None) -> tuple[ParseResult, str | None, bool]:
        params = [("types[]", t) for t in self._types] + [("limit", str(PAGE_LIMIT))]
        if since:
            params.append(("min_id", since))
        response = await self._call("GET", "/api/v1/notifications", params=params)
        if response.status_code in (400, 422) and len(self._types) > 1:
            self._types = ("mention",)  # a fork that refuses unknown types: mentions only
            return await self._notifications(since)
        body = self._listing(response, "read the notifications")
        result = parser.parse_obj(body, source=self.channel.key)
        newest, more = self._forward(NOTIFICATIONS, response, body, since)
        return result, newest, more

    async def _timeline(
        self, source: str, path: str, since: str | None
    ) -> tuple[ParseResult, str | None, bool]:
        params = [("limit", str(PAGE_LIMIT))] + ([("min_id", since)] if since else [])
        response = await self._call("GET", path, params=params)
        refused = self._watch_refused(source, response)
        if refused is not None:
            return refused, None, False
        body = self._listing(response, f"read the watch {source}")
        newest, more = self._forward(source, response, body, since)
        return self._watch_items(body), newest, more

    async def _search(self, source: str, words: str) -> tuple[ParseResult, None, bool]:
        params = [("q", words), ("type", "statuses"), ("limit", str(PAGE_LIMIT))]
        response = await self._call("GET", "/api/v2/search", params=params)
        refused = self._watch_refused(source, response)
        if refused is not None:
            return refused, None, False
        body = self._ok_json(response, f"read the watch {source}")
        statuses = body.get("statuses") if isinstance(body, dict) else None
        if not isinstance(statuses, list):
            raise TransientError(f"{self.channel.key}: the search answer has no status list")
        return self._watch_items(statuses), None, False

    def _forward(
        self, source: str, response: httpx.Response, body: list[Any], since: str | None
    ) -> tuple[str | None, bool]:
        """The new cursor and whether more is waiting, for a newest-first ``min_id`` page."""
        if not body:
            return None, False  # no Link header on an empty page: keep our own cursor
        newest = _min_id_of(response, "prev", "min_id") or _first_id(body)
        if since is None:  # first run: the newest page only
            if len(body) >= PAGE_LIMIT:
                self._notes.append(
                    f"first pull of {source}: only the newest {PAGE_LIMIT} items are read, "
                    "older ones are not fetched"
                )
            return newest, False
        return newest, len(body) >= PAGE_LIMIT or _has_link(response, "prev")

    def _watch_items(self, statuses: list[Any]) -> ParseResult:
        others = [s for s in statuses if not self._is_own(s)]
        result = parser.parse_statuses(others, source=self.channel.key)
        result.skipped += len(statuses) - len(others)
        return result

    def _is_own(self, status: Any) -> bool:
        if self._account_id and opt_str(status, "account.id") == self._account_id:
            return True
        own = (self.channel.account or "").strip().lstrip("@").casefold()
        if not own:
            return False
        host = (urlsplit(self.channel.base_url()).hostname or "").casefold()
        local, _, domain = own.partition("@")
        if domain == host:
            own = local
        return (opt_str(status, "account.acct") or "").casefold() == own

    def _watch_refused(self, source: str, response: httpx.Response) -> ParseResult | None:
        """A watch the server will not serve (bad tag, no search): reported, the rest goes on."""
        status = response.status_code
        if status in (401, 403) or response.is_success:
            return None
        result = ParseResult(platform=self.platform)
        result.errors.append(
            ItemError(message=f"watch {source!r} refused ({status}): {self._said(response)}")
        )
        return result

    # -- replying ------------------------------------------------------------------------
    async def post(self, reply: ReplyRequest) -> str:
        """Publish ``reply`` in its thread; NotPosted when the server refused it."""
        body: dict[str, Any] = {
            "status": reply_text(reply),
            "in_reply_to_id": self._parent_id(reply),
            "visibility": reply_visibility(reply),
        }
        if reply.language:
            body["language"] = reply.language
        return await self._create_status(body, reply.idempotency_key, "reply")

    async def publish(self, text: str, *, idempotency_key: str, created_at: datetime) -> str:
        """A public status of the account's own (the crisis statement); the server dates it."""
        body = {"status": text, "visibility": "public"}
        return await self._create_status(body, idempotency_key, "post")

    async def pin(self, remote_id: str) -> bool:
        """Pin the status on the profile (``POST /api/v1/statuses/:id/pin``; Mastodon keeps at
        most 5 pins per account and answers 422 beyond: NotPosted with its words)."""
        response = await self._call("POST", f"/api/v1/statuses/{quote(remote_id, safe='')}/pin")
        if response.is_success:
            return True
        status = response.status_code
        raise NotPosted(
            f"{self.channel.key}: the pin was refused ({status}): {self._said(response)}",
            status=status,
        )

    async def _create_status(self, body: dict[str, Any], key: str, what: str) -> str:
        """``POST /api/v1/statuses`` with an ``Idempotency-Key`` (the server returns the status
        made the first time for the same key, for an hour); the new status's id."""
        response = await self._call(
            "POST", "/api/v1/statuses", json=body, headers={"Idempotency-Key": key}
        )
        status = response.status_code
        if response.is_success:
            created = read_json(response, channel=self.channel)
            new_id = opt_str(created, "id")
            if not new_id:
                raise TransientError(
                    f"{self.channel.key}: the {what} was accepted ({status}) but no status id "
                    "came back",
                    status=status,
                )
            return new_id
        if status == 408:
            raise TransientError(f"{self.channel.key}: the {what} timed out (408)", status=status)
        if status == 401:
            raise NotPosted(
                f"{self.channel.key}: {what} not posted: the access token is invalid or revoked "
                f"(401): {self._said(response)}",
                status=status,
            )
        raise NotPosted(
            f"{self.channel.key}: {what} refused ({status}): {self._said(response)}", status=status
        )

    async def find_posted(self, reply: ReplyRequest) -> str | None:
        """The id of ``reply`` if the account already published it, None if provably not.

        Reads the account's own statuses (newest first, up to ``RECONCILE_PAGES`` pages) for one
        replying to the same parent with the same text. Absent and the listing reaches back
        past the moment the reply was queued (or ends) → None; otherwise Unprovable.
        """
        parent_id = self._parent_id(reply)
        expected = comparable(reply_text(reply))
        since = reply.created_at - CLOCK_SLACK
        try:
            account_id = await self.account_id()
        except PermanentError as exc:
            raise Unprovable(f"{exc}; cannot list the account's statuses") from exc
        path = f"/api/v1/accounts/{quote(account_id, safe='')}/statuses"
        max_id: str | None = None
        for _ in range(RECONCILE_PAGES):
            params = [("limit", str(PAGE_LIMIT)), ("exclude_reblogs", "true")]
            if max_id:
                params.append(("max_id", max_id))
            response = await self._call("GET", path, params=params)
            if not response.is_success:
                raise Unprovable(
                    f"{self.channel.key}: cannot list the account's statuses "
                    f"({response.status_code}): {self._said(response)}",
                    status=response.status_code,
                )
            statuses = read_json(response, channel=self.channel)
            if not isinstance(statuses, list):
                raise Unprovable(f"{self.channel.key}: the status listing is not a list")
            oldest: datetime | None = None
            for status in statuses:
                created = aware_moment(dig(status, "created_at"))
                if created is not None:
                    oldest = created if oldest is None else min(oldest, created)
                if self._is_the_reply(status, parent_id, expected, since, created):
                    return opt_str(status, "id")
            if oldest is not None and oldest < since:
                return None  # everything since the reply was queued has been read
            if not statuses:
                return None  # the whole account has been read
            max_id = _min_id_of(response, "next", "max_id")
            if max_id is None:  # Mastodon links "next" whenever the page was full
                if len(statuses) < PAGE_LIMIT:
                    return None  # the whole account has been read
                max_id = _usable_id(opt_str(statuses[-1], "id"))  # a server without Link
                if max_id is None:
                    break
        raise Unprovable(
            f"{self.channel.key}: {RECONCILE_PAGES * PAGE_LIMIT} recent statuses read without "
            "reaching the time the reply was queued"
        )

    def _is_the_reply(
        self,
        status: Any,
        parent_id: str,
        expected: str,
        since: datetime,
        created: datetime | None,
    ) -> bool:
        if opt_str(status, "in_reply_to_id") != parent_id:
            return False
        if created is not None and created < since:
            return False
        content = opt_str(status, "content", limit=None) or ""
        return comparable(html_to_text(content)) == expected

    def _parent_id(self, reply: ReplyRequest) -> str:
        return opt_str(status_of(reply.parent_raw), "id") or reply.parent_remote_id

    async def account_id(self) -> str:
        """The channel account's id (``verify_credentials``, asked once)."""
        if self._account_id is None:
            response = await self._call("GET", "/api/v1/accounts/verify_credentials")
            body = self._ok_json(response, "read its own account")
            account_id = opt_str(body, "id")
            if not account_id:
                raise TransientError(f"{self.channel.key}: verify_credentials gave no account id")
            self._account_id = account_id
        return self._account_id

    # -- HTTP ----------------------------------------------------------------------------
    def _url(self, path: str) -> str:
        try:
            return self.channel.base_url() + path
        except ValueError as exc:
            raise PermanentError(str(exc)) from None

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One request with the token; keeps the rate-limit state of every answer."""
        sent = auth_header(self.secret)  # httpx.Headers: a crash screen's repr hides the token
        sent.update(headers or {})
        return await self.tracked(
            method,
            self._url(path),
            headers=sent,
            params=params,
            json=json,
        )

    def _ok_json(self, response: httpx.Response, what: str) -> Any:
        """The body of a successful read; a refusal as the error that fits it."""
        if not response.is_success:
            raise self._read_error(response, what)
        return read_json(response, channel=self.channel)

    def _listing(self, response: httpx.Response, what: str) -> list[Any]:
        body = self._ok_json(response, what)
        if not isinstance(body, list):
            raise TransientError(f"{self.channel.key}: cannot {what}: the answer is not a list")
        return body

    def _read_error(self, response: httpx.Response, what: str) -> ChannelError:
        status = response.status_code
        said = self._said(response)
        key = self.channel.key
        if status == 401:
            return PermanentError(
                f"{key}: the access token is invalid or revoked (401): {said}", status=status
            )
        if status == 403:
            return PermanentError(
                f"{key}: not allowed to {what} (403; does the token have the read scopes?): {said}",
                status=status,
            )
        if status in (404, 410):
            return PermanentError(
                f"{key}: cannot {what}: not found ({status}); check the channel's url",
                status=status,
            )
        return PermanentError(f"{key}: cannot {what} ({status}): {said}", status=status)

    def _said(self, response: httpx.Response) -> str:
        """The server's error words, with the token blanked should a hostile server echo it."""
        return error_text(response, hide=(self.secret,))
