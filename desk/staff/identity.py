"""Who is at the keyboard: the OS login mapped in desk.toml, or ``--as`` with a passphrase.

Acting as someone else needs that person's passphrase, kept only as a salted scrypt hash
(``hashlib.scrypt``, stdlib). A wrong or missing passphrase is refused and audited
(``auth.failed``), with the OS login that tried; the passphrase itself is never stored, logged
or audited. ``desk passphrase`` sets one's own (admins may set anyone's).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass

from desk.audit.actions import Action
from desk.audit.chain import Recorder
from desk.clock import Clock, utcnow
from desk.config import DeskConfig, os_user
from desk.db import SessionFactory, store, transaction
from desk.errors import ActionRefused, PermissionDenied
from desk.views import StaffView

SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MIN_LENGTH = 8


def hash_passphrase(passphrase: str, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64), with a fresh random salt."""
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(passphrase.encode(), salt=salt, dklen=32, **SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${b64(salt).decode()}${b64(digest).decode()}"


def check_passphrase(passphrase: str, stored: str) -> bool:
    """Whether ``passphrase`` matches the stored hash (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = hashlib.scrypt(
            passphrase.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
        return hmac.compare_digest(computed, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False


def needs_passphrase(config: DeskConfig, as_name: str | None) -> bool:
    """Whether acting as ``as_name`` is acting as someone other than the mapped OS login."""
    if not as_name:
        return False
    login = os_user()
    target = config.staff_named(as_name)
    return target is None or login not in target.os_users


def authenticate(
    write_factory: SessionFactory,
    config: DeskConfig,
    me: StaffView,
    ask: Callable[[str], str | None],
    clock: Clock = utcnow,
) -> None:
    """Refuse (and audit) acting as ``me`` without their passphrase; ``ask`` supplies it."""
    with write_factory() as session:
        row = store.staff_rows(session=session).get(me.name)
        stored = row.passphrase_hash if row else None
    if stored is None:
        _failed(write_factory, me, "no passphrase set", clock)
        raise PermissionDenied.from_catalog("as_no_passphrase", name=me.name)
    given = ask(me.name)
    if given is None or not check_passphrase(given, stored):
        _failed(write_factory, me, "wrong passphrase" if given else "no passphrase given", clock)
        raise PermissionDenied.from_catalog("as_refused", name=me.name)


def _failed(write_factory: SessionFactory, me: StaffView, reason: str, clock: Clock) -> None:
    with transaction(write_factory) as session:
        record = Recorder(os_user() or "?", clock)
        record.event(session, Action.AUTH_FAILED, {"as": me.name, "reason": reason})


def set_passphrase(
    write_factory: SessionFactory,
    actor: StaffView,
    target: str,
    passphrase: str,
    clock: Clock = utcnow,
) -> None:
    """Set ``target``'s passphrase: one's own, or anyone's for an admin (audited, no hash)."""
    if actor.name != target and not actor.is_admin:
        raise PermissionDenied.from_catalog("passphrase_forbidden", name=target)
    if len(passphrase) < MIN_LENGTH:
        raise ActionRefused.from_catalog("passphrase_short", length=MIN_LENGTH)
    with transaction(write_factory) as session:
        row = store.staff_rows(session=session).get(target)
        if row is None:
            raise ActionRefused.from_catalog("staff_unknown", name=target, names="")
        row.passphrase_hash = hash_passphrase(passphrase)
        session.add(row)
        Recorder(actor.name, clock)(session, Action.STAFF_PASSPHRASE_SET, name=target)


def give_missing_passphrases(write_factory: SessionFactory, passphrase: str) -> None:
    """Give this passphrase to everyone who has none. For the demo only (every demo person's is
    "demo"): no length rule and no audit event, like the rest of the demo's setup."""
    with transaction(write_factory) as session:
        for row in store.staff_rows(session=session).values():
            if row.passphrase_hash is None:
                row.passphrase_hash = hash_passphrase(passphrase)
                session.add(row)


@dataclass(kw_only=True)
class IdentityService:
    """Who is at the keyboard, proven: acting ``--as`` someone needs their passphrase, and
    passphrases are set here (both audited)."""

    write_factory: SessionFactory
    config: DeskConfig
    me: StaffView
    clock: Clock = utcnow

    def needs_passphrase(self, as_name: str | None) -> bool:
        """Whether ``--as as_name`` is someone other than the person logged in."""
        return needs_passphrase(self.config, as_name)

    def authenticate(self, ask: Callable[[str], str | None]) -> None:
        """Refuse (and audit) acting as ``me`` unless ``ask`` gives their passphrase."""
        authenticate(self.write_factory, self.config, self.me, ask, self.clock)

    def set_passphrase(self, target: str, passphrase: str) -> None:
        """Set one's own passphrase, or anyone's as an admin."""
        set_passphrase(self.write_factory, self.me, target, passphrase, self.clock)

    def give_missing_passphrases(self, passphrase: str) -> None:
        """The demo's setup: everyone without a passphrase gets this one (not audited)."""
        give_missing_passphrases(self.write_factory, passphrase)
