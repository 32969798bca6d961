"""The one registry of platforms: name -> ``Platform`` (capabilities, payload parser, length
rule), and each platform's live client class.

The core asks ``platform(name)`` what it needs to know (``takes_replies``, ``needs_secret``,
``reply_length``, ``posted_text``) and never branches on a platform's name. Adding a platform is
adding a package under ``desk/platforms/`` with a ``PLATFORM`` and listing it here.

A platform's client (``Platform.connector``, ``module:Class``) is imported only when one of its
channels is pulled, so a client that is missing or broken (a dependency not installed) fails
that platform's channels with a clear message and leaves the others working. Tests (and plugins)
put their own client class in place with ``register``; ``unregister`` puts the built-in one back.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from desk.errors import InputError
from desk.platforms import bluesky, email, mastodon, rss, x
from desk.platforms.base import Platform
from desk.platforms.errors import PermanentError

if TYPE_CHECKING:
    from desk.platforms.client import Connector

PLATFORMS: dict[str, Platform] = {
    p.name: p
    for p in (mastodon.PLATFORM, bluesky.PLATFORM, x.PLATFORM, rss.PLATFORM, email.PLATFORM)
}
"""Every platform desk knows, by name (JSON payloads are recognised in this order)."""

_registered: dict[str, type[Connector]] = {}


def platform(name: str) -> Platform:
    """The platform called ``name``; InputError naming the known ones when there is none."""
    found = PLATFORMS.get(name)
    if found is None:
        raise InputError.from_catalog(
            "platform_unknown", name=repr(name), platforms=", ".join(PLATFORMS)
        )
    return found


def register(name: str, cls: type[Connector]) -> None:
    """Use ``cls`` as the live client of ``name`` from now on (instead of the built-in one)."""
    _registered[name] = cls


def unregister(name: str) -> None:
    """Forget a class given to ``register`` (the built-in one is used again)."""
    _registered.pop(name, None)


def connector_class(name: str) -> type[Connector]:
    """The live client class of ``name``; PermanentError when there is none or it is broken."""
    # Imported here, not above: the client contract loads httpx, which parsing a saved payload
    # or measuring a reply never needs.
    from desk.platforms.client import Connector

    if name in _registered:
        return _registered[name]
    known = PLATFORMS.get(name)
    if known is None:
        raise PermanentError(f"no live connector for the platform {name!r}")
    target = known.connector
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise PermanentError(
            f"the {name} connector cannot be loaded ({type(exc).__name__}: {exc})"
        ) from exc
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise PermanentError(f"the {name} connector is missing ({target})")
    return cls
