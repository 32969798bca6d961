"""desk.text.length counts like each platform: figures verified in platform_apis.md, the real Bluesky
post record, twitter-text itself as the reference for X, and hostile text that stays fast."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest
from twitter_text import parse_tweet
from twitter_text.config import config as twitter_config
from twitter_text.extract_urls import extract_urls_with_indices

from desk.config.channels import ChannelConfig
from desk.platforms.registry import PLATFORMS
from desk.text.length import LATIN_ACCENTS, Length, graphemes, protocol_urls, utf8_bytes
from tests.helpers.paths import PAYLOADS


def check(platform: str, text: str, limit: int | None = None, **kw: str) -> Length:
    """``text`` measured as ``platform`` counts a reply (its Platform.reply_length)."""
    return PLATFORMS[platform].reply_length(text, limit, **kw)


def length_of(platform: str, text: str) -> int:
    """The length alone."""
    return check(platform, text).length


FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 👨‍👩‍👧‍👦, 25 bytes
E_ACUTE_DECOMPOSED = "e\u0301"


# -- X: twitter-text v3 --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, world! \U0001f44b", 16),
        ("english text 日本語 \U0001f637 https://example.com", 46),
        (FAMILY, 2),
        (E_ACUTE_DECOMPOSED, 1),  # NFC first: é weighs 1
        ("voir https://example.org/" + "a" * 600, 5 + 23),
        ("ville.fr", 23),  # X counts a URL without protocol too
    ],
)
def test_x_weighted_length(text: str, expected: int) -> None:
    assert length_of("x", text) == expected
    assert check("x", text).length == expected


def test_x_limit() -> None:
    assert check("x", "x" * 280).ok
    over = check("x", "x" * 281)
    assert (over.ok, over.length, over.limit, over.unit) == (False, 281, 280, "weighted")
    assert over.reason == "over 280 weighted characters"
    assert check("x", "x" * 281).remaining == -1
    assert check("x", "x" * 281, limit=25_000).ok  # a channel allowed longer posts


def test_x_refuses_invalid_characters() -> None:
    result = check("x", "bonjour\ufeff")
    assert not result.ok
    assert "U+FEFF" in (result.reason or "")


# -- Mastodon: StatusLengthValidator -------------------------------------------------------


def test_mastodon_url_counts_23_whatever_its_length() -> None:
    url = "https://example.org/" + "a" * 580
    assert len(url) == 600
    assert length_of("mastodon", url) == 23
    assert length_of("mastodon", f"voir {url} merci") == 5 + 23 + 6


def test_mastodon_url_needs_its_protocol() -> None:
    assert length_of("mastodon", "ville.fr") == 8  # Mastodon extracts URLs with protocol only


def test_mastodon_remote_mention_counts_its_local_part() -> None:
    assert length_of("mastodon", "@someone@very.long.domain.example") == len("@someone")
    assert length_of("mastodon", "Bonjour @someone@very.long.domain.example !") == len(
        "Bonjour @someone !"
    )
    assert length_of("mastodon", "contact@ville.example") == len("contact@ville.example")


def test_mastodon_counts_grapheme_clusters() -> None:
    assert length_of("mastodon", FAMILY) == 1
    assert check("mastodon", E_ACUTE_DECOMPOSED * 500).ok
    assert check("mastodon", E_ACUTE_DECOMPOSED * 500).length == 500
    over = check("mastodon", E_ACUTE_DECOMPOSED * 501)
    assert (over.ok, over.reason) == (False, "over 500 characters")


def test_mastodon_spoiler_text_counts() -> None:
    assert check("mastodon", "a" * 490).ok
    result = check("mastodon", "a" * 490, spoiler_text="CW: travaux")
    assert (result.length, result.ok) == (501, False)


def test_mastodon_limit_comes_from_the_channel() -> None:
    channel = ChannelConfig(name="ville", platform="mastodon", max_chars=1000)
    assert check("mastodon", "x").limit == 500
    assert check("mastodon", "x", limit=channel.max_chars).limit == 1000
    assert check("mastodon", "a" * 900, limit=channel.max_chars).ok
    assert check("mastodon", "a" * 900, limit=channel.max_chars).remaining == 100
    assert not check("mastodon", "a" * 900).ok


# -- Bluesky: 300 graphemes and 3000 bytes -------------------------------------------------


def test_bluesky_real_post_record() -> None:
    record = json.loads(
        (PAYLOADS / "bluesky" / "post_record_with_facets_bsky_docs.json").read_text("utf-8")
    )
    text = record["text"]
    assert (graphemes(text), utf8_bytes(text)) == (88, 109)
    result = check("bluesky", text)
    assert (result.length, result.limit, result.unit, result.ok) == (88, 300, "graphemes", True)
    # the facets' byte offsets are in the same unit as the byte limit
    link = record["facets"][1]["index"]
    assert text.encode()[link["byteStart"] : link["byteEnd"]].decode().startswith("https://")


def test_bluesky_grapheme_limit() -> None:
    assert check("bluesky", "é" * 300).ok
    over = check("bluesky", "é" * 301)
    assert (over.ok, over.unit, over.reason) == (False, "graphemes", "over 300 graphemes")
    assert check("bluesky", "é" * 301).remaining == -1


def test_bluesky_byte_limit_binds_on_stacked_marks() -> None:
    text = ("e" + "\u0301" * 5) * 299  # 299 graphemes, 11 bytes each
    assert graphemes(text) == 299
    assert utf8_bytes(text) == 3289
    result = check("bluesky", text)
    assert (result.ok, result.unit, result.limit) == (False, "bytes", 3000)
    assert result.reason == "over 3000 bytes"
    assert result.remaining == -289
    assert graphemes(text) == 299  # the bytes bind first


def test_bluesky_reports_the_tighter_limit() -> None:
    assert check("bluesky", FAMILY * 120).ok  # 120 graphemes, exactly 3000 bytes
    assert check("bluesky", FAMILY * 100).remaining == 500  # bytes bind before graphemes
    assert check("bluesky", FAMILY * 100).unit == "bytes"
    assert check("bluesky", "a" * 299).unit == "graphemes"
    assert not check("bluesky", FAMILY * 121).ok
    assert check("bluesky", "x", limit=1000).limit == 300  # the lexicon's limit cannot be raised
    assert check("bluesky", "x", limit=280).limit == 280


# -- everything ----------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["mastodon", "bluesky", "x"])
def test_empty_and_broken_text(platform: str) -> None:
    assert check(platform, "").reason == "empty"
    assert check(platform, "  \n").reason == "empty"
    broken = check(platform, "bonjour \ud800")  # a lone surrogate from a broken JSON escape
    assert not broken.ok
    assert "surrogate" in (broken.reason or "")


def test_platforms_without_replies() -> None:
    assert check("rss", "x").limit is None
    assert check("rss", "x", limit=500).limit is None
    result = check("rss", "anything")
    assert (result.limit, result.remaining, result.ok) == (None, None, True)
    assert check("rss", "x").remaining is None


_FRAGMENTS = [
    "Bonjour",
    "merci !",
    "日本語",
    "\U0001f637",
    FAMILY,
    E_ACUTE_DECOMPOSED,
    "é",
    "https://example.com/path?q=1",
    "(https://ville.fr/a)",
    "HTTPS://Ex.COM",
    "https://t.co/abc",
    "example.org",
    "www.mairie.gouv.fr/page.html",
    "a.b.c",
    "foo.bar.baz.qux.quux.com",
    "@bob@x.org",
    "contact@ville.fr",
    "http://[::1]/x",
    "https://ex.com/(a)b",
    "https://ex.com/?q=a.b,",
    "https://ex.com/" + "a" * 200,
    "https://ex.com/" + "日" * 150,
    "\r\n",
    "\n",
]


def test_same_as_twitter_text_on_ordinary_text() -> None:
    """The guards against hostile text change nothing for ordinary text (glued fragments too)."""
    rng = random.Random(20261112)
    options = {**twitter_config["defaults"], "max_weighted_tweet_length": 100_000}
    for _ in range(400):
        text = "".join(
            rng.choice(_FRAGMENTS) + rng.choice(["", " ", " ", "\n"])
            for _ in range(rng.randint(1, 12))
        )
        assert length_of("x", text) == parse_tweet(text, options).weightedLength, text
        expected = [
            (u["indices"][0], u["indices"][1]) for u in extract_urls_with_indices(text, False)
        ]
        assert sorted(protocol_urls(text)) == sorted(expected), text


_HOSTILE = {
    "dotted": "voir " + "a." * 5000,
    "dotted after protocol": "https://" + "a." * 5000,
    "hyphens": "https://" + "a-" * 5000,
    "hyphens then dot": "a-" * 5000 + ".a",
    "underscores": "https://" + "a_" * 5000,
    "many short dotted words": ("a." * 23 + " ") * 200,
    "long labels": ("https://" + "a" * 3000 + ".") * 3,
    "protocols": "https://" * 1200,
    "mentions": "@a" * 5000,
    "parens": "https://a.com/" + "(" * 5000,
}


@pytest.mark.parametrize("name", list(_HOSTILE))
def test_hostile_text_is_measured_quickly(name: str) -> None:
    """twitter-text alone takes from seconds to minutes on these (its URL regex backtracks);
    desk refuses them as too long. How fast: benchmarks/bench_hostile.py (``length``)."""
    text = _HOSTILE[name]
    for platform in ("mastodon", "bluesky", "x"):
        assert not check(platform, text).ok, (name, platform)


def test_a_long_url_in_a_long_run_still_counts_23() -> None:
    url = "https://example.org/" + "a" * 1000
    assert length_of("mastodon", f"voir {url}") == 5 + 23
    assert length_of("x", f"voir {url}") == 5 + 23
    assert length_of("x", f"voir {url}{FAMILY}日") == 5 + 23 + 2 + 2


def test_latin_accents_match_twitter_text() -> None:
    from twitter_text.regexp.latin_accent_chars import latin_accent_chars

    assert LATIN_ACCENTS == latin_accent_chars.pattern.encode().decode("unicode_escape")
    assert length_of("mastodon", "@zoé@ville.example") == len("@zoé@ville.example")


def test_importing_textlen_does_not_load_twitter_text() -> None:
    """Nor does counting a Mastodon reply without a colon (no URL with a protocol): loading
    twitter-text costs a command ~0.3 s."""
    code = (
        "import sys, desk.text.length; print('twitter_text' in sys.modules)\n"
        "from desk.platforms.mastodon import PLATFORM\n"
        'print(PLATFORM.reply_length("Oui, l\'eau est potable (voir ville.example).").length)\n'
        "print('twitter_text' in sys.modules)\n"
        "print(PLATFORM.reply_length('Oui : https://www.ville.fr/eau-potable').length)\n"
        "print('twitter_text' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "44", "False", "29", "True"]
