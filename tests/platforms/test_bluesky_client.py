"""desk.platforms.bluesky.client against a fake PDS (httpx.MockTransport) serving the real payloads of
shared/real-api-payloads/bluesky: one session reused and refreshed, the high-water mark across
pages, the reply record (thread refs, facets in UTF-8 bytes, deterministic record key),
find_posted, rate limits and broken answers, and no password or token in any message."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from desk.config.channels import ChannelConfig
from desk.config.secrets import Secret
from desk.platforms.bluesky.client import (
    OVERLAP,
    BlueskyConnector,
    facets_for,
    load_cursor,
    mentioned_handles,
    reply_refs,
    tid_for,
)
from desk.platforms.client import ReplyRequest
from desk.platforms.errors import NotPosted, PermanentError, RateLimited, TransientError, Unprovable
from desk.platforms.parsed import ParsedMention
from tests.helpers.fake_platforms import PAYLOADS, Clock

PASSWORD = "abcd-efgh-ijkl-mnop"  # an app password's shape
ENTRYWAY = "https://entryway.fake"
PDS = "https://pds.fake"
ORG_HANDLE = "ville.test"
ORG_DID = "did:plc:ville0000000000000000000"
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / "bluesky" / name).read_text(encoding="utf-8"))


def error(status: int, name: str, message: str, headers: dict[str, str] | None = None):
    return httpx.Response(status, json={"error": name, "message": message}, headers=headers)


class FakePds:
    """An entryway and a PDS (proxying app.bsky.* to an AppView) in one MockTransport handler.

    Follows shared/reference/platform_apis.md: 400 ExpiredToken for an expired access token,
    refreshSession with the refresh token as bearer, listNotifications newest first with an
    opaque cursor to older pages and `seenAt` refused, getRecord's 400 RecordNotFound, a 500
    for a record key already taken, RateLimit-* headers (epoch reset) and Retry-After on 429.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.requests: list[httpx.Request] = []
        self.faults: list[str] = []
        self.serial = 0
        self.logins = 0
        self.access: set[str] = set()
        self.refresh: set[str] = set()
        self.notifications: list[dict[str, Any]] = []  # newest first
        self.posts: list[dict[str, Any]] = []  # searchPosts results, newest first
        self.records: dict[str, dict[str, Any]] = {}  # rkey -> record
        self.handles = {ORG_HANDLE: ORG_DID, "elise.test": "did:plc:elise00000000000000000000"}
        self.remaining = 3000
        self.next_cursor: str | None = None  # a hostile server's cursor
        templates = payload("listNotifications_mentions_metricbot_fixture.json")["notifications"]
        self.top_level, self.in_thread = templates

    # -- test controls ---------------------------------------------------------------------
    def fail_next(self, *faults: str) -> None:
        self.faults.extend(faults)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self))

    def calls(self, nsid: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == f"/xrpc/{nsid}"]

    def expire_access(self) -> None:
        self.access.clear()

    def add(
        self, count: int, *, template: dict[str, Any] | None = None, at: datetime | None = None
    ) -> list[dict[str, Any]]:
        """``count`` new notifications (real records, new uris), the newest last added."""
        added = []
        for _ in range(count):
            self.serial += 1
            item = copy.deepcopy(template or self.top_level)
            author = item["author"]["did"]
            item["uri"] = f"at://{author}/app.bsky.feed.post/3kaq{self.serial:09d}"
            item["cid"] = f"bafyreicid{self.serial:040d}"
            moment = at or self.clock.advance(1)
            item["indexedAt"] = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            added.append(item)
        self.notifications[:0] = list(reversed(added))
        self.notifications.sort(key=lambda n: n["indexedAt"], reverse=True)
        return added

    # -- the server ------------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        fault = self.faults.pop(0) if self.faults else None
        if fault == "429":
            reset = int(self.clock().timestamp()) + 300
            return error(
                429,
                "RateLimitExceeded",
                "Rate Limit Exceeded",
                {**self.rate_headers(0, reset), "Retry-After": "42"},
            )
        if fault == "500":
            return error(500, "InternalServerError", "Internal Server Error")
        if fault == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        self.remaining -= 1
        response = self.route(request, fault)
        response.headers.update(self.rate_headers(self.remaining))
        if fault == "truncated":
            body = response.content
            return httpx.Response(
                response.status_code, content=body[: len(body) // 2], headers=response.headers
            )
        return response

    def rate_headers(self, remaining: int, reset: int | None = None) -> dict[str, str]:
        reset = reset or int(self.clock().timestamp()) + 300
        return {
            "RateLimit-Limit": "3000",
            "RateLimit-Remaining": str(remaining),
            "RateLimit-Reset": str(reset),
            "RateLimit-Policy": "3000;w=300",
        }

    def route(self, request: httpx.Request, fault: str | None) -> httpx.Response:
        nsid = request.url.path.removeprefix("/xrpc/")
        host = f"{request.url.scheme}://{request.url.host}"
        if nsid == "com.atproto.server.createSession":
            return self.create_session(request)
        if nsid == "com.atproto.identity.resolveHandle":
            did = self.handles.get(request.url.params.get("handle", ""))
            if did is None:
                return error(400, "InvalidRequest", "Unable to resolve handle")
            return httpx.Response(200, json={"did": did})
        if host != PDS:
            return error(404, "MethodNotImplemented", "the entryway only logs in")
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if nsid == "com.atproto.server.refreshSession":
            if bearer not in self.refresh:
                return error(400, "ExpiredToken", "Token has been revoked")
            self.refresh.discard(bearer)
            return self.session_body()
        if fault == "expired" or bearer not in self.access:
            return error(400, "ExpiredToken", "Token has expired")
        if nsid == "app.bsky.notification.listNotifications":
            return self.list_notifications(request)
        if nsid == "app.bsky.feed.searchPosts":
            return httpx.Response(200, json={"posts": self.posts})
        if nsid == "com.atproto.repo.createRecord":
            return self.create_record(request)
        if nsid == "com.atproto.repo.getRecord":
            return self.get_record(request)
        return error(501, "MethodNotImplemented", nsid)

    def create_session(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body.get("identifier") != ORG_HANDLE or body.get("password") != PASSWORD:
            # A hostile server repeating what it was sent.
            return error(401, "AuthenticationRequired", f"Invalid password {body.get('password')}")
        return self.session_body()

    def session_body(self) -> httpx.Response:
        self.logins += 1
        access, refresh = f"acc-{self.logins}-jwt", f"ref-{self.logins}-jwt"
        self.access.add(access)
        self.refresh.add(refresh)
        did_doc = {
            "id": ORG_DID,
            "service": [
                {"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": PDS}
            ],
        }
        return httpx.Response(
            200,
            json={
                "did": ORG_DID,
                "handle": ORG_HANDLE,
                "accessJwt": access,
                "refreshJwt": refresh,
                "didDoc": did_doc,
                "active": True,
            },
        )

    def list_notifications(self, request: httpx.Request) -> httpx.Response:
        params = parse_qs(request.url.query.decode())
        if "seenAt" in params:
            return error(400, "InvalidRequest", "The seenAt parameter is unsupported")
        wanted = set(params.get("reasons", []))
        items = [
            n
            for n in self.notifications
            if not wanted or not isinstance(n, dict) or n.get("reason") in wanted
        ]
        limit = int(params.get("limit", ["50"])[0])
        start = int(params["cursor"][0]) if "cursor" in params else 0
        page = items[start : start + limit]
        body: dict[str, Any] = {"notifications": page, "priority": False}
        if start + limit < len(items):
            body["cursor"] = self.next_cursor or str(start + limit)
        return httpx.Response(200, json=body)

    def create_record(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        record, rkey = body["record"], body.get("rkey")
        if body.get("repo") != ORG_DID or not rkey or not TID.match(rkey):
            return error(400, "InvalidRequest", "Invalid repo or record key")
        if len(record["text"]) > 300:
            return error(400, "InvalidRequest", "Invalid app.bsky.feed.post record: too long")
        if rkey in self.records:
            return error(500, "InternalServerError", "Internal Server Error")
        self.records[rkey] = record
        uri = f"at://{ORG_DID}/app.bsky.feed.post/{rkey}"
        return httpx.Response(
            200, json={"uri": uri, "cid": "bafyreinew", "validationStatus": "valid"}
        )

    def get_record(self, request: httpx.Request) -> httpx.Response:
        rkey = request.url.params.get("rkey", "")
        record = self.records.get(rkey)
        if record is None:
            return error(400, "RecordNotFound", f"Could not locate record: {rkey}")
        uri = f"at://{ORG_DID}/app.bsky.feed.post/{rkey}"
        return httpx.Response(200, json={"uri": uri, "cid": "bafyreinew", "value": record})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def pds(clock: Clock) -> FakePds:
    return FakePds(clock)


def make(pds: FakePds, client: httpx.AsyncClient, clock: Clock, **channel: Any):
    config = ChannelConfig(
        name="ville", platform="bluesky", url=ENTRYWAY, account=ORG_HANDLE, **channel
    )
    return BlueskyConnector(config, client, Secret(PASSWORD, source="test"), now=clock)


@pytest.fixture
async def conn(pds: FakePds, clock: Clock) -> AsyncIterator[BlueskyConnector]:
    async with pds.client() as client:
        yield make(pds, client, clock)


async def drain(conn: BlueskyConnector, cursor: str | None) -> tuple[list[ParsedMention], str]:
    """What desk.channels.pull does: fetch until ``more`` is false, keeping each page's cursor."""
    items: list[ParsedMention] = []
    for _ in range(20):
        page = await conn.fetch(cursor)
        items += page.result.items
        cursor = page.cursor or cursor
        if not page.more:
            assert cursor is not None
            return items, cursor
    raise AssertionError("fetch never said it was done")


def request_for(
    notification: dict[str, Any], text: str, *, reply_id: int = 7, language: str | None = "fr"
) -> ReplyRequest:
    return ReplyRequest(
        reply_id=reply_id,
        text=text,
        idempotency_key=f"desk-reply-{reply_id}",
        created_at=datetime(2026, 3, 14, 9, 26, 53, 589793, tzinfo=UTC),
        parent_remote_id=notification["uri"],
        parent_author=notification["author"]["handle"],
        parent_visibility="public",
        parent_raw=notification,
        language=language,
    )


# -- session -----------------------------------------------------------------------------


async def test_one_session_for_many_fetches(pds: FakePds, conn: BlueskyConnector) -> None:
    pds.add(3)
    cursor = None
    for _ in range(3):
        _, cursor = await drain(conn, cursor)
    assert len(pds.calls("com.atproto.server.createSession")) == 1
    login = pds.calls("com.atproto.server.createSession")[0]
    assert str(login.url) == f"{ENTRYWAY}/xrpc/com.atproto.server.createSession"
    assert json.loads(login.content) == {"identifier": ORG_HANDLE, "password": PASSWORD}
    listings = pds.calls("app.bsky.notification.listNotifications")
    assert len(listings) == 3
    # The PDS named by the DID document serves everything after the login.
    assert all(str(r.url).startswith(f"{PDS}/xrpc/") for r in listings)
    assert all(r.headers["authorization"] == "Bearer acc-1-jwt" for r in listings)
    assert all(
        PASSWORD not in str(r.url) and PASSWORD not in r.headers.get("authorization", "")
        for r in pds.requests
    )


async def test_expired_token_is_refreshed_and_the_call_made_again(
    pds: FakePds, conn: BlueskyConnector
) -> None:
    pds.add(2)
    _, cursor = await drain(conn, None)
    generation = conn.session_generation
    pds.expire_access()
    pds.add(1)
    items, _ = await drain(conn, cursor)
    assert len(items) == 1
    assert len(pds.calls("com.atproto.server.refreshSession")) == 1
    refresh = pds.calls("com.atproto.server.refreshSession")[0]
    assert refresh.headers["authorization"] == "Bearer ref-1-jwt"  # the refresh token, not access
    assert len(pds.calls("com.atproto.server.createSession")) == 1
    last = pds.calls("app.bsky.notification.listNotifications")[-1]
    assert last.headers["authorization"] == "Bearer acc-2-jwt"
    assert conn.session_generation == generation + 1


async def test_a_refused_refresh_token_means_one_new_login(
    pds: FakePds, conn: BlueskyConnector
) -> None:
    await drain(conn, None)
    pds.expire_access()
    pds.refresh.clear()
    await drain(conn, None)
    assert len(pds.calls("com.atproto.server.refreshSession")) == 1
    assert len(pds.calls("com.atproto.server.createSession")) == 2


async def test_session_kept_between_processes(pds: FakePds, clock: Clock) -> None:
    async with pds.client() as client:
        first = make(pds, client, clock)
        await drain(first, None)
        state = first.session_state()
        assert state is not None
        # Tokens are Secrets: their repr says nothing.
        assert "acc-1-jwt" not in repr(state)
        assert "ref-1-jwt" not in repr(state)
        assert state["accessJwt"].reveal() == "acc-1-jwt"
        # What desk.channels.pull would store and read back in the next process (revealed strings).
        stored = json.loads(
            json.dumps({k: getattr(v, "reveal", lambda v=v: v)() for k, v in state.items()})
        )

        second = make(pds, client, clock)
        assert second.restore_session(stored)
        pds.add(1)
        items, _ = await drain(second, None)
        assert len(items) == 1
        assert len(pds.calls("com.atproto.server.createSession")) == 1  # no second login

        other = BlueskyConnector(
            ChannelConfig(name="x", platform="bluesky", url=ENTRYWAY, account="autre.test"),
            client,
            Secret(PASSWORD, source="test"),
            now=clock,
        )
        assert not other.restore_session(stored)  # another account's session is not taken
        assert not second.restore_session({"did": ORG_DID})


async def test_restored_session_whose_tokens_died_logs_in(pds: FakePds, clock: Clock) -> None:
    async with pds.client() as client:
        conn = make(pds, client, clock)
        assert conn.restore_session(
            {
                "service": ENTRYWAY,
                "account": ORG_HANDLE,
                "did": ORG_DID,
                "handle": ORG_HANDLE,
                "pds": PDS,
                "accessJwt": "old-access",
                "refreshJwt": "old-refresh",
            }
        )
        await drain(conn, None)
    assert len(pds.calls("com.atproto.server.refreshSession")) == 1
    assert len(pds.calls("com.atproto.server.createSession")) == 1


async def test_wrong_password_is_permanent_and_never_shown(pds: FakePds, clock: Clock) -> None:
    async with pds.client() as client:
        config = ChannelConfig(name="v", platform="bluesky", url=ENTRYWAY, account=ORG_HANDLE)
        conn = BlueskyConnector(config, client, Secret("wrong-pass-word", source="t"), now=clock)
        with pytest.raises(PermanentError) as caught:
            await conn.fetch(None)
    assert "wrong-pass-word" not in str(caught.value)
    assert "[redacted]" in str(caught.value)
    assert "bluesky:v" in str(caught.value)
    assert "wrong-pass-word" not in repr(conn.secret)


# -- fetching ----------------------------------------------------------------------------


async def test_list_notifications_parameters_exactly(pds: FakePds, conn: BlueskyConnector) -> None:
    pds.add(60)
    _, cursor = await drain(conn, None)
    pds.add(60)
    await drain(conn, cursor)
    first, *rest = pds.calls("app.bsky.notification.listNotifications")
    assert first.url.query.decode() == (
        "reasons=mention&reasons=reply&reasons=quote&priority=false&limit=50"
    )
    assert rest, "the second pull walks more than one page"
    assert all("seenAt" not in r.url.query.decode() for r in pds.requests)
    assert rest[1].url.query.decode().endswith("&limit=50&cursor=50")


async def test_first_run_takes_the_newest_page_only(pds: FakePds, conn: BlueskyConnector) -> None:
    pds.add(120)
    page = await conn.fetch(None)
    assert page.more is False
    assert len(page.result.items) == 50
    assert [i.remote_id for i in page.result.items] == [n["uri"] for n in pds.notifications[:50]]
    mark = load_cursor(page.cursor)["notifications"]
    assert mark["t"].startswith(pds.notifications[0]["indexedAt"][:19])
    assert pds.notifications[0]["uri"] in mark["seen"]


async def test_high_water_mark_walks_pages_until_the_mark(
    pds: FakePds, conn: BlueskyConnector
) -> None:
    pds.add(30)
    first, cursor = await drain(conn, None)
    assert len(first) == 30
    added = pds.add(120)
    calls_before = len(pds.calls("app.bsky.notification.listNotifications"))
    page = await conn.fetch(cursor)
    assert page.more is False
    uris = [i.remote_id for i in page.result.items]
    assert sorted(uris) == sorted(n["uri"] for n in added)  # every new one, no old one
    assert len(uris) == len(set(uris))
    # 150 notifications: pages of 50; the third holds the old ones and ends the walk.
    assert len(pds.calls("app.bsky.notification.listNotifications")) - calls_before == 3
    # Nothing new: one request, nothing returned, the cursor kept.
    again = await conn.fetch(page.cursor)
    assert again.result.items == []
    assert again.cursor is None


async def test_late_items_inside_the_overlap_window_are_taken_once(
    pds: FakePds, conn: BlueskyConnector, clock: Clock
) -> None:
    pds.add(5)
    _, cursor = await drain(conn, None)
    mark_time = datetime.fromisoformat(pds.notifications[0]["indexedAt"].replace("Z", "+00:00"))
    late = pds.add(1, at=mark_time - OVERLAP / 2)  # indexed before the mark, shown only now
    too_old = pds.add(1, at=mark_time - OVERLAP * 3)  # older than the window: a past pull's
    fresh = pds.add(2)
    items, cursor = await drain(conn, cursor)
    uris = {i.remote_id for i in items}
    assert uris == {n["uri"] for n in late + fresh}
    assert too_old[0]["uri"] not in uris
    # And the next pull does not return them again, though they are still inside the window.
    items, _ = await drain(conn, cursor)
    assert items == []


async def test_duplicates_across_pages_and_reasons_come_once(
    pds: FakePds, conn: BlueskyConnector
) -> None:
    pds.add(3)
    _, cursor = await drain(conn, None)
    new = pds.add(70)
    # The same post notified twice (a reply that also mentions the account), and a page
    # boundary that repeats an item: the AppView's order shifted between two requests.
    twin = copy.deepcopy(new[-1])
    twin["reason"] = "reply"
    pds.notifications.insert(1, twin)
    pds.notifications.insert(50, copy.deepcopy(pds.notifications[49]))
    items, _ = await drain(conn, cursor)
    uris = [i.remote_id for i in items]
    assert len(uris) == len(set(uris)) == 70


async def test_items_are_parsed_from_the_real_records(pds: FakePds, conn: BlueskyConnector) -> None:
    pds.add(1, template=pds.in_thread)
    page = await conn.fetch(None)
    (item,) = page.result.items
    assert item.kind == "mention"
    assert item.text == "@metricbot.bsky.social convert please!"
    assert item.author_handle == "@user"
    assert item.thread_root_remote_id == pds.in_thread["record"]["reply"]["root"]["uri"]
    assert item.raw["cid"] == pds.notifications[0]["cid"]


async def test_reply_and_mention_snapshot_payload(pds: FakePds, conn: BlueskyConnector) -> None:
    """The AppView's own test snapshot (placeholder ids) goes through: three replies, one mention."""
    snapshot = payload("listNotifications_reply_and_mention_atproto_snapshot.json")
    pds.notifications = snapshot["notifications"]
    page = await conn.fetch(None)
    assert [i.kind for i in page.result.items] == ["reply", "reply", "reply", "mention"]
    assert page.result.errors == []


async def test_keyword_watch_reads_search_results(pds: FakePds, clock: Clock) -> None:
    async with pds.client() as client:
        conn = make(pds, client, clock, watch=["eau potable"])
        own = copy.deepcopy(pds.top_level)
        own["author"]["did"] = ORG_DID
        own["uri"] = f"at://{ORG_DID}/app.bsky.feed.post/3kown"
        own["indexedAt"] = "2026-01-01T00:00:00.000Z"
        post = copy.deepcopy(pds.top_level)
        post.pop("reason")
        post.pop("isRead")
        post["indexedAt"] = "2026-01-01T00:00:01.000Z"
        pds.posts = [post, own]
        first = await conn.fetch(None)
        assert first.more is True  # the notifications, then the watch
        second = await conn.fetch(first.cursor)
        assert second.more is False
        (item,) = second.result.items
        assert item.kind == "keyword"
        assert second.result.skipped == 1  # the account's own post
        search = pds.calls("app.bsky.feed.searchPosts")[0]
        assert search.url.params.get_list("q") == ["eau potable"]
        state = load_cursor(second.cursor)
        assert set(state) == {"notifications", "search:eau potable"}
        third = await conn.fetch(second.cursor)
        fourth = await conn.fetch(third.cursor or second.cursor)
        assert fourth.result.items == []  # already seen


async def test_hostile_notifications_are_reported_never_fatal(
    pds: FakePds, conn: BlueskyConnector
) -> None:
    pds.add(2)
    _, cursor = await drain(conn, None)
    good = pds.add(1)
    long_uri = copy.deepcopy(good[0])
    long_uri["uri"] = "at://did:plc:x/app.bsky.feed.post/" + "a" * 100_000
    no_time = copy.deepcopy(good[0])
    no_time["uri"] += "b"
    no_time.pop("indexedAt")
    no_time["record"]["text"] = "[/bold] \x1b]52;c;aGk=\x07" + "x" * 1_000_000
    hostile: list[Any] = ["just text", None, long_uri, no_time]  # not all dicts, on purpose
    pds.notifications[:0] = hostile
    page = await conn.fetch(cursor)
    uris = {i.remote_id for i in page.result.items}
    assert good[0]["uri"] in uris
    assert no_time["uri"] in uris  # kept (the text is capped by the parser), and remembered
    assert len(page.result.errors) == 3  # the two non-objects and the 100,000-character uri
    assert len(page.cursor or "") < 5_000  # the cursor stays small
    assert no_time["uri"] in load_cursor(page.cursor)["notifications"]["seen"]
    again = await conn.fetch(page.cursor)
    assert no_time["uri"] not in {i.remote_id for i in again.result.items}


async def test_a_page_cursor_too_long_to_follow_stops_the_walk(
    pds: FakePds, conn: BlueskyConnector
) -> None:
    pds.add(2)
    _, cursor = await drain(conn, None)
    pds.add(80)
    pds.next_cursor = "c" * 100_000
    page = await conn.fetch(cursor)
    assert len(page.result.items) == 50
    assert page.notes == ["the next page's cursor is too long to follow: stopped there"]
    assert len(pds.calls("app.bsky.notification.listNotifications")) == 2


# -- replying ----------------------------------------------------------------------------


def test_tid_matches_bluesky_and_is_deterministic() -> None:
    moment = datetime(2023, 8, 8, 1, 3, 41, 157302, tzinfo=UTC)
    # Values printed by @atproto/common-web's TID.fromTime(µs, clockid) for the same instant.
    assert tid_for(moment, 0) == "3k4fvrkxaxq22"
    assert tid_for(moment, 5) == "3k4fvrkxaxq27"
    assert tid_for(moment, 1023) == "3k4fvrkxaxqzz"
    assert tid_for(moment, 1029) == tid_for(moment, 5)  # clock id = reply_id % 1024
    later = tid_for(moment + timedelta(microseconds=1), 0)
    assert TID.match(later)
    assert later > tid_for(moment, 1023)  # sorts by time


def test_facets_match_the_bluesky_docs_example() -> None:
    record = payload("post_record_with_facets_bsky_docs.json")
    dids = {"atproto.com": "did:plc:ewvi7nxzyoun6zhxrhs64oiz"}
    assert facets_for(record["text"], dids.get) == record["facets"]
    link = facets_for(record["text"], lambda _: None)
    assert link == [record["facets"][1]]  # byteStart 74, byteEnd 108; the final "." left out


def test_facets_count_utf8_bytes() -> None:
    text = "@elise.test Élise 👨‍👩‍👧 https://ville.example/avis, merci."
    facets = facets_for(text, {"elise.test": "did:plc:elise"}.get)
    raw = text.encode("utf-8")
    spans = [raw[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode() for f in facets]
    assert spans == ["@elise.test", "https://ville.example/avis"]
    # 24 characters before the URL, but 38 bytes (É: 2, each of the 3 emoji: 4, each ZWJ: 3).
    assert text.index("https") == 24
    assert facets[1]["index"] == {"byteStart": 38, "byteEnd": 64}
    assert mentioned_handles("cc contact@ville.fr @Bob.Test. @nodot") == ["bob.test"]


async def test_reply_record_in_thread_with_facets(pds: FakePds, conn: BlueskyConnector) -> None:
    (mention,) = pds.add(1, template=pds.in_thread)
    text = "@elise.test @inconnu.test Élise 👨‍👩‍👧 https://ville.example/avis"
    reply = request_for(mention, text)
    uri = await conn.post(reply)
    rkey = tid_for(reply.created_at, reply.reply_id)
    assert uri == f"at://{ORG_DID}/app.bsky.feed.post/{rkey}"
    (call,) = pds.calls("com.atproto.repo.createRecord")
    body = json.loads(call.content)
    assert body["repo"] == ORG_DID
    assert body["collection"] == "app.bsky.feed.post"
    assert body["rkey"] == rkey
    assert TID.match(rkey)
    record = body["record"]
    assert record["$type"] == "app.bsky.feed.post"
    assert record["text"] == text
    assert record["createdAt"] == "2026-03-14T09:26:53.589Z"
    assert record["langs"] == ["fr"]
    assert record["reply"] == {
        "root": mention["record"]["reply"]["root"],  # the thread's root, not the mention
        "parent": {"uri": mention["uri"], "cid": mention["cid"]},
    }
    raw = text.encode("utf-8")
    assert [raw[f["index"]["byteStart"] : f["index"]["byteEnd"]] for f in record["facets"]] == [
        b"@elise.test",
        b"https://ville.example/avis",
    ]
    assert record["facets"][0]["features"] == [
        {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:elise00000000000000000000"}
    ]
    # @inconnu.test did not resolve: it stays plain text.
    assert len(pds.calls("com.atproto.identity.resolveHandle")) == 2


async def test_reply_to_a_top_level_mention_uses_it_as_root(
    pds: FakePds, conn: BlueskyConnector
) -> None:
    (mention,) = pds.add(1)
    await conn.post(request_for(mention, "Merci, c'est noté."))
    record = json.loads(pds.calls("com.atproto.repo.createRecord")[0].content)["record"]
    ref = {"uri": mention["uri"], "cid": mention["cid"]}
    assert record["reply"] == {"root": ref, "parent": ref}
    assert "facets" not in record
    assert reply_refs({"uri": "at://x/app.bsky.feed.post/1"}) is None  # no cid: no thread


async def test_second_post_at_the_same_key_fails_and_find_posted_finds_the_first(
    pds: FakePds, conn: BlueskyConnector
) -> None:
    (mention,) = pds.add(1)
    reply = request_for(mention, "Bonjour")
    assert await conn.find_posted(reply) is None  # provably not there yet
    uri = await conn.post(reply)
    with pytest.raises(TransientError) as caught:  # 500 "already a value at key": not NotPosted
        await conn.post(reply)
    assert not isinstance(caught.value, NotPosted)
    assert await conn.find_posted(reply) == uri
    assert len(pds.records) == 1


async def test_find_posted_unprovable(pds: FakePds, conn: BlueskyConnector) -> None:
    (mention,) = pds.add(1)
    reply = request_for(mention, "Bonjour")
    await conn.login()
    for fault in ("500", "timeout", "429", "truncated"):
        pds.fail_next(fault)
        with pytest.raises(Unprovable):
            await conn.find_posted(reply)
    # A record at the key that answers another post is not taken for this reply.
    pds.records[tid_for(reply.created_at, reply.reply_id)] = {
        "text": "x",
        "reply": {"parent": {"uri": "at://else/app.bsky.feed.post/1", "cid": "c"}},
    }
    with pytest.raises(Unprovable):
        await conn.find_posted(reply)
    pds.records.clear()
    pds.fail_next("truncated")  # a RecordNotFound cut short is not a proof either
    with pytest.raises(Unprovable):
        await conn.find_posted(reply)


async def test_refused_post_is_not_posted(pds: FakePds, conn: BlueskyConnector) -> None:
    (mention,) = pds.add(1)
    with pytest.raises(NotPosted, match="refused \\(400\\)"):
        await conn.post(request_for(mention, "x" * 301))
    before = len(pds.requests)
    with pytest.raises(NotPosted, match="uri and cid"):
        await conn.post(request_for({"uri": "at://x", "author": {"handle": "h"}}, "Bonjour"))
    assert len(pds.requests) == before  # refused before any call


async def test_expired_token_on_post_is_refreshed_and_posted_once(
    pds: FakePds, conn: BlueskyConnector
) -> None:
    (mention,) = pds.add(1)
    await conn.login()
    pds.fail_next("expired")
    await conn.post(request_for(mention, "Bonjour", language=None))
    assert len(pds.calls("com.atproto.repo.createRecord")) == 2
    assert len(pds.records) == 1
    assert "langs" not in next(iter(pds.records.values()))


async def test_server_error_on_post_is_not_a_refusal(pds: FakePds, conn: BlueskyConnector) -> None:
    (mention,) = pds.add(1)
    await conn.login()
    pds.fail_next("500")
    with pytest.raises(TransientError) as caught:
        await conn.post(request_for(mention, "Bonjour"))
    assert not isinstance(caught.value, NotPosted)


# -- rate limits and broken answers ------------------------------------------------------


async def test_rate_limit_headers_and_429(
    pds: FakePds, conn: BlueskyConnector, clock: Clock
) -> None:
    await drain(conn, None)
    assert conn.rate is not None
    assert conn.rate.limit == 3000
    assert conn.rate.remaining is not None
    assert conn.rate.reset_at == datetime.fromtimestamp(int(clock().timestamp()) + 300, UTC)
    pds.fail_next("429")
    with pytest.raises(RateLimited) as caught:
        await conn.fetch(None)
    assert caught.value.wait_seconds == 42  # Retry-After first
    assert conn.rate.remaining == 0
    assert conn.rate.wait_seconds(clock()) == pytest.approx(42)


async def test_truncated_answer_is_transient(pds: FakePds, conn: BlueskyConnector) -> None:
    pds.add(3)
    await conn.login()
    pds.fail_next("truncated")
    with pytest.raises(TransientError, match="not complete JSON") as caught:
        await conn.fetch(None)
    assert "bluesky:ville" in str(caught.value)
    page = await conn.fetch(None)  # the next try works and nothing was lost
    assert len(page.result.items) == 3


async def test_no_secret_in_any_error_or_repr(pds: FakePds, conn: BlueskyConnector) -> None:
    pds.add(2)
    seen: list[str] = []
    for fault in ("429", "500", "timeout", "truncated"):
        await conn.login()
        pds.fail_next(fault)
        with pytest.raises(Exception) as caught:  # noqa: PT011 - every kind of failure
            await conn.fetch(None)
        seen += [str(caught.value), repr(caught.value)]
    seen += [repr(conn.session_state()), repr(conn.session), repr(conn.secret)]
    tokens = [PASSWORD, *pds.access, *pds.refresh, "acc-1-jwt", "ref-1-jwt"]
    for text in seen:
        for token in tokens:
            assert token not in text
