"""Fixtures of the PostgreSQL tests: desks on one fresh database per test (tests/conftest.py's
``postgres_url``: skipped without a server locally, failed in CI)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from desk.bootstrap import Desk
from desk.config import Settings
from tests.helpers.clock import FakeClock
from tests.helpers.desks import open_test_desk

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def pg_settings(postgres_url: str, config_file: Path) -> Settings:
    """Settings of a desk on this test's PostgreSQL database."""
    return Settings(db=postgres_url, config=config_file)


@pytest.fixture
def open_pg(pg_settings: Settings) -> Iterator[Callable[..., Desk]]:
    """Opens a desk on it as someone (each its own engine, like another process); closed after."""
    opened: list[Desk] = []

    def make(as_name: str = "amelie") -> Desk:
        desk = open_test_desk(pg_settings, as_name, clock=FakeClock())
        opened.append(desk)
        return desk

    yield make
    for desk in opened:
        desk.close()


def libpq(url: str) -> str:
    """An SQLAlchemy URL as libpq takes it (psycopg.connect)."""
    return sa.engine.make_url(url).set(drivername="postgresql").render_as_string(False)


def forged_event(actor: str, action: str = "mention.closed") -> str:
    """An INSERT of an audit event by ``actor`` as someone bypassing desk with psql would type
    it: the next seq, chained after the head (the server's actor check must refuse it)."""
    return (
        "INSERT INTO audit_events (seq, at, actor, action, data, prev_hash, hash) "
        f"SELECT seq + 1, now(), '{actor}', '{action}', '{{}}', hash, md5(hash) "
        "FROM audit_events ORDER BY seq DESC LIMIT 1"
    )


def readme_sql(first_line: str) -> str:
    """The README's ```sql block that starts with ``first_line``."""
    for body in re.findall(r"```sql\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        if body.startswith(first_line):
            return str(body)
    raise AssertionError(f"README.md has no sql block starting with {first_line!r}")


def sql_statements(block: str) -> list[str]:
    lines = [re.sub(r"\s*--.*$", "", line) for line in block.splitlines()]
    return [s.strip() for s in " ".join(lines).split(";") if s.strip()]
