"""Counting a post the ways platforms count it: the methods, not the numbers.

Each platform (``desk.platforms.<name>``) picks its method and its limit; this module knows no
platform by name. The methods:

- grapheme clusters (``graphemes``: the regex module's ``\\X``, Unicode UAX #29) and UTF-8
  bytes (``utf8_bytes``);
- ``countable_text``: the text with every URL carrying its protocol (found as twitter-text's
  extractor finds it) replaced by a placeholder of fixed length, and every ``@user@domain``
  mention shortened to ``@user`` (how Mastodon's ``StatusLengthValidator`` counts);
- ``weighted_length``: twitter-text v3's weighted length (``twitter-text-parser``, the official
  rules: NFC, CJK and emoji weigh 2, a URL 23), checked against a cap;
- ``judge``: the verdict every platform gives the same way (over the limit, empty, broken).

twitter-text's URL regex is tried at every position and backtracks for seconds on long runs of
host-name characters, and the composer measures on every key. Two guards keep hostile text fast
and leave ordinary text exact (tests compare with twitter-text itself): a run of 16 or more
dot-separated labels is never taken for a host name, and in a whitespace-free run longer than
512 characters URLs are looked for only where ``http(s)://`` starts.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from types import SimpleNamespace

import regex

URL_WEIGHT = 23  # what a URL weighs in twitter-text v3 (``transformedURLLength``)

_GRAPHEME = regex.compile(r"\X")
_SURROGATE = regex.compile(r"[\ud800-\udfff]")
# Mastodon Account::MENTION_RE (USERNAME_RE is case-insensitive, the domain part is [[:word:]]).
_MENTION = regex.compile(
    r"(?<![=/\w])@(?P<user>(?i:[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*))(?:@\w+(?:[.-]+\w+)*)?"
)
# twitter-text's latin accents; :end_mention_match: a mention followed by these is not a mention.
LATIN_ACCENTS = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b"
    "\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_END_MENTION = regex.compile("[@\uff20" + LATIN_ACCENTS + "]|://")
# A run of this many dot-separated labels is not taken for a host name (real ones have a handful):
# twitter-text's URL regex backtracks for seconds on such runs. Counted as plain text instead.
_DOTTED_RUN = regex.compile(r"(?<![^\s./])(?:[^\s./]++\.){16,}+")
# twitter-text tries its URL regex at every position, which costs O(n^2) on one long run of
# host-name characters; runs longer than this get a single try at each "http(s)://" instead.
_LONG_RUN = regex.compile(r"\S{513,}")
_PROTOCOL = regex.compile(r"https?://", regex.IGNORECASE)


@functools.cache
def _twitter_text() -> SimpleNamespace:
    """twitter-text's pieces, imported on first use: compiling its emoji regex takes ~0.2 s,
    which every ``desk`` command would otherwise pay at start."""
    from twitter_text import parse_tweet
    from twitter_text.config import config
    from twitter_text.extract_urls import extract_urls_with_indices, is_valid_url
    from twitter_text.get_character_weight import get_character_weight
    from twitter_text.has_invalid_characters import has_invalid_characters
    from twitter_text.regexp.emoji import emoji
    from twitter_text.regexp.extract_url import extract_url
    from twitter_text.regexp.valid_tco_url import valid_tco_url

    return SimpleNamespace(
        parse_tweet=parse_tweet,
        options=config["defaults"],
        extract_urls_with_indices=extract_urls_with_indices,
        is_valid_url=is_valid_url,
        get_character_weight=get_character_weight,
        has_invalid_characters=has_invalid_characters,
        emoji=emoji,
        extract_url=extract_url,
        valid_tco_url=valid_tco_url,
    )


@dataclass(frozen=True, slots=True)
class Length:
    """A text measured against one platform's limit.

    ``unit`` is ``characters``, ``graphemes``, ``bytes`` or ``weighted``; ``limit`` is None where
    no reply is posted. ``reason`` says why ``ok`` is false: ``over 3000 bytes``, ``empty``...
    """

    platform: str
    length: int
    limit: int | None
    unit: str
    ok: bool
    reason: str | None = None

    @property
    def remaining(self) -> int | None:
        """Units left under the limit (negative when over); None without a limit."""
        return None if self.limit is None else self.limit - self.length


def graphemes(text: str) -> int:
    """Number of user-perceived characters (an emoji family counts one)."""
    return len(_GRAPHEME.findall(text))


def utf8_bytes(text: str) -> int:
    """Length in UTF-8 bytes (a lone surrogate, which cannot be posted, counts 3)."""
    return len(text.encode("utf-8", "surrogatepass"))


def without_surrogates(text: str) -> str:
    """``text`` with lone surrogates (which no platform accepts) as U+FFFD, for counting."""
    return _SURROGATE.sub("\ufffd", text)


def judge(
    platform: str,
    text: str,
    length: int,
    limit: int,
    unit: str,
    *,
    refused: str | None = None,
) -> Length:
    """The verdict on ``text`` measured ``length`` ``unit`` against ``limit``: over the limit,
    empty, broken (a lone surrogate), or the platform's own ``refused`` reason."""
    if length > limit:
        refused = f"over {limit} {'weighted characters' if unit == 'weighted' else unit}"
    elif not text.strip():
        refused = "empty"
    elif without_surrogates(text) != text:
        refused = "contains a lone surrogate (broken text)"
    return Length(platform, length, limit, unit, refused is None, refused)


