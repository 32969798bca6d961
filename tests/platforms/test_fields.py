"""desk.platforms.fields: what the clients share (a stored cursor's JSON object, a moment)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from desk.platforms.fields import aware_moment, cursor_object
from desk.platforms.mastodon.client import NOTIFICATIONS
from desk.platforms.mastodon.client import load_cursor as mastodon_cursor
from desk.platforms.rss.client import decode_cursor


@pytest.mark.parametrize("stored", [None, "", "not json", "[1, 2]", '"text"', "12345"])
def test_a_cursor_that_holds_no_object_is_none(stored: str | None) -> None:
    assert cursor_object(stored) is None


def test_a_cursor_object_is_read_as_stored() -> None:
    assert cursor_object('{"a": 1, "b": {"c": "d"}}') == {"a": 1, "b": {"c": "d"}}


def test_the_clients_read_an_older_or_unreadable_cursor_as_before() -> None:
    assert mastodon_cursor("109876") == {NOTIFICATIONS: "109876"}  # a bare id, as once stored
    assert mastodon_cursor("") == {}
    assert decode_cursor("[]") == (None, None)
    assert decode_cursor('{"etag": "\\"v1\\""}') == ('"v1"', None)


def test_a_moment_counts_only_with_its_offset() -> None:
    assert aware_moment("2026-11-10T09:00:00Z") == datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
    assert aware_moment("2026-11-10T09:00:00-05:00") == datetime(2026, 11, 10, 14, 0, tzinfo=UTC)
    assert aware_moment("2026-11-10T09:00:00") is None  # no offset: not placed in time
    assert aware_moment("hier") is None
    assert aware_moment(1731229200) is None
