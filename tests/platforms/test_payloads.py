"""Connectors: real saved payloads import as they are; broken and hostile payloads fail politely."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser.api
import pytest

from desk.errors import InputError
from desk.platforms.detect import detect, parse_payload
from desk.platforms.html import MAX_TEXT_CHARS, html_to_text
from desk.platforms.mastodon import payload as mastodon
from desk.platforms.parsed import ParseResult
from desk.platforms.registry import PLATFORMS
from desk.platforms.rss import payload as rss
from tests.helpers.paths import PAYLOADS

HOSTILE = "[bold]x[/ \x1b]52;c;AAAA\x07 \u202eevil [@click=app.quit()]y[/]"


@pytest.fixture(scope="module")
def payloads() -> Path:
    """The recorded real payloads (tests/data/payloads)."""
    return PAYLOADS


def load(payloads: Path, name: str) -> ParseResult:
    return parse_payload((payloads / name).read_bytes(), name)


def as_bytes(obj: Any) -> bytes:
    return json.dumps(obj).encode()


def mastodon_notification(status_id: str = "1", **status: Any) -> dict[str, Any]:
    fields = {
        "id": status_id,
        "created_at": "2024-05-01T10:00:00.000Z",
        "content": "<p>hello</p>",
        "visibility": "public",
        "in_reply_to_id": None,
    }
    fields.update(status)
    account = {"acct": "alice@example.social", "username": "alice", "display_name": "Alice"}
    return {"id": f"n{status_id}", "type": "mention", "account": account, "status": fields}


# --- Mastodon -----------------------------------------------------------------------------------


def test_mastodon_notification_list(payloads: Path) -> None:
    result = load(payloads, "mastodon/notifications_mentions_list.json")
    assert result.platform == "mastodon"
    assert (len(result.items), result.skipped, result.errors) == (1, 0, [])
    item = result.items[0]
    assert item.remote_id == "117020577157693549"  # the status id, not the notification id ("21")
    assert item.author_handle == "@admin"
    assert item.author_name == "admin"  # display_name is "" -> username
    assert item.text == "@mastodonpy_test hello!"
    assert item.kind == "mention"
    assert item.url == "http://localhost:3000/@admin/117020577157693549"
    assert (item.language, item.visibility, item.in_reply_to_remote_id) == ("en", "public", None)
    assert item.created_at == datetime(2026, 8, 1, 13, 51, 42, 823000, tzinfo=UTC)
    assert item.raw["id"] == "21"


def test_mastodon_single_remote_notification(payloads: Path) -> None:
    result = load(payloads, "mastodon/notification_mention_remote_docs.json")
    item = result.items[0]
    assert item.remote_id == "108914343542683797"
    assert item.author_handle == "@a@pl.nulled.red"
    assert item.text == "@trwnh test"
    assert item.language is None
    assert item.visibility == "unlisted"
    assert item.url == "https://pl.nulled.red/objects/64b196c6-3bc5-44d5-8ffb-f760235ee6ca"


def test_mastodon_reply_status_becomes_reply(payloads: Path) -> None:
    status = json.loads((payloads / "mastodon/status_reply_created.json").read_bytes())
    notification = {"id": "9", "type": "mention", "account": status["account"], "status": status}
    item = PLATFORMS["mastodon"].parse(as_bytes(notification), "reply.json").items[0]
    assert item.kind == "reply"
    assert item.in_reply_to_remote_id == "117020583245459824"
    assert item.text == "@mastodonpy_test_2 same!"


def test_mastodon_other_notification_types_are_skipped() -> None:
    follow = {"id": "2", "type": "follow", "account": {"acct": "bob"}}
    favourite = {"id": "3", "type": "favourite", "account": {"acct": "bob"}, "status": {}}
    result = PLATFORMS["mastodon"].parse(
        as_bytes([follow, mastodon_notification(), favourite]), "n.json"
    )
    assert (len(result.items), result.skipped, result.errors) == (1, 2, [])


def test_mastodon_html_and_content_warning() -> None:
    content = (
        '<p>Line one<br>line &amp; two</p><p>See <a href="https://ex.org/a/b">'
        '<span class="invisible">https://</span><span class="ellipsis">ex.org/a</span>'
        '<span class="invisible">/b</span></a> &lt;ok&gt;</p>'
    )
    payload = mastodon_notification(content=content, spoiler_text="Council vote")
    item = PLATFORMS["mastodon"].parse(as_bytes(payload), "n.json").items[0]
    assert item.text == "Council vote\n\nLine one\nline & two\n\nSee https://ex.org/a/b <ok>"


def test_html_to_text_drops_every_tag() -> None:
    assert (
        html_to_text("<div>a<script>alert(1)</script></div><ul><li>b</li><li>c</li></ul>")
        == "a\n\nb\nc"
    )
    assert "<" not in html_to_text("<p><b>bold</b> <i>it</i><img src=x onerror=y></p>")


# --- Bluesky ------------------------------------------------------------------------------------


def test_bluesky_metricbot_mentions(payloads: Path) -> None:
    result = load(payloads, "bluesky/listNotifications_mentions_metricbot_fixture.json")
    assert result.platform == "bluesky"
    assert (len(result.items), result.skipped, result.errors) == (2, 0, [])
    top, reply = result.items
    assert top.remote_id == "at://did:plc:n5o2wksggcs653t3seg5eu6b/app.bsky.feed.post/3kaqpcklzqg2x"
    assert top.url == "https://bsky.app/profile/user/post/3kaqpcklzqg2x"
    assert (top.author_handle, top.author_name, top.kind) == ("@user", "User", "mention")
    assert top.text.startswith("Here on #BlueSky some good bots")
    assert top.language == "en"
    assert top.created_at == datetime(2023, 10, 2, 5, 47, 58, 2000, tzinfo=UTC)
    assert top.in_reply_to_remote_id is None
    parent = "at://did:plc:n5o2wksggcs653t3seg5eu6b/app.bsky.feed.post/3kawzppdvec2y"
    assert reply.text == "@metricbot.bsky.social convert please!"
    assert (reply.in_reply_to_remote_id, reply.thread_root_remote_id) == (parent, parent)


def test_bluesky_snapshot_with_placeholders(payloads: Path) -> None:
    result = load(payloads, "bluesky/listNotifications_reply_and_mention_atproto_snapshot.json")
    assert [i.kind for i in result.items] == ["reply", "reply", "reply", "mention"]
    assert [i.remote_id for i in result.items] == [
        "record(0)",
        "record(5)",
        "record(6)",
        "record(9)",
    ]
    first = result.items[0]
    assert (first.author_handle, first.author_name, first.text) == (
        "@carol.test",
        "carol.test",
        "indeed",
    )
    assert (first.in_reply_to_remote_id, first.thread_root_remote_id) == ("record(3)", "record(4)")
    assert first.url is None  # "record(0)" is not an at:// post uri
    assert first.created_at == datetime(1970, 1, 1, tzinfo=UTC)
    assert result.items[2].author_name == "bobby"
    assert result.items[3].text == "@alice.bluesky.xyz is the best"


def bsky_notification(reason: str, **record: Any) -> dict[str, Any]:
    fields = {"text": "hi", "createdAt": "2024-01-02T03:04:05Z"}
    fields.update(record)
    return {
        "uri": "at://did:plc:abc/app.bsky.feed.post/3k2",
        "author": {"did": "did:plc:abc", "handle": "mairie.example.fr"},
        "reason": reason,
        "record": fields,
        "indexedAt": "2024-01-02T03:04:06Z",
    }


def test_bluesky_reasons_and_dates() -> None:
    listing = {
        "notifications": [
            bsky_notification("like"),
            bsky_notification("quote"),
            bsky_notification("follow"),
            bsky_notification("mention", createdAt="yesterday"),  # falls back to indexedAt
            bsky_notification("reply", createdAt="2023-07-02T15:51:31.629127"),  # no zone: UTC
        ]
    }
    result = PLATFORMS["bluesky"].parse(as_bytes(listing), "b.json")
    assert result.skipped == 2
    assert [i.kind for i in result.items] == ["quote", "mention", "reply"]
    assert result.items[0].url == "https://bsky.app/profile/mairie.example.fr/post/3k2"
    assert result.items[1].created_at == datetime(2024, 1, 2, 3, 4, 6, tzinfo=UTC)
    assert result.items[2].created_at == datetime(2023, 7, 2, 15, 51, 31, 629127, tzinfo=UTC)


def test_bluesky_bad_date_names_field_and_value() -> None:
    bad = bsky_notification("mention", createdAt="not-a-date-" + "9" * 500)
    bad["indexedAt"] = "also bad"
    result = PLATFORMS["bluesky"].parse(
        as_bytes({"notifications": [bsky_notification("mention"), bad]}), "b.json"
    )
    assert len(result.items) == 1
    (error,) = result.errors
    assert error.index == 1
    assert "record.createdAt" in error.message
    assert "not-a-date-" in error.message
    assert len(error.message) < 150


# --- X ------------------------------------------------------------------------------------------


def test_x_mentions_with_expansions(payloads: Path) -> None:
    result = load(payloads, "x/users_mentions_docs_expansions.json")
    assert result.platform == "x"
    item = result.items[0]
    assert item.remote_id == "1301573587187331074"
    assert (item.author_handle, item.author_name) == ("@developer", "Dev Person")
    assert item.url == "https://x.com/developer/status/1301573587187331074"
    assert item.text == "Hey @XDevelopers, love the new API!"
    assert item.created_at == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
    assert item.kind == "mention"


def test_x_mentions_without_expansions(payloads: Path) -> None:
    result = load(payloads, "x/users_mentions_tweepy_cassette.json")
    assert (len(result.items), result.errors) == (10, [])
    first = result.items[0]
    assert (first.author_handle, first.author_name) == ("unknown", "")
    assert first.url == "https://x.com/i/web/status/1578516295611748353"
    # no created_at requested: the time comes from the snowflake id
    assert first.created_at == datetime(2022, 10, 7, 22, 43, 6, 945000, tzinfo=UTC)
    assert [i.created_at for i in result.items] == sorted(
        (i.created_at for i in result.items), reverse=True
    )


def test_x_single_lookup_reply(payloads: Path) -> None:
    result = load(payloads, "x/tweet_reply_full_fields_docs.json")
    (item,) = result.items
    assert item.remote_id == "1212092628029698048"
    assert item.kind == "reply"
    assert item.in_reply_to_remote_id == "1212092627178287104"
    assert item.author_handle == "id:2244994945"  # author_id known, no includes.users
    assert item.language == "en"
    assert item.created_at == datetime(2019, 12, 31, 19, 26, 16, tzinfo=UTC)


def test_x_kinds_threads_escapes_and_broken_items() -> None:
    body = {
        "data": [
            {
                "id": "1",
                "text": "a &amp; b &lt;3",
                "author_id": "7",
                "conversation_id": "0",
                "created_at": "2024-01-01T00:00:00Z",
                "referenced_tweets": [{"type": "quoted", "id": "5"}],
            },
            {"id": "2", "author_id": "7", "created_at": "2024-01-01T00:00:00Z"},
            {"id": "abc", "text": "no date, not a snowflake"},
        ],
        "includes": {"users": [{"id": "7", "username": "prefecture", "name": "Préfecture"}]},
        "errors": [{"title": "Not Found Error", "detail": "Could not find tweet with ids: [9]."}],
    }
    result = PLATFORMS["x"].parse(as_bytes(body), "x.json")
    (item,) = result.items
    assert (item.kind, item.in_reply_to_remote_id, item.thread_root_remote_id) == (
        "quote",
        None,
        "0",
    )
    assert item.text == "a & b <3"
    assert item.url == "https://x.com/prefecture/status/1"
    assert [(e.index, e.message) for e in result.errors[:2]] == [
        (1, "missing field 'text'"),
        (2, "missing field 'created_at' and id 'abc' is not an X id"),
    ]
    assert "Could not find tweet" in result.errors[2].message


def test_x_empty_page_has_no_data_key() -> None:
    result = parse_payload(b'{"meta": {"result_count": 0}}', "empty.json")
    assert (result.platform, result.items, result.errors) == ("x", [], [])


# --- RSS / Atom ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "feedparser_docs_atom10",
        "feedparser_docs_rss20",
        "google_alerts_style_SYNTHETIC",
        "malformed_rss_SYNTHETIC",
    ],
)
def test_feeds_match_feedparser_reference(payloads: Path, name: str) -> None:
    expected = json.loads((payloads / f"rss/{name}.parsed.json").read_text())
    result = rss.parse((payloads / f"rss/{name}.xml").read_bytes(), f"{name}.xml")
    assert result.channel_hint == expected["feed"]["title"]
    assert len(result.items) == len(expected["entries"]) == 1
    for item, entry in zip(result.items, expected["entries"], strict=True):
        assert item.kind == "news"
        assert item.remote_id == entry["id"]
        assert item.url == rss.unwrap_google_redirect(entry["link"])
        assert item.title == html_to_text(entry["title"])
        assert (
            item.created_at.isoformat().replace("+00:00", "Z") == entry["published_parsed"]["iso"]
        )


def test_feed_entry_values(payloads: Path) -> None:
    atom = load(payloads, "rss/feedparser_docs_atom10.xml").items[0]
    assert (atom.author_handle, atom.author_name) == (
        "Mark Pilgrim (mark@example.org)",
        "Mark Pilgrim",
    )
    assert atom.text == "First entry title\nWatch out for nasty tricks"
    assert atom.language == "en"
    rss20 = load(payloads, "rss/feedparser_docs_rss20.xml").items[0]
    assert rss20.text == "First item title\nWatch out for nasty tricks"
    assert rss20.raw["published_parsed"] == "2002-09-05T00:00:01+00:00"  # JSON-able raw
    alert = load(payloads, "rss/google_alerts_style_SYNTHETIC.xml").items[0]
    assert alert.title == "Example City Council approves new bike lanes"
    assert alert.text.endswith("The Example City Council voted 7-2 on Tuesday to ...")
    assert alert.url == "https://news.example.org/2024/06/04/bike-lanes/"
    assert alert.author_handle == 'Google Alert - "Example City Council"'  # empty author -> feed


def test_malformed_feed_keeps_entries_and_warns(payloads: Path) -> None:
    result = load(payloads, "rss/malformed_rss_SYNTHETIC.xml")
    (item,) = result.items
    assert item.title == "Broken & unescaped title"
    assert item.text == "Broken & unescaped title\nMentions Example Org"
    assert item.created_at == datetime(2024, 9, 2, 8, 0, tzinfo=UTC)  # +0200 -> UTC
    (error,) = result.errors
    assert error.message == "feed is not well-formed: not well-formed (invalid token), line 1"
    assert error.line == 1


def billion_laughs_feed() -> str:
    entity = "A" * 40_000
    refs = "&big;" * 10_000
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "{entity}">]><rss version="2.0"><channel>'
        f"<title>t</title><item><title>x</title><description>{refs}</description></item></channel></rss>"
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_big_entity_feed_is_refused(encoding: str) -> None:
    """How fast: benchmarks/bench_hostile.py (``entities``)."""
    with pytest.raises(InputError) as caught:
        parse_payload(billion_laughs_feed().encode(encoding), "laughs.xml")
    assert caught.value.message.startswith("laughs.xml: ")
    assert "entities" in caught.value.message


def test_defusedxml_layer_refuses_entities_on_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rss, "check_feed_bytes", lambda data, source: None)
    with pytest.raises(InputError, match="refused for safety"):
        rss.parse(billion_laughs_feed().encode(), "laughs.xml")


def test_harden_feedparser_is_idempotent() -> None:
    rss.harden_feedparser()
    rss.harden_feedparser()
    drivers = feedparser.api.PREFERRED_XML_PARSERS
    assert drivers[0] == "defusedxml.expatreader"
    assert drivers.count("defusedxml.expatreader") == 1


def test_feed_size_and_field_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    huge = "word " * 60_000
    feed = (
        "<rss version='2.0'><channel><title>T</title><item><title>t</title>"
        f"<description>{huge}</description></item></channel></rss>"
    )
    item = rss.parse(feed.encode(), "big.xml").items[0]
    assert len(item.text) == MAX_TEXT_CHARS
    assert len(item.raw["summary"]) == MAX_TEXT_CHARS
    monkeypatch.setattr(rss, "MAX_FEED_BYTES", 1_000)
    with pytest.raises(InputError, match="too large"):
        rss.parse(feed.encode(), "big.xml")


def test_feed_without_ids_or_dates_gets_stable_fallbacks() -> None:
    feed = (
        b"<rss version='2.0'><channel><title>T</title><language>fr-FR</language>"
        b"<pubDate>Tue, 04 Jun 2024 12:00:00 GMT</pubDate>"
        b"<item><title>Sans lien</title></item></channel></rss>"
    )
    first, second = (rss.parse(feed, "f.xml").items[0] for _ in range(2))
    assert first.remote_id == second.remote_id
    assert first.remote_id.startswith("sha256:")
    assert first.created_at == datetime(2024, 6, 4, 12, tzinfo=UTC)  # the feed's own date
    assert first.language == "fr"
    assert first.author_handle == "T"


@pytest.mark.parametrize("data", [b"<html><body>hi</body></html>", b"<?xml version='1.0'?><note/>"])
def test_xml_that_is_not_a_feed_is_refused(data: bytes) -> None:
    with pytest.raises(InputError, match=r"page\.xml: not an RSS or Atom feed"):
        parse_payload(data, "page.xml")


# --- detection and bad input --------------------------------------------------------------------


def test_detect_and_registry(payloads: Path) -> None:
    assert set(PLATFORMS) == {"mastodon", "bluesky", "x", "rss", "email"}
    cases = {
        "mastodon/notifications_mentions_list.json": "mastodon",
        "mastodon/notification_mention_remote_docs.json": "mastodon",
        "bluesky/listNotifications_mentions_metricbot_fixture.json": "bluesky",
        "x/tweet_reply_full_fields_docs.json": "x",
        "rss/feedparser_docs_atom10.xml": "rss",
    }
    for name, platform in cases.items():
        assert detect((payloads / name).read_bytes(), name) is PLATFORMS[platform]


def test_invalid_json_names_line_and_column() -> None:
    with pytest.raises(InputError) as caught:
        parse_payload(b'[\n  {"id": "1",\n   "type" "mention"}\n]', "broken.json")
    assert caught.value.message.startswith("broken.json: not valid JSON: ")
    assert "(line 3, column 11)" in caught.value.message
    assert caught.value.hint


@pytest.mark.parametrize("data", [b'{"statuses": []}', b'"just text"', b"42 is not json either"])
def test_unknown_shape_is_refused(data: bytes) -> None:
    with pytest.raises(InputError) as caught:
        parse_payload(data, "odd.json")
    assert caught.value.message.startswith("odd.json: ")
    assert "Mastodon" in str(caught.value)
    assert "Bluesky" in str(caught.value)


@pytest.mark.parametrize("data", [b"", b"  \n ", b"[" * 100_000, b"[" + b"1" * 5_000 + b"]"])
def test_degenerate_input_is_an_input_error(data: bytes) -> None:
    with pytest.raises(InputError):
        parse_payload(data, "bad.json")


def test_broken_items_are_reported_with_their_index() -> None:
    no_id = mastodon_notification("2")
    del no_id["status"]["id"]
    bad_date = mastodon_notification("4", created_at="31/12/2024 " + "x" * 300)
    listing = [mastodon_notification("1"), no_id, "oops", bad_date, mastodon_notification("5")]
    result = parse_payload(as_bytes(listing), "mixed.json")
    assert [i.remote_id for i in result.items] == ["1", "5"]
    assert [(e.index, e.where()) for e in result.errors] == [
        (1, "item 1"),
        (2, "item 2"),
        (3, "item 3"),
    ]
    assert result.errors[0].message == "missing field 'status.id'"
    assert result.errors[1].message == "expected an object, got text"
    assert "'status.created_at'" in result.errors[2].message
    assert "31/12/2024" in result.errors[2].message
    assert len(result.errors[2].message) < 150


def test_hostile_text_is_kept_verbatim() -> None:
    masto = mastodon_notification(content=f"<p>{HOSTILE}</p>")
    masto["account"]["display_name"] = HOSTILE
    assert PLATFORMS["mastodon"].parse(as_bytes(masto), "m.json").items[0].text == HOSTILE
    bsky = {"notifications": [bsky_notification("mention", text=HOSTILE)]}
    assert PLATFORMS["bluesky"].parse(as_bytes(bsky), "b.json").items[0].text == HOSTILE
    tweet = {"data": {"id": "1578516295611748353", "text": HOSTILE}}
    assert PLATFORMS["x"].parse(as_bytes(tweet), "x.json").items[0].text == HOSTILE


def test_bom_and_oversized_text() -> None:
    tweet = {"data": [{"id": "1578516295611748353", "text": "é" * (MAX_TEXT_CHARS + 10)}]}
    result = parse_payload(b"\xef\xbb\xbf  " + as_bytes(tweet), "bom.json")
    assert len(result.items[0].text) == MAX_TEXT_CHARS


def test_parsers_do_not_mutate_or_share_input() -> None:
    listing = [mastodon_notification("1")]
    before = copy.deepcopy(listing)
    mastodon.parse_obj(listing, "m.json")
    assert listing == before


def test_connectors_never_import_textual() -> None:
    code = (
        "import sys, desk.platforms.registry, desk.platforms.detect\n"
        "sys.exit(any(m.split('.')[0] in ('textual', 'rich') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
