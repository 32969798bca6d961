"""The README's PostgreSQL deployment (issue 15), run as written: a staff role with the
documented grants works the desk, and cannot change, delete or truncate the audit trail, nor
switch its triggers off."""

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
from tests.postgres.conftest import libpq

README = Path(__file__).resolve().parents[2] / "README.md"


def _block(first_line: str) -> str:
    """The README's ```sql block that starts with ``first_line``."""
    for body in re.findall(r"```sql\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        if body.startswith(first_line):
            return str(body)
    raise AssertionError(f"README.md has no sql block starting with {first_line!r}")


def _statements(block: str) -> list[str]:
    lines = [re.sub(r"\s*--.*$", "", line) for line in block.splitlines()]
    return [s.strip() for s in " ".join(lines).split(";") if s.strip()]


@pytest.fixture
def staff_url(postgres_url: str) -> Iterator[str]:
    """The test database as the README's ``bruno`` (roles renamed: roles are cluster-wide)."""
    suffix = f"_{os.getpid()}"

    def named(sql: str) -> str:
        return re.sub(r"\b(desk_staff|bruno)\b", lambda m: m.group(1) + suffix, sql)

    roles = [
        named(s)
        for s in _statements(_block("-- desk: roles"))
        if re.match(r"CREATE ROLE (desk_staff|bruno)\b", s)
    ]
    grants = [named(s) for s in _statements(_block("-- desk: staff grants"))]
    assert len(roles) == 2
    assert grants
    admin = libpq(postgres_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        for role in ("bruno", "desk_staff"):
            conn.execute(f"DROP ROLE IF EXISTS {role}{suffix}")
        for statement in roles + grants:
            conn.execute(statement)
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
        ):
            with pytest.raises(sa.exc.DBAPIError) as refused, desk.engine.begin() as conn:
                conn.exec_driver_sql(statement)
            assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege), statement
        assert desk.queries.verify_audit().ok
    finally:
        desk.close()
