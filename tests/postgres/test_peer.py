"""Peer authentication for real (issue 15): an OS account, a role of the same name, a
``local ... peer`` line in pg_hba.conf, and desk run *as that account* over the Unix socket.

PostgreSQL then vouches for who connects (root cannot connect as that role over the socket), the
connection is that role, the desk opens as the staff member the login is mapped to and works
(a refused ``--as`` is audited under the login), and an event in a colleague's name — from the
desk's own engine or typed into psql — is refused by the server (migration 0023).

Needs root (useradd, runuser, editing the test cluster's pg_hba.conf, which is put back after)
and an interpreter the new account may run: the test's own, else /usr/bin/python3 of the same
version (a venv made from a Python under /root is not reachable by other accounts).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from desk.config import Settings
from tests.helpers.desks import add, mention, open_test_desk
from tests.helpers.postgres import unavailable
from tests.postgres.conftest import forged_event, libpq, readme_sql, sql_statements

REPO = Path(__file__).resolve().parents[2]

# Run as the OS account: open the desk (identity from the real uid, as always), close a mention,
# try --as a colleague with a wrong passphrase (the refusal is audited under the login: allowed),
# then the forged insert through the same engine. Prints what happened as JSON.
_AS_ACCOUNT = """
import json, sys
paths, url, config, mid, forged = json.loads(sys.argv[1])
sys.path[:0] = paths
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from desk.bootstrap import open_desk
from desk.config import Settings
from desk.errors import PermissionDenied
desk = open_desk(Settings(db=url, config=config))
desk.inbox.close(mid)
other = open_desk(Settings(db=url, config=config), as_name="amelie")
try:  # --as a colleague with a wrong passphrase: refused, audited under the OS login
    other.identity.authenticate(lambda name: "not amelie's")
    auth = "accepted"
except PermissionDenied as exc:
    auth = exc.key
other.close()
with desk.engine.connect() as conn:
    who = conn.exec_driver_sql("SELECT session_user, current_user").one()
    try:
        conn.exec_driver_sql(forged)
        refusal = None
    except sa.exc.DBAPIError as exc:
        refusal = [exc.orig.sqlstate, str(exc.orig)]
desk.close()
print(json.dumps({"session_user": who[0], "current_user": who[1], "me": desk.me.name,
                  "refusal": refusal, "auth": auth}))
