"""Moving a team's history to another database (``desk migrate-db``), verified on arrival.

Every table of the schema is copied row by row with its ids, in an order that satisfies the
foreign keys, from one read transaction on the source (a consistent snapshot while desks keep
working) into one write transaction on the target (holding the writers' lock: no desk writes
there meanwhile). Before that transaction commits, the target's row counts must equal the
source's and its audit chain must verify, every mention and reply against the event that bound
its content (desk.audit.chain.verify); otherwise it is rolled back and the target stays empty.
Then PostgreSQL's id sequences are moved past the copied ids, so the next mention gets the next
number.

The report's summaries (desk.db.summaries) come last: the target's triggers fill them as the
mentions and replies arrive, and they are then replaced by the source's rows, so the target's
report is the source's to the last decimal (SQLite and PostgreSQL compute seconds with different
rounding; ``desk report --rebuild`` recomputes them there when wanted).

Refused, with what to do: the same database on both sides, a source that is not a desk database
or not at this desk's schema, a target that already holds rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import SQLModel

from desk import db
from desk.audit.chain import VerifyResult, verify
from desk.db import summaries, tables  # noqa: F401 - registers every table on SQLModel.metadata
from desk.errors import ActionRefused, InputError

BATCH = 2000
"""Rows read and written at a time."""

Progress = Callable[[str, int, int], None]
"""``progress(table, copied, total)`` after each batch."""


@dataclass
class TransferReport:
    """What was moved: rows per table, and the verification of the chain that arrived."""

    rows: dict[str, int] = field(default_factory=dict)
    verified: VerifyResult | None = None


def _tables() -> list[sa.Table]:
    """Parents before the tables that point at them; the derived summaries last."""
    ordered = list(SQLModel.metadata.sorted_tables)
    return [t for t in ordered if t.name not in summaries.TABLES] + [
        t for t in ordered if t.name in summaries.TABLES
    ]


def _shown(url: sa.URL) -> str:
    return url.render_as_string(hide_password=True)


def open_source(url: str) -> sa.Engine:
    """The source database's engine; refused when it does not exist or is not a desk database
    at this desk's schema."""
    normalised = db.normalise_url(url)
    parsed = sa.make_url(normalised)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        if not path or path == ":memory:" or not Path(path).is_file():
            raise InputError.from_catalog("migrate_no_source", url=url)
    engine = db.make_engine(normalised)
    try:
        revision = db.stored_revision(engine)
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        raise InputError.from_catalog(
            "migrate_unreachable", url=_shown(parsed), error=_first_line(exc)
        ) from None
    if revision != db.SCHEMA_HEAD:
        engine.dispose()
        if revision is None:
            raise InputError.from_catalog("migrate_not_a_desk", url=_shown(parsed))
        raise ActionRefused.from_catalog(
            "migrate_old_schema", url=_shown(parsed), schema=revision, head=db.SCHEMA_HEAD
        )
    return engine


def open_target(url: str) -> sa.Engine:
    """The target's engine, schema brought to the head; refused when any table holds rows."""
    normalised = db.normalise_url(url)
    engine = db.make_engine(normalised)
    try:
        filled = _filled(engine)
        if filled:
            listed = ", ".join(f"{name} ({n})" for name, n in filled.items())
            raise ActionRefused.from_catalog(
                "migrate_target_not_empty", url=_shown(engine.url), tables=listed
            )
        db.upgrade(engine)
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        raise InputError.from_catalog(
            "migrate_unreachable", url=_shown(engine.url), error=_first_line(exc)
        ) from None
    except BaseException:
        engine.dispose()
        raise
    return engine


def _filled(engine: sa.Engine) -> dict[str, int]:
    """Tables of the schema that exist on ``engine`` and hold rows, with how many."""
    with engine.connect() as conn:
        present = set(sa.inspect(conn).get_table_names())
        counts = {
            table.name: int(
                conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            )
            for table in _tables()
            if table.name in present
        }
    return {name: n for name, n in counts.items() if n}


def transfer(
    source: sa.Engine, target: sa.Engine, progress: Progress | None = None
) -> TransferReport:
    """Copy every table from ``source`` to ``target`` (both opened above), verify, commit."""
    report = TransferReport()
    if source.url == target.url:
        raise ActionRefused.from_catalog("migrate_same", url=_shown(source.url))
    with source.connect() as read, db.transaction(db.write_session_factory(target)) as session:
        write = session.connection()
        for table in _tables():
            total = int(read.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
            copied = 0
            if progress is not None:
                progress(table.name, copied, total)
            if table.name in summaries.TABLES:  # what the triggers made here: the source's
                write.execute(table.delete())
            order = [*table.primary_key.columns]
            result = read.execution_options(stream_results=True).execute(
                sa.select(table).order_by(*order)
            )
            while batch := result.mappings().fetchmany(BATCH):
                write.execute(table.insert(), [dict(row) for row in batch])
                copied += len(batch)
                if progress is not None:
                    progress(table.name, copied, total)
            arrived = int(write.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
            if arrived != total:
                raise ActionRefused.from_catalog(
                    "migrate_count_differs", table=table.name, source=total, target=arrived
                )
            report.rows[table.name] = total
        _advance_sequences(write)
        report.verified = verify(session)
        if not report.verified.ok:
            raise ActionRefused.from_catalog(
                "migrate_chain_broken",
                seq=report.verified.bad_seq or 0,
                reason=report.verified.reason or "?",
            )
    return report


def _advance_sequences(conn: sa.Connection) -> None:
    """PostgreSQL: each table's id sequence continues after the highest copied id."""
    if conn.dialect.name != "postgresql":
        return  # SQLite's next rowid is max(rowid) + 1 by itself
    for table in _tables():
        for column in table.primary_key.columns:
            if not isinstance(column.type, sa.Integer):
                continue
            conn.execute(
                sa.text(
                    "SELECT setval(pg_get_serial_sequence(:table, :column),"
                    f" coalesce((SELECT max({column.name}) FROM {table.name}), 0) + 1, false)"
                ),
                {"table": table.name, "column": column.name},
            )


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__
