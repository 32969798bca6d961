"""The ``[[channel]]`` tables of desk.toml: which accounts and feeds desk pulls, and how.

Example::

    [[channel]]
    name = "ville"                          # unique per platform; shown as mastodon:ville
    platform = "mastodon"                   # mastodon | bluesky | x | rss
    url = "https://social.example"          # the instance / PDS / API base / the feed itself
    account = "ville"                       # the organisation's own account (handle, DID or id)
    secret = "env:DESK_VILLE_TOKEN"         # env:NAME | keyring:SERVICE/USER | file:PATH
    interval_seconds = 60                   # how often `desk watch` polls it
    watch = ["#belleville", "eau potable"]  # keyword / hashtag watches (Mastodon, Bluesky)
    max_chars = 500                         # Mastodon: the instance's limit
    undo_seconds = 5                        # a sent reply waits this long, cancellable

This module imports nothing from desk.config (desk.config imports it).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# What a [[channel]] table accepts: the platforms with a live client, the URL used when a table
# gives none, and those whose channels need no secret (public feeds). desk.platforms.registry
# is the one place each platform is described; tests/platforms/test_registry.py checks that this
# schema says the same (config sits below the platforms and cannot ask them).
LivePlatform = Literal["mastodon", "bluesky", "x", "rss"]
DEFAULT_URLS = {"bluesky": "https://bsky.social", "x": "https://api.x.com"}
PUBLIC_PLATFORMS = frozenset({"rss"})


class ChannelConfig(BaseModel):
    """One live account or feed."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    platform: LivePlatform
    url: str | None = None
    account: str | None = None
    secret: str | None = None  # a reference, never the secret itself (desk.config.secrets)
    interval_seconds: int = Field(default=60, ge=5, le=86_400)
    watch: list[str] = Field(default_factory=list)
    max_chars: int | None = Field(default=None, ge=1, le=100_000)
    undo_seconds: int = Field(default=5, ge=0, le=300)
    timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    max_feed_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=20 * 1024 * 1024)  # parser cap
    fields_param: str = "tweet.fields"  # X renamed it post.fields in its newest OpenAPI
    enabled: bool = True

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// for a local test server)")
        return value.rstrip("/") if value else value

    @property
    def key(self) -> str:
        """``platform:name``, as channels are named everywhere else in desk."""
        return f"{self.platform}:{self.name}"

    def base_url(self) -> str:
        """The URL to talk to, with the platform default when none is set."""
        if self.url:
            return self.url
        if self.platform in DEFAULT_URLS:
            return DEFAULT_URLS[self.platform]
        raise ValueError(f"channel {self.key}: url is required for {self.platform}")
