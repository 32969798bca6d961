"""desk.platforms.x.client against a fake X API v2 serving the real payloads (tests/helpers/fake_platforms.py): the
since_id / next_token cycle and its cursor, replies, reconciliation, faults, the token."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from desk.config.channels import ChannelConfig
from desk.config.secrets import Secret
from desk.platforms.client import Page, ReplyRequest
from desk.platforms.errors import (
    ChannelError,
    NotPosted,
    PermanentError,
    RateLimited,
    TransientError,
    Unprovable,
)
from desk.platforms.parsed import ParsedMention
from desk.platforms.x.client import MENTION_FIELDS, XConnector
from tests.helpers.fake_platforms import TOKEN, Clock, FakeX


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> FakeX:
    return FakeX(clock=clock)


def make(fake: FakeX, client: Any, clock: Clock, **channel: Any) -> XConnector:
    values: dict[str, Any] = {"account": fake.me["id"]} | channel
    config = ChannelConfig(name="ville", platform="x", url=fake.base, **values)
    return XConnector(config, client, Secret(TOKEN, source="test"), now=clock)


@pytest.fixture
async def conn(fake: FakeX, clock: Clock) -> AsyncIterator[XConnector]:
    async with fake.client() as client:
        yield make(fake, client, clock)


async def drain(
    conn: XConnector, cursor: str | None, *, limit: int = 50
) -> tuple[list[ParsedMention], str | None, list[Page]]:
    """What desk.channels.pull does: fetch until ``more`` is false, storing each page's cursor."""
    items: list[ParsedMention] = []
    pages: list[Page] = []
    for _ in range(limit):
        page = await conn.fetch(cursor)
        pages.append(page)
        items.extend(page.result.items)
        cursor = page.cursor or cursor
        if not page.more:
            return items, cursor, pages
    raise AssertionError("fetch never said it was done")


def ids(posts: list[dict[str, Any]]) -> list[str]:
    return [p["id"] for p in posts]


def request_for(item: ParsedMention, text: str, created_at: Any) -> ReplyRequest:
    return ReplyRequest(
        reply_id=1,
        text=text,
        idempotency_key="desk-reply-1",
        created_at=created_at,
        parent_remote_id=item.remote_id,
        parent_author=item.author_handle,
        parent_visibility=item.visibility,
        parent_raw=item.raw,
        language=item.language,
    )


# -- fetching ---------------------------------------------------------------------------------


async def test_first_run_takes_only_the_newest_page(fake: FakeX, conn: XConnector) -> None:
    made = fake.add_mentions(150)
    items, cursor, pages = await drain(conn, None)
    assert len(pages) == 1
    assert [i.remote_id for i in items] == ids(made[-100:])[::-1]
    assert cursor == made[-1]["id"]  # meta.newest_id
    assert pages[0].notes == [
        "first pull: only the newest 100 mentions are read, older ones are not fetched"
    ]
    sent = fake.calls(f"/2/users/{fake.me['id']}/mentions")[0].url.params
    assert sent["max_results"] == "100"
    assert sent["expansions"] == "author_id"
    assert sent["tweet.fields"] == MENTION_FIELDS
    assert sent["user.fields"] == "username,name"
    assert "since_id" not in sent


async def test_a_cycle_follows_next_token_and_moves_the_cursor_only_at_its_end(
    fake: FakeX, conn: XConnector
) -> None:
    old = fake.add_mentions(1)
    made = fake.add_mentions(250)
    items, cursor, pages = await drain(conn, old[0]["id"])

    assert [len(p.result.items) for p in pages] == [100, 100, 50]  # newest first, then older
    assert [p.cursor for p in pages] == [None, None, made[-1]["id"]]  # the first page's newest
    assert [p.more for p in pages] == [True, True, False]
    got = [i.remote_id for i in items]
    assert sorted(got) == sorted(ids(made))
    assert len(got) == len(set(got))
    calls = fake.calls(f"/2/users/{fake.me['id']}/mentions")
    assert [c.url.params["since_id"] for c in calls] == [old[0]["id"]] * 3
    assert [c.url.params.get("pagination_token") for c in calls][0] is None
    assert all(c.url.params.get("pagination_token") for c in calls[1:])
    assert cursor == made[-1]["id"]


