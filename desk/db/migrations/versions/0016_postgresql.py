"""postgresql: what SQLite got by hand in earlier migrations, PostgreSQL's way (nothing on SQLite).

- Search (SQLite: the FTS5 tables of 0006 and 0015). A ``search_tsv`` column generated from the
  same text, with a GIN index, on ``mentions`` (text, author handle and name) and ``replies``
  (text), in the ``desk_search`` text search configuration: PostgreSQL's parser, ``unaccent``
  then ``simple`` (lower case, no stemming, no stop words). That is what FTS5's
  ``unicode61 remove_diacritics 2`` does, so a search finds the same rows on both engines (a
  French or English stemmer would find "coupures" for "coupure" here and not on SQLite, and drop
  "la" or "the" altogether). ASCII punctuation is turned into spaces before parsing, as FTS5
  splits on it: otherwise PostgreSQL keeps ``ville.fr/coupures``, ``porte-parole`` or
  ``a.b@ville.fr`` as single tokens. ``to_tsvector(regconfig, text)`` is IMMUTABLE, which a
  generated column needs (``unaccent(text)`` alone is not).
- Append-only audit (SQLite: the triggers of 0001 and 0008): the same rules as triggers that
  raise ``insufficient_privilege`` — no UPDATE of an event or an anchor, no DELETE of an anchor,
  no DELETE of an event after the newest anchor (a retention purge records its anchor first),
  no TRUNCATE of either.
- Live push (desk.db.changes): statement triggers ``pg_notify('desk_changes', ...)`` on what a
  desk shows — audit events (the newest seq and at most 50 mention ids), mentions, replies and
  outbox (the table's name). Ids, never content, so any payload stays far under NOTIFY's 8,000
  bytes; sent when the transaction commits, never before its data is visible.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

CONFIG = "desk_search"
CHANNEL = "desk_changes"
# ASCII punctuation (FTS5's unicode61 separates words on it; PostgreSQL's parser does not always)
_PUNCT = "[!-/:-@[-`{-~]+"


def _document(*columns: str) -> str:
    joined = " || ' ' || ".join(f"coalesce({c}, '')" for c in columns)
    return f"to_tsvector('{CONFIG}'::regconfig, regexp_replace({joined}, '{_PUNCT}', ' ', 'g'))"


_SEARCHED = {
    "mentions": ("text", "author_handle", "author_name"),
    "replies": ("text",),
}

_REFUSE = """
CREATE FUNCTION desk_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_events'
       AND OLD.seq <= (SELECT coalesce(max(seq), 0) FROM audit_anchors) THEN
        RETURN OLD;  -- a retention purge, after its anchor
    END IF;
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$
"""

_NOTIFY_EVENTS = f"""
CREATE FUNCTION desk_notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    newest bigint;
    ids text;
BEGIN
    SELECT max(seq) INTO newest FROM new_events;
    SELECT string_agg(mention_id::text, ',') INTO ids
      FROM (SELECT DISTINCT mention_id FROM new_events
             WHERE mention_id IS NOT NULL ORDER BY mention_id LIMIT 50) AS m;
    PERFORM pg_notify('{CHANNEL}',
        json_build_object('t', 'audit_events', 'seq', newest,
                          'mentions', coalesce('[' || ids || ']', '[]')::json)::text);
    RETURN NULL;
END $$
"""

_NOTIFY_TABLE = f"""
CREATE FUNCTION desk_notify_table() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', json_build_object('t', TG_TABLE_NAME)::text);
    RETURN NULL;
END $$
"""

_NOTIFIED = ("mentions", "replies", "outbox")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute(f"CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = simple)")
    op.execute(
        f"ALTER TEXT SEARCH CONFIGURATION {CONFIG} ALTER MAPPING FOR "
        "word, hword, hword_part, numword, numhword, hword_numpart WITH unaccent, simple"
    )
    for table, columns in _SEARCHED.items():
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN search_tsv tsvector "
            f"GENERATED ALWAYS AS ({_document(*columns)}) STORED"
        )
        op.execute(f"CREATE INDEX ix_{table}_search ON {table} USING gin (search_tsv)")

    op.execute(_REFUSE)
    for table in ("audit_events", "audit_anchors"):
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION desk_audit_refuse()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION desk_audit_refuse()"
        )

    op.execute(_NOTIFY_EVENTS)
    op.execute(
        "CREATE TRIGGER audit_events_notify AFTER INSERT ON audit_events "
        "REFERENCING NEW TABLE AS new_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION desk_notify_events()"
    )
    op.execute(_NOTIFY_TABLE)
    for table in _NOTIFIED:
        op.execute(
            f"CREATE TRIGGER {table}_notify AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION desk_notify_table()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _NOTIFIED:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_notify ON {table}")
    op.execute("DROP TRIGGER IF EXISTS audit_events_notify ON audit_events")
    op.execute("DROP FUNCTION IF EXISTS desk_notify_table()")
    op.execute("DROP FUNCTION IF EXISTS desk_notify_events()")
    for table in ("audit_events", "audit_anchors"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.execute("DROP FUNCTION IF EXISTS desk_audit_refuse()")
    for table in _SEARCHED:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_search")
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_tsv")
    op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG}")
    op.execute("DROP EXTENSION IF EXISTS unaccent")
