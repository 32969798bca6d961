"""The door of ``desk serve``: who may open a browser tab, decided before any tab starts.

The server runs as an OS account that need not be anyone on the desk, so it does not open the
desk as someone; it asks the gate. The gate answers from the staff records (never desk.toml
alone): a name a reverse proxy vouched for must be an active staff member; a name and
passphrase typed in the browser are checked as ``--as`` checks them (desk.staff.identity:
scrypt, audited refusals, the lock after repeated failures). And it says whom this account may
open tabs for at all: everyone, when it is desk.toml's ``[web] account`` on the terms of
desk.staff.remote; otherwise only the person its own OS login is recorded for (a person
serving their own desk to their own browser).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from desk import db
from desk.audit.chain import Recorder
from desk.clock import Clock, utcnow
from desk.config import DeskConfig, Settings, load_config, os_user
from desk.db import SessionFactory, store
from desk.errors import DeskError, PermissionDenied
from desk.staff import identity, records, remote
from desk.views import StaffView


@dataclass(kw_only=True)
class Gate:
    """Who may come in through ``desk serve``, from the staff records."""

    write_factory: SessionFactory
    read_factory: SessionFactory
    config: DeskConfig
    clock: Clock = utcnow
    everyone: bool = False
    """Whether this account may open tabs for anyone (it is the trusted ``[web] account``)."""
    why_not_everyone: DeskError | None = None
    own: frozenset[str] = field(default_factory=frozenset)
    """The staff names this OS login is recorded for."""

    def person(self, name: str) -> StaffView | None:
        """The active staff member called ``name`` (case-insensitive), else None."""
        return self.person_and_hash(name)[0]

    def person_and_hash(self, name: str) -> tuple[StaffView | None, str | None]:
        """The active staff member called ``name`` and their stored passphrase hash (what a
        remembered login is checked against: a new passphrase ends it); (None, None) if none."""
        wanted = name.casefold()
        with self.read_factory() as session:
            rows = store.staff_rows(session=session)
        row = next((r for r in rows.values() if r.name.casefold() == wanted), None)
        if row is None or not row.active:
            return None, None
        return records.view_of(row), row.passphrase_hash

    def may_serve(self, person: StaffView) -> bool:
        """Whether a tab may be opened for ``person`` from this account."""
        return self.everyone or person.name in self.own

    def check(self, name: str, passphrase: str) -> StaffView:
        """The person whose name and passphrase these are; PermissionDenied otherwise (audited
        with the lock, as desk.staff.identity does for ``--as``, except that a try refused
        because the lock runs is not audited again). Slow on purpose (scrypt), for unknown
        names and people without a passphrase too (a decoy hash: the time does not tell who
        exists): call it off the event loop."""
        person, stored = self.person_and_hash(name)
        if person is None or stored is None:  # nothing to check: as slow as if there were
            identity.check_decoy(passphrase)
        if person is None:
            raise PermissionDenied.from_catalog("as_refused", name=name)
        identity.authenticate(
            self.write_factory,
            self.read_factory,
            self.config,
            person,
            lambda _name: passphrase,
            self.clock,
            audit_locked=False,
        )
        return person


def open_gate(settings: Settings, clock: Clock = utcnow) -> Gate:
    """The gate of the desk of ``settings`` (its database opened and upgraded)."""
    config = load_config(settings.config_path())
    engine = db.make_engine(settings.db_url())
    db.upgrade(engine)
    read = db.session_factory(engine)
    write = db.write_session_factory(engine)
    with read() as session:
        first = records.needs_first_opening(session)
    if first:  # as open_desk does: a new database takes its first staff from desk.toml
        with db.transaction(write) as session:
            records.first_opening(config, session, Recorder("system", clock))
    login = os_user()
    with read() as session:
        own = frozenset(
            row.name
            for row in store.staff_rows(session=session).values()
            if login and login in records.logins_of(row)
        )
    gate = Gate(
        write_factory=write,
        read_factory=read,
        config=config,
        clock=clock,
        own=own,
    )
    try:
        remote.vouch(remote.VIA_WEB, config.path, login, {}, remote.real_uid())
        gate.everyone = True
    except DeskError as exc:
        gate.why_not_everyone = exc
    return gate
