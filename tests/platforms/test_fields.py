"""desk.platforms.fields: what every client shares, here the stored cursor's JSON object."""

from __future__ import annotations

import pytest

from desk.platforms.fields import cursor_object
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
