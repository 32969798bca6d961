"""How long a reply is on each platform, counted the way the platform counts.

- Mastodon: characters (code points), every URL counts 23 (instance default, docs
  ``entities/Instance.md``: ``characters_reserved_per_url``); limit 500.
- Bluesky: grapheme clusters (``app.bsky.feed.post`` maxGraphemes 300).
- X: weighted length (twitter-text v3): Latin and common punctuation weigh 1, other code points 2,
  an emoji sequence 2, a URL 23; limit 280.
Grapheme clusters come from the ``regex`` module's ``\\X``, which follows Unicode UAX #29.
"""

from __future__ import annotations

import regex

LIMITS: dict[str, int] = {"mastodon": 500, "bluesky": 300, "x": 280}
URL_WEIGHT = 23
_URL = regex.compile(r"https?://[^\s<>\"]+", regex.IGNORECASE)
_GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"\p{Extended_Pictographic}")
# twitter-text v3 ranges that weigh 1 (scaled weight 100); everything else weighs 2.
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def limit_for(platform: str) -> int | None:
    """The platform's reply length limit, or None when replies are not posted there."""
    return LIMITS.get(platform)


def graphemes(text: str) -> int:
    """Number of user-perceived characters (an emoji family counts one)."""
    return len(_GRAPHEME.findall(text))


def _x_weight(cluster: str) -> int:
    if _EMOJI.search(cluster):
        return 2
    total = 0
    for ch in cluster:
        cp = ord(ch)
        total += 1 if any(lo <= cp <= hi for lo, hi in _LIGHT_RANGES) else 2
    return total


def measure(platform: str, text: str) -> int:
    """The length of ``text`` as ``platform`` counts it."""
    if platform == "bluesky":
        return graphemes(text)
    urls = _URL.findall(text)
    rest = _URL.sub("", text)
    if platform == "x":
        return URL_WEIGHT * len(urls) + sum(_x_weight(c) for c in _GRAPHEME.findall(rest))
    return URL_WEIGHT * len(urls) + len(rest)


def remaining(platform: str, text: str) -> int | None:
    """How many units are left under the limit (negative when over); None without a limit."""
    limit = limit_for(platform)
    return None if limit is None else limit - measure(platform, text)
