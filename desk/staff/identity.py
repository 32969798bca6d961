"""Who is at the keyboard: the real uid's login as the staff records map it, or ``--as`` with a
passphrase.

Acting as someone else needs that person's passphrase, kept only as a salted scrypt hash
(``hashlib.scrypt``, stdlib) at OWASP's parameters (N=2^17, r=8, p=1); an older, cheaper hash is
replaced at the next correct passphrase. A wrong or missing passphrase is refused and audited
(``auth.failed``), with the OS login that tried; the passphrase itself is never stored, logged or
audited. After ``FREE_ATTEMPTS`` failures in a row for one person, each further try waits out a
lock that doubles (1 minute, 2, 4... at most an hour), refused and audited while it runs; a
correct passphrase clears it. ``desk passphrase`` sets one's own (admins may set anyone's).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from desk.audit.actions import Action
from desk.audit.chain import Recorder
from desk.clock import Clock, as_utc, utcnow
from desk.config import DeskConfig, os_user
from desk.db import SessionFactory, store, transaction
from desk.errors import ActionRefused, DeskError, PermissionDenied
from desk.staff import records
from desk.views import StaffView

OWASP = {"n": 2**17, "r": 8, "p": 1}  # OWASP's Password Storage Cheat Sheet (2025)
SCRYPT = OWASP  # what new hashes use (tests lower it to keep the suite fast)
MAX_N = 2**20  # a stored hash asking for more work than this is refused, not computed
MIN_LENGTH = 8
FREE_ATTEMPTS = 5  # wrong passphrases in a row before each try waits out a lock
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(hours=1)


def _scrypt(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    memory = 128 * n * r * p + 2**20  # what scrypt needs, and a little more
    return hashlib.scrypt(passphrase.encode(), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=memory)


def hash_passphrase(passphrase: str, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64), with a fresh random salt."""
    salt = salt or os.urandom(16)
    digest = _scrypt(passphrase, salt, **SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${b64(salt).decode()}${b64(digest).decode()}"


def check_passphrase(passphrase: str, stored: str) -> bool:
    """Whether ``passphrase`` matches the stored hash (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt" or not 1 < int(n) <= MAX_N or not 0 < int(r) * int(p) <= 64:
            return False
        computed = _scrypt(passphrase, base64.b64decode(salt), int(n), int(r), int(p))
        return hmac.compare_digest(computed, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False


_DECOYS: dict[tuple[int, int, int], str] = {}


def check_decoy(passphrase: str) -> bool:
    """Check ``passphrase`` against a hash nobody's passphrase matches (made once per scrypt
    cost): a name nobody has takes as long to refuse as a known one. Always False."""
    cost = (SCRYPT["n"], SCRYPT["r"], SCRYPT["p"])
    if cost not in _DECOYS:
        _DECOYS[cost] = hash_passphrase(base64.b64encode(os.urandom(24)).decode())
    check_passphrase(passphrase, _DECOYS[cost])
    return False


def outdated(stored: str) -> bool:
    """Whether a stored hash was made with other parameters than today's (then replaced)."""
    parts = stored.split("$")
    return len(parts) != 6 or parts[1:4] != [str(SCRYPT[k]) for k in ("n", "r", "p")]


def lock_after(failures: int) -> timedelta | None:
    """How long the next try must wait after ``failures`` wrong passphrases in a row."""
    if failures < FREE_ATTEMPTS:
        return None
    return min(FIRST_LOCK * 2 ** (failures - FREE_ATTEMPTS), LONGEST_LOCK)


def needs_passphrase(read_factory: SessionFactory, as_name: str | None) -> bool:
    """Whether acting as ``as_name`` is acting as someone other than the person the real OS
    login is recorded for (desk.staff.records)."""
    if not as_name:
        return False
    login = os_user()
    with read_factory() as session:  # a read session: never the writers' lock
        rows = store.staff_rows(session=session)
    wanted = as_name.casefold()
    target = next((r for r in rows.values() if r.name.casefold() == wanted), None)
    return target is None or login not in records.logins_of(target)


def authenticate(
    write_factory: SessionFactory,
    read_factory: SessionFactory,
    config: DeskConfig,
    me: StaffView,
    ask: Callable[[str], str | None],
    clock: Clock = utcnow,
    *,
    audit_locked: bool = True,
) -> None:
    """Refuse (and audit) acting as ``me`` without their passphrase; ``ask`` supplies it. While
    a lock from earlier failures runs, the try is refused without asking (audited unless
    ``audit_locked`` is False: the lock's own start was, and a browser login that anyone may
    repeat must not fill the audit trail). The passphrase is
    checked (scrypt: a fraction of a second, 128 MB) outside any write transaction, so other
    desks never wait for it."""
    with read_factory() as session:
        row = store.staff_rows(session=session).get(me.name)
        stored = row.passphrase_hash if row else None
        locked = as_utc(row.locked_until) if row and row.locked_until else None
    if locked is None or locked <= clock():
        if stored is None:
            _failed(write_factory, me, "no passphrase set", clock)
            raise PermissionDenied.from_catalog("as_no_passphrase", name=me.name)
        # this try counts before it is checked (a correct one clears the count): tries started
        # at once by several processes get no more guesses than tries one after another
        locked, lock = _counted(write_factory, me, clock)
    if locked is not None:
        if audit_locked:
            _failed(write_factory, me, "locked", clock)
        raise PermissionDenied.from_catalog(
            "as_locked", name=me.name, until=config.hours.calendar().local(locked).strftime("%H:%M")
        )
    given = ask(me.name)
    if given is None or not check_passphrase(given, stored or ""):
        reason = "wrong passphrase" if given else "no passphrase given"
        _failed(write_factory, me, reason, clock, lock=lock)
        raise PermissionDenied.from_catalog("as_refused", name=me.name)
    _succeeded(write_factory, read_factory, me, given, stored or "", clock)