"""


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


@dataclass(frozen=True)
class Account:
    """A throwaway OS account and its private directory."""

    login: str
    home: Path

    def run(self, *command: str) -> subprocess.CompletedProcess[str]:
        """``command`` as this account, with a clean environment."""
        env = ("env", "-i", f"HOME={self.home}", "PATH=/usr/bin:/bin", "LANG=C.UTF-8")
        return _run("runuser", "-u", self.login, "--", *env, *command)


@pytest.fixture
def account() -> Iterator[Account]:
    """An OS account made for this test (removed after)."""
    if os.geteuid() != 0 or not (shutil.which("useradd") and shutil.which("runuser")):
        unavailable("the peer authentication test needs root, useradd and runuser")
    login = f"desk_peer_{os.getpid()}"
    _run("userdel", login)
    made = _run("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", login)
    assert made.returncode == 0, made.stderr
    home = Path(tempfile.mkdtemp(prefix="desk-peer-"))
    try:
        shutil.chown(home, login)
        home.chmod(0o755)
        yield Account(login, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)
        _run("userdel", login)


def _interpreter(account: Account, paths: list[str]) -> str:
    """A Python of this version the account may run, importing desk and its packages from
    ``paths`` (this checkout and the test's site-packages)."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    probe_code = f"import sys; sys.path[:0] = {paths!r}; import desk, psycopg; print(sys.version)"
    tried = []
    for candidate in dict.fromkeys((sys.executable, "/usr/bin/python3")):
        probe = account.run(candidate, "-s", "-c", probe_code)
        if probe.returncode == 0 and probe.stdout.startswith(version + "."):
            return candidate
        tried.append(f"{candidate}: {(probe.stderr or probe.stdout).strip()[-200:]}")
    unavailable(
        f"no Python {version} that {account.login} may run with this checkout's packages "
        f"(a venv made from a Python under /root is unreadable to other accounts): {tried}"
    )
    raise AssertionError  # unreachable: unavailable() skips or fails


def _psql() -> str:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"))
    if not found:
        unavailable("psql not found under /usr/lib/postgresql/*/bin")
    return str(found[-1])


def _shown(conn: psycopg.Connection[tuple[object, ...]], setting: str) -> object:
    row = conn.execute(f"SHOW {setting}").fetchone()
    assert row is not None
    return row[0]


def _wait_for_peer(conninfo: str, account: Account) -> None:
    """Until the reload took effect: root connecting as the account's role is refused."""
    for _ in range(50):
        try:
            psycopg.connect(f"{conninfo} user={account.login}").close()
        except psycopg.OperationalError as exc:
            if "peer authentication failed" in str(exc).lower():
                return
        time.sleep(0.1)
    raise AssertionError("pg_hba.conf's peer line never took effect")


@pytest.fixture
def peer_line(postgres_url: str, account: Account) -> Iterator[str]:
    """``local <this database> <account> peer`` first in pg_hba.conf, reloaded; removed after.
    The socket's directory."""
    admin = libpq(postgres_url)
    database = sa.engine.make_url(postgres_url).database
    line = f"local {database} {account.login} peer  # desk test_peer, removed after\n"
    with psycopg.connect(admin, autocommit=True) as conn:
        hba = Path(str(_shown(conn, "hba_file")))
        sockets = str(_shown(conn, "unix_socket_directories"))
        hba.write_text(line + hba.read_text(encoding="utf-8"), encoding="utf-8")
        conn.execute("SELECT pg_reload_conf()")
    socket = sockets.split(",")[0].strip()
    try:
        _wait_for_peer(
            f"host={socket} port={make_url(postgres_url).port} dbname={database}", account
        )
        yield socket
    finally:
        hba.write_text(hba.read_text(encoding="utf-8").replace(line, ""), encoding="utf-8")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")


@pytest.fixture
def staff_role(postgres_url: str, account: Account, config_file: Path) -> Iterator[int]:
    """The README's set-up for the account: `desk init` as the owner, a role named as the OS
    login in a staff group with the README's grants, the login mapped to bruno. A mention's id."""
    group = f"desk_staff_{os.getpid()}"
    grants = [
        re.sub(r"\bdesk_staff\b", group, s)
        for s in sql_statements(readme_sql("-- desk: staff grants"))
    ]
    owner = open_test_desk(Settings(db=postgres_url, config=config_file), "amelie")
    try:
        (mid,) = add(owner, mention("1", "Bonjour"))
    finally:
        owner.close()
    admin = libpq(postgres_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {account.login}")
        conn.execute(f"DROP ROLE IF EXISTS {group}")
        conn.execute(f"CREATE ROLE {group} NOLOGIN")
        conn.execute(f"CREATE ROLE {account.login} LOGIN IN ROLE {group}")
        for statement in grants:
            conn.execute(statement)
        conn.execute(f"UPDATE staff SET os_users = '{account.login}' WHERE name = 'bruno'")
    yield mid
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE usename = '{account.login}'"
        )
        for role in (account.login, group):
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")


def test_peer_authentication_vouches_for_the_actor(
    postgres_url: str, account: Account, peer_line: str, staff_role: int, config_file: Path
) -> None:
    url = sa.engine.make_url(postgres_url)
    socket = f"postgresql+psycopg:///{url.database}?host={peer_line}&port={url.port}"
    libpq_socket = f"host={peer_line} port={url.port} dbname={url.database}"

    # The server checks who connects: root cannot claim the account's role over the socket.
    with pytest.raises(psycopg.OperationalError, match="[Pp]eer authentication failed"):
        psycopg.connect(f"{libpq_socket} user={account.login}").close()

    config = account.home / "desk.toml"
    config.write_text(config_file.read_text(encoding="utf-8"), encoding="utf-8")
    config.chmod(0o644)
    paths = [str(REPO), *dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))]
    argument = json.dumps([paths, socket, str(config), staff_role, forged_event("amelie")])
    ran = account.run(_interpreter(account, paths), "-s", "-c", _AS_ACCOUNT, argument)
    assert ran.returncode == 0, ran.stderr[-2000:]
    seen = json.loads(ran.stdout.strip().splitlines()[-1])
    assert seen["session_user"] == seen["current_user"] == account.login
    assert seen["me"] == "bruno"
    assert seen["refusal"] is not None
    assert seen["refusal"][0] == "42501"
    assert "audit event refused" in seen["refusal"][1]

    # The same forgery typed into psql by the same person.
    typed = account.run(
        _psql(), "-X", "-v", "ON_ERROR_STOP=1", libpq_socket, "-c", forged_event("amelie")
    )
    assert typed.returncode != 0
    assert "audit event refused" in typed.stderr

    with psycopg.connect(libpq(postgres_url)) as conn:
        actors = conn.execute("SELECT actor, action FROM audit_events ORDER BY seq").fetchall()
    assert seen["auth"] == "as_refused"
    assert actors[-2:] == [("bruno", "mention.closed"), (account.login, "auth.failed")]
    owner = open_test_desk(Settings(db=postgres_url, config=config_file), "amelie")
    try:
        assert owner.queries.verify_audit().ok
    finally:
        owner.close()
