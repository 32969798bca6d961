"""E-mail: a shared mailbox as a channel. Messages come in by IMAP (``client.py``: cursor
UIDVALIDITY + last UID, IDLE between polls, never ``\\Seen``), are parsed safely
(``payload.py``: stdlib ``email`` with ``policy.default``, size caps, HTML through desk's one
path, attachments listed, automatic mail recognised) and threaded by Message-ID; replies go out
by SMTP exactly once (a desk-made Message-ID, reconciled in the Sent folder)."""

from __future__ import annotations

from datetime import timedelta
from types import ModuleType
from typing import ClassVar

from desk.platforms.base import Platform
from desk.platforms.email import payload as email_payload
from desk.text.length import Length, judge


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


PLATFORM = Email()