def _counted(
    write_factory: SessionFactory, me: StaffView, clock: Clock
) -> tuple[datetime | None, dict[str, object]]:
    """Count a try before its passphrase is checked, under the write lock: the lock that runs
    (None when the try may go on), and what the try's failure will record of the count."""
    with transaction(write_factory) as session:
        row = store.staff_rows(session=session).get(me.name)
        if row is None:
            return None, {}
        now = clock()
        if row.locked_until is not None and as_utc(row.locked_until) > now:
            return as_utc(row.locked_until), {}  # another try locked it meanwhile
        row.failed_logins += 1
        data: dict[str, object] = {"failures": row.failed_logins}
        wait = lock_after(row.failed_logins)
        if wait is not None:
            row.locked_until = now + wait
            data["locked_seconds"] = int(wait.total_seconds())
        session.add(row)
        return None, data


def _failed(
    write_factory: SessionFactory,
    me: StaffView,
    reason: str,
    clock: Clock,
    *,
    lock: dict[str, object] | None = None,
) -> None:
    """Audit a refused try, with ``lock``: what ``_counted`` counted of it before the check."""
    with transaction(write_factory) as session:
        data: dict[str, object] = {"as": me.name, "reason": reason, **(lock or {})}
        record = Recorder(os_user() or "?", clock)
        record.event(session, Action.AUTH_FAILED, data)


def _succeeded(
    write_factory: SessionFactory,
    read_factory: SessionFactory,
    me: StaffView,
    given: str,
    stored: str,
    clock: Clock,
) -> None:
    """Clear the failure count, and replace a hash made with older parameters (audited). The
    new hash is computed before the write transaction; it replaces the old one only if nobody
    changed it meanwhile."""
    with read_factory() as session:
        row = store.staff_rows(session=session).get(me.name)
        if row is None or (not row.failed_logins and not outdated(stored)):
            return  # nothing to write: no write lock for an ordinary success
    fresh = hash_passphrase(given) if outdated(stored) else None
    with transaction(write_factory) as session:
        row = store.staff_rows(session=session).get(me.name)
        if row is None:
            return
        row.failed_logins = 0
        row.locked_until = None
        if fresh is not None and row.passphrase_hash == stored:
            row.passphrase_hash = fresh
            Recorder(me.name, clock)(session, Action.STAFF_PASSPHRASE_REHASHED, name=me.name)
        session.add(row)


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


def give_missing_passphrases(
    write_factory: SessionFactory, actor: StaffView, passphrase: str, clock: Clock = utcnow
) -> None:
    """Give this passphrase to everyone who has none. For the demo only (every demo person's is
    "demo", so no length rule), audited like any passphrase set, marked ``demo``."""
    with transaction(write_factory) as session:
        for row in store.staff_rows(session=session).values():
            if row.passphrase_hash is None:
                row.passphrase_hash = hash_passphrase(passphrase)
                session.add(row)
                Recorder(actor.name, clock)(
                    session, Action.STAFF_PASSPHRASE_SET, name=row.name, demo=True
                )


@dataclass(kw_only=True)
class IdentityService:
    """Who is at the keyboard, proven: acting ``--as`` someone needs their passphrase, and
    passphrases are set here (both audited)."""

    write_factory: SessionFactory
    read_factory: SessionFactory
    config: DeskConfig
    me: StaffView
    clock: Clock = utcnow

    def needs_passphrase(self, as_name: str | None) -> bool:
        """Whether ``--as as_name`` is someone other than the person logged in."""
        return needs_passphrase(self.read_factory, as_name)

    def authenticate(self, ask: Callable[[str], str | None]) -> None:
        """Refuse (and audit) acting as ``me`` unless ``ask`` gives their passphrase."""
        authenticate(self.write_factory, self.read_factory, self.config, self.me, ask, self.clock)

    def vouched(self, via: str, **data: object) -> None:
        """Audit that ``me`` came in ``via`` SSH or the web without a passphrase, vouched for
        by desk.staff.remote; ``data`` says by what (the OS login, the account)."""
        with transaction(self.write_factory) as session:
            event = {"via": via, "login": os_user() or "?", **data}
            Recorder(self.me.name, self.clock).event(session, Action.AUTH_REMOTE, event)

    def refused(self, exc: DeskError, via: str) -> None:
        """Audit a remote login desk.staff.remote refused (``exc`` says why)."""
        with transaction(self.write_factory) as session:
            data = {"as": self.me.name, "via": via, "reason": exc.key or exc.message}
            Recorder(os_user() or "?", self.clock).event(session, Action.AUTH_FAILED, data)

    def set_passphrase(self, target: str, passphrase: str) -> None:
        """Set one's own passphrase, or anyone's as an admin."""
        set_passphrase(self.write_factory, self.me, target, passphrase, self.clock)

    def give_missing_passphrases(self, passphrase: str) -> None:
        """The demo's setup: everyone without a passphrase gets this one (audited)."""
        give_missing_passphrases(self.write_factory, self.me, passphrase, self.clock)
