"""`desk ingest`: real payloads import as they are, re-import adds nothing, bad input is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desk.bootstrap import Desk
from desk.config import Settings
from desk.platforms.parsed import ParseResult
from tests.helpers.cli import Cli
from tests.helpers.desks import mention
from tests.helpers.paths import PAYLOADS

LISTINGS = [
    "mastodon/notifications_mentions_list.json",
    "mastodon/notification_mention_remote_docs.json",
    "bluesky/listNotifications_mentions_metricbot_fixture.json",
    "bluesky/listNotifications_reply_and_mention_atproto_snapshot.json",
    "x/users_mentions_docs_expansions.json",
    "x/users_mentions_tweepy_cassette.json",
    "x/tweet_reply_full_fields_docs.json",
    "rss/feedparser_docs_atom10.xml",
    "rss/feedparser_docs_rss20.xml",
    "rss/google_alerts_style_SYNTHETIC.xml",
    "rss/malformed_rss_SYNTHETIC.xml",
]


def test_every_real_listing_imports(desk: Desk) -> None:
    reports = desk.ingest.ingest_files([PAYLOADS / name for name in LISTINGS])
    by_file = {Path(r.source).name: r for r in reports}
    assert all(r.rejected == 0 for r in reports), [r.errors for r in reports]
    assert by_file["notifications_mentions_list.json"].new == 1
    assert by_file["users_mentions_tweepy_cassette.json"].new == 10
    assert by_file["malformed_rss_SYNTHETIC.xml"].new >= 1
    assert by_file["malformed_rss_SYNTHETIC.xml"].warnings  # not well-formed, said so
    total = sum(r.new for r in reports)
    from desk.db.store import QueueFilter

    assert desk.queries.count(QueueFilter(view="all")) == total
    # each import is audited with its triage decision
    events = [e for e in desk.queries.audit_log(limit=1000) if e.action == "mention.ingested"]
    assert len(events) == total
    assert {"category", "assignee", "route", "rules", "matched"} <= set(events[0].data)


def test_mastodon_html_becomes_plain_text(desk: Desk) -> None:
    (report,) = desk.ingest.ingest_files([PAYLOADS / "mastodon/notifications_mentions_list.json"])
    detail = desk.queries.detail(report.new_ids[0])
    assert "<" not in detail.text
    assert detail.text == "@mastodonpy_test hello!"
    assert json.loads(json.dumps(detail.to_json()))["platform"] == "mastodon"


def test_reimport_adds_nothing(desk: Desk) -> None:
    files = [PAYLOADS / name for name in LISTINGS[:7]]
    first = desk.ingest.ingest_files(files)
    again = desk.ingest.ingest_files(files)
    assert sum(r.new for r in again) == 0
    assert sum(r.duplicate for r in again) == sum(r.new for r in first)
    assert desk.queries.verify_audit().ok


def test_bad_item_is_named_and_good_items_still_import(
    cli: Cli, settings: Settings, desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = json.loads((PAYLOADS / "mastodon/notification_mention_remote_docs.json").read_text())
    broken = json.loads(json.dumps(good))
    del broken["status"]["id"]
    other = json.loads(json.dumps(good))
    other["status"]["id"] = "999"
    other["id"] = "9990"
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps([good, broken, other]))
    assert cli("ingest", str(path)) == 1
    out = capsys.readouterr()
    assert "mixed.json: item 1:" in out.err
    assert "status.id" in out.err
    assert "2 new, 0 duplicate, 0 skipped (not mentions), 1 rejected" in out.out
    assert "Traceback" not in out.err


def test_malformed_and_unknown_files(
    cli: Cli, settings: Settings, desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('[{"id": "1", ')
    unknown = tmp_path / "unknown.json"
    unknown.write_text('{"hello": "world"}')
    missing = tmp_path / "missing.json"
    assert (
        cli(
            "ingest",
            str(bad_json),
            str(unknown),
            str(missing),
            str(PAYLOADS / "x/users_mentions_docs_expansions.json"),
        )
        == 1
    )
    out = capsys.readouterr()
    assert "bad.json: not valid JSON" in out.err
    assert "line 1" in out.err
    assert "unknown.json" in out.err
    assert "missing.json: file not found" in out.err
    assert "users_mentions_docs_expansions.json [x]: 1 new" in out.out
    assert "Traceback" not in out.err


def test_ingest_json_counts(
    cli: Cli, settings: Settings, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(PAYLOADS / "bluesky/listNotifications_reply_and_mention_atproto_snapshot.json")
    assert cli("ingest", "--json", path) == 0
    first = json.loads(capsys.readouterr().out)
    assert cli("ingest", "--json", path) == 0
    second = json.loads(capsys.readouterr().out)
    assert first["total"]["new"] > 0
    assert second["total"] == {
        "new": 0,
        "duplicate": first["total"]["new"],
        "skipped": first["total"]["skipped"],
        "rejected": 0,
    }


def test_entity_bomb_feed_is_refused(
    cli: Cli, settings: Settings, desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = "A" * 40_000
    refs = "&big;" * 10_000
    feed = tmp_path / "bomb.xml"
    feed.write_text(
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "{big}">]><rss version="2.0"><channel><title>t</title><item><title>x</title><description>{refs}</description></item></channel></rss>'
    )
    assert cli("ingest", str(feed)) == 1
    assert "bomb.xml" in capsys.readouterr().err
    from desk.db.store import QueueFilter

    assert desk.queries.count(QueueFilter(view="all")) == 0


def test_the_same_id_on_two_channels_is_two_mentions(desk: Desk) -> None:
    """Issue 12 #16: two Mastodon instances whose status ids coincide lost the second mention
    ("0 new, 1 already in the desk"), and a hostile feed could pre-empt another feed's article.
    A remote id is unique within its channel only, as the table's unique key says."""
    one = ParseResult(platform="mastodon", items=[mention("42", "Sur ville.social")])
    two = ParseResult(platform="mastodon", items=[mention("42", "Sur autre.example")])
    first = desk.ingest.ingest_parsed(one, "a.json", channel_name="ville")
    second = desk.ingest.ingest_parsed(two, "b.json", channel_name="autre")
    assert (first.new, second.new, second.duplicate) == (1, 1, 0)
    again = desk.ingest.ingest_parsed(two, "b.json", channel_name="autre")
    assert (again.new, again.duplicate) == (0, 1)  # within one channel, still once
    texts = {desk.queries.detail(i).text for i in first.new_ids + second.new_ids}
    assert texts == {"Sur ville.social", "Sur autre.example"}
