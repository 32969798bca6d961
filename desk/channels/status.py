"""What desk knows about its live channels: the report of one pull, the stored status of each
channel (``desk channels``), and the circuit breaker's backoff. Plain data, no I/O: the pull
service (desk.channels.pull) fills them, the CLI and the UI show them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from desk.config.channels import ChannelConfig
from desk.db.tables import ChannelState
from desk.platforms.errors import catalog_text
from desk.views import ImportNote
from desk.vocabulary import ChannelHealth

BACKOFF_BASE = 60.0  # seconds of the first failure's circuit
BACKOFF_CAP = 3600.0
ERROR_CHARS = 300  # last_error is clipped to this
CURSOR_CHARS = 80  # cursors as `desk channels` shows them
FAILED = (ChannelHealth.ERROR, ChannelHealth.FAILING)


@dataclass
class ChannelReport:
    """What one pull of one channel did (also what ``watch`` hands to its callback).

    ``status`` is what happened this time: ``ok``, ``skipped`` (circuit open or disabled),
    ``rate_limited``, ``error`` (transient, will be retried after a backoff) or ``failing``
    (retrying will not help: fix the configuration or the token). ``health`` is the channel's
    state afterwards.
    """

    key: str
    name: str
    platform: str
    status: str = ChannelHealth.OK
    health: str = ChannelHealth.NEW
    pages: int = 0
    new: int = 0
    duplicate: int = 0
    rejected: int = 0
    message: str | None = None
    said: tuple[str, dict[str, Any]] | None = None  # the message's catalog key and values
    circuit_until: datetime | None = None
    notes: list[str | ImportNote] = field(default_factory=list)  # text, or a pull_note code
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # items of a page that could not be used
    new_ids: list[int] = field(default_factory=list)
    done: bool = False  # False while pages are still coming (progress callbacks)

    def shown_message(self, t: Callable[..., str]) -> str | None:
        """The message in the language of ``t`` (a Catalog.t) when the platform's error came
        from the catalog (desk.platforms.errors); else the stored English text."""
        if self.said is None or self.message is None:
            return self.message
        key, params = self.said
        return catalog_text(t, key, params)

    @property
    def failed(self) -> bool:
        """Whether the channel is in trouble after this pull (an error, or still failing)."""
        return self.health in FAILED

    def to_json(self) -> dict[str, Any]:
        """JSON form for ``desk pull --json`` (never a token: messages are scrubbed)."""
        return {
            "channel": self.key,
            "platform": self.platform,
            "name": self.name,
            "status": self.status,
            "health": self.health,
            "pages": self.pages,
            "new": self.new,
            "duplicate": self.duplicate,
            "rejected": self.rejected,
            "message": self.message,
            "circuit_until": _iso(self.circuit_until),
            "notes": [n.to_json() if isinstance(n, ImportNote) else n for n in self.notes],
            "warnings": self.warnings,
            "errors": self.errors,
        }


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    """One line of ``desk channels``: a configured channel and its stored state."""

    key: str
    name: str
    platform: str
    enabled: bool
    health: str
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    cursor: str | None  # shortened
    rate_limit: dict[str, Any] | None
    circuit_until: datetime | None
    consecutive_failures: int
    last_new: int
    total_new: int

    def circuit_open(self, now: datetime) -> bool:
        """Whether pulls of this channel are paused right now."""
        return self.circuit_until is not None and self.circuit_until > now

    def to_json(self) -> dict[str, Any]:
        """JSON form for ``desk channels --json`` (no secret, not even its reference)."""
        return {
            "channel": self.key,
            "platform": self.platform,
            "name": self.name,
            "enabled": self.enabled,
            "health": self.health,
            "last_success_at": _iso(self.last_success_at),
            "last_error_at": _iso(self.last_error_at),
            "last_error": self.last_error,
            "cursor": self.cursor,
            "rate_limit": self.rate_limit,
            "circuit_until": _iso(self.circuit_until),
            "consecutive_failures": self.consecutive_failures,
            "last_new": self.last_new,
            "total_new": self.total_new,
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def shorten(text: str | None, limit: int = CURSOR_CHARS) -> str | None:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def backoff(failures: int) -> float:
    """Seconds the circuit stays open after ``failures`` consecutive failures."""
    return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, failures - 1))


def status_of(channel: ChannelConfig, state: ChannelState | None) -> ChannelStatus:
    """The status of a configured channel from its state row (None: never pulled)."""
    rate = None
    if state and state.rate_limit:
        try:
            rate = json.loads(state.rate_limit)
        except ValueError:
            rate = None
    return ChannelStatus(
        key=channel.key,
        name=channel.name,
        platform=channel.platform,
        enabled=channel.enabled,
        health=state.health if state else ChannelHealth.NEW,
        last_success_at=state.last_success_at if state else None,
        last_error_at=state.last_error_at if state else None,
        last_error=state.last_error if state else None,
        cursor=shorten(state.cursor) if state else None,
        rate_limit=rate if isinstance(rate, dict) else None,
        circuit_until=state.circuit_until if state else None,
        consecutive_failures=state.consecutive_failures if state else 0,
        last_new=state.last_new if state else 0,
        total_new=state.total_new if state else 0,
    )


def scrub(text: str | None, secret: Any) -> str | None:
    """``text`` without the secret's value, should a platform or a library have echoed it."""
    if not text or secret is None or not hasattr(secret, "reveal"):
        return text
    try:
        value = secret.reveal()
    except Exception:  # noqa: BLE001 - a secret that cannot be read was not echoed either
        return text
    if isinstance(value, str) and len(value) >= 4:
        text = text.replace(value, "[secret]")
    return text
