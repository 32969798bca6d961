"""The README's PostgreSQL deployment (issue 15), run as written: a staff role with the
documented grants works the desk, and cannot change, delete or truncate the audit trail, nor
switch its triggers off, nor insert an event in a colleague's name (migration 0023), nor map its
login to a colleague first. Over TCP with trust: tests/postgres/test_peer.py does the same over
the socket with peer authentication."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from desk.config import Settings
from tests.helpers.desks import add, mention, open_test_desk
from tests.postgres.conftest import forged_event, libpq, readme_sql, sql_statements


@pytest.fixture
def staff_url(postgres_url: str, config_file: Path) -> Iterator[str]:
    """The test database as the README's ``bruno`` (roles renamed: roles are cluster-wide)."""
    suffix = f"_{os.getpid()}"

    def named(sql: str) -> str:
        return re.sub(r"\b(desk_staff|bruno)\b", lambda m: m.group(1) + suffix, sql)

    roles = [
        named(s)
        for s in sql_statements(readme_sql("-- desk: roles"))
        if re.match(r"CREATE ROLE (desk_staff|bruno)\b", s)
    ]
    grants = [named(s) for s in sql_statements(readme_sql("-- desk: staff grants"))]
    assert len(roles) == 2
    assert grants
    admin = libpq(postgres_url)
    open_test_desk(Settings(db=postgres_url, config=config_file), "amelie").close()  # `desk init`
    with psycopg.connect(admin, autocommit=True) as conn:
        for role in ("bruno", "desk_staff"):
            conn.execute(f"DROP ROLE IF EXISTS {role}{suffix}")
        for statement in roles + grants:
            conn.execute(statement)
        # the admin records bruno's login (`desk staff`), as the owner
        conn.execute(f"UPDATE staff SET os_users = 'bruno{suffix}' WHERE name = 'bruno'")
    yield sa.engine.make_url(postgres_url).set(username=f"bruno{suffix}").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE usename = 'bruno{suffix}'"
        )
        for role in ("bruno", "desk_staff"):
            conn.execute(f"DROP OWNED BY {role}{suffix}")
            conn.execute(f"DROP ROLE {role}{suffix}")


def test_a_staff_role_works_the_desk_and_cannot_touch_the_trail(
    staff_url: str, config_file: Path
) -> None:
    desk = open_test_desk(Settings(db=staff_url, config=config_file), "bruno")
    try:
        (mid,) = add(desk, mention("1", "Bonjour"))
        desk.inbox.close(mid)
        desk.inbox.reopen(mid)
        with desk.engine.connect() as conn:
            user = conn.exec_driver_sql("SELECT current_user").scalar()
        assert user == sa.engine.make_url(staff_url).username
        for statement in (
            "UPDATE audit_events SET actor = 'mallory'",
            "DELETE FROM audit_events",
            "TRUNCATE audit_events",
            "DROP TRIGGER audit_events_append_only ON audit_events",
            "ALTER TABLE audit_events DISABLE TRIGGER ALL",
            "UPDATE alembic_version SET version_num = '0001'",
            "INSERT INTO audit_anchors (seq, hash) VALUES (0, 'made up')",
        ):
            with pytest.raises(sa.exc.DBAPIError) as refused, desk.engine.begin() as conn:
                conn.exec_driver_sql(statement)
            assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege), statement
        assert desk.queries.verify_audit().ok
    finally:
        desk.close()


def _refused(desk_engine: sa.Engine, *statements: str) -> str:
    """Run ``statements`` in one transaction as the staff role; the server's refusal (42501)."""
    with desk_engine.connect() as conn:
        for statement in statements[:-1]:
            conn.exec_driver_sql(statement)
        with pytest.raises(sa.exc.DBAPIError) as refused:
            conn.exec_driver_sql(statements[-1])
        conn.rollback()
    assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege), statements
    return str(refused.value.orig)


