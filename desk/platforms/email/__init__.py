"""E-mail: a shared mailbox as a channel. Messages come in by IMAP (``client.py``: cursor
UIDVALIDITY + last UID, IDLE between polls, never ``\\Seen``), are parsed safely
(``payload.py``: stdlib ``email`` with ``policy.default``, size caps, HTML through desk's one
path, attachments listed, automatic mail recognised) and threaded by Message-ID; replies go out
by SMTP exactly once (a desk-made Message-ID, reconciled in the Sent folder)."""

from __future__ import annotations

from datetime import timedelta
from types import ModuleType
from typing import TYPE_CHECKING, ClassVar

from desk.platforms.base import Platform
from desk.platforms.email import payload as email_payload
from desk.text.length import Length, judge

if TYPE_CHECKING:
    from desk.config.channels import ChannelConfig


def from_address(channel: ChannelConfig) -> str:
    """The mailbox's own address as desk.toml says now: ``address``, else the login."""
    return (channel.address or channel.account or "").strip()


class Email(Platform):
    """A shared mailbox (IMAP + SMTP)."""

    name = "email"
    batch_budget = (200, timedelta(hours=1))  # replies of one correction per hour
    connector = "desk.platforms.email.client:EmailConnector"
    payload: ClassVar[ModuleType] = email_payload
    json_payloads = False
    max_reply_chars = 100_000
    """A reply longer than this is surely a mistake (mail itself has no limit)."""

    def reply_length(self, text: str, limit: int | None = None) -> Length:
        """Characters, against ``max_reply_chars`` (or the channel's ``max_chars``)."""
        return judge(self.name, text, len(text), limit or self.max_reply_chars, "characters")

    def frozen_sender(self, channel: ChannelConfig) -> dict[str, str] | None:
        """The From address and display name a reply queued now is sent with (and whose
        domain its Message-ID carries), whatever desk.toml says later."""
        return {"address": from_address(channel), "name": channel.display_name or ""}


PLATFORM = Email()
