"""Connectors: parse each platform's *native* saved payloads into plain ``ParsedMention`` objects.

One module per platform (``mastodon``, ``bluesky``, ``x``, ``rss``), each with ``PLATFORM`` and
``parse(data: bytes, source: str) -> ParseResult``; JSON ones also have ``looks_like(obj)`` and
``parse_obj(obj, source)``. ``parse_payload`` recognises the platform from the content. Connectors
never touch the network or the database, and never import Textual.
"""

from __future__ import annotations

from types import ModuleType

from desk.platforms.bluesky import payload as bluesky
from desk.platforms.detect import detect, parse_payload
from desk.platforms.mastodon import payload as mastodon
from desk.platforms.rss import payload as rss
from desk.platforms.x import payload as x

PARSERS: dict[str, ModuleType] = {
    mastodon.PLATFORM: mastodon,
    bluesky.PLATFORM: bluesky,
    x.PLATFORM: x,
    rss.PLATFORM: rss,
}
"""Connector modules by platform name."""

__all__ = ["PARSERS", "detect", "parse_payload"]
