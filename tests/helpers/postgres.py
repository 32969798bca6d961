"""A real PostgreSQL for the tests: a private cluster on 127.0.0.1, a fresh database per test.

Where the server comes from, first found wins:

1. ``DESK_TEST_POSTGRES_URL`` — any server the tests may create databases on
   (``postgresql+psycopg://postgres@127.0.0.1:55432/postgres``);
2. the cluster CI starts (``.ci/bluesky/setup.sh``, as the ``postgres`` user on 127.0.0.1:55432;
   pytest-postgresql cannot be used: ``pg_ctl`` refuses to run as root, and CI runs as root).
   When Debian's server binaries are installed but the cluster is not running, the same script
   is run (``setup.sh postgres``: create it if needed, start it; about a second).

With none of these the tests that need PostgreSQL skip with the reason, except in CI
(``DESK_CI_POSTGRES=1``), where they fail.

Each test gets its own database, copied from a template that the migrations brought to the head
once per session (``CREATE DATABASE ... TEMPLATE``, where running the migrations takes a second),
dropped after the test. A copy costs about half a second (PostgreSQL checkpoints to make it), so
``Databases`` makes the next ones in a thread while tests run, and drops used ones there too.
"""

from __future__ import annotations

import itertools
import os
import queue
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from desk import db

REPO = Path(__file__).resolve().parents[2]
CI_ENV = REPO / ".ci" / ".tools" / "bluesky.env"
SETUP = REPO / ".ci" / "bluesky" / "setup.sh"
TEMPLATE = "desk_test_template"

_counter = itertools.count(1)


def required() -> bool:
    """Whether a missing PostgreSQL is a failure (CI) rather than a skip."""
    return os.environ.get("DESK_CI_POSTGRES") == "1"


def unavailable(reason: str) -> None:
    """Fail in CI, skip elsewhere."""
    if required():
        pytest.fail(f"PostgreSQL is required here (DESK_CI_POSTGRES=1): {reason}")
    pytest.skip(f"no PostgreSQL: {reason}")


def _as_psycopg(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def _ci_url() -> str | None:
    if not CI_ENV.exists():
        return None
    for line in CI_ENV.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key == "DB_POSTGRES_URL" and value:
            return value
    return None


def _reachable(url: str) -> str | None:
    """None when the server answers, else why not."""
    try:
        engine = create_engine(_as_psycopg(url), connect_args={"connect_timeout": 5})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure to connect is the reason we report
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"
    return None


def server_url() -> str:
    """The URL of a server the tests may create databases on (skips or fails when none)."""
    explicit = os.environ.get("DESK_TEST_POSTGRES_URL")
    if explicit:
        problem = _reachable(explicit)
        if problem:
            unavailable(f"DESK_TEST_POSTGRES_URL={explicit} does not answer ({problem})")
        return _as_psycopg(explicit)
    url = _ci_url()
    if url and _reachable(url) is None:
        return _as_psycopg(url)
    has_server = any(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not has_server:
        unavailable(
            "the PostgreSQL server is not installed (Debian: apt-get install postgresql), "
            "and DESK_TEST_POSTGRES_URL is not set"
        )
    bash = shutil.which("bash") or "/bin/bash"
    run = subprocess.run(
        [bash, str(SETUP), "postgres"], capture_output=True, text=True, timeout=120, check=False
    )
    url = _ci_url()
    if run.returncode != 0 or url is None:
        unavailable(f"{SETUP} postgres failed: {(run.stderr or run.stdout).strip()[-500:]}")
    assert url is not None
    problem = _reachable(url)
    if problem:
        unavailable(f"the cluster started by {SETUP} does not answer ({problem})")
    return _as_psycopg(url)


def database_url(server: str, name: str) -> str:
    """The URL of database ``name`` on ``server``."""
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def _admin(server: str, *statements: str) -> None:
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def make_template(server: str) -> str:
    """(Re)create the template database at the migrations' head; its name."""
    tag = f"{TEMPLATE}_{os.getpid()}"
    _admin(server, f"DROP DATABASE IF EXISTS {tag} WITH (FORCE)", f"CREATE DATABASE {tag}")
    engine = db.make_engine(database_url(server, tag))
    try:
        db.upgrade(engine)
    finally:
        engine.dispose()
    return tag


def create_database(server: str, template: str | None = None) -> str:
    """A new empty (or templated) database; its name."""
    name = f"desk_test_{os.getpid()}_{next(_counter)}"
    source = f" TEMPLATE {template}" if template else ""
    _admin(
        server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}{source}"
    )
    return name


def drop_database(server: str, name: str) -> None:
    """Drop a test database, closing whatever still holds it."""
    _admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Databases:
    """Fresh copies of the template, made ``AHEAD`` at a time in a background thread; used ones
    are dropped there as well."""

    AHEAD = 2

    def __init__(self, server: str, template: str) -> None:
        self.server, self.template = server, template
        self._ready: queue.Queue[str | BaseException] = queue.Queue(maxsize=self.AHEAD)
        self._used: queue.Queue[str | None] = queue.Queue()
        self._stop = threading.Event()
        self._maker = threading.Thread(target=self._make, name="pg-test-databases", daemon=True)
        self._dropper = threading.Thread(target=self._drop, name="pg-test-drops", daemon=True)
        self._maker.start()
        self._dropper.start()

    def _make(self) -> None:
        while not self._stop.is_set():
            try:
                name: str | BaseException = create_database(self.server, self.template)
            except BaseException as exc:  # noqa: BLE001 - handed to the test that takes it
                name = exc
            while not self._stop.is_set():
                try:
                    self._ready.put(name, timeout=0.2)
                    break
                except queue.Full:
                    continue
            else:
                if isinstance(name, str):
                    self._used.put(name)

    def _drop(self) -> None:
        while (name := self._used.get()) is not None:
            try:
                drop_database(self.server, name)
            except Exception:  # noqa: BLE001,S110 - a leftover test database harms nothing
                pass

    def take(self) -> str:
        """A fresh database's name."""
        got = self._ready.get(timeout=120)
        if isinstance(got, BaseException):
            raise got
        return got

    def give_back(self, name: str) -> None:
        """Done with it: dropped in the background."""
        self._used.put(name)

    def close(self) -> None:
        """Stop making, drop what was made and not used, wait for the drops."""
        self._stop.set()
        self._maker.join(10)
        while True:
            try:
                left = self._ready.get_nowait()
            except queue.Empty:
                break
            if isinstance(left, str):
                self._used.put(left)
        self._used.put(None)
        self._dropper.join(120)
