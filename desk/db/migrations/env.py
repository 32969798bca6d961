"""Alembic environment: runs desk's migrations on the engine handed in by desk.db.upgrade."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import ArgumentError
from sqlmodel import SQLModel

import desk.db.tables  # noqa: F401  (registers the tables on the metadata)

config = context.config
target_metadata = SQLModel.metadata


def _engine_from_url() -> Engine:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:  # create_engine(None) raised the same error, with a vaguer message
        raise ArgumentError("alembic: no engine handed in and no sqlalchemy.url configured")
    return create_engine(url)


# PostgreSQL's search column and its index on mentions and replies (0016)
_BY_HAND = {
    ("column", "search_tsv"),
    ("index", "ix_mentions_search"),
    ("index", "ix_replies_search"),
}


def include_name(name: str | None, type_: str, _parents: Any) -> bool:
    """Leave out of autogenerate what migrations make by hand and no model describes: the
    full-text search tables (``replies_fts``, 0006, ``mentions_fts``, 0015, and their shadow
    tables) on SQLite, the generated ``search_tsv`` columns and their GIN indexes on PostgreSQL
    (0016)."""
    if (type_, name) in _BY_HAND:
        return False
    return not (type_ == "table" and name is not None and "_fts" in name)


def run_migrations_online() -> None:
    """Run with the engine desk passed in, or one built from the URL (``alembic`` CLI use)."""
    engine = config.attributes.get("engine") or _engine_from_url()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
