"""The suite's fixtures: an isolated environment, a clock, a desk.toml with three staff, a real
Desk on a temporary SQLite file, and the command line bound to both. The pieces they are built
from (and the sample data) are in ``tests/helpers``.

``DESK_TEST_DB=postgresql`` puts the desk of ``settings`` (so ``desk``, ``make_desk``, ``cli``)
on a fresh PostgreSQL database per test instead (tests/helpers/postgres.py says where the server
comes from); ``postgres_url`` gives a test such a database whatever the variable says.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desk.bootstrap import Desk
from desk.config import Settings
from desk.staff import identity
from tests.helpers import postgres
from tests.helpers.cli import Cli
from tests.helpers.clock import FakeClock
from tests.helpers.desks import TEST_PASSPHRASE, open_test_desk, write_config


@pytest.fixture(autouse=True)
def _isolated_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads or writes the real user's config, data or cache folders, or their
    language."""
    home = tmp_path_factory.mktemp("home")
    for var in ("DESK_DB", "DESK_CONFIG", "DESK_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C")
    monkeypatch.setenv("DESK_PASSPHRASE", TEST_PASSPHRASE)  # what `--as` is asked for in tests
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))  # desk.cli._fast's records


@pytest.fixture(autouse=True)
def _cheap_passphrase_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """scrypt at OWASP's cost takes half a second and 128 MB per hash; tests that are not about
    the cost hash at a lower one (tests/unit/staff/test_identity.py checks the real one)."""
    monkeypatch.setattr(identity, "SCRYPT", {"n": 2**10, "r": 8, "p": 1})


@pytest.fixture
def clock() -> FakeClock:
    """The test's time: 2026-11-12 14:00 UTC, one second more at each reading."""
    return FakeClock()


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """The test's desk.toml (tests.helpers.desks.DESK_TOML): a module may override this fixture,
    and a test may rewrite the file before opening the desk."""
    settings = write_config(tmp_path)
    assert settings.config is not None
    return settings.config


TEST_DB = os.environ.get("DESK_TEST_DB", "sqlite")
"""Which engine the shared fixtures put the test desk on: ``sqlite`` (default) or ``postgresql``."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "browser: drives Debian's chromium with Playwright (tests/browser); skipped without them, "
        "failed without them when DESK_CI_BROWSER=1",
    )
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): about SQLite itself (its file, FTS5 tables, triggers a test drops "
        "to tamper); skipped when DESK_TEST_DB=postgresql, with the reason",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if TEST_DB != "postgresql":
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            why = marker.args[0] if marker.args else "about SQLite itself"
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {why}"))


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """A PostgreSQL server the tests may create databases on (skips locally when there is none,
    fails in CI)."""
    return postgres.server_url()


@pytest.fixture(scope="session")
def postgres_databases(postgres_server: str) -> Iterator[postgres.Databases]:
    """Copies of a database at the migrations' head, made ahead (tests/helpers/postgres.py)."""
    template = postgres.make_template(postgres_server)
    databases = postgres.Databases(postgres_server, template)
    yield databases
    databases.close()
    postgres.drop_database(postgres_server, template)


@pytest.fixture
def postgres_url(postgres_server: str, postgres_databases: postgres.Databases) -> Iterator[str]:
    """A fresh PostgreSQL database for this test, schema at head; dropped afterwards."""
    name = postgres_databases.take()
    yield postgres.database_url(postgres_server, name)
    postgres_databases.give_back(name)


@pytest.fixture
def postgres_empty_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database (no schema) for this test; dropped afterwards."""
    name = postgres.create_database(postgres_server)
    yield postgres.database_url(postgres_server, name)
    postgres.drop_database(postgres_server, name)


@pytest.fixture
def settings(tmp_path: Path, config_file: Path, request: pytest.FixtureRequest) -> Settings:
    """The test's desk.toml and a database beside it (or on PostgreSQL: DESK_TEST_DB)."""
    if TEST_DB == "postgresql":
        return Settings(db=request.getfixturevalue("postgres_url"), config=config_file)
    return Settings(db=str(tmp_path / "desk.db"), config=config_file)


@pytest.fixture
def make_desk(settings: Settings, clock: FakeClock) -> Iterator[Callable[..., Desk]]:
    """Opens the test desk as someone, on the test's clock; closed after the test."""
    opened: list[Desk] = []

    def make(as_name: str = "amelie") -> Desk:
        desk = open_test_desk(settings, as_name, clock=clock)
        opened.append(desk)
        return desk

    yield make
    for desk in opened:
        desk.close()


@pytest.fixture
def desk(make_desk: Callable[..., Desk]) -> Desk:
    """The test desk, opened as amelie (a supervisor)."""
    return make_desk("amelie")


@pytest.fixture
def cli(settings: Settings, clock: FakeClock) -> Cli:
    """``desk ...`` in this process on the test's database and clock (see tests.helpers.cli)."""
    return Cli(settings, clock)
