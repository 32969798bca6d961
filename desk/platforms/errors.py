"""What can go wrong talking to a platform, as types that say what to do about it.

``TransientError``: retry with backoff (5xx, timeouts, a body cut short). ``RateLimited``: wait
what the platform asked for. ``PermanentError``: retrying cannot help (fix the configuration).
``NotPosted``: the platform certainly did not publish a reply. ``Unprovable``: nobody can tell
whether it did (a supervisor settles it; the outbox never resends blindly).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

from desk.i18n import Catalog


class ChannelError(Exception):
    """A call to a platform failed. ``retryable`` says whether trying again later may work.

    An error made with ``from_catalog`` carries its catalog key (``errors.<key>``, and
    ``errors.<key>_hint`` for what to do) and its values, so a front end can say it in the
    reader's language (``localized``); its text is the English one. Values never hold a secret.
    """

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        key: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.key = key
        self.params = params or {}

    @classmethod
    def from_catalog(cls, key: str, *, status: int | None = None, **params: Any) -> Self:
        """The error whose English text is ``errors.<key>`` (then ``errors.<key>_hint``)."""
        return cls(
            catalog_text(Catalog("en").t, key, params), status=status, key=key, params=params
        )

    def localized(self, t: Callable[..., str]) -> str:
        """The text in the language of ``t`` (a Catalog.t); the English text without a key."""
        return catalog_text(t, self.key, self.params) if self.key else str(self)


def catalog_text(t: Callable[..., str], key: str, params: dict[str, Any]) -> str:
    """``errors.<key>`` and, when the catalog has one, ``errors.<key>_hint`` after it."""
    what = t(f"errors.{key}", **params)
    hint = t(f"errors.{key}_hint", **params)
    return what if hint == f"errors.{key}_hint" else f"{what} — {hint}"


class TransientError(ChannelError):
    """5xx, timeout, connection error, truncated or broken body: retry with backoff."""


class RateLimited(ChannelError):
    """429 (or a platform's own throttling answer): wait ``wait_seconds`` before calling again."""

    def __init__(self, message: str, *, wait_seconds: float, status: int | None = 429) -> None:
        super().__init__(message, status=status)
        self.wait_seconds = wait_seconds


class PermanentError(ChannelError):
    """Retrying will not help: bad or expired credentials, unknown account, bad configuration."""

    retryable = False


class NotPosted(ChannelError):  # noqa: N818 - reads as the outcome it reports
    """The platform certainly did not publish the reply (it refused it)."""

    retryable = False


class Unprovable(ChannelError):  # noqa: N818 - reads as the outcome it reports
    """Reconciliation could not tell whether a reply was published: a supervisor decides."""

    retryable = False


class ResponseTooLarge(PermanentError):
    """An answer larger than desk reads (a compression bomb, a broken server): refused as soon
    as the limit is passed, and not retried (the same call would bring the same answer)."""
