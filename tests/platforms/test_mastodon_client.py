"""desk.platforms.mastodon.client against a fake Mastodon serving the real payloads (tests/helpers/fake_platforms.py):
forward paging with min_id, the cursor, watches, replies sent once, reconciliation, faults."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
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
from desk.platforms.mastodon.client import (
    MastodonConnector,
    load_cursor,
    reply_text,
    reply_visibility,
)
from desk.platforms.parsed import ParsedMention
from tests.helpers.fake_platforms import TOKEN, Clock, FakeMastodon


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> FakeMastodon:
    return FakeMastodon(clock=clock)


def make(fake: FakeMastodon, client: Any, clock: Clock, **channel: Any) -> MastodonConnector:
    config = ChannelConfig(
        name="ville", platform="mastodon", url=fake.base, account="mastodonpy_test", **channel
    )
    return MastodonConnector(config, client, Secret(TOKEN, source="test"), now=clock)


@pytest.fixture
async def conn(fake: FakeMastodon, clock: Clock) -> AsyncIterator[MastodonConnector]:
    async with fake.client() as client:
        yield make(fake, client, clock)


async def drain(
    conn: MastodonConnector, cursor: str | None, *, limit: int = 50
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


def request_for(
    item: ParsedMention, text: str, *, key: str = "desk-reply-1", **kw: Any
) -> ReplyRequest:
    values: dict[str, Any] = {
        "reply_id": 1,
        "text": text,
        "idempotency_key": key,
        "created_at": kw.pop("created_at", None),
        "parent_remote_id": item.remote_id,
        "parent_author": item.author_handle,
        "parent_visibility": item.visibility,
        "parent_raw": item.raw,
        "language": item.language,
    }
    values.update(kw)
    return ReplyRequest(**values)


def status_ids(notifications: list[dict[str, Any]]) -> list[str]:
    return [n["status"]["id"] for n in notifications]


# -- fetching ---------------------------------------------------------------------------------


async def test_first_run_takes_only_the_newest_page(
    fake: FakeMastodon, conn: MastodonConnector
) -> None:
    made = fake.add_mentions(100)
    items, cursor, pages = await drain(conn, None)
    assert len(pages) == 1  # history is not walked
    assert [i.remote_id for i in items] == status_ids(made[-40:])[::-1]  # newest first
    assert load_cursor(cursor) == {"notifications": made[-1]["id"]}
    assert pages[0].notes == [
        "first pull of notifications: only the newest 40 items are read, older ones are not fetched"
    ]
    sent = fake.calls("/api/v1/notifications")[0].url.params
    assert sent.get_list("types[]") == ["mention", "quote"]
    assert sent["limit"] == "40"
    assert "min_id" not in sent


async def test_paging_forward_over_three_pages_has_no_gap_and_no_duplicate(
    fake: FakeMastodon, conn: MastodonConnector
) -> None:
    first = fake.add_mentions(1)
    made = []
    for i in range(100):  # other notification types in between, filtered by types[]
        made += fake.add_mentions(1)
        if i % 10 == 0:
            fake.add_other("favourite" if i % 20 else "follow")
    stored = json.dumps({"notifications": first[0]["id"]})

    items, cursor, pages = await drain(conn, stored)

    ids = [i.remote_id for i in items]
    assert sorted(ids) == sorted(status_ids(made))
    assert len(ids) == len(set(ids)) == 100
    assert [len(p.result.items) for p in pages] == [40, 40, 20, 0]  # until an empty page
    assert all(p.result.skipped == 0 for p in pages)
    # each page starts right after the newest item of the one before (opaque ids, from Link)
    min_ids = [r.url.params["min_id"] for r in fake.calls("/api/v1/notifications")]
    notification_ids = [n["id"] for n in made]
    assert min_ids == [first[0]["id"], notification_ids[39], notification_ids[79], made[-1]["id"]]
    assert load_cursor(cursor) == {"notifications": made[-1]["id"]}
    assert pages[-1].cursor is None  # empty page: no Link header, keep the stored cursor


async def test_a_crash_between_pages_loses_and_repeats_nothing(
    fake: FakeMastodon, clock: Clock
) -> None:
    first = fake.add_mentions(1)
    made = fake.add_mentions(90)
    seen: list[str] = []
    cursor: str | None = json.dumps({"notifications": first[0]["id"]})
    async with fake.client() as client:
        page = await make(fake, client, clock).fetch(cursor)  # committed, then the desk dies
        seen += [i.remote_id for i in page.result.items]
        cursor = page.cursor
        items, cursor, _ = await drain(make(fake, client, clock), cursor)  # a new process
    seen += [i.remote_id for i in items]
    assert sorted(seen) == sorted(status_ids(made))
    assert len(seen) == len(set(seen))


async def test_new_mentions_after_a_quiet_poll(fake: FakeMastodon, conn: MastodonConnector) -> None:
    fake.add_mentions(3)
    _, cursor, _ = await drain(conn, None)
    quiet, cursor_after, pages = await drain(conn, cursor)
    assert quiet == []
    assert pages[0].cursor is None
    assert cursor_after == cursor
    later = fake.add_mentions(2)
    items, cursor, _ = await drain(conn, cursor)
    assert [i.remote_id for i in items] == status_ids(later)[::-1]
    assert load_cursor(cursor) == {"notifications": later[-1]["id"]}


async def test_a_bare_id_cursor_is_the_notifications_cursor(
    fake: FakeMastodon, conn: MastodonConnector
) -> None:
    first = fake.add_mentions(1)
    made = fake.add_mentions(2)
    items, cursor, _ = await drain(conn, first[0]["id"])
    assert [i.remote_id for i in items] == status_ids(made)[::-1]
    assert load_cursor(cursor) == {"notifications": made[-1]["id"]}


async def test_parsed_items_come_from_the_real_payloads(
    fake: FakeMastodon, conn: MastodonConnector
) -> None:
    fake.add_mentions(2)
    page = await conn.fetch(None)
    remote, local = page.result.items  # newest first: the remote (Pleroma) one was added last
    assert local.author_handle == "@admin"
    assert local.text == "@mastodonpy_test hello!"
    assert remote.author_handle == "@a@pl.nulled.red"
    assert remote.visibility == "unlisted"
    assert local.raw["type"] == "mention"
    assert local.raw["status"]["id"] == local.remote_id


async def test_a_server_that_refuses_unknown_types_gets_mentions_only(clock: Clock) -> None:
    fake = FakeMastodon(clock=clock, refuse_unknown_types=True)
    fake.add_mentions(2)
    async with fake.client() as client:
        items, _, _ = await drain(make(fake, client, clock), None)
    assert len(items) == 2
    sent = [r.url.params.get_list("types[]") for r in fake.calls("/api/v1/notifications")]
    assert sent == [["mention", "quote"], ["mention"]]


async def test_watches_bring_keyword_items_with_their_own_cursors(
    fake: FakeMastodon, clock: Clock
) -> None:
    fake.add_mentions(2)
    tagged = fake.add_tagged("Belleville", 3)
    fake.add_tagged("Belleville", 1, own=True)  # the city's own post is not an inbox item
    found = fake.add_searchable("eau potable", 2)
    async with fake.client() as client:
        conn = make(fake, client, clock, watch=["#Belleville", "eau potable"])
        items, cursor, pages = await drain(conn, None)
        keyword = [i for i in items if i.kind == "keyword"]
        assert {i.remote_id for i in keyword} == {s["id"] for s in tagged + found}
        assert sum(p.result.skipped for p in pages) == 1  # the own post
        state = load_cursor(cursor)
        assert set(state) == {"notifications", "tag:Belleville"}  # search has no cursor
        assert fake.calls("/api/v1/timelines/tag/Belleville")
        assert fake.calls("/api/v2/search")[0].url.params["type"] == "statuses"

        newer = fake.add_tagged("Belleville", 2)
        items, cursor, _ = await drain(conn, cursor)
    tag_items = [i.remote_id for i in items if i.remote_id not in {s["id"] for s in found}]
    assert tag_items == [s["id"] for s in newer][::-1]  # only the new ones; search repeats
    assert load_cursor(cursor)["tag:Belleville"] == newer[-1]["id"]


async def test_a_refused_watch_is_reported_and_the_rest_goes_on(
    fake: FakeMastodon, clock: Clock
) -> None:
    made = fake.add_mentions(2)
    async with fake.client() as client:
        conn = make(fake, client, clock, watch=['"eau potable'])  # a query the server rejects
        items, cursor, pages = await drain(conn, None)
    assert {i.remote_id for i in items} == set(status_ids(made))
    errors = [e.message for p in pages for e in p.result.errors]
    assert errors == ["watch 'search:\"eau potable' refused (422): Unprocessable entity"]
    assert load_cursor(cursor) == {"notifications": made[-1]["id"]}


# -- replying ---------------------------------------------------------------------------------


async def first_item(fake: FakeMastodon, conn: MastodonConnector, **status: Any) -> ParsedMention:
    fake.add_mentions(2, **status)
    page = await conn.fetch(None)
    return page.result.items[0]  # the remote author's (Pleroma) mention


async def test_reply_goes_in_thread_to_the_author_with_the_parent_visibility(
    fake: FakeMastodon, conn: MastodonConnector, clock: Clock
) -> None:
    parent = await first_item(fake, conn, visibility="direct", language="fr")
    reply = request_for(parent, "Merci, nous transmettons.", created_at=clock())

    posted_id = await conn.post(reply)

    call = fake.calls("/api/v1/statuses", "POST")[0]
    body = json.loads(call.content)
    assert body == {
        "status": "@a@pl.nulled.red Merci, nous transmettons.",
        "in_reply_to_id": parent.remote_id,
        "visibility": "direct",  # never wider than the mention
        "language": "fr",
    }
    assert call.headers["Idempotency-Key"] == "desk-reply-1"
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in str(call.url)
    assert posted_id == fake.posted[0]["id"]
    assert fake.posted[0]["in_reply_to_id"] == parent.remote_id


@pytest.mark.parametrize(
    ("parent", "reply", "expected"),
    [
        ("direct", None, "direct"),
        ("private", None, "private"),
        ("unlisted", None, "unlisted"),
        ("public", None, "public"),
        ("public", "direct", "direct"),  # the row and the record disagree: the narrower wins
        (None, None, "direct"),  # unknown: only the people mentioned
        ("local", None, "direct"),
    ],
)
def test_reply_visibility_is_never_wider(
    parent: str | None, reply: str | None, expected: str
) -> None:
    raw = {"type": "mention", "status": {"id": "1", "visibility": parent, "account": {"acct": "a"}}}
    request = ReplyRequest(1, "hi", "k", None, "1", "@a", reply, raw)  # type: ignore[arg-type]
    assert reply_visibility(request) == expected


@pytest.mark.parametrize(
    ("text", "posted"),
    [
        ("Merci !", "@a@pl.nulled.red Merci !"),
        ("@a@pl.nulled.red Merci !", "@a@pl.nulled.red Merci !"),
        ("@A@PL.NULLED.RED, merci", "@A@PL.NULLED.RED, merci"),
        ("@a@pl.nulled.redx merci", "@a@pl.nulled.red @a@pl.nulled.redx merci"),
        ("@a merci", "@a@pl.nulled.red @a merci"),  # @a alone may be a local account
    ],
)
def test_reply_text_starts_with_the_full_acct_once(text: str, posted: str) -> None:
    raw = load_remote()
    request = ReplyRequest(1, text, "k", None, "1", "@a@pl.nulled.red", "unlisted", raw)  # type: ignore[arg-type]
    assert reply_text(request) == posted


def load_remote() -> dict[str, Any]:
    from tests.helpers.fake_platforms import load

    return load("mastodon/notification_mention_remote_docs.json")


async def test_a_retry_with_the_same_key_creates_one_status(
    fake: FakeMastodon, conn: MastodonConnector, clock: Clock
) -> None:
    parent = await first_item(fake, conn)
    reply = request_for(parent, "Bien reçu.", created_at=clock())
    fake.fail_next("lost")  # published, but the answer never arrives
    with pytest.raises(TransientError) as lost:
        await conn.post(reply)
    assert TOKEN not in str(lost.value)
    again = await conn.post(reply)
    assert len(fake.posted) == 1
    assert again == fake.posted[0]["id"]
    keys = [r.headers["Idempotency-Key"] for r in fake.calls("/api/v1/statuses", "POST")]
    assert keys == ["desk-reply-1", "desk-reply-1"]


async def test_a_refused_reply_is_not_posted_with_the_platform_words(
    fake: FakeMastodon, conn: MastodonConnector, clock: Clock
) -> None:
    parent = await first_item(fake, conn)
    with pytest.raises(NotPosted) as too_long:
        await conn.post(request_for(parent, "x" * 600, created_at=clock()))
    assert "Text character limit of 500 exceeded" in str(too_long.value)
    assert too_long.value.status == 422
    assert not too_long.value.retryable

    gone = request_for(parent, "Merci", parent_raw={}, parent_remote_id="999", created_at=clock())
    with pytest.raises(NotPosted) as missing:
        await conn.post(gone)
    assert missing.value.status == 404
    assert "Record not found" in str(missing.value)
    assert fake.posted == []


# -- find_posted ------------------------------------------------------------------------------


async def test_find_posted_finds_a_reply_whose_answer_was_lost(
    fake: FakeMastodon, conn: MastodonConnector, clock: Clock
) -> None:
    fake.add_own(10)
    parent = await first_item(fake, conn)
    text = "Bonjour,\n\nvoir https://www.ville.example/travaux/rue-des-lilas-calendrier — merci & bonne journée"
    reply = request_for(parent, text, created_at=clock())
    fake.fail_next("lost")
    with pytest.raises(TransientError):
        await conn.post(reply)
    fake.add_own(3)  # the account kept posting meanwhile
    assert await conn.find_posted(reply) == fake.posted[0]["id"]
    listing = fake.calls(f"/api/v1/accounts/{fake.me['id']}/statuses")[0].url.params
    assert listing["limit"] == "40"


async def test_find_posted_proves_absence_when_the_listing_covers_the_time(
    fake: FakeMastodon, conn: MastodonConnector, clock: Clock
) -> None:
    parent = await first_item(fake, conn)
    fake.add_own(60)  # older than the reply: one page reaches back past it
    reply = request_for(parent, "Pas encore envoyé", created_at=clock())
    fake.add_own(5)
    # another status in the same thread, different text: not ours
    await conn.post(request_for(parent, "Autre réponse", key="other", created_at=clock()))
    assert await conn.find_posted(reply) is None
    assert len(fake.calls(f"/api/v1/accounts/{fake.me['id']}/statuses")) == 1


async def test_find_posted_proves_absence_when_the_account_is_listed_whole(
    fake: FakeMastodon, conn: MastodonConnector, clock: Clock
) -> None:
    parent = await first_item(fake, conn)
    reply = request_for(parent, "Pas encore envoyé", created_at=clock() - timedelta(hours=1))
    fake.add_own(3)  # all newer than the reply, but that is all there is
    assert await conn.find_posted(reply) is None


async def test_find_posted_cannot_tell_when_too_much_was_posted_since(
    fake: FakeMastodon, conn: MastodonConnector, clock: Clock
) -> None:
    parent = await first_item(fake, conn)
    reply = request_for(parent, "Perdu dans la masse", created_at=clock())
    fake.add_own(250)  # five pages of 40 do not reach back to the reply
    with pytest.raises(Unprovable) as exc:
        await conn.find_posted(reply)
    assert "200 recent statuses" in str(exc.value)


async def test_find_posted_cannot_tell_without_a_valid_token(
    fake: FakeMastodon, clock: Clock
) -> None:
    fake.add_mentions(1)
    async with fake.client() as client:
        page = await make(fake, client, clock).fetch(None)
        bad = MastodonConnector(
            make(fake, client, clock).channel, client, Secret("wrong", source="t"), now=clock
        )
        with pytest.raises(Unprovable) as exc:
            await bad.find_posted(request_for(page.result.items[0], "x", created_at=clock()))
    assert "token is invalid" in str(exc.value)


# -- errors, rate limits, the token -----------------------------------------------------------


async def test_rate_state_comes_from_every_answer(
    fake: FakeMastodon, conn: MastodonConnector, clock: Clock
) -> None:
    fake.add_mentions(1)
    page = await conn.fetch(None)
    assert conn.rate is not None
    assert page.rate == conn.rate
    assert (conn.rate.limit, conn.rate.remaining) == (300, 299)
    assert conn.rate.reset_at == clock() + timedelta(seconds=300)  # ISO-8601 header


async def test_429_waits_until_the_iso_reset_without_retry_after(
    fake: FakeMastodon, conn: MastodonConnector, clock: Clock
) -> None:
    fake.fail_next("429")
    with pytest.raises(RateLimited) as exc:
        await conn.fetch(None)
    assert exc.value.wait_seconds == pytest.approx(120)
    assert conn.rate is not None
    assert conn.rate.remaining == 0
    assert conn.rate.wait_seconds(clock()) == pytest.approx(120)


@pytest.mark.parametrize("fault", ["500", "truncated", "timeout"])
async def test_server_faults_are_transient(
    fake: FakeMastodon, conn: MastodonConnector, fault: str
) -> None:
    fake.add_mentions(3)
    fake.fail_next(fault)
    with pytest.raises(TransientError) as exc:
        await conn.fetch(None)
    assert "mastodon:ville" in str(exc.value)
    items, _, _ = await drain(conn, None)  # and the next try works
    assert len(items) == 3


async def test_a_bad_token_is_permanent(fake: FakeMastodon, clock: Clock) -> None:
    async with fake.client() as client:
        conn = MastodonConnector(
            make(fake, client, clock).channel, client, Secret("wrong", source="t"), now=clock
        )
        with pytest.raises(PermanentError) as exc:
            await conn.fetch(None)
    assert "access token is invalid" in str(exc.value)
    assert not exc.value.retryable


async def test_the_token_appears_in_no_error(
    fake: FakeMastodon, conn: MastodonConnector, clock: Clock
) -> None:
    parent = await first_item(fake, conn)
    caught: list[BaseException] = []
    for fault in ("429", "500", "truncated", "timeout", "echo"):
        fake.fail_next(fault)
        try:
            await conn.post(request_for(parent, "Merci", key=f"k-{fault}", created_at=clock()))
        except ChannelError as exc:
            caught.append(exc)
    fake.fail_next("echo")
    try:
        await conn.find_posted(request_for(parent, "Merci", created_at=clock()))
    except ChannelError as exc:
        caught.append(exc)
    assert len(caught) == 6
    for error in caught:
        for text in (str(error), repr(error), str(error.__cause__), repr(error.__cause__)):
            assert TOKEN not in text
    assert "[redacted]" in str(caught[4])  # the hostile server's echo was blanked
    assert all(TOKEN not in str(r.url) for r in fake.requests)
    assert TOKEN not in repr(conn.secret)
