"""What the core may ask about a platform: ``Platform``, one object per platform package
(``desk.platforms.registry``).

Capability flags the core asks instead of naming platforms (does it take replies, does a channel
need a secret), its saved payload parser, how it counts a reply's length, and what text it really
posts. Nothing here does I/O or imports the network stack: the live client (``Connector``,
``desk.platforms.client``) is imported only when a channel of that platform is pulled.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import timedelta
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

from desk.errors import InputError
from desk.platforms.fields import load_json
from desk.platforms.parsed import ParseResult
from desk.text.length import Length

if TYPE_CHECKING:
    from desk.config.channels import ChannelConfig


class Platform(ABC):
    """What desk knows of one platform, and the questions the core may ask about it."""

    name: ClassVar[str]
    takes_replies: ClassVar[bool] = True
    """Replies to its mentions can be posted there (a news feed takes none)."""
    publishes: ClassVar[bool] = False
    """The account can publish a post of its own there (the crisis statement: a social
    network does; a news feed and a mailbox do not)."""
    needs_secret: ClassVar[bool] = True
    """A live channel needs a token (a public feed does not)."""
    batch_budget: ClassVar[tuple[int, timedelta] | None] = None
    """At most so many replies of one approved correction (desk.crisis.plan) per window, well
    under the platform's own rate limit; None: the planner's default."""
    detects_language: ClassVar[bool] = False
    """The language its payloads declare is the platform's own detection, not a tag the author
    chose (desk.triage.pipeline trusts it as is when desk knows the language)."""
    json_payloads: ClassVar[bool] = True
    """Its saved payloads are JSON (``looks_like`` recognises them); else XML feeds."""
    connector: ClassVar[str]
    """``module:Class`` of its live client, imported when a channel of it is pulled."""
    payload: ClassVar[ModuleType]
    """Its payload module: ``looks_like(obj)`` and ``parse_obj(obj, source)`` for JSON payloads,
    ``parse(data, source)`` for feeds."""

    def parse(self, data: bytes, source: str) -> ParseResult:
        """A saved payload of this platform, parsed (``source`` names it in messages)."""
        if not self.json_payloads:
            result: ParseResult = self.payload.parse(data, source)
            return result
        obj = load_json(data, source)
        if not self.looks_like(obj):
            # the catalogs say what its payloads are called and what to save instead
            raise InputError.from_catalog(f"payload_not_{self.name}", path=source)
        return self.parse_obj(obj, source)

    def looks_like(self, obj: Any) -> bool:
        """Whether decoded JSON ``obj`` is one of this platform's payloads."""
        return self.json_payloads and bool(self.payload.looks_like(obj))

    def parse_obj(self, obj: Any, source: str) -> ParseResult:
        """A payload already decoded from JSON."""
        result: ParseResult = self.payload.parse_obj(obj, source)
        return result

    @abstractmethod
    def reply_length(self, text: str, limit: int | None = None) -> Length:
        """``text`` measured as this platform counts a post, against its limit (``limit``: the
        channel's own ``max_chars``, where the platform lets an instance choose)."""

    def posted_text(self, text: str, parent_raw: dict[str, Any], author: str | None) -> str:
        """The text this platform will really receive for a reply ``text`` to the mention whose
        stored record is ``parent_raw`` (its length is what counts)."""
        return text

    def frozen_sender(self, channel: ChannelConfig) -> dict[str, str] | None:
        """What of ``channel``'s settings a reply must keep from the moment it is queued
        (approved, or sent without approval) until it is sent and reconciled, so that a
        desk.toml change meanwhile changes nothing that goes out (e-mail: the From address and
        name, which also give the Message-ID). ``ReplyService.start_delivery`` stores it with
        the reply and the connector reads it back (``ReplyRequest.sender``); None: nothing to
        freeze."""
        return None
