"""Engines, sessions and migrations. Nothing here runs at import time: the CLI builds the engine.

SQLite is configured for a shared desk: WAL (readers never block the writer), foreign keys on,
``synchronous=FULL`` (a lost commit could mean a reply sent twice), and write transactions that
start with ``BEGIN IMMEDIATE`` so a read-then-write never fails with "database is locked"
(see shared/reference/traps.md). Python 3.11's sqlite3 needs the connect/begin hooks for that.

PostgreSQL (``postgresql+psycopg://...``, psycopg 3) gets the same single-writer rule from an
advisory lock taken when a write transaction begins (``WRITE_LOCK``), and what SQLite does with
FTS5 tables and triggers from migration 0016 (search, append-only audit, change notifications).

Transactions that change one row they lock themselves (a claim, the outbox taking a reply; a
reply written, approved, rejected or withdrawn and the composer's claim, which lock the mention
they answer: ``row_transaction``) take that lock *shared* instead: they run side by side, each
holding its row with ``SELECT ... FOR UPDATE`` (``lock_row``: ``SKIP LOCKED`` when the caller says
"busy" rather than wait), and meet only at the audit trail's append (``AUDIT_LOCK``, taken last,
so no cycle of waits can form). Every other write transaction still holds the lock alone, so what
it reads stays true until it commits.

SQLAlchemy and SQLModel are imported by the functions that use them, not by this module: the
package's light parts (``SCHEMA_HEAD``, desk.db.filters, desk.db.fastread) serve the read-only
commands that never load them (issue 16).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desk.errors import ConfigError

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlmodel import Session

SessionFactory = Callable[[], "Session"]
_WRITE = "desk_write"
_ROWS = "rows"  # the value of _WRITE for a row transaction (the writers' lock taken shared)


def normalise_url(db: str) -> str:
    """Accept a plain file path or an SQLAlchemy URL; return a URL."""
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser().resolve()}"


def make_engine(db: str, *, echo: bool = False) -> Engine:
    """Create the engine for a path or URL. SQLite files get the desk pragmas and begin hooks."""
    from sqlalchemy import create_engine

    url = normalise_url(db)
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            parent = Path(path).parent
            if not parent.exists():
                raise ConfigError.from_catalog("database_no_folder", path=path, folder=str(parent))
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        _install_sqlite_hooks(engine)
        return engine
    engine = create_engine(url, echo=echo, pool_pre_ping=True)
    if engine.dialect.name == "postgresql":
        _install_postgres_hooks(engine)
    return engine


WRITE_LOCK = 0x6465736B  # "desk": the advisory lock a write transaction holds on PostgreSQL
AUDIT_LOCK = 0x61756474  # "audt": held from the audit head's read to the commit (one chain)


def _install_postgres_hooks(engine: Engine) -> None:
    """A write transaction takes one transaction-level advisory lock first, PostgreSQL's
    ``BEGIN IMMEDIATE``: writes from every desk happen one at a time (reads never wait), so what
    SQLite's single writer guaranteed holds here too — the audit chain never forks, the next
    mention id is free. A row transaction takes it shared (see the module). Released at commit
    or rollback, or when the connection dies."""
    from sqlalchemy import event

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(_WRITE, False)
        if mode == _ROWS:
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock_shared({WRITE_LOCK})")
        elif mode:
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")


def _install_sqlite_hooks(engine: Engine) -> None:
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def lock_writers(session: Session) -> None:
    """Hold the writers' lock until this transaction ends (PostgreSQL; re-entrant). SQLite's
    write transactions hold its lock from ``BEGIN IMMEDIATE``: nothing to do there."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")


def lock_audit(session: Session) -> None:
    """Before reading the audit trail's head to append after it: hold the chain until this
    transaction ends, so two desks never chain to the same head (PostgreSQL). A transaction that
    is not a write one takes the writers' lock as well, as it always did. SQLite's write lock
    already makes appends one at a time.

    The lock is taken on the connection, not through ``session.execute`` (whose autoflush would
    write the caller's pending changes first): those changes then reach the database holding the
    chain's lock, so rows that triggers keep for many mentions (migration 0021's report
    summaries) are only ever locked by its holder, and two desks cannot wait for each other
    there."""
    if session.get_bind().dialect.name != "postgresql":
        return
    connection = session.connection()
    if not connection.get_execution_options().get(_WRITE, False):
        lock_writers(session)
    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({AUDIT_LOCK})")


