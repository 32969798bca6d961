r"""The ``[[channel]]`` tables of desk.toml: which accounts and feeds desk pulls, and how.

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

    [[channel]]                             # a shared mailbox (IMAP in, SMTP out)
    name = "contact"
    platform = "email"
    host = "imap.example.org"               # IMAP server
    port = 993                              # default: 993 (implicit), 143 (starttls, plain)
    tls = "implicit"                        # implicit | starttls | plain (127.0.0.1 only)
    auth = "login"                          # login (password) | xoauth2 (an OAuth2 token)
    account = "contact@ville.example"       # login name; also the From address by default
    secret = "env:DESK_CONTACT_PASSWORD"    # the password or token, as for other channels
                                            # (xoauth2: a file: token is read at each login)
    folders = ["INBOX"]                     # watched folders (never marked \Seen, never moved)
    smtp_host = "smtp.example.org"          # replies go out here (default: host)
    smtp_port = 587
    smtp_tls = "starttls"
    sent_folder = "Sent"                    # searched for a reply's Message-ID after a failure
    sent_copy = true                        # desk appends a copy there (false: Gmail, Microsoft
                                            # 365 and others file one themselves)
    bcc_self = false                        # true: the mailbox also receives each reply
                                            # (envelope only), searched after a failure

This module imports nothing from desk.config (desk.config imports it).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from desk.config.problems import refusal

# What a [[channel]] table accepts: the platforms with a live client, the URL used when a table
# gives none, and those whose channels need no secret (public feeds). desk.platforms.registry
# is the one place each platform is described; tests/platforms/test_registry.py checks that this
# schema says the same (config sits below the platforms and cannot ask them).
LivePlatform = Literal["mastodon", "bluesky", "x", "rss", "email"]
DEFAULT_URLS = {"bluesky": "https://bsky.social", "x": "https://api.x.com"}
PUBLIC_PLATFORMS = frozenset({"rss"})
TlsMode = Literal["implicit", "starttls", "plain"]
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
_HEADER_SAFE = r"^[^\r\n\x00]*$"


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
    # -- e-mail (platform = "email"): IMAP in, SMTP out --------------------------------------
    host: str | None = Field(default=None, max_length=253, pattern=r"^[A-Za-z0-9.:_-]+$")
    port: int | None = Field(default=None, ge=1, le=65_535)
    tls: TlsMode = "implicit"
    auth: Literal["login", "xoauth2"] = "login"
    folders: list[str] = Field(default_factory=lambda: ["INBOX"], min_length=1)
    address: str | None = Field(default=None, max_length=320, pattern=_HEADER_SAFE)
    display_name: str | None = Field(default=None, max_length=200, pattern=_HEADER_SAFE)
    smtp_host: str | None = Field(default=None, max_length=253, pattern=r"^[A-Za-z0-9.:_-]+$")
    smtp_port: int | None = Field(default=None, ge=1, le=65_535)
    smtp_tls: TlsMode = "starttls"
    sent_folder: str = Field(default="Sent", max_length=200, pattern=_HEADER_SAFE)
    sent_copy: bool = True  # append a copy of each reply to sent_folder (off where the provider
    # files one itself: Gmail, Microsoft 365, Zoho)
    bcc_self: bool = False  # the mailbox also receives each reply (envelope only): proof of
    # delivery, found in the watched folders, where the Sent folder is late or missing
    max_message_bytes: int = Field(default=25 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    idle: bool = True  # wait with IMAP IDLE between polls when the server offers it

    @field_validator("folders")
    @classmethod
    def _folder_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not name or len(name) > 200 or any(c in name for c in "\r\n\x00"):
                raise refusal("folder_name", name=repr(name[:40]))
        return value

    @model_validator(mode="after")
    def _email_transport(self) -> ChannelConfig:
        if self.platform != "email":
            return self
        if not self.host:
            raise refusal("email_host")
        for field, mode, host in (
            ("tls", self.tls, self.host),
            ("smtp_tls", self.smtp_tls, self.smtp_host or self.host),
        ):
            if mode == "plain" and host not in LOOPBACK_HOSTS:
                raise refusal("email_plain", field=field, host=host)
        return self

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise refusal("url_scheme")
        return value.rstrip("/") if value else value

    @property
    def key(self) -> str:
        """``platform:name``, as channels are named everywhere else in desk."""
        return f"{self.platform}:{self.name}"

    def base_url(self) -> str:
        """The URL to talk to, with the platform default when none is set."""
        if self.url:
            return self.url
        if self.platform == "email" and self.host:  # shown in `desk channels`; IMAP, not HTTP
            scheme = "imaps" if self.tls == "implicit" else "imap"
            return f"{scheme}://{self.host}:{self.port or (993 if scheme == 'imaps' else 143)}"
        if self.platform in DEFAULT_URLS:
            return DEFAULT_URLS[self.platform]
        raise ValueError(f"channel {self.key}: url is required for {self.platform}")