async def test_a_crash_in_the_middle_of_a_cycle_fetches_it_again(fake: FakeX, clock: Clock) -> None:
    old = fake.add_mentions(1)
    made = fake.add_mentions(250)
    stored = old[0]["id"]
    seen: list[str] = []
    async with fake.client() as client:
        page = await make(fake, client, clock).fetch(stored)  # committed, then the desk dies
        seen += [i.remote_id for i in page.result.items]
        stored = page.cursor or stored
        assert stored == old[0]["id"]  # the cursor did not move mid-cycle
        items, stored, pages = await drain(make(fake, client, clock), stored)
    seen += [i.remote_id for i in items]
    assert len(pages) == 3  # the whole cycle again
    assert set(seen) == set(ids(made))  # nothing lost; the store drops the repeats (same ids)
    assert stored == made[-1]["id"]


async def test_mentions_arriving_during_a_cycle_are_caught_next_time(
    fake: FakeX, conn: XConnector
) -> None:
    old = fake.add_mentions(1)
    first = fake.add_mentions(150)
    page = await conn.fetch(old[0]["id"])
    later = fake.add_mentions(5)  # newer than the cycle's newest_id
    items, cursor, _ = await drain(conn, page.cursor or old[0]["id"])
    assert cursor == first[-1]["id"]
    items, cursor, _ = await drain(conn, cursor)
    assert sorted(i.remote_id for i in items) == sorted(ids(later))
    assert cursor == later[-1]["id"]


async def test_a_stored_cursor_that_is_not_a_post_id_is_ignored(
    fake: FakeX, conn: XConnector
) -> None:
    made = fake.add_mentions(3)
    page = await conn.fetch("not-an-id")
    assert "since_id" not in fake.requests[-1].url.params
    assert page.notes == ["ignored a stored cursor that is not a post id"]
    assert page.cursor == made[-1]["id"]


async def test_no_new_mentions_is_an_empty_page_keeping_the_cursor(
    fake: FakeX, conn: XConnector
) -> None:
    made = fake.add_mentions(3)
    items, cursor, pages = await drain(conn, made[-1]["id"])
    assert items == []
    assert pages[0].cursor is None
    assert cursor == made[-1]["id"]
    assert pages[0].result.errors == []


async def test_items_are_parsed_with_authors_and_partial_errors(
    fake: FakeX, conn: XConnector
) -> None:
    fake.add_mentions(11)
    fake.partial_errors = [
        {
            "value": "1578516249856077825",
            "detail": "Could not find tweet with referenced_tweets.id: [1578516249856077825].",
            "title": "Not Found Error",
            "type": "https://api.twitter.com/2/problems/resource-not-found",
        }
    ]
    page = await conn.fetch(None)
    assert len(page.result.items) == 11
    newest = page.result.items[0]  # the docs sample "Hey @XDevelopers, love the new API!"
    assert newest.text == "Hey @XDevelopers, love the new API!"
    assert newest.author_handle == "@developer"
    assert newest.author_name == "Dev Person"
    assert newest.url == f"https://x.com/developer/status/{newest.remote_id}"
    assert [e.message for e in page.result.errors] == [
        "X reported an error: 'Could not find tweet with referenced_tweets.id: "
        "[1578516249856077825].'"
    ]


async def test_the_fields_parameter_name_is_configurable(clock: Clock) -> None:
    fake = FakeX(clock=clock, fields_param="post.fields")
    fake.add_mentions(2)
    async with fake.client() as client:
        page = await make(fake, client, clock, fields_param="post.fields").fetch(None)
    sent = fake.calls(f"/2/users/{fake.me['id']}/mentions")[0].url.params
    assert sent["post.fields"] == MENTION_FIELDS
    assert "tweet.fields" not in sent
    assert all(i.raw.get("created_at") for i in page.result.items)


async def test_a_username_account_is_looked_up_once(fake: FakeX, clock: Clock) -> None:
    fake.add_mentions(2)
    async with fake.client() as client:
        conn = make(fake, client, clock, account="@XDevelopers")
        await drain(conn, None)
        await drain(conn, None)
        unknown = make(fake, client, clock, account="nobody_here")
        with pytest.raises(PermanentError) as exc:
            await unknown.fetch(None)
    assert len(fake.calls("/2/users/by/username/XDevelopers")) == 1
    assert len(fake.calls(f"/2/users/{fake.me['id']}/mentions")) == 2
    assert "'nobody_here'" in str(exc.value)