def lock_row(session: Session, statement: Any, *, wait: bool = False) -> Any:
    """The first row of ``statement`` (an ORM select), locked until the transaction ends; None
    when it does not exist or another transaction holds it right now (``SKIP LOCKED``: the
    caller says "busy" instead of waiting). On SQLite the clause is dropped by the compiler and
    the write transaction's ``BEGIN IMMEDIATE`` already excludes every other writer.

    ``wait``: wait for the transaction that holds the row instead (plain ``FOR UPDATE``), for a
    check that must see what that transaction wrote (the one-voice guard); the row is read
    again, and every later statement of this transaction (READ COMMITTED) sees that commit.
    A row transaction waits only for its first row lock (no cycle of waits can form); an
    ordinary write transaction never waits here (no row transaction runs beside it)."""
    if wait:
        return session.exec(
            statement.with_for_update().execution_options(populate_existing=True)
        ).first()
    return session.exec(statement.with_for_update(skip_locked=True)).first()


def session_factory(engine: Engine) -> SessionFactory:
    """Sessions for reads (plain BEGIN)."""
    from sqlmodel import Session

    def factory() -> Session:
        return Session(engine, expire_on_commit=False)

    return factory


def write_session_factory(engine: Engine) -> SessionFactory:
    """Sessions whose transactions take the write lock at BEGIN (SQLite ``BEGIN IMMEDIATE``)."""
    from sqlmodel import Session

    write_engine = engine.execution_options(**{_WRITE: True})

    def factory() -> Session:
        return Session(write_engine, expire_on_commit=False)

    return factory


@contextmanager
def transaction(factory: SessionFactory) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


SHARED_WRITERS = True
"""Whether ``row_transaction`` takes the writers' lock shared (PostgreSQL). False makes it an
ordinary write transaction: benchmarks/bench_postgres.py compares the two."""


@contextmanager
def row_transaction(factory: SessionFactory) -> Iterator[Session]:
    """A write transaction (``factory``: a write session factory) that changes only rows it
    locks with ``lock_row`` before anything else (and rows it inserts), then appends its audit
    events. What it reads without a lock may change meanwhile only through other row
    transactions (ordinary write transactions wait for it to end). On PostgreSQL it runs beside
    other row transactions (the writers' lock shared); on SQLite it is an ordinary
    ``BEGIN IMMEDIATE`` transaction."""
    with transaction(factory) as session:
        if SHARED_WRITERS:
            session.connection(execution_options={_WRITE: _ROWS})
        yield session


def alembic_config(engine: Engine) -> Any:
    """An Alembic Config pointing at desk's bundled migrations, bound to ``engine``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


# The newest migration's revision id. A test checks it against Alembic's own head, so opening an
# up-to-date database skips loading Alembic (a noticeable part of start-up time).
SCHEMA_HEAD = "0024"


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision`` through Alembic (never ``create_all``)."""
    stored = stored_revision(engine) if revision == "head" else None
    if stored == SCHEMA_HEAD:
        return
    if stored is not None and stored not in known_revisions():
        raise ConfigError.from_catalog("database_newer", found=stored, known=SCHEMA_HEAD)
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def known_revisions() -> set[str]:
    """The revision ids of the bundled migrations (their files are named ``NNNN_what.py``)."""
    versions = Path(__file__).parent / "migrations" / "versions"
    return {p.name[:4] for p in versions.glob("[0-9][0-9][0-9][0-9]_*.py")}


def stored_revision(engine: Engine) -> str | None:
    """The revision recorded in ``alembic_version``, read with plain SQL (None when absent)."""
    from sqlalchemy import inspect, text

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision() -> str | None:
    """The newest revision of the bundled migrations, according to Alembic."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(Path(__file__).parent / "migrations")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
