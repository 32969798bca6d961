"""Staff administration: who works the desk, in which role. Anyone lists; only admins change.

The database's ``staff`` table is the record of who is who (desk.staff.records): roles, logins and
the active flag are read there, and it keeps everyone who ever worked the desk so the history keeps
their names. desk.toml (``[[staff]]``) is the team's editable description, kept in step by every
change made here; an edit by hand is reported and applied only by an admin (``apply_file``).
``StaffService`` lists people with their open load, and lets an admin add a person, change a role,
deactivate or reactivate someone, apply desk.toml and set a passphrase. Each change

1. is checked against desk.toml as it is on disk *now*, read inside the write transaction (two
   admins cannot overwrite each other's edit), and against the actor's role in the staff records
   as they are now (an admin demoted meanwhile is refused even though their open desk still says
   admin; a desk.toml edited by hand grants nothing);
2. is made to the file with tomlkit, keeping the team's comments and layout, and the new text must
   pass the loader desk uses at start-up (``config.parse_config``) or nothing is changed;
3. is mirrored into the ``staff`` table with one audit event (``staff.added``,
   ``staff.role_changed``, ``staff.deactivated``, ``staff.reactivated``) in the same transaction;
4. reaches desk.toml atomically (a temporary file beside it, then ``os.replace``:
   desk.config.editing).

Ordering: the database transaction opens first (``BEGIN IMMEDIATE`` takes the write lock), desk.toml
is written last, then the transaction commits. A file that cannot be written rolls the transaction
back, so nothing is recorded. Should the commit fail after the file was replaced, the previous text
is written back; should even that fail, the next ``open_desk`` reports desk.toml and the records
as different, and an admin applies or corrects the file.

A deactivated person (``active = false``) stays in desk.toml and in the history; routing gives them
no new work, and they can neither open the desk nor be acted ``--as``. Their open mentions are
reported so that an admin hands them over (``InboxService.handover``). The last active admin can
neither drop the role nor be deactivated: someone must be able to manage staff.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from pydantic import ValidationError
from sqlmodel import Session

from desk.audit.actions import Action
from desk.audit.chain import Recorder
from desk.clock import Clock, utcnow
from desk.config import ROLES, DeskConfig, StaffConfig, load_config, parse_config
from desk.config.editing import (
    new_staff_table,
    parse_document,
    read_text,
    staff_table,
    staff_tables,
    write_atomically,
    write_config,
)
from desk.config.problems import reason, where
from desk.db import SessionFactory, store, transaction
from desk.db.tables import Staff
from desk.errors import ActionRefused, ConfigError, InputError, NotFound, PermissionDenied
from desk.staff import identity, records
from desk.views import StaffView

_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True, slots=True)
class StaffMember:
    """One person of desk.toml as the staff list shows them, with their open load."""

    name: str
    display_name: str
    initials: str
    role: str
    languages: tuple[str, ...]
    topics: tuple[str, ...]
    os_users: tuple[str, ...]
    active: bool
    open_mentions: int = 0
    has_passphrase: bool = False

    def to_json(self) -> dict[str, Any]:
        """The form printed by ``desk staff list --json``."""
        return {
            "name": self.name,
            "display_name": self.display_name,
            "initials": self.initials,
            "role": self.role,
            "languages": list(self.languages),
            "topics": list(self.topics),
            "os_users": list(self.os_users),
            "active": self.active,
            "open_mentions": self.open_mentions,
            "has_passphrase": self.has_passphrase,
        }


@dataclass(frozen=True, slots=True)
class NewStaff:
    """What an admin gives to add a person; ``StaffService.add`` validates it."""

    name: str
    display_name: str
    initials: str
    role: str = "agent"
    languages: tuple[str, ...] = ("fr", "en")
    topics: tuple[str, ...] = ()
    os_users: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Deactivation:
    """A deactivated person, their open mentions (to hand over), and where desk.toml still names
    them (routing, teams, on-call: routing skips them there, and the explanation says so)."""

    member: StaffMember
    open_mentions: tuple[int, ...]
    named_in: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Applied:
    """What ``StaffService.apply_file`` changed: how many people, and the approval policy."""

    people: int
    approval: bool


@dataclass
class _Change:
    name: str
    action: Action
    data: dict[str, Any]
    open_mentions: tuple[int, ...] = field(default=())


Edit = Callable[[tomlkit.TOMLDocument, DeskConfig, Session], _Change]


def split_list(text: str) -> tuple[str, ...]:
    """``"fr, en"`` -> ``("fr", "en")``: the comma-separated lists of the CLI and the form."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


