"""What can go wrong talking to a platform, as types that say what to do about it.

``TransientError``: retry with backoff (5xx, timeouts, a body cut short). ``RateLimited``: wait
what the platform asked for. ``PermanentError``: retrying cannot help (fix the configuration).
``NotPosted``: the platform certainly did not publish a reply. ``Unprovable``: nobody can tell
whether it did (a supervisor settles it; the outbox never resends blindly).
"""

from __future__ import annotations


class ChannelError(Exception):
    """A call to a platform failed. ``retryable`` says whether trying again later may work."""

    retryable = True

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


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