def test_a_staff_role_records_events_in_its_own_name_only(
    postgres_url: str, staff_url: str, config_file: Path
) -> None:
    """Migration 0023: bruno's role works the desk (its events are bruno's, and the outbox's),
    and the server refuses an event in amelie's name however it is dressed: typed as psql would,
    under SET ROLE, with a temporary ``staff`` table mapping bruno's login to amelie, or after
    trying to map it in the real one; not when the owner lists it as a shared account's."""
    role = sa.engine.make_url(staff_url).username
    assert role is not None
    desk = open_test_desk(Settings(db=staff_url, config=config_file), "bruno")
    try:
        (mid,) = add(desk, mention("1", "Bonjour"))
        desk.inbox.close(mid)
        with desk.engine.connect() as conn:  # the desk's own workers' names, each to its actions
            conn.exec_driver_sql(forged_event("outbox", "reply.sent"))
            conn.exec_driver_sql(forged_event("system", "staff.updated"))
            conn.rollback()  # accepted by the server; not kept (their hashes are made up)
        group = role.replace("bruno", "desk_staff")
        forgeries = (
            (forged_event("amelie"),),
            (f"SET ROLE {group}", forged_event("amelie")),
            (forged_event("outbox", "mention.closed"),),
            (forged_event("system", "mention.closed"),),
            (forged_event(role, "mention.closed"),),
            (f"SET desk.shared_logins = '{role}'", forged_event("amelie")),
            (
                "CREATE TEMP TABLE staff (name text, os_users text)",
                f"INSERT INTO staff VALUES ('amelie', '{role}')",
                forged_event("amelie"),
            ),
        )
        for statements in forgeries:
            assert "audit event refused" in _refused(desk.engine, *statements), statements
        for statement in (
            f"UPDATE staff SET os_users = '{role}' WHERE name = 'amelie'",
            "UPDATE staff SET name = 'bruno2' WHERE name = 'amelie'",
            "DELETE FROM staff WHERE name = 'amelie'",
            f"INSERT INTO staff (name, display_name, initials, role, languages, active, "
            f"os_users, failed_logins) VALUES ('amelie2', 'A', 'A', 'admin', 'fr', true, "
            f"'{role}', 0)",
        ):
            assert "changed by the database owner" in _refused(desk.engine, statement), statement
        with desk.engine.begin() as conn:  # other columns stay the desk's to write
            conn.exec_driver_sql("UPDATE staff SET failed_logins = 0 WHERE name = 'amelie'")
        # the owner lists a shared account's login (desk serve): its events are not checked
        database = sa.engine.make_url(postgres_url).database
        with psycopg.connect(libpq(postgres_url), autocommit=True) as admin:
            admin.execute(f"ALTER DATABASE {database} SET desk.shared_logins = 'web,{role}'")
            with desk.engine.connect() as conn:
                conn.exec_driver_sql(forged_event("amelie"))
                conn.rollback()
            admin.execute(f"ALTER DATABASE {database} RESET desk.shared_logins")
        assert "audit event refused" in _refused(desk.engine, forged_event("amelie"))
        with desk.engine.connect() as conn:
            by_bruno = conn.exec_driver_sql(
                "SELECT count(*) FROM audit_events WHERE actor = 'bruno'"
            ).scalar()
        assert by_bruno == 2  # the mention stored and closed, in bruno's name
        assert desk.queries.verify_audit().ok
    finally:
        desk.close()


def test_the_first_opening_is_the_owners(
    postgres_url: str, staff_url: str, config_file: Path
) -> None:
    """A staff role cannot seed an empty staff table from its own desk.toml (it would choose
    whose logins are whose): the server refuses, naming the owner (README: the owner opens the
    desk once after `desk init`)."""
    with psycopg.connect(libpq(postgres_url), autocommit=True) as admin:
        admin.execute("DELETE FROM staff")
    with pytest.raises(sa.exc.DBAPIError) as refused:
        open_test_desk(Settings(db=staff_url, config=config_file), "bruno")
    assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege)
    assert "changed by the database owner" in str(refused.value.orig)
    with psycopg.connect(libpq(postgres_url)) as admin:
        assert admin.execute("SELECT count(*) FROM staff").fetchone() == (0,)