async def test_an_expired_page_token_restarts_the_cycle(fake: FakeX, conn: XConnector) -> None:
    old = fake.add_mentions(1)
    made = fake.add_mentions(150)
    await conn.fetch(old[0]["id"])
    fake._tokens.clear()  # X forgot the token
    with pytest.raises(TransientError) as exc:
        await conn.fetch(old[0]["id"])
    assert "starts again" in str(exc.value)
    items, cursor, pages = await drain(conn, old[0]["id"])
    assert len(pages) == 2
    assert cursor == made[-1]["id"]


# -- replying ---------------------------------------------------------------------------------


async def parent_of(fake: FakeX, conn: XConnector) -> ParsedMention:
    fake.add_mentions(3)
    return (await conn.fetch(None)).result.items[0]


async def test_reply_body_is_the_documented_one(
    fake: FakeX, conn: XConnector, clock: Clock
) -> None:
    parent = await parent_of(fake, conn)
    posted = await conn.post(request_for(parent, "Thanks, we are on it.", clock()))
    call = fake.calls("/2/tweets", "POST")[0]
    assert json.loads(call.content) == {
        "text": "Thanks, we are on it.",
        "reply": {"in_reply_to_tweet_id": parent.remote_id},
    }
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"
    assert posted == fake.posted[0]["id"]


async def test_duplicate_content_is_not_posted(fake: FakeX, conn: XConnector, clock: Clock) -> None:
    fake.add_mentions(3)
    first, second = (await conn.fetch(None)).result.items[:2]
    await conn.post(request_for(first, "Same words", clock()))
    with pytest.raises(NotPosted) as exc:  # a stock answer, already sent to another thread
        await conn.post(request_for(second, "Same words", clock()))
    assert exc.value.status == 403
    assert not exc.value.retryable
    assert "duplicate" in str(exc.value)
    assert len(fake.posted) == 1


async def test_a_duplicate_that_is_this_reply_already_published_returns_its_id(
    fake: FakeX, conn: XConnector, clock: Clock
) -> None:
    parent = await parent_of(fake, conn)
    reply = request_for(parent, "Answer whose response was lost", clock())
    fake.fail_next("lost")
    with pytest.raises(TransientError):
        await conn.post(reply)
    assert await conn.post(reply) == fake.posted[0]["id"]  # X said "duplicate": it is ours
    assert len(fake.posted) == 1


async def test_a_reply_to_a_deleted_post_is_not_posted(
    fake: FakeX, conn: XConnector, clock: Clock
) -> None:
    parent = await parent_of(fake, conn)
    gone = replace(request_for(parent, "Hello", clock()), parent_raw={}, parent_remote_id="1")
    with pytest.raises(NotPosted) as exc:
        await conn.post(gone)
    assert "deleted or not visible" in str(exc.value)


@pytest.mark.parametrize(("fault", "error"), [("500", TransientError), ("timeout", TransientError)])
async def test_an_unclear_post_outcome_is_raised_not_refused(
    fake: FakeX, conn: XConnector, clock: Clock, fault: str, error: type[Exception]
) -> None:
    parent = await parent_of(fake, conn)
    fake.fail_next(fault)
    with pytest.raises(error):
        await conn.post(request_for(parent, "Hello", clock()))


# -- find_posted ------------------------------------------------------------------------------


async def test_find_posted_finds_a_reply_whose_answer_was_lost(
    fake: FakeX, conn: XConnector, clock: Clock
) -> None:
    parent = await parent_of(fake, conn)
    reply = request_for(parent, "Works & roads: see https://ville.example/travaux <today>", clock())
    fake.fail_next("lost")
    with pytest.raises(TransientError):
        await conn.post(reply)
    fake.add_own(3)
    assert await conn.find_posted(reply) == fake.posted[0]["id"]
    # X rewrote it: mention metadata in front, t.co link, & < > escaped
    assert fake.posted[0]["text"].startswith("@developer Works &amp; roads: see https://t.co/")
    listing = fake.calls(f"/2/users/{fake.me['id']}/tweets")[0].url.params
    assert listing["since_id"] == parent.remote_id
    assert "referenced_tweets" in listing["tweet.fields"]