def no_replies(platform: str, text: str) -> Length:
    """The length of ``text`` where no reply is posted (no limit)."""
    return Length(platform, graphemes(text), None, "characters", True)


def weighted_length(text: str, cap: int) -> tuple[int, bool]:
    """twitter-text v3's weighted length of ``text`` and whether it is valid under ``cap`` (not
    empty, not over, no character twitter-text refuses)."""
    return _x_weighted(without_surrogates(text), cap)


def _x_weighted(text: str, cap: int) -> tuple[int, bool]:
    """twitter-text's weighted length and validity; long runs are weighed by ``_run_weight``."""
    tt = _twitter_text()
    blanked, runs = _blank_long_runs(_defuse(text))
    length = tt.parse_tweet(blanked).weightedLength
    # A blanked run weighed one per space; weighing it apart is exact because URLs and emoji
    # never span whitespace.
    length += sum(_run_weight(run) - len(run) for _, run in runs)
    # parse_tweet's own ``valid``, against ``cap`` rather than its built-in 280.
    return length, 0 < length <= cap and not tt.has_invalid_characters(text)


def _defuse(text: str) -> str:
    """``text`` with the dots of impossibly long dotted runs made commas: same length, same
    weight, same graphemes, but no host name for twitter-text's regex to backtrack over."""
    return _DOTTED_RUN.sub(lambda m: m.group().replace(".", ","), text)


def _blank_long_runs(text: str) -> tuple[str, list[tuple[int, str]]]:
    """``text`` with each overlong whitespace-free run replaced by as many spaces, and the runs."""
    runs = [(m.start(), m.group()) for m in _LONG_RUN.finditer(text)]
    if not runs:
        return text, runs
    return _LONG_RUN.sub(lambda m: " " * len(m.group()), text), runs


def _run_protocol_urls(run: str) -> list[tuple[int, int]]:
    """twitter-text URLs with a protocol in one whitespace-free run, trying the URL regex only
    where ``http(s)://`` starts (linear time); each try consumes its match, as finditer does."""
    tt = _twitter_text()
    found: list[tuple[int, int]] = []
    consumed = 0
    for candidate in _PROTOCOL.finditer(run):
        start = candidate.start()
        if start < consumed:
            continue
        match = tt.extract_url.match(run, max(start - 1, 0))
        if match is None or match.start(3) != start or not match.group(4):
            continue
        consumed = end = match.end()
        url, protocol, domain = match.group(3), match.group(4), match.group(5)
        if not tt.is_valid_url(url, protocol, domain):
            continue
        tco = tt.valid_tco_url.search(url)
        if tco:  # a t.co link: no path beyond the slug (twitter-text's own rule)
            if len(tco.group(1)) > 40:
                continue
            end = start + len(tco.group(0))
        found.append((start, end))
    return found


def _run_weight(run: str) -> int:
    """X weight of one long whitespace-free run: URLs with a protocol 23, emoji 2, each other
    code point its twitter-text weight (a long URL without protocol is weighed in full)."""
    tt = _twitter_text()
    options = tt.options
    run = unicodedata.normalize("NFC", run)
    urls = dict(_run_protocol_urls(run))
    emoji = {m.start(): m.end() for m in tt.emoji.finditer(run)}
    scaled, i = 0, 0
    while i < len(run):
        if i in urls:
            scaled, i = scaled + URL_WEIGHT * options["scale"], urls[i]
        elif i in emoji:
            scaled, i = scaled + options["default_weight"], emoji[i]
        else:
            scaled, i = scaled + tt.get_character_weight(run[i], options), i + 1
    return scaled // options["scale"]


def protocol_urls(text: str) -> list[tuple[int, int]]:
    """The spans of twitter-text URLs that carry their protocol (Mastodon's
    ``Extractor.extract_urls_with_indices(str, extract_url_without_protocol: false)``)."""
    if ":" not in text:  # twitter-text's own first test: no protocol, no URL, nothing to load
        return []
    blanked, runs = _blank_long_runs(_defuse(text))
    spans = [
        (url["indices"][0], url["indices"][1])
        for url in _twitter_text().extract_urls_with_indices(
            blanked, extract_urls_without_protocol=False
        )
    ]
    for offset, run in runs:
        spans += [(offset + start, offset + end) for start, end in _run_protocol_urls(run)]
    return spans


def countable_text(text: str, url_weight: int = URL_WEIGHT) -> str:
    """The text as Mastodon counts it (``countable_text``): each URL with its protocol becomes
    ``url_weight`` x's and each ``@user@domain`` becomes ``@user``."""
    text = without_surrogates(text)
    if not text.strip():
        return ""
    entities = [(start, end, "x" * url_weight) for start, end in protocol_urls(text)]
    for match in _MENTION.finditer(text):
        if not _END_MENTION.match(text, match.end()):
            entities.append((match.start(), match.end(), "@" + match["user"]))
    out: list[str] = []
    last = 0
    for start, end, replacement in sorted(entities, key=lambda entity: entity[0]):
        if start < last:  # Extractor.remove_overlapping_entities: the earlier one wins
            continue
        out += [text[last:start], replacement]
        last = end
    out.append(text[last:])
    return "".join(out)
