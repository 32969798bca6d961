"""The staff records: the database says who is who, desk.toml only proposes.

Who is at the keyboard, their role, the OS logins mapped to them and whether they are active are
read from the ``staff`` table, which changes only through audited admin actions
(``desk.staff.service``). A desk.toml that disagrees is *reported* (``drift``) and applied only by
an admin (``apply``, audited with the admin's name): a private copy of desk.toml
(``desk --config mine.toml``) cannot make anyone a supervisor.

Two moments take desk.toml's word, each audited as ``system``:

- a database with no staff yet is seeded from desk.toml (whoever creates the desk chooses its
  first people);
- a database upgraded from before logins were recorded (``os_users`` NULL, migration 0013) records
  desk.toml's mapping once, at its first opening.

The approval policy (who approves, which replies wait: desk.db.policies) is recorded the same
way: at the first opening (``first_opening``: a new desk, or one upgraded by migration 0022), then
only by an admin (``settle_approval``, called by ``desk staff apply``); a desk.toml whose
``[approval]`` disagrees is reported (``approval_drift``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from desk.audit.actions import Action
from desk.audit.chain import Recorder
from desk.config import DeskConfig, StaffConfig
from desk.db import policies, store
from desk.db.tables import Staff
from desk.errors import ConfigError, PermissionDenied
from desk.views import StaffView

FIELDS = ("display_name", "initials", "role", "languages", "active", "os_users")
"""The columns of ``staff`` that desk.toml describes too."""


def values_of(person: StaffConfig) -> dict[str, Any]:
    """The ``staff`` columns (``FIELDS``) desk.toml gives for one person."""
    return {
        "display_name": person.display_name,
        "initials": person.initials,
        "role": person.role,
        "languages": ",".join(person.languages),
        "active": person.active,
        "os_users": ",".join(person.os_users),
    }


def view_of(row: Staff) -> StaffView:
    """The read model of one staff record."""
    languages = tuple(code for code in row.languages.split(",") if code)
    return StaffView(row.name, row.display_name, row.initials, row.role, languages)


def logins_of(row: Staff) -> list[str]:
    """The OS logins mapped to one staff record."""
    return [login for login in (row.os_users or "").split(",") if login]


@dataclass(frozen=True, slots=True)
class Drift:
    """One way desk.toml differs from the staff records: ``field`` of ``name`` (or ``person``
    for someone only one of them has)."""

    name: str
    field: str
    in_file: Any
    in_records: Any


def drift(config: DeskConfig, session: Session) -> list[Drift]:
    """Everything desk.toml says differently from the staff records (empty: they agree)."""
    return drift_from(config, store.staff_records(session=session))


def drift_from(config: DeskConfig, records: Mapping[str, Staff]) -> list[Drift]:
    """``drift`` against staff records already read (``store.staff_records``)."""
    rows = dict(records)
    found: list[Drift] = []
    for person in config.staff:
        row = rows.pop(person.name, None)
        if row is None:
            found.append(Drift(person.name, "person", "present", "absent"))
            continue
        for field, value in values_of(person).items():
            stored = getattr(row, field)
            if stored != value:
                found.append(Drift(person.name, field, value, stored))
    for row in rows.values():
        if row.active:
            found.append(Drift(row.name, "person", "absent", "present"))
    return found


def settle(config: DeskConfig, session: Session, record: Recorder) -> int:
    """Make the staff records say what desk.toml says, one audit event per person changed (the
    caller decides who may: the first seeding, or an admin). The number of people changed."""
    rows = store.staff_rows(session=session)
    changed = 0
    for person in config.staff:
        values = values_of(person)
        row = rows.pop(person.name, None)
        if row is None:
            session.add(Staff(name=person.name, **values))
            action = Action.STAFF_ADDED
        elif any(getattr(row, k) != v for k, v in values.items()):
            action = Action.STAFF_UPDATED
            if row.active != person.active:
                action = Action.STAFF_REACTIVATED if person.active else Action.STAFF_DEACTIVATED
            for key, value in values.items():
                setattr(row, key, value)
            session.add(row)
        else:
            continue
        changed += 1
        record(session, action, name=person.name, **values)
    for row in rows.values():
        if row.active:
            row.active = False
            session.add(row)
            changed += 1
            record(session, Action.STAFF_DEACTIVATED, name=row.name)
    return changed


APPROVAL = "approval"
"""The ``name`` of a ``Drift`` in the approval policy (its ``field`` is the setting's)."""


def approval_drift(config: DeskConfig, recorded: Mapping[str, Any] | None) -> list[Drift]:
    """Everything desk.toml's ``[approval]`` (with the author lists it names) says differently
    from the recorded approval policy (``recorded``: desk.db.policies.recorded_values)."""
    if recorded is None:  # nothing recorded yet: the first opening records desk.toml's
        return []
    wanted = policies.values_of(config)
    return [
        Drift(APPROVAL, key, wanted.get(key), recorded.get(key))
        for key in sorted(set(wanted) | set(recorded))
        if wanted.get(key) != recorded.get(key)
    ]


def settle_approval(config: DeskConfig, session: Session, record: Recorder) -> bool:
    """Make the recorded approval policy say what desk.toml says, with one audit event
    (``approval.policy_set``, with the whole policy) if anything changes (the caller decides
    who may: the first opening, or an admin). Whether it changed."""
    wanted = policies.values_of(config)
    if policies.recorded_values(session) == wanted:
        return False
    policies.record(session, wanted)
    record(session, Action.APPROVAL_POLICY_SET, **wanted)
    return True


def first_opening(config: DeskConfig, session: Session, record: Recorder) -> None:
    """Seed an empty staff table from desk.toml, or record the logins of an upgraded one; and
    record desk.toml's approval policy when none is recorded yet."""
    rows = store.staff_rows(session=session)
    if not rows:
        settle(config, session, record)
    if policies.recorded_values(session) is None:  # after the people its fallback names
        settle_approval(config, session, record)
    for row in rows.values():  # none when just seeded: their logins are recorded
        if row.os_users is not None:
            continue
        person = config.staff_named(row.name)
        row.os_users = ",".join(person.os_users) if person is not None else ""
        session.add(row)
        record(session, Action.STAFF_UPDATED, name=row.name, os_users=row.os_users, upgrade=True)


def needs_first_opening(session: Session) -> bool:
    """Whether ``first_opening`` has work to do (a read, so opening takes no write lock)."""
    return first_opening_needed(
        store.staff_records(session=session), policies.recorded_values(session)
    )


def first_opening_needed(rows: Mapping[str, Staff], approval: Mapping[str, Any] | None) -> bool:
    """``needs_first_opening`` from staff records and the approval policy already read."""
    return not rows or any(row.os_users is None for row in rows.values()) or approval is None


def who(session: Session, as_name: str | None, login: str) -> StaffView:
    """Who is at the keyboard: ``as_name`` (``--as``), else the person whose recorded logins
    include the OS ``login``. Refused for someone unknown or deactivated."""
    return who_in(store.staff_records(session=session), as_name, login)


def who_in(rows: Mapping[str, Staff], as_name: str | None, login: str) -> StaffView:
    """``who`` among staff records already read (opening a desk reads them once for this,
    ``first_opening_needed`` and ``drift_from``)."""
    if as_name:
        wanted = as_name.casefold()
        row = next((r for r in rows.values() if r.name.casefold() == wanted), None)
        if row is None:
            names = ", ".join(sorted(rows)) or "—"
            raise ConfigError.from_catalog("staff_unknown", name=as_name, names=names)
        return _active(row)
    mapped = [r for r in rows.values() if login and login in logins_of(r)]
    if mapped:
        return _active(next((r for r in mapped if r.active), mapped[0]))
    raise ConfigError.from_catalog("login_unmapped", login=repr(login))


def _active(row: Staff) -> StaffView:
    if not row.active:
        raise PermissionDenied.from_catalog("staff_inactive", name=row.name)
    return view_of(row)
