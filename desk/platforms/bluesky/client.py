"""Bluesky (AT Protocol): mentions from the notifications, keyword watches, threaded replies.

Session
- ``com.atproto.server.createSession`` once, with the account (``channel.account``) and its app
  password (the channel's secret); the access and refresh tokens stay in memory, wrapped in
  ``Secret``. An access token that expired (``400 ExpiredToken``) is renewed with
  ``com.atproto.server.refreshSession`` and the call made once more; a refresh token that no
  longer works means one new login. createSession is limited to 30 per 5 minutes and 300 a day
  per account, so a session is never created per poll: ``session_state()`` /
  ``restore_session()`` let the caller keep it between processes (``session_generation`` tells
  when it changed and is worth storing again).
- Calls go to the account's PDS, taken from the session's DID document (service
  ``#atproto_pds``), else to ``channel.url``. ``app.bsky.*`` calls are proxied by the PDS to the
  AppView, as for every client.

Fetching
- ``GET app.bsky.notification.listNotifications?reasons=mention&reasons=reply&reasons=quote
  &priority=false&limit=50`` (repeated keys, never ``seenAt``: the AppView rejects it). There is
  no "since" parameter and pages go *older* through ``cursor``; so the stored cursor is a
  high-water mark: the newest ``indexedAt`` seen, plus the uris seen in the last few minutes.
  A fetch walks pages from the newest until a page reaches below the mark minus an overlap
  window (the AppView may show an item late), keeps only items it has not seen (by uri) and
  returns them in one page with the new mark. First run: the newest page only (a new channel
  starts from now, not from the account's history).
- Watches (``channel.watch``): ``app.bsky.feed.searchPosts?q=<words>&sort=latest``, newest page
  only, with a mark of its own; items of kind ``keyword``, the account's own posts left out. One
  ``fetch`` reads one source; ``more`` stays true until every source of the cycle is done.
- Cursor: a small JSON object, one entry per source:
  ``{"notifications": {"t": "<indexedAt>", "seen": ["at://…", …]}, "search:eau": {…}}``.

Replying
- ``com.atproto.repo.createRecord`` of an ``app.bsky.feed.post`` in the org's repo with a record
  key chosen here: a TID derived from the reply's queue time and id (``tid_for``), so the same
  reply always lands at the same key. A second attempt after a lost answer fails (the key is
  taken) instead of posting twice, and ``find_posted`` reads that key with
  ``com.atproto.repo.getRecord``: found, provably absent (``RecordNotFound``), or unprovable.
- Thread: ``parent`` is the mention (uri + cid), ``root`` its own ``reply.root`` if it is itself a
  reply, else the mention. Facets: ``@handle`` mentions (resolved to DIDs with
  ``com.atproto.identity.resolveHandle``, skipped when unresolvable) and links, with UTF-8 *byte*
  offsets (``facets_for``).
- A refused post (4xx) is ``NotPosted``. A 5xx after createRecord is *not* a refusal (the PDS
  answers 500 for "There is already a value at key"): it goes up as it is, and the outbox asks
  ``find_posted``.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from desk.platforms.bluesky import payload as parser
from desk.platforms.bluesky.atproto import (
    MAX_KEY_CHARS,
    OVERLAP,
    Mark,
    Session,
    Walk,
    as_secret,
    dump_cursor,
    facets_for,
    iso_z,
    load_cursor,
    mentioned_handles,
    reply_refs,
    reveal,
    tid_for,
)
from desk.platforms.client import Connector, Page, ReplyRequest
from desk.platforms.errors import (
    ChannelError,
    NotPosted,
    PermanentError,
    TransientError,
    Unprovable,
)
from desk.platforms.fields import dig, opt_str
from desk.platforms.http import RateHeaders, auth_header, error_text, read_json
from desk.platforms.parsed import ItemError, ParseResult

__all__ = [
    "OVERLAP",
    "BlueskyConnector",
    "facets_for",
    "load_cursor",
    "mentioned_handles",
    "reply_refs",
    "tid_for",
]

NOTIFICATIONS = "notifications"
REASONS = ("mention", "reply", "quote")
PAGE_LIMIT = 50
MAX_PAGES = 40  # per fetch: 2,000 notifications since the last pull before giving up on the rest
MAX_MENTIONS = 10  # handles resolved per reply
POST = "app.bsky.feed.post"
PROFILE = "app.bsky.actor.profile"
EXPIRED = ("ExpiredToken", "InvalidToken")


class _PrivateBody(dict[str, Any]):
    """A JSON body holding a password: sent as usual, shown as ``{<redacted>}``."""

    def __repr__(self) -> str:
        return "{<redacted>}"

    __str__ = __repr__


class BlueskyConnector(Connector):
    """One Bluesky account: its mentions and keyword watches in, its replies out."""

    idempotent_publish = True  # the statement's record key is derived from its key and time

    platform = "bluesky"
    rate_headers = RateHeaders("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "epoch")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # channel, client, secret, now=
        self.session: Session | None = None
        self.session_generation = 0  # +1 at each login or refresh: store session_state() again
        self._lock = asyncio.Lock()
        self._pending: list[str] | None = None  # sources left in this fetch cycle

    # -- session -------------------------------------------------------------------------
    def session_state(self) -> dict[str, Any] | None:
        """The open session, to keep between processes (None when there is none).

        ``accessJwt`` and ``refreshJwt`` are Secrets: store them as secrets (``.reveal()``).
        """
        if self.session is None:
            return None
        return {
            "service": self.channel.base_url(),
            "account": self.channel.account,
            "did": self.session.did,
            "handle": self.session.handle,
            "pds": self.session.pds,
            "accessJwt": self.session.access,
            "refreshJwt": self.session.refresh,
        }

    def restore_session(self, state: dict[str, Any] | None) -> bool:
        """Take back a session kept by ``session_state`` (tokens as Secrets or plain strings).

        Returns False, and keeps logging in as usual, when ``state`` is unusable or belongs to
        another account or service.
        """
        if not isinstance(state, dict):
            return False
        try:
            base = self.channel.base_url()
        except ValueError:
            return False
        did, pds = state.get("did"), state.get("pds")
        access, refresh = reveal(state.get("accessJwt")), reveal(state.get("refreshJwt"))
        if (
            state.get("service") != base
            or state.get("account") != self.channel.account
            or not isinstance(did, str)
            or not did.startswith("did:")
            or not isinstance(pds, str)
            or self._usable_pds(pds) is None
            or not access
            or not refresh
        ):
            return False
        handle = state.get("handle")
        self.session = Session(
            did=did,
            handle=handle if isinstance(handle, str) else None,
            pds=pds,
            access=as_secret(access),
            refresh=as_secret(refresh),
        )
        return True

    async def login(self) -> Session:
        """The open session, creating one if there is none (never one per call)."""
        if self.session is not None:
            return self.session
        async with self._lock:
            if self.session is None:
                await self._create_session()
        assert self.session is not None
        return self.session

    async def _create_session(self) -> None:
        key = self.channel.key
        if not self.channel.account or not reveal(self.secret):
            raise PermanentError(
                f"{key}: set the account (handle or DID) and the app password secret of the channel"
            )
        # Never a plain str or dict holding the password: a crash screen prints every frame's
        # local variables with their repr.
        login = _PrivateBody(identifier=self.channel.account, password=reveal(self.secret))
        response = await self._raw(
            "POST", self._base() + "/xrpc/com.atproto.server.createSession", json=login
        )
        if response.status_code in (400, 401, 403):
            raise PermanentError(
                f"{key}: login refused ({response.status_code}): {self._said(response)}; "
                "check the account and its app password",
                status=response.status_code,
            )
        self._take_session(response, "log in")

    async def _refresh(self, stale: Session) -> None:
        """Renew the tokens of ``stale``; log in again when its refresh token is refused."""
        async with self._lock:
            if self.session is not stale:
                return  # another call renewed it meanwhile
            response = await self._raw(
                "POST",
                stale.pds + "/xrpc/com.atproto.server.refreshSession",
                headers=auth_header(stale.refresh),
            )
            if response.status_code in (400, 401):
                self.session = None
                await self._create_session()
                return
            self._take_session(response, "renew its session")

    def _take_session(self, response: httpx.Response, what: str) -> None:
        body = self._ok_json(response, what)
        did, access, refresh = (
            opt_str(body, k, limit=None) for k in ("did", "accessJwt", "refreshJwt")
        )
        if not (did and access and refresh):
            raise TransientError(f"{self.channel.key}: cannot {what}: the answer has no tokens")
        self.session = Session(
            did=did,
            handle=opt_str(body, "handle"),
            pds=self._pds_from(body.get("didDoc")) or self._base(),
            access=as_secret(access),
            refresh=as_secret(refresh),
        )
        self.session_generation += 1

    def _pds_from(self, did_doc: Any) -> str | None:
        """The ``#atproto_pds`` service endpoint of a DID document, if usable."""
        services = did_doc.get("service") if isinstance(did_doc, dict) else None
        if not isinstance(services, list):
            return None
        for service in services:
            if not isinstance(service, dict):
                continue
            ident = service.get("id")
            if isinstance(ident, str) and ident.endswith("#atproto_pds"):
                endpoint = service.get("serviceEndpoint")
                return self._usable_pds(endpoint) if isinstance(endpoint, str) else None
        return None

    def _usable_pds(self, url: str) -> str | None:
        """``url`` without its trailing slash if it may receive the tokens: https, or http only
        when the channel itself is configured with http (a local test server)."""
        parts = urlsplit(url)
        allowed = ("https", "http") if self._base().startswith("http://") else ("https",)
        if parts.scheme not in allowed or not parts.hostname or parts.query or parts.fragment:
            return None
        return url.rstrip("/")

    # -- fetching ------------------------------------------------------------------------
    def sources(self) -> list[str]:
        """``notifications``, then ``search:<words>`` for each watch."""
        keys = [NOTIFICATIONS]
        keys += [f"search:{w.strip()}" for w in self.channel.watch if w.strip().lstrip("#")]
        return list(dict.fromkeys(keys))

    async def fetch(self, cursor: str | None) -> Page:
        """One source's new items since its mark (see the module docstring)."""
        state = load_cursor(cursor)
        sources = self.sources()
        if not self._pending:
            self._pending = list(sources)
        source = self._pending.pop(0)
        try:
            if source == NOTIFICATIONS:
                result, mark, notes = await self._notifications(Mark.from_json(state.get(source)))
            else:
                result, mark, notes = await self._search(source, Mark.from_json(state.get(source)))
        except BaseException:
            self._pending = None  # the next call starts the cycle again, mentions first
            raise
        more = bool(self._pending)
        if not more:
            self._pending = None
        new_state = {k: v for k, v in state.items() if k in sources}
        if mark is not None:
            new_state[source] = mark.to_json()
        stored = dump_cursor(new_state) if new_state else None
        return Page(
            result=result,
            cursor=stored if stored != cursor else None,
            more=more,
            rate=self.rate,
            notes=notes,
        )

    async def _notifications(self, mark: Mark) -> tuple[ParseResult, Mark | None, list[str]]:
        base = [("reasons", r) for r in REASONS]
        base += [("priority", "false"), ("limit", str(PAGE_LIMIT))]
        walk = Walk(mark)
        notes: list[str] = []
        page_cursor: str | None = None
        for _ in range(MAX_PAGES):
            params = base + ([("cursor", page_cursor)] if page_cursor else [])
            body = await self._read(
                "app.bsky.notification.listNotifications", params, "read the notifications"
            )
            items = body.get("notifications") if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise TransientError(f"{self.channel.key}: the notifications answer has no list")
            reached = walk.take(items)
            page_cursor = opt_str(body, "cursor", limit=None)
            if page_cursor and len(page_cursor) > MAX_KEY_CHARS:
                notes.append("the next page's cursor is too long to follow: stopped there")
                break
            if reached or not items or not page_cursor or mark.newest is None:
                break  # first run (no mark): the newest page only
        else:
            notes.append(
                f"more than {MAX_PAGES * PAGE_LIMIT} notifications since the last pull: "
                "the older ones were not fetched"
            )
        result = parser.parse_obj({"notifications": walk.new}, source=self.channel.key)
        return result, walk.mark(), notes

    async def _search(self, source: str, mark: Mark) -> tuple[ParseResult, Mark | None, list[str]]:
        words = source.partition(":")[2]
        params = [("q", words), ("sort", "latest"), ("limit", str(PAGE_LIMIT))]
        response = await self._call("GET", "app.bsky.feed.searchPosts", params=params)
        if response.status_code not in (401, 403) and not response.is_success:
            result = ParseResult(platform=self.platform)
            result.errors.append(
                ItemError(
                    message=f"watch {source!r} refused ({response.status_code}): "
                    f"{self._said(response)}"
                )
            )
            return result, None, []
        body = self._ok_json(response, f"read the watch {source}")
        posts = body.get("posts") if isinstance(body, dict) else None
        if not isinstance(posts, list):
            raise TransientError(f"{self.channel.key}: the search answer has no post list")
        own = self.session.did if self.session else None
        others = [p for p in posts if not (own and dig(p, "author.did") == own)]
        walk = Walk(mark)
        walk.take(others)
        result = parser.parse_posts(walk.new, source=self.channel.key)
        result.skipped += len(posts) - len(others)
        return result, walk.mark(), []

    # -- replying ------------------------------------------------------------------------
    def record_for(self, reply: ReplyRequest, dids: dict[str, str]) -> dict[str, Any]:
        """The ``app.bsky.feed.post`` record of ``reply`` (``dids``: resolved handles)."""
        refs = reply_refs(reply.parent_raw)
        if refs is None:
            raise NotPosted(
                f"{self.channel.key}: the mention has no uri and cid to reply to "
                "(was it imported from a file without them?)"
            )
        record: dict[str, Any] = {
            "$type": POST,
            "text": reply.text,
            "createdAt": iso_z(reply.created_at),
            "reply": refs,
        }
        if reply.language:
            record["langs"] = [reply.language]
        facets = facets_for(reply.text, dids.get)
        if facets:
            record["facets"] = facets
        return record

    async def post(self, reply: ReplyRequest) -> str:
        """Publish ``reply`` at its own record key; NotPosted when the PDS refused it."""
        self.record_for(reply, {})  # NotPosted before any call when there is no thread to join
        session = await self.login()
        dids = await self._resolve_handles(mentioned_handles(reply.text)[:MAX_MENTIONS])
        record = self.record_for(reply, dids)
        response = await self._call(
            "POST",
            "com.atproto.repo.createRecord",
            json={
                "repo": session.did,
                "collection": POST,
                "rkey": tid_for(reply.created_at, reply.reply_id),
                "validate": True,
                "record": record,
            },
        )
        status = response.status_code
        if response.is_success:
            created = read_json(response, channel=self.channel)
            uri = opt_str(created, "uri", limit=None)
            if not uri:
                raise TransientError(
                    f"{self.channel.key}: the reply was accepted ({status}) but no uri came back",
                    status=status,
                )
            return uri
        raise NotPosted(
            f"{self.channel.key}: the reply was refused ({status}): {self._said(response)}",
            status=status,
        )

    async def find_posted(self, reply: ReplyRequest) -> str | None:
        """The uri of ``reply`` if its record key holds it, None if the key is provably empty."""
        key = self.channel.key
        rkey = tid_for(reply.created_at, reply.reply_id)
        try:
            session = await self.login()
            response = await self._call(
                "GET",
                "com.atproto.repo.getRecord",
                params=[("repo", session.did), ("collection", POST), ("rkey", rkey)],
            )
        except ChannelError as exc:
            raise Unprovable(f"{key}: cannot read the record {rkey}: {exc}") from exc
        status = response.status_code
        if status == 400 and self._error_name(response) == "RecordNotFound":
            return None
        if not response.is_success:
            raise Unprovable(
                f"{key}: cannot read the record {rkey} ({status}): {self._said(response)}",
                status=status,
            )
        try:
            body = read_json(response, channel=self.channel)
        except ChannelError as exc:
            raise Unprovable(f"{key}: cannot read the record {rkey}: {exc}") from exc
        uri = opt_str(body, "uri", limit=None)
        refs = reply_refs(reply.parent_raw)
        parent = opt_str(body, "value.reply.parent.uri", limit=None)
        if not uri or (refs is not None and parent != refs["parent"]["uri"]):
            raise Unprovable(
                f"{key}: the record {rkey} exists but is not this reply (parent {parent!r})"
            )
        return uri

    async def publish(self, text: str, *, idempotency_key: str, created_at: datetime) -> str:
        """A post of the account's own at a record key derived from ``created_at`` and the key:
        a second call after a crash finds the first post there instead of making another."""
        session = await self.login()
        rkey = tid_for(created_at, zlib.crc32(idempotency_key.encode()))
        dids = await self._resolve_handles(mentioned_handles(text)[:MAX_MENTIONS])
        record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": iso_z(created_at)}
        facets = facets_for(text, dids.get)
        if facets:
            record["facets"] = facets
        body = {"repo": session.did, "collection": POST, "rkey": rkey, "validate": True}
        try:
            response = await self._call(
                "POST", "com.atproto.repo.createRecord", json=body | {"record": record}
            )
        except TransientError:  # the PDS answers 500 for a key already taken: look there
            response = None
        if response is not None and response.is_success:
            uri = opt_str(read_json(response, channel=self.channel), "uri", limit=None)
            if uri:
                return uri
        found = await self._record(session.did, POST, rkey)
        if found is not None and opt_str(found, "value.text", limit=None) == text:
            return opt_str(found, "uri", limit=None) or ""
        status = response.status_code if response is not None else None
        said = self._said(response) if response is not None else "no answer"
        raise NotPosted(
            f"{self.channel.key}: the post was refused ({status}): {said}", status=status
        )

    async def pin(self, remote_id: str) -> bool:
        """Pin the post on the profile: ``pinnedPost`` (uri and cid) in the account's
        ``app.bsky.actor.profile`` record, swapped against the record read (no lost update)."""
        session = await self.login()
        parts = remote_id.removeprefix("at://").split("/")
        if len(parts) != 3 or parts[1] != POST:
            raise NotPosted(f"{self.channel.key}: {remote_id!r} is not a post of this account")
        post = await self._record(parts[0], POST, parts[2])
        cid = opt_str(post, "cid", limit=None) if post else None
        if not cid:
            raise NotPosted(f"{self.channel.key}: the post {remote_id} cannot be read to pin it")
        profile = await self._record(session.did, PROFILE, "self")
        value = dict(profile.get("value") or {}) if isinstance(profile, dict) else {}
        value.setdefault("$type", PROFILE)
        value["pinnedPost"] = {"uri": remote_id, "cid": cid}
        body: dict[str, Any] = {
            "repo": session.did,
            "collection": PROFILE,
            "rkey": "self",
            "record": value,
            "swapRecord": opt_str(profile, "cid", limit=None) if profile else None,
        }
        response = await self._call("POST", "com.atproto.repo.putRecord", json=body)
        if response.is_success:
            return True
        raise NotPosted(
            f"{self.channel.key}: the pin was refused ({response.status_code}): "
            f"{self._said(response)}",
            status=response.status_code,
        )

    async def _record(self, repo: str, collection: str, rkey: str) -> dict[str, Any] | None:
        """``getRecord``: the record (uri, cid, value), None when provably absent."""
        response = await self._call(
            "GET",
            "com.atproto.repo.getRecord",
            params=[("repo", repo), ("collection", collection), ("rkey", rkey)],
        )
        if response.status_code == 400 and self._error_name(response) == "RecordNotFound":
            return None
        found = self._ok_json(response, f"read the record {collection}/{rkey}")
        return found if isinstance(found, dict) else None

    async def _resolve_handles(self, handles: Iterable[str]) -> dict[str, str]:
        """handle -> DID for those that resolve; the others are left out (plain text)."""
        dids: dict[str, str] = {}
        for handle in handles:
            try:
                response = await self._call(
                    "GET", "com.atproto.identity.resolveHandle", params=[("handle", handle)]
                )
                if response.is_success:
                    did = opt_str(read_json(response, channel=self.channel), "did")
                    if did and did.startswith("did:"):
                        dids[handle] = did
            except ChannelError:
                continue  # the reply still goes; this handle is just not a link
        return dids

    # -- HTTP ----------------------------------------------------------------------------
    def _base(self) -> str:
        try:
            return self.channel.base_url()
        except ValueError as exc:
            raise PermanentError(str(exc)) from None

    async def _read(self, nsid: str, params: Any, what: str) -> Any:
        response = await self._call("GET", nsid, params=params)
        return self._ok_json(response, what)

    async def _call(
        self, method: str, nsid: str, *, params: Any = None, json: Any = None
    ) -> httpx.Response:
        """An authenticated XRPC call to the PDS; an expired token is renewed once."""
        for renewed in (False, True):
            session = await self.login()
            response = await self._raw(
                method,
                f"{session.pds}/xrpc/{nsid}",
                headers=auth_header(session.access),
                params=params,
                json=json,
            )
            if renewed or not self._session_refused(response):
                break
            await self._refresh(session)
        return response

    async def _raw(
        self,
        method: str,
        url: str,
        *,
        headers: httpx.Headers | None = None,
        params: Any = None,
        json: Any = None,
    ) -> httpx.Response:
        """One request; keeps the rate-limit state of every answer."""
        return await self.tracked(method, url, headers=headers, params=params, json=json)

    def _ok_json(self, response: httpx.Response, what: str) -> Any:
        """The body of a successful call; a refusal as the error that fits it."""
        if response.is_success:
            body = read_json(response, channel=self.channel)
            if not isinstance(body, dict):
                raise TransientError(
                    f"{self.channel.key}: cannot {what}: the answer is not an object"
                )
            return body
        status = response.status_code
        said = self._said(response)
        if status in (401, 403):
            raise PermanentError(
                f"{self.channel.key}: not allowed to {what} ({status}): {said}", status=status
            )
        raise PermanentError(f"{self.channel.key}: cannot {what} ({status}): {said}", status=status)

    def _session_refused(self, response: httpx.Response) -> bool:
        """An expired access token (400 ExpiredToken), or one the PDS no longer takes (401)."""
        status = response.status_code
        return status == 401 or (status == 400 and self._error_name(response) in EXPIRED)

    @staticmethod
    def _error_name(response: httpx.Response) -> str | None:
        """XRPC's ``error`` name (``ExpiredToken``, ``RecordNotFound``…)."""
        try:
            body = response.json()
        except (ValueError, UnicodeDecodeError):
            return None
        name = body.get("error") if isinstance(body, dict) else None
        return name if isinstance(name, str) else None

    def _said(self, response: httpx.Response) -> str:
        """The server's error words, with every token blanked should a server echo one."""
        secrets = [self.secret]
        if self.session is not None:
            secrets += [self.session.access, self.session.refresh]
        return error_text(response, hide=secrets)
