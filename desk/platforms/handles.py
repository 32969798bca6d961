"""Whether a mention's author field is an account handle of its platform, and nothing else.

An answer's ``{author}`` is filled from the mention: text the citizen chose. A pre-approved
answer goes out under the organisation's name without a second pair of eyes, so a value is put
there unreviewed only when it is a handle as the platform makes them (``@jean``,
``@jean@exemple.social``, ``@jean.bsky.social``): a display name, a sentence, a link or an RSS
author line is not one. Pure: no I/O.
"""

from __future__ import annotations

import re

__all__ = ["is_handle"]

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = rf"{_LABEL}(?:\.{_LABEL})*\.[A-Za-z](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?"

_HANDLES = {
    # username (letters, digits, _; dots and dashes inside), then @instance when remote
    "mastodon": re.compile(rf"@[A-Za-z0-9_]+(?:[.-][A-Za-z0-9_]+)*(?:@{_DOMAIN})?"),
    # a domain name (atproto handle syntax); handle.invalid is the PDS's "unknown"
    "bluesky": re.compile(rf"@{_DOMAIN}"),
    # 1 to 15 letters, digits or _
    "x": re.compile(r"@[A-Za-z0-9_]{1,15}"),
}
MAX_HANDLE = 253 + 64  # a domain name and a long user name


def is_handle(platform: str, value: str) -> bool:
    """Whether ``value`` is an ``@handle`` of ``platform`` (RSS and unknown platforms have none)."""
    pattern = _HANDLES.get(platform)
    if pattern is None or len(value) > MAX_HANDLE:
        return False
    if platform == "bluesky" and value.lower() == "@handle.invalid":
        return False
    return pattern.fullmatch(value) is not None