@dataclass(kw_only=True)
class StaffService:
    """Staff administration as one person (``actor``); see the module docstring."""

    write_factory: SessionFactory
    read_factory: SessionFactory
    config: DeskConfig
    actor: StaffView
    clock: Clock = utcnow

    # -- reading -------------------------------------------------------------------------------
    def list_staff(self) -> list[StaffMember]:
        """Everyone of the staff records, in desk.toml's order first, with open load (anyone
        may): role, logins and active as recorded, topics as desk.toml says."""
        config = self._current()
        with self.read_factory() as session:
            loads = store.open_loads(session=session)
            rows = store.staff_rows(session=session)
        order = [p.name for p in config.staff if p.name in rows]
        order += sorted(name for name in rows if name not in order)
        return [_member(rows[name], config.staff_named(name), loads) for name in order]

    def drift(self) -> list[records.Drift]:
        """How desk.toml (as it is on disk now) differs from the staff records."""
        with self.read_factory() as session:
            return records.drift(self._current(), session)

    def member(self, name: str) -> StaffMember:
        """One person, as ``list_staff`` shows them."""
        wanted = name.casefold()
        for person in self.list_staff():
            if person.name.casefold() == wanted:
                return person
        raise self._unknown(name, self.config)

    def require_admin(self) -> None:
        """Refuse (PermissionDenied, naming the admins) unless the actor is an admin; no I/O, so
        a screen can ask before opening a form. Every change checks again, on desk.toml."""
        self._require_admin()

    # -- changes (admins) ----------------------------------------------------------------------
    def add(self, new: NewStaff) -> StaffMember:
        """Add a person to desk.toml and the mirror (``staff.added``)."""
        self._require_admin()
        person = _validated(new)

        def edit(doc: tomlkit.TOMLDocument, current: DeskConfig, session: Session) -> _Change:
            if current.staff_named(person.name) is not None:
                raise ActionRefused.from_catalog("staff_exists", name=person.name)
            known = {n.casefold() for n in store.staff_rows(session=session)}
            if person.name.casefold() in known:
                raise ActionRefused.from_catalog("staff_in_history", name=person.name)
            for other in current.staff:
                if other.initials.casefold() == person.initials.casefold():
                    raise ActionRefused.from_catalog(
                        "initials_taken", initials=person.initials, name=other.name
                    )
                shared = sorted(set(other.os_users) & set(person.os_users))
                if shared:  # the login would open the desk as whoever comes first in the file
                    raise ActionRefused.from_catalog(
                        "os_user_taken", login=shared[0], name=other.name
                    )
            staff_tables(doc, self._path(), create=True).append(new_staff_table(person))
            data = {"name": person.name, **_described(person)}
            return _Change(person.name, Action.STAFF_ADDED, data)

        self._apply(edit)
        return self.member(person.name)

    def set_role(self, name: str, role: str) -> StaffMember:
        """Change someone's role (``staff.role_changed``, with the role before and after)."""
        self._require_admin()
        if role not in ROLES:
            raise InputError.from_catalog("unknown_role", role=role, roles=", ".join(ROLES))

        def edit(doc: tomlkit.TOMLDocument, current: DeskConfig, session: Session) -> _Change:
            person = self._existing(current, name)
            if person.role == role:
                raise ActionRefused.from_catalog("already_role", name=person.name, role=role)
            staff_table(doc, self._path(), person.name)["role"] = role
            data = {"name": person.name, "from": person.role, "to": role}
            return _Change(person.name, Action.STAFF_ROLE_CHANGED, data)

        return self.member(self._apply(edit).name)

    def deactivate(self, name: str) -> Deactivation:
        """Deactivate someone (``active = false``; ``staff.deactivated``): no new work, no desk.
        Their open mentions stay theirs until an admin hands them over; they are returned."""
        self._require_admin()
        named_in: tuple[str, ...] = ()

        def edit(doc: tomlkit.TOMLDocument, current: DeskConfig, session: Session) -> _Change:
            nonlocal named_in
            person = self._existing(current, name)
            if not person.active:
                raise ActionRefused.from_catalog("already_inactive", name=person.name)
            staff_table(doc, self._path(), person.name)["active"] = False
            mentions = store.open_mentions_of(person.name, session=session)
            ids = tuple(m.id for m in mentions if m.id is not None)
            named_in = _named_in(current, person.name)
            data = {"name": person.name, "open_mentions": len(ids)}
            return _Change(person.name, Action.STAFF_DEACTIVATED, data, ids)

        change = self._apply(edit)
        return Deactivation(self.member(change.name), change.open_mentions, named_in)

    def reactivate(self, name: str) -> StaffMember:
        """Bring a deactivated person back (``staff.reactivated``)."""
        self._require_admin()

        def edit(doc: tomlkit.TOMLDocument, current: DeskConfig, session: Session) -> _Change:
            person = self._existing(current, name)
            if person.active:
                raise ActionRefused.from_catalog("already_active", name=person.name)
            table = staff_table(doc, self._path(), person.name)
            del table["active"]  # active is the default: the entry reads as it did before
            return _Change(person.name, Action.STAFF_REACTIVATED, {"name": person.name})

        return self.member(self._apply(edit).name)

    def apply_file(self) -> Applied:
        """Make the staff records and the recorded approval policy say what desk.toml says
        (admins; one audit event per person changed, one for the policy, under the admin's
        name, in one transaction)."""
        self._require_admin()
        path = self._path()
        with transaction(self.write_factory) as session:
            self._require_admin(session=session)
            current = parse_config(read_text(path), path)
            before = _recorded_admins(session)
            record = Recorder(self.actor.name, self.clock)
            changed = records.settle(current, session, record)
            session.flush()
            if before and not _recorded_admins(session):
                raise ActionRefused.from_catalog("last_admin", name=before[0])
            approval = records.settle_approval(current, session, record)
        self.config.staff = current.staff
        return Applied(changed, approval)

    def set_passphrase(self, name: str, passphrase: str) -> None:
        """Set (or reset, when forgotten) someone's passphrase: one's own, or anyone's for an
        admin (``identity.set_passphrase``: scrypt hash, ``staff.passphrase_set``)."""
        current = self._current()
        person = self._existing(current, name)
        if person.name != self.actor.name:
            # someone else's: an admin as the records say *now* (a demoted admin's open desk
            # still says admin, and whoever sets an admin's passphrase can act --as that admin)
            with self.read_factory() as session:
                self._require_admin(session=session)
        identity.set_passphrase(self.write_factory, self.actor, person.name, passphrase, self.clock)

    # -- the one path every change takes ---------------------------------------------------------
    def _apply(self, edit: Edit) -> _Change:
        path = self._path()
        replaced: str | None = None  # desk.toml's previous text, once the new one is on disk
        try:
            with transaction(self.write_factory) as session:
                before = read_text(path)
                current = parse_config(before, path)
                self._require_admin(session=session)
                doc = parse_document(before, path)
                change = edit(doc, current, session)
                after = tomlkit.dumps(doc)
                updated = parse_config(after, path)  # what desk would load next time
                person = updated.staff_named(change.name)
                assert person is not None  # the edit kept or added them
                admins_before = _recorded_admins(session)
                _mirror(session, person)
                session.flush()
                if admins_before and not _recorded_admins(session):
                    raise ActionRefused.from_catalog("last_admin", name=change.name)
                Recorder(self.actor.name, self.clock).event(session, change.action, change.data)
                session.flush()  # a database refusal comes now, while desk.toml is untouched
                write_config(path, after)
                replaced = before
        except BaseException:
            if replaced is not None:  # the commit failed after the file was replaced
                with contextlib.suppress(OSError):
                    write_atomically(path, replaced)
            raise
        self.config.staff = updated.staff  # this session routes and picks with the change too
        return change

    # -- helpers -------------------------------------------------------------------------------
    def _path(self) -> Path:
        if self.config.path is None:
            raise ConfigError.from_catalog("config_path_unknown")
        return self.config.path

    def _current(self) -> DeskConfig:
        return self.config if self.config.path is None else load_config(self.config.path)

    def _require_admin(self, *, session: Session | None = None) -> None:
        """Refuse unless the actor is an admin: as this desk was opened (no I/O), or as the staff
        records say now (``session``)."""
        if session is None:
            allowed = self.actor.is_admin
        else:
            row = store.staff_rows(session=session).get(self.actor.name)
            allowed = row is not None and row.active and row.role == "admin"
        if not allowed:  # the admins named are the recorded ones, never a desk.toml's
            with self.read_factory() as reading:
                names = _recorded_admins(reading)
            raise PermissionDenied.from_catalog("staff_forbidden", admins=", ".join(names) or "-")

    def _existing(self, config: DeskConfig, name: str) -> StaffConfig:
        person = config.staff_named(name)
        if person is None:
            raise self._unknown(name, config)
        return person

    @staticmethod
    def _unknown(name: str, config: DeskConfig) -> NotFound:
        names = ", ".join(p.name for p in config.staff) or "-"
        return NotFound.from_catalog("staff_unknown", name=name, names=names)


