"""X (API v2): mentions of the channel's account, and replies in their thread.

Fetching
- ``GET /2/users/:id/mentions?since_id=<cursor>&max_results=100`` with ``expansions=author_id``
  (authors' handles and names) and the post fields desk reads; the field parameter's name is
  the channel's ``fields_param`` (``tweet.fields``, renamed ``post.fields`` in X's newest spec).
- X pages go *older*: the first page holds the newest mentions, ``meta.next_token`` leads down
  to ``since_id``. So a cycle is: first page (its ``meta.newest_id`` kept in this object), then
  each older page with ``pagination_token``; every intermediate page returns ``cursor=None``
  (keep the stored one) and ``more=True``, and only the last page returns the first page's
  ``newest_id`` as the new cursor. A crash in the middle of a cycle leaves the old cursor
  stored, so the next pull fetches the whole cycle again; the store drops the items it already
  has (unique remote id): no mention lost, none doubled.
- First run (no stored cursor): only the newest page, cursor = its ``newest_id``; the account's
  history is not walked.
- No new mentions: ``{"meta": {"result_count": 0}}`` without ``data`` → an empty page, cursor
  kept. A 200 with ``errors[]`` beside ``data`` still yields the items (the parser reports the
  errors).
- The account may be a numeric user id, a username (looked up once) or empty (``/2/users/me``).

Replying
- ``POST /2/tweets`` ``{"text": ..., "reply": {"in_reply_to_tweet_id": ...}}`` → 201 and the new
  id. X has no idempotency key: after a timeout the post may exist, which is why the outbox asks
  ``find_posted`` before any retry. A 403 for duplicate content is a refusal (NotPosted: the
  same words already went out, e.g. a stock answer to another thread), unless the duplicate is
  this very reply, published by an attempt whose answer was lost: then its id is returned.
- ``find_posted`` reads the account's own posts newer than the parent for a reply to it with
  the same text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from desk.platforms.client import Connector, Page, ReplyRequest
from desk.platforms.errors import (
    ChannelError,
    NotPosted,
    PermanentError,
    TransientError,
    Unprovable,
)
from desk.platforms.fields import aware_moment, dig, opt_str
from desk.platforms.http import RateHeaders, auth_header, error_text, read_json
from desk.platforms.x import payload as parser

MAX_RESULTS = 100
MENTION_FIELDS = (
    "author_id,created_at,conversation_id,in_reply_to_user_id,referenced_tweets,lang,entities,"
    "note_tweet"
)
RECONCILE_PAGES = 5  # pages of own posts read by find_posted before giving up (5 x 100)
CLOCK_SLACK = timedelta(minutes=1)
_POST_ID = re.compile(r"[0-9]{1,19}")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_LEADING_MENTIONS = re.compile(r"^(?:@\w+\s+)+")
_SPACE = re.compile(r"\s+")


def reply_text(reply: ReplyRequest) -> str:
    """The text actually posted for ``reply`` (see ``posted_text``)."""
    return posted_text(reply.text, reply.parent_raw, reply.parent_author)


def posted_text(text: str, parent_raw: dict[str, Any], parent_author: str | None = None) -> str:
    """The text posted: as written (X adds the reply's mention metadata itself, uncounted)."""
    return text


def comparable(text: str) -> str:
    """Text reduced for matching a published post: X's escaping undone, NFC, links masked (X
    turns them into t.co links), leading @mentions dropped, whitespace collapsed, case folded."""
    text = unicodedata.normalize("NFC", parser.unescape(text))
    text = _URL.sub("<url>", text)
    text = _LEADING_MENTIONS.sub("", _SPACE.sub(" ", text).strip())
    return text.casefold()


def _post_id(value: Any) -> str | None:
    return value if isinstance(value, str) and _POST_ID.fullmatch(value) else None


@dataclass(slots=True)
class _Cycle:
    """A fetch cycle in progress: where it started, its newest id, the next (older) page."""

    since: str | None
    newest: str | None
    token: str


class XConnector(Connector):
    """One X account: its mentions in, its replies out."""

    platform = "x"
    rate_headers = RateHeaders(
        "x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset", "epoch"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # channel, client, secret, now=
        self._cycle: _Cycle | None = None
        self._user_id: str | None = None

    # -- fetching ------------------------------------------------------------------------
    async def fetch(self, cursor: str | None) -> Page:
        """One page of mentions; the cursor moves only on the last page of a cycle."""
        since = _post_id(cursor)
        notes = [] if since or not cursor else ["ignored a stored cursor that is not a post id"]
        cycle = self._cycle if self._cycle is not None and self._cycle.since == since else None
        user_id = await self.user_id()
        params: list[tuple[str, str]] = [
            ("max_results", str(MAX_RESULTS)),
            ("expansions", "author_id"),
            (self.channel.fields_param, MENTION_FIELDS),
            ("user.fields", "username,name"),
        ]
        if since:
            params.append(("since_id", since))
        if cycle is not None:
            params.append(("pagination_token", cycle.token))
        response = await self._call("GET", f"/2/users/{user_id}/mentions", params=params)
        if not response.is_success:
            self._cycle = None
            if cycle is not None and response.status_code == 400:
                raise TransientError(
                    f"{self.channel.key}: X refused the page token (400); the cycle starts again",
                    status=400,
                )
            raise self._read_error(response, "read the mentions")
        body = read_json(response, channel=self.channel)
        if not isinstance(body, dict):
            raise TransientError(f"{self.channel.key}: the mentions answer is not an object")
        result = parser.parse_obj(body, source=self.channel.key)
        newest = cycle.newest if cycle is not None else self._newest(body)
        token = opt_str(body, "meta.next_token")
        if token and since is not None and dig(body, "data"):
            self._cycle = _Cycle(since=since, newest=newest, token=token)
            return Page(result=result, cursor=None, more=True, rate=self.rate, notes=notes)
        self._cycle = None
        if token and since is None:
            notes.append(
                f"first pull: only the newest {MAX_RESULTS} mentions are read, older ones are "
                "not fetched"
            )
        return Page(result=result, cursor=newest, more=False, rate=self.rate, notes=notes)

    @staticmethod
    def _newest(body: dict[str, Any]) -> str | None:
        """``meta.newest_id``; failing that the largest post id (X ids are numbers)."""
        newest = _post_id(dig(body, "meta.newest_id"))
        if newest:
            return newest
        posts = body.get("data")
        ids = [_post_id(dig(p, "id")) for p in posts] if isinstance(posts, list) else []
        numbers = [int(i) for i in ids if i]
        return str(max(numbers)) if numbers else None

    async def user_id(self) -> str:
        """The account's numeric id: as configured, else looked up once."""
        if self._user_id is None:
            account = (self.channel.account or "").strip().lstrip("@")
            if _POST_ID.fullmatch(account):
                self._user_id = account
            else:
                path = (
                    f"/2/users/by/username/{quote(account, safe='')}" if account else "/2/users/me"
                )
                response = await self._call("GET", path)
                if not response.is_success:
                    raise self._read_error(response, "look up its own account")
                body = read_json(response, channel=self.channel)
                found = _post_id(dig(body, "data.id"))
                if not found:  # X answers 200 with only errors[] for an unknown username
                    raise PermanentError(
                        f"{self.channel.key}: X does not know the account {account[:80]!r}"
                    )
                self._user_id = found
        return self._user_id

    # -- replying ------------------------------------------------------------------------
    async def post(self, reply: ReplyRequest) -> str:
        """Publish ``reply`` under its parent; NotPosted when X refused it."""
        body = {"text": reply_text(reply), "reply": {"in_reply_to_tweet_id": self._parent(reply)}}
        response = await self._call("POST", "/2/tweets", json=body)
        status = response.status_code
        if response.is_success:
            created = read_json(response, channel=self.channel)
            new_id = opt_str(created, "data.id")
            if not new_id:
                raise TransientError(
                    f"{self.channel.key}: the reply was accepted ({status}) but no id came back",
                    status=status,
                )
            return new_id
        said = self._said(response)
        if status == 408:
            raise TransientError(f"{self.channel.key}: the reply timed out (408)", status=status)
        if status == 403 and "duplicate" in said.casefold():
            # An earlier attempt whose answer was lost may be that duplicate: then it is posted.
            try:
                earlier = await self.find_posted(reply)
            except ChannelError:
                earlier = None
            if earlier:
                return earlier
            raise NotPosted(
                f"{self.channel.key}: X refused the reply as a duplicate of an earlier post "
                f"(403): {said}",
                status=status,
            )
        if status == 401:
            raise NotPosted(
                f"{self.channel.key}: reply not posted: the access token is invalid or expired "
                f"(401): {said}",
                status=status,
            )
        raise NotPosted(f"{self.channel.key}: reply refused ({status}): {said}", status=status)

    async def publish(self, text: str, *, idempotency_key: str, created_at: datetime) -> str:
        """A post of the account's own. X has no idempotency key; it refuses a post repeating
        a recent one (403 "duplicate"), which is reported, never worked around. X has no pin
        endpoint either (``pin`` stays False: a person pins it)."""
        response = await self._call("POST", "/2/tweets", json={"text": text})
        status = response.status_code
        if response.is_success:
            new_id = opt_str(read_json(response, channel=self.channel), "data.id")
            if new_id:
                return new_id
            raise TransientError(
                f"{self.channel.key}: the post was accepted ({status}) but no id came back",
                status=status,
            )
        raise NotPosted(
            f"{self.channel.key}: post refused ({status}): {self._said(response)}", status=status
        )

    async def find_posted(self, reply: ReplyRequest) -> str | None:
        """The id of ``reply`` if the account already published it, None if provably not.

        Lists the account's posts newer than the parent (``since_id``: a reply is always newer
        than what it answers) for one replying to the parent with the same text. Absent from a
        listing that ends, or that reaches back past the moment the reply was queued → None.
        """
        parent = self._parent(reply)
        expected = comparable(reply_text(reply))
        since = reply.created_at - CLOCK_SLACK
        try:
            user_id = await self.user_id()
        except PermanentError as exc:
            raise Unprovable(f"{exc}; cannot list the account's posts") from exc
        token: str | None = None
        for _ in range(RECONCILE_PAGES):
            params = [
                ("max_results", str(MAX_RESULTS)),
                (self.channel.fields_param, "referenced_tweets,created_at,note_tweet"),
            ]
            if _post_id(parent):
                params.append(("since_id", parent))
            if token:
                params.append(("pagination_token", token))
            response = await self._call("GET", f"/2/users/{user_id}/tweets", params=params)
            if not response.is_success:
                raise Unprovable(
                    f"{self.channel.key}: cannot list the account's posts "
                    f"({response.status_code}): {self._said(response)}",
                    status=response.status_code,
                )
            body = read_json(response, channel=self.channel)
            posts = dig(body, "data") or []
            if not isinstance(posts, list):
                raise Unprovable(f"{self.channel.key}: the post listing is not a list")
            oldest: datetime | None = None
            for post in posts:
                created = aware_moment(dig(post, "created_at"))
                if created is not None:
                    oldest = created if oldest is None else min(oldest, created)
                if _replies_to(post, parent) and _same_text(post, expected):
                    return opt_str(post, "id")
            token = opt_str(body, "meta.next_token")
            if token is None:
                return None  # every post since the parent has been read
            if oldest is not None and oldest < since:
                return None  # everything since the reply was queued has been read
        raise Unprovable(
            f"{self.channel.key}: {RECONCILE_PAGES * MAX_RESULTS} recent posts read without "
            "reaching the time the reply was queued"
        )

    def _parent(self, reply: ReplyRequest) -> str:
        return opt_str(reply.parent_raw, "id") or reply.parent_remote_id

    # -- HTTP ----------------------------------------------------------------------------
    async def _call(
        self, method: str, path: str, *, params: Any = None, json: Any = None
    ) -> httpx.Response:
        """One request with the token; keeps the rate-limit state of every answer."""
        try:
            url = self.channel.base_url() + path
        except ValueError as exc:
            raise PermanentError(str(exc)) from None
        return await self.tracked(
            method, url, headers=auth_header(self.secret), params=params, json=json
        )

    def _read_error(self, response: httpx.Response, what: str) -> ChannelError:
        status = response.status_code
        said = self._said(response)
        key = self.channel.key
        if status == 401:
            return PermanentError(
                f"{key}: the access token is invalid or expired (401): {said}", status=status
            )
        if status == 403:
            return PermanentError(
                f"{key}: not allowed to {what} (403; the app's access level?): {said}",
                status=status,
            )
        return PermanentError(f"{key}: cannot {what} ({status}): {said}", status=status)

    def _said(self, response: httpx.Response) -> str:
        """The server's error words, with the token blanked should a hostile server echo it."""
        return error_text(response, hide=(self.secret,))


def _replies_to(post: Any, parent: str) -> bool:
    refs = dig(post, "referenced_tweets")
    return isinstance(refs, list) and any(
        isinstance(r, dict) and r.get("type") == "replied_to" and str(r.get("id")) == parent
        for r in refs
    )


def _same_text(post: Any, expected: str) -> bool:
    text = opt_str(post, "note_tweet.text", limit=None) or opt_str(post, "text", limit=None)
    return text is not None and comparable(text) == expected
