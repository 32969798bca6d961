"""desk.text.length: a reply measured as each platform counts it."""

from __future__ import annotations

import pytest

from desk.platforms.registry import PLATFORMS
from desk.text.length import graphemes


@pytest.mark.parametrize(
    ("platform", "text", "expected"),
    [
        ("mastodon", "bonjour", 7),
        ("mastodon", "voir https://example.org/" + "a" * 80, 5 + 23),
        ("bluesky", "👨‍👩‍👧 é", 3),
        ("x", "abc", 3),
        ("x", "日本", 4),
        ("x", "👍🏽", 2),
        ("x", "lien https://example.org/very/long/path", 5 + 23),
    ],
)
def test_measure(platform: str, text: str, expected: int) -> None:
    assert PLATFORMS[platform].reply_length(text).length == expected


def test_remaining_and_graphemes() -> None:
    assert PLATFORMS["x"].reply_length("a" * 281).remaining == -1
    assert PLATFORMS["rss"].reply_length("x").remaining is None
    assert graphemes("e\u0301") == 1
