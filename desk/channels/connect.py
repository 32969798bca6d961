"""One connector per configured channel, kept for the life of a process.

``ConnectorPool`` builds each channel's connector on first use: the connector class from
``desk.platforms.registry``, the secret from ``desk.config.secrets`` (env, keyring or a private file), and
one ``httpx.AsyncClient`` shared by the pool. Keeping connectors means a Bluesky session is created
once and refreshed, never once per poll, and the outbox and the puller of one process share it.
Tests pass ``transport`` (an ``httpx.MockTransport``) to talk to fake platforms.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx

from desk.config.channels import ChannelConfig
from desk.config.secrets import resolve
from desk.platforms.client import Connector
from desk.platforms.errors import PermanentError
from desk.platforms.registry import connector_class

USER_AGENT = "desk (shared-inbox moderation desk)"


def find_channel(channels: list[ChannelConfig], key: str) -> ChannelConfig:
    """The ``[[channel]]`` named ``platform:name`` (PermanentError when desk.toml has none)."""
    for channel in channels:
        if channel.key == key:
            return channel
    names = ", ".join(c.key for c in channels) or "none"
    raise PermanentError(f"{key}: no such [[channel]] in desk.toml (configured: {names})")


def resolve_secret(channel: ChannelConfig, environ: Mapping[str, str] | None = None) -> Any:
    """The channel's Secret, or None when it needs none (public feeds)."""
    if channel.secret is None:
        return None
    return resolve(channel.secret, environ=environ)


class ConnectorPool:
    """Connectors by channel key, with one shared HTTP client; close it with ``aclose``."""

    def __init__(
        self,
        channels: list[ChannelConfig],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.channels = channels
        self.transport = transport
        self.environ = environ
        self._client: httpx.AsyncClient | None = None
        self._connectors: dict[str, Connector] = {}

    def client(self) -> httpx.AsyncClient:
        """The pool's HTTP client (created on first use)."""
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self.transport,
                headers={"User-Agent": USER_AGENT},
                follow_redirects=True,
            )
        return self._client

    def get(self, key: str) -> Connector:
        """The connector of channel ``platform:name``, built on first use."""
        connector = self._connectors.get(key)
        if connector is None:
            channel = find_channel(self.channels, key)
            cls = connector_class(channel.platform)
            connector = cls(channel, self.client(), resolve_secret(channel, self.environ))
            self._connectors[key] = connector
        return connector

    def built(self, key: str) -> Connector | None:
        """The connector of ``key`` if it was already built (never builds one)."""
        return self._connectors.get(key)

    @contextlib.asynccontextmanager
    async def connect(self, key: str) -> AsyncIterator[Connector]:
        """``async with pool.connect(key) as connector`` (the pool keeps it afterwards)."""
        yield self.get(key)

    async def aclose(self) -> None:
        """Close every connector and the HTTP client."""
        for connector in self._connectors.values():
            with contextlib.suppress(Exception):
                await connector.aclose()
        self._connectors.clear()
        if self._client is not None:
            await self._client.aclose()
            self._client = None
