"""Which class fetches each platform's channels: ``platform -> Connector`` subclass.

Each connector module is imported only when a channel of its platform is pulled, so a module
that is missing or broken (a dependency not installed, a platform not written yet) fails that
platform's channels with a clear message and leaves the others working.

Tests (and plugins) put their own class in place with ``register``; ``unregister`` puts the
built-in one back.
"""

from __future__ import annotations

import importlib

from desk.platforms.base import Connector, PermanentError

BUILTIN: dict[str, str] = {
    "rss": "desk.platforms.rss.client:RssConnector",
    "mastodon": "desk.platforms.mastodon.client:MastodonConnector",
    "bluesky": "desk.platforms.bluesky.client:BlueskyConnector",
    "x": "desk.platforms.x.client:XConnector",
}
"""``module:Class`` of the built-in connector of each platform."""

_registered: dict[str, type[Connector]] = {}


def register(platform: str, cls: type[Connector]) -> None:
    """Use ``cls`` for ``platform`` from now on (instead of the built-in connector)."""
    _registered[platform] = cls


def unregister(platform: str) -> None:
    """Forget a class given to ``register`` (the built-in one is used again)."""
    _registered.pop(platform, None)


def connector_class(platform: str) -> type[Connector]:
    """The connector class for ``platform``; PermanentError when there is none or it is broken."""
    if platform in _registered:
        return _registered[platform]
    target = BUILTIN.get(platform)
    if target is None:
        raise PermanentError(f"no live connector for the platform {platform!r}")
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise PermanentError(
            f"the {platform} connector cannot be loaded ({type(exc).__name__}: {exc})"
        ) from exc
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise PermanentError(f"the {platform} connector is missing ({target})")
    return cls
