"""`desk ingest`: real payloads import as they are, re-import adds nothing, bad input is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desk.bootstrap import Desk
from desk.cli import main
from desk.config import Settings
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


def _cli(settings: Settings, *args: str) -> int:
    return main(
        ["--db", str(settings.db), "--config", str(settings.config), "--as", "amelie", *args]
    )


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
    settings: Settings, desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = json.loads((PAYLOADS / "mastodon/notification_mention_remote_docs.json").read_text())
    broken = json.loads(json.dumps(good))
    del broken["status"]["id"]
    other = json.loads(json.dumps(good))
    other["status"]["id"] = "999"
    other["id"] = "9990"
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps([good, broken, other]))
    assert _cli(settings, "ingest", str(path)) == 1
    out = capsys.readouterr()
    assert "mixed.json: item 1:" in out.err
    assert "status.id" in out.err
    assert "2 new, 0 duplicate, 0 skipped (not mentions), 1 rejected" in out.out
    assert "Traceback" not in out.err


def test_malformed_and_unknown_files(
    settings: Settings, desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('[{"id": "1", ')
    unknown = tmp_path / "unknown.json"
    unknown.write_text('{"hello": "world"}')
    missing = tmp_path / "missing.json"
    assert (
        _cli(
            settings,
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
    settings: Settings, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(PAYLOADS / "bluesky/listNotifications_reply_and_mention_atproto_snapshot.json")
    assert _cli(settings, "ingest", "--json", path) == 0
    first = json.loads(capsys.readouterr().out)
    assert _cli(settings, "ingest", "--json", path) == 0
    second = json.loads(capsys.readouterr().out)
    assert first["total"]["new"] > 0
    assert second["total"] == {
        "new": 0,
        "duplicate": first["total"]["new"],
        "skipped": first["total"]["skipped"],
        "rejected": 0,
    }


def test_entity_bomb_feed_is_refused(
    settings: Settings, desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = "A" * 40_000
    refs = "&big;" * 10_000
    feed = tmp_path / "bomb.xml"
    feed.write_text(
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "{big}">]><rss version="2.0"><channel><title>t</title><item><title>x</title><description>{refs}</description></item></channel></rss>'
    )
    assert _cli(settings, "ingest", str(feed)) == 1
    assert "bomb.xml" in capsys.readouterr().err
    from desk.db.store import QueueFilter

    assert desk.queries.count(QueueFilter(view="all")) == 0
