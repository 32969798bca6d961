"""How a page of the queue meets the FTS5 index when it is searched (SQLite).

The queue is read in its own order (most urgent, then newest: the ``ix_mention_queue`` index) and
a page stops after its rows. A search narrows it to the mentions whose words match, and the cheap
way to ask "does this row match?" depends on how many match, which only the index knows: one
count of the matches, stopped at ``MANY``, picks one of three plans (issue 13, bench_search; at
1M mentions a common word took 148 ms when SQLite always chose the first plan):

- **few** (at most ``FEW``): the matching ids drive the query (``id IN (...)``: each is looked
  up, then the few rows are sorted);
- **some** (fewer than ``MANY``): the queue is walked in its order and each row checked against
  the list of matching ids, built once by SQLite (``id + 0 IN (...)``: the ``+ 0`` keeps the
  planner from driving by the ids, which would look up and sort every match);
- **many** (``MANY`` or more): the queue is walked and the index asked about each row (a
  correlated ``MATCH ... AND rowid = id``): with that many matches the page fills after a few
  hundred rows, sooner than a list of every match is built.

All three select the same rows in the same order: only the time differs. Counting uses the
plain ``IN`` (it needs every match anyway). The third plan's probes cost about five times less
on an index merged into one segment (FTS5's ``optimize``: 1.3 s at 1M mentions).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the read-only commands' sqlite3 path (desk.db.fastread) plans without them
    import sqlalchemy as sa
    from sqlmodel import Session

FEW = 1_000
MANY = 200_000
MATCHING = "SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH ?"
"""The matching ids, as desk.db.fastread writes it (one parameter: the FTS5 query)."""


def _matching(query: str) -> sa.Select[Any]:
    import sqlalchemy as sa

    return (
        sa.select(sa.column("rowid"))
        .select_from(sa.table("mentions_fts"))
        .where(sa.text("mentions_fts MATCH :mq").bindparams(mq=query))
    )


def matches(query: str) -> sa.ColumnElement[bool]:
    """The plain condition: the mention is among the FTS5 query's matches."""
    from sqlmodel import col

    from desk.db.tables import Mention

    return col(Mention.id).in_(_matching(query))


def choose(found: int) -> str:
    """The plan for a search with ``found`` matches (counted up to ``MANY``)."""
    if found <= FEW:
        return "few"
    return "some" if found < MANY else "many"


def page_condition(session: Session, query: str) -> sa.ColumnElement[bool]:
    """The condition a page of the queue uses for ``query`` (an FTS5 query from
    ``desk.db.store.fts_query``)."""
    import sqlalchemy as sa
    from sqlmodel import col

    from desk.db.tables import Mention

    capped = sa.select(sa.func.count()).select_from(_matching(query).limit(MANY).subquery())
    plan = choose(session.execute(capped).scalar_one())
    if plan == "few":
        return matches(query)
    if plan == "some":
        return (col(Mention.id) + 0).in_(_matching(query))
    probe = (
        sa.select(sa.literal(1))
        .select_from(sa.table("mentions_fts"))
        .where(
            sa.text("mentions_fts MATCH :pq").bindparams(pq=query),
            sa.literal_column("mentions_fts.rowid") == col(Mention.id),
        )
    )
    return sa.exists(probe)


def page_sql(conn: Any, query: str) -> str:
    """``page_condition`` for desk.db.fastread: the condition as SQL with one parameter (the
    FTS5 query), chosen after the same capped count on the stdlib ``sqlite3`` connection."""
    (found,) = conn.execute(f"SELECT count(*) FROM ({MATCHING} LIMIT ?)", (query, MANY)).fetchone()
    plan = choose(found)
    if plan == "few":
        return f"mentions.id IN ({MATCHING})"
    if plan == "some":
        return f"mentions.id + 0 IN ({MATCHING})"
    return (
        "EXISTS (SELECT 1 FROM mentions_fts WHERE mentions_fts MATCH ? "
        "AND mentions_fts.rowid = mentions.id)"
    )
