"""What the server's audit actor check (migration 0023) costs per event on PostgreSQL; prints
JSON.

N audit events inserted in one statement (then rolled back), microseconds per event: as the
superuser (not checked: the trigger returns at its first test), as a staff role whose login
its staff record lists (checked: the whole test runs), and as that staff role with the trigger
disabled — the baseline, from the same run.

    python benchmarks/bench_audit_actor.py URL [--n 20000]

URL: a PostgreSQL server where a database and a role may be created, as a superuser (e.g. the
CI cluster, ``postgresql+psycopg://postgres@127.0.0.1:55432/postgres``); both are dropped after.

Measured 2026-12-07 (PostgreSQL 15 from Debian, fsync off, 2 cores shared, load 2.5 to 4),
N = 20,000, two runs: not checked 20 and 32 us, checked 30 and 49 us, no trigger 7 and 10 us per
event. (An earlier version, its helper an SQL function that cannot be inlined with its own
``SET search_path``: 170 to 250 us.)
"""

from __future__ import annotations

import argparse
import json
import os
import time

import psycopg
from sqlalchemy.engine import make_url

from desk import db

ROLE = f"bench_actor_{os.getpid()}"
INSERT = (
    "INSERT INTO audit_events (seq, at, actor, action, data, prev_hash, hash) "
    "SELECT s, now(), 'bruno', 'mention.closed', '{}', 'x', md5(s::text) "
    "FROM generate_series(1, %s::int) AS s"
)


def _per_event(conninfo: str, n: int) -> float:
    with psycopg.connect(conninfo) as conn:
        started = time.perf_counter()
        conn.execute(INSERT, (n,))
        elapsed = time.perf_counter() - started
        conn.rollback()
    return round(elapsed * 1e6 / n, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    server = make_url(args.url).set(drivername="postgresql")
    name = f"bench_actor_{os.getpid()}"
    admin = server.render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
        conn.execute(f"CREATE ROLE {ROLE} LOGIN")
    here = server.set(database=name)
    try:
        engine = db.make_engine(here.set(drivername="postgresql+psycopg").render_as_string(False))
        db.upgrade(engine)
        engine.dispose()
        owner = here.render_as_string(hide_password=False)
        staff = here.set(username=ROLE).render_as_string(hide_password=False)
        with psycopg.connect(owner, autocommit=True) as conn:
            conn.execute(f"GRANT SELECT, INSERT ON audit_events, staff TO {ROLE}")
            conn.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {ROLE}")
            conn.execute(
                "INSERT INTO staff (name, display_name, initials, role, languages, active, "
                f"os_users, failed_logins) VALUES ('bruno', 'B', 'B', 'agent', 'fr', true, "
                f"'bruno,{ROLE}', 0)"
            )
        _per_event(staff, 1_000)  # warm-up: plans cached, pages read
        figures = {"events": args.n, "unchecked_us": _per_event(owner, args.n)}
        figures["checked_us"] = _per_event(staff, args.n)
        with psycopg.connect(owner, autocommit=True) as conn:
            conn.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_actor")
        figures["no_trigger_us"] = _per_event(staff, args.n)
        print(json.dumps(figures))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"DROP ROLE IF EXISTS {ROLE}")


if __name__ == "__main__":
    main()