async def test_find_posted_proves_absence(fake: FakeX, conn: XConnector, clock: Clock) -> None:
    parent = await parent_of(fake, conn)
    reply = request_for(parent, "Never sent", clock())
    fake.add_own(40)  # everything since the parent fits in one listing
    await conn.post(request_for(parent, "Another answer in the thread", clock()))
    assert await conn.find_posted(reply) is None


async def test_find_posted_proves_absence_once_it_reaches_back_past_the_reply(
    fake: FakeX, conn: XConnector, clock: Clock
) -> None:
    parent = await parent_of(fake, conn)
    fake.add_own(150)  # after the parent, before the reply
    reply = request_for(parent, "Never sent", clock())
    fake.add_own(20)
    assert await conn.find_posted(reply) is None
    assert len(fake.calls(f"/2/users/{fake.me['id']}/tweets")) == 1


async def test_find_posted_cannot_tell_when_too_much_was_posted_since(
    fake: FakeX, conn: XConnector, clock: Clock
) -> None:
    parent = await parent_of(fake, conn)
    reply = request_for(parent, "Lost in the crowd", clock() - timedelta(seconds=30))
    fake.add_own(600, seconds_apart=1)
    with pytest.raises(Unprovable) as exc:
        await conn.find_posted(reply)
    assert "500 recent posts" in str(exc.value)


# -- errors, rate limits, the token -----------------------------------------------------------


async def test_rate_state_comes_from_every_answer(
    fake: FakeX, conn: XConnector, clock: Clock
) -> None:
    page = await conn.fetch(None)
    assert page.rate == conn.rate
    assert conn.rate is not None
    assert (conn.rate.limit, conn.rate.remaining) == (450, 299)
    assert conn.rate.reset_at == clock() + timedelta(seconds=900)  # epoch seconds header


async def test_429_waits_until_the_epoch_reset(fake: FakeX, conn: XConnector, clock: Clock) -> None:
    fake.fail_next("429")
    with pytest.raises(RateLimited) as exc:
        await conn.fetch(None)
    assert exc.value.wait_seconds == pytest.approx(90)
    assert conn.rate is not None
    assert conn.rate.wait_seconds(clock()) == pytest.approx(90)


@pytest.mark.parametrize("fault", ["500", "truncated", "timeout"])
async def test_server_faults_are_transient_and_keep_the_cycle(
    fake: FakeX, conn: XConnector, fault: str
) -> None:
    old = fake.add_mentions(1)
    made = fake.add_mentions(150)
    first = await conn.fetch(old[0]["id"])
    fake.fail_next(fault)
    with pytest.raises(TransientError) as exc:
        await conn.fetch(old[0]["id"])
    assert "x:ville" in str(exc.value)
    last = await conn.fetch(old[0]["id"])  # the retry goes on with the same page token
    assert len(first.result.items) + len(last.result.items) == 150
    assert last.cursor == made[-1]["id"]


async def test_a_bad_token_is_permanent(fake: FakeX, clock: Clock) -> None:
    async with fake.client() as client:
        config = make(fake, client, clock).channel
        conn = XConnector(config, client, Secret("wrong", source="t"), now=clock)
        with pytest.raises(PermanentError) as exc:
            await conn.fetch(None)
    assert "invalid or expired (401)" in str(exc.value)
    assert not exc.value.retryable


async def test_the_token_appears_in_no_error(fake: FakeX, conn: XConnector, clock: Clock) -> None:
    parent = await parent_of(fake, conn)
    caught: list[ChannelError] = []
    for n, fault in enumerate(("429", "500", "truncated", "timeout", "echo")):
        fake.fail_next(fault)
        try:
            await conn.post(request_for(parent, f"Reply {n}", clock()))
        except ChannelError as exc:
            caught.append(exc)
    fake.fail_next("echo")
    try:
        await conn.find_posted(request_for(parent, "Reply", clock()))
    except ChannelError as exc:
        caught.append(exc)
    assert len(caught) == 6
    for error in caught:
        for text in (str(error), repr(error), str(error.__cause__), repr(error.__cause__)):
            assert TOKEN not in text
    assert "[redacted]" in str(caught[4])
    assert all(TOKEN not in str(r.url) for r in fake.requests)