def _member(row: Staff, person: StaffConfig | None, loads: dict[str, int]) -> StaffMember:
    view = records.view_of(row)
    return StaffMember(
        name=row.name,
        display_name=row.display_name,
        initials=row.initials,
        role=row.role,
        languages=view.languages,
        topics=tuple(person.topics) if person is not None else (),
        os_users=tuple(records.logins_of(row)),
        active=row.active,
        open_mentions=loads.get(row.name, 0),
        has_passphrase=bool(row.passphrase_hash),
    )


def _recorded_admins(session: Session) -> list[str]:
    """The active admins of the staff records."""
    rows = store.staff_rows(session=session).values()
    return sorted(r.name for r in rows if r.active and r.role == "admin")


def _described(person: StaffConfig) -> dict[str, Any]:
    return {
        "display_name": person.display_name,
        "initials": person.initials,
        "role": person.role,
        "languages": list(person.languages),
        "topics": list(person.topics),
        "os_users": list(person.os_users),
    }


def _validated(new: NewStaff) -> StaffConfig:
    """The new person as desk.toml would hold them, or an InputError naming the field."""
    if new.role not in ROLES:
        raise InputError.from_catalog("unknown_role", role=new.role, roles=", ".join(ROLES))
    languages = [code.strip().lower() for code in new.languages if code.strip()]
    if not languages:
        raise InputError.from_catalog("staff_no_language")
    for code in languages:
        if not _LANGUAGE.match(code):
            raise InputError.from_catalog("staff_bad_language", code=code)
    texts = {
        "name": new.name.strip(),
        "display_name": new.display_name.strip(),
        "initials": new.initials.strip(),
    }
    for key, value in [*texts.items(), *(("topics", t) for t in new.topics)]:
        if any(unicodedata.category(c).startswith("C") for c in value):
            raise InputError.from_catalog("staff_control_chars", field=key)
    if any(c.isspace() for c in texts["initials"]):
        raise InputError.from_catalog("staff_initials_space")
    try:
        return StaffConfig(
            **texts,
            role=new.role,  # checked against ROLES above
            languages=list(dict.fromkeys(languages)),
            topics=[t.strip() for t in new.topics if t.strip()],
            os_users=[u.strip() for u in new.os_users if u.strip()],
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = where(first)
        if field == "name":
            raise InputError.from_catalog("staff_bad_name", name=texts["name"]) from exc
        raise InputError.from_catalog("staff_invalid", field=field, problem=reason(first)) from exc


def _mirror(session: Session, person: StaffConfig) -> None:
    """Write one person's desk.toml entry into the ``staff`` table (no commit)."""
    values = records.values_of(person)
    row = store.staff_rows(session=session).get(person.name)
    if row is None:
        row = Staff(name=person.name, **values)
    else:
        for key, value in values.items():
            setattr(row, key, value)
    session.add(row)


def _named_in(config: DeskConfig, name: str) -> tuple[str, ...]:
    """Where desk.toml names ``name`` besides ``[[staff]]``: ``routing.fr``, ``team.comms``..."""
    places = [f"routing.{lang}" for lang, who in config.routing.items() if who == name]
    places += [f"team.{t.name}" for t in config.team if name in t.members]
    if name in config.oncall.rotation or any(t.staff == name for t in config.oncall.turns):
        places.append("oncall")
    return tuple(places)
