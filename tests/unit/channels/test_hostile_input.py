"""Hostile or odd payloads found in review: each is refused or neutralised, never a crash, and
one bad file never stops the others."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desk.bootstrap import Desk
from desk.db.store import QueueFilter
from desk.platforms.detect import parse_payload
from tests.helpers.cli import Cli
from tests.helpers.paths import PAYLOADS


def _mastodon(**status: object) -> dict:
    item = json.loads((PAYLOADS / "mastodon/notification_mention_remote_docs.json").read_text())
    item["status"].update(status)
    return item


@pytest.mark.parametrize(
    "created_at",
    [
        "9999-12-31T23:30:00Z",
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:59-05:00",
        "2999-01-01T00:00:00Z",
    ],
)
def test_implausible_dates_are_item_errors(created_at: str) -> None:
    result = parse_payload(json.dumps([_mastodon(created_at=created_at)]).encode(), "d.json")
    assert result.items == []
    assert "created_at" in result.errors[0].message


def test_x_id_far_in_the_future_is_an_item_error() -> None:
    payload = {"data": [{"id": "99999999999999999999", "text": "hi"}]}
    result = parse_payload(json.dumps(payload).encode(), "x.json")
    assert result.items == []
    assert result.errors[0].index == 0


def test_epoch_placeholder_dates_still_import() -> None:
    result = parse_payload(
        (
            PAYLOADS / "bluesky/listNotifications_reply_and_mention_atproto_snapshot.json"
        ).read_bytes(),
        "b.json",
    )
    assert result.items
    assert all(i.created_at == datetime(1970, 1, 1, tzinfo=UTC) for i in result.items)


def test_lone_surrogates_are_replaced_and_stored(desk: Desk, tmp_path: Path) -> None:
    raw = json.dumps([_mastodon()]).replace('"acct": "', '"acct": "\\ud800x', 1)
    path = tmp_path / "surr.json"
    path.write_text(raw)
    (report,) = desk.ingest.ingest_files([path])
    assert report.new == 1
    assert "\ufffd" in desk.queries.detail(report.new_ids[0]).author_handle
    assert desk.queries.verify_audit().ok


@pytest.mark.parametrize("ref", ["&#xD800;", "&#x110000;", "&#99999999999999999999;"])
def test_feed_character_references_do_not_crash(desk: Desk, tmp_path: Path, ref: str) -> None:
    feed = tmp_path / "f.xml"
    feed.write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>a {ref} b</title><link>http://x/1</link></item></channel></rss>'
    )
    good = PAYLOADS / "x/users_mentions_docs_expansions.json"
    reports = desk.ingest.ingest_files([feed, good])
    assert reports[1].new == 1  # the next file still goes in
    assert reports[0].rejected or reports[0].new == 1


def test_language_field_cannot_carry_escapes() -> None:
    result = parse_payload(
        json.dumps([_mastodon(language="\x1b]0;pwned\x07\x1b[2J")]).encode(), "l.json"
    )
    assert result.items[0].language is None
    result = parse_payload(json.dumps([_mastodon(language="fr-CA")]).encode(), "l.json")
    assert result.items[0].language == "fr"


def test_oversized_ids_are_item_errors() -> None:
    result = parse_payload(json.dumps([_mastodon(id="9" * 5000)]).encode(), "big.json")
    assert result.items == []
    assert "status.id" in result.errors[0].message


def test_devices_and_pipes_are_refused(
    cli: Cli, desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert cli("ingest", "/dev/zero", str(fifo), str(tmp_path)) == 1
    err = capsys.readouterr().err
    assert err.count("not a regular file") == 2
    assert "is a folder" in err
    assert desk.queries.count(QueueFilter(view="all")) == 0
