"""report summaries: the report's aggregates kept by triggers, in the writer's own transaction.

Three derived tables (desk.db.summaries says what each holds; desk.reports reads them):

- ``report_volume``: mentions per UTC hour of posting, channel and category, with how many of
  them are open now (the volume, and where the backlog's ranks fall);
- ``report_first_replies``: one row per mention that has a sent reply: when it was posted, its
  category, the reply author the report names (the smallest name, as before) and the seconds
  from receipt to the first sent reply, indexed for reading percentiles at their ranks;
- ``report_answers``: sent replies built from a library answer, per UTC hour of their
  mention's posting and answer.

Triggers on ``mentions`` and ``replies`` keep them: they run inside the statement that changes a
row, so every writer (ingest, triage, replies, the retention purge, a hand-made SQL fix) keeps
them exact in its own transaction, on SQLite and on PostgreSQL alike (plpgsql functions there).
The upgrade fills them from the rows already there; ``desk report --rebuild`` recomputes them.
An hour is a whole number: hours since 1970-01-01 00:00 UTC.

Also an index on ``replies.submitted_at``: the approval delays of a long period are read from
the replies that went through approval, not by visiting every mention.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_SENT = "('sent', 'sent_offline')"


def _hour_sqlite(value: str) -> str:
    # SQLite keeps times as text 'YYYY-MM-DD HH:MM:SS...': the hour is its first 13 characters
    return f"(CAST(strftime('%s', substr({value}, 1, 13) || ':00') AS INTEGER) / 3600)"


# -- SQLite ---------------------------------------------------------------------------------------


def _volume_sqlite(row: str, sign: str) -> str:
    """Add (``+``) or take away (``-``) mention ``row`` (NEW or OLD) in ``report_volume``."""
    key = f"hour = {_hour_sqlite(f'{row}.created_at')} AND channel_id = {row}.channel_id AND category = {row}.category"
    upsert = (
        "INSERT INTO report_volume (hour, channel_id, category, mentions, open_mentions) "
        f"VALUES ({_hour_sqlite(f'{row}.created_at')}, {row}.channel_id, {row}.category, "
        f"{sign}1, {sign}({row}.status = 'open')) "
        "ON CONFLICT (hour, channel_id, category) DO UPDATE SET "
        "mentions = mentions + excluded.mentions, "
        "open_mentions = open_mentions + excluded.open_mentions;"
    )
    if sign != "-":
        return upsert
    return f"{upsert} DELETE FROM report_volume WHERE {key} AND mentions = 0;"


def _first_reply_sqlite(mention: str) -> str:
    """Recompute mention ``mention``'s first-response row."""
    return (
        f"DELETE FROM report_first_replies WHERE mention_id = {mention}; "
        "INSERT INTO report_first_replies (mention_id, created_at, category, author, seconds) "
        "SELECT m.id, m.created_at, m.category, min(r.author), "
        "(julianday(min(r.sent_at)) - julianday(m.received_at)) * 86400.0 "
        "FROM mentions m JOIN replies r ON r.mention_id = m.id "
        f"WHERE m.id = {mention} AND r.status IN {_SENT} GROUP BY m.id;"
    )


def _answer_sqlite(row: str, sign: str) -> str:
    """Add or take away reply ``row`` in ``report_answers`` when it counts (sent, an answer)."""
    counts = f"{row}.status IN {_SENT} AND {row}.answer_id IS NOT NULL"
    hour = f"(SELECT {_hour_sqlite('m.created_at')} FROM mentions m WHERE m.id = {row}.mention_id)"
    return (
        "INSERT INTO report_answers (hour, answer_id, replies) "
        f"SELECT {_hour_sqlite('m.created_at')}, {row}.answer_id, {sign}1 "
        f"FROM mentions m WHERE m.id = {row}.mention_id AND {counts} "
        "ON CONFLICT (hour, answer_id) DO UPDATE SET replies = replies + excluded.replies; "
        f"DELETE FROM report_answers WHERE {counts} AND answer_id = {row}.answer_id "
        f"AND hour = {hour} AND replies = 0;"
    )


def _answers_moved_sqlite() -> str:
    """A mention's posting time moved to another hour: its answered replies move with it."""
    sent = f"FROM replies r WHERE r.mention_id = NEW.id AND r.status IN {_SENT} AND r.answer_id IS NOT NULL"
    statements = []
    for row, sign in (("OLD", "-"), ("NEW", "")):
        statements.append(
            "INSERT INTO report_answers (hour, answer_id, replies) "
            f"SELECT {_hour_sqlite(f'{row}.created_at')}, r.answer_id, {sign}count(*) {sent} "
            "GROUP BY r.answer_id "
            "ON CONFLICT (hour, answer_id) DO UPDATE SET replies = replies + excluded.replies;"
        )
    statements.append(
        f"DELETE FROM report_answers WHERE hour = {_hour_sqlite('OLD.created_at')} AND replies = 0;"
    )
    return " ".join(statements)


def _changed(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)


_PLACE_COLUMNS = ("created_at", "channel_id", "category")  # which report_volume row
_VOLUME_COLUMNS = (*_PLACE_COLUMNS, "status")
_FIRST_COLUMNS = ("created_at", "received_at", "category")
_REPLY_COLUMNS = ("status", "sent_at", "author", "mention_id", "answer_id")

SQLITE_TRIGGERS = {
    "report_mentions_insert": (
        "AFTER INSERT ON mentions BEGIN " + _volume_sqlite("NEW", "") + " END"
    ),
    # closed or reopened where it stays (the common change): one row's open count
    "report_mentions_status": (
        "AFTER UPDATE OF status ON mentions "
        f"WHEN OLD.status IS NOT NEW.status AND NOT ({_changed(_PLACE_COLUMNS)}) BEGIN "
        "UPDATE report_volume SET open_mentions = open_mentions "
        "+ (NEW.status = 'open') - (OLD.status = 'open') "
        f"WHERE hour = {_hour_sqlite('NEW.created_at')} AND channel_id = NEW.channel_id "
        "AND category = NEW.category; END"
    ),
    "report_mentions_volume": (
        f"AFTER UPDATE OF {', '.join(_VOLUME_COLUMNS)} ON mentions "
        f"WHEN {_changed(_PLACE_COLUMNS)} BEGIN "
        + _volume_sqlite("OLD", "-")
        + " "
        + _volume_sqlite("NEW", "")
        + " END"
    ),
    "report_mentions_first": (
        f"AFTER UPDATE OF {', '.join(_FIRST_COLUMNS)} ON mentions "
        f"WHEN {_changed(_FIRST_COLUMNS)} BEGIN " + _first_reply_sqlite("NEW.id") + " END"
    ),
    "report_mentions_answers": (
        "AFTER UPDATE OF created_at ON mentions "
        f"WHEN {_hour_sqlite('OLD.created_at')} <> {_hour_sqlite('NEW.created_at')} BEGIN "
        + _answers_moved_sqlite()
        + " END"
    ),
    "report_mentions_delete": (
        "AFTER DELETE ON mentions BEGIN "
        + _volume_sqlite("OLD", "-")
        + " DELETE FROM report_first_replies WHERE mention_id = OLD.id; END"
    ),
    "report_replies_insert": (
        f"AFTER INSERT ON replies WHEN NEW.status IN {_SENT} BEGIN "
        + _first_reply_sqlite("NEW.mention_id")
        + " "
        + _answer_sqlite("NEW", "")
        + " END"
    ),
    "report_replies_update": (
        f"AFTER UPDATE OF {', '.join(_REPLY_COLUMNS)} ON replies "
        f"WHEN (OLD.status IN {_SENT} OR NEW.status IN {_SENT}) AND ({_changed(_REPLY_COLUMNS)}) "
        "BEGIN "
        + _first_reply_sqlite("OLD.mention_id")
        + " "
        + _first_reply_sqlite("NEW.mention_id")
        + " "
        + _answer_sqlite("OLD", "-")
        + " "
        + _answer_sqlite("NEW", "")
        + " END"
    ),
    "report_replies_delete": (
        f"AFTER DELETE ON replies WHEN OLD.status IN {_SENT} BEGIN "
        + _first_reply_sqlite("OLD.mention_id")
        + " "
        + _answer_sqlite("OLD", "-")
        + " END"
    ),
}

SQLITE_FILL = (
    "INSERT INTO report_volume (hour, channel_id, category, mentions, open_mentions) "
    f"SELECT {_hour_sqlite('min(created_at)')}, channel_id, category, count(*), "
    "sum(status = 'open') FROM mentions "
    "GROUP BY substr(created_at, 1, 13), channel_id, category",
    "INSERT INTO report_first_replies (mention_id, created_at, category, author, seconds) "
    "SELECT m.id, m.created_at, m.category, min(r.author), "
    "(julianday(min(r.sent_at)) - julianday(m.received_at)) * 86400.0 "
    f"FROM mentions m JOIN replies r ON r.mention_id = m.id WHERE r.status IN {_SENT} "
    "GROUP BY m.id",
    "INSERT INTO report_answers (hour, answer_id, replies) "
    f"SELECT {_hour_sqlite('m.created_at')}, r.answer_id, count(*) "
    "FROM replies r JOIN mentions m ON m.id = r.mention_id "
    f"WHERE r.status IN {_SENT} AND r.answer_id IS NOT NULL GROUP BY 1, 2",
)

# -- PostgreSQL -----------------------------------------------------------------------------------

PG_FUNCTIONS = (
    # hours since 1970 UTC (the epoch of a timestamptz does not depend on the session's zone)
    "CREATE FUNCTION desk_report_hour(t timestamptz) RETURNS bigint LANGUAGE sql IMMUTABLE "
    "AS $$ SELECT floor(extract(epoch FROM t) / 3600)::bigint $$",
    """
CREATE FUNCTION desk_report_volume_add(h bigint, ch integer, cat text, n integer, o integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_volume AS v (hour, channel_id, category, mentions, open_mentions)
    VALUES (h, ch, cat, n, o)
    ON CONFLICT (hour, channel_id, category) DO UPDATE
        SET mentions = v.mentions + EXCLUDED.mentions,
            open_mentions = v.open_mentions + EXCLUDED.open_mentions;
    IF n < 0 THEN
        DELETE FROM report_volume
         WHERE hour = h AND channel_id = ch AND category = cat AND mentions = 0;
    END IF;
END $$
""",
    f"""
CREATE FUNCTION desk_report_first_reply(mid integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM report_first_replies WHERE mention_id = mid;
    INSERT INTO report_first_replies (mention_id, created_at, category, author, seconds)
    SELECT m.id, m.created_at, m.category, min(r.author),
           extract(epoch FROM min(r.sent_at) - m.received_at)::double precision
      FROM mentions m JOIN replies r ON r.mention_id = m.id
     WHERE m.id = mid AND r.status IN {_SENT}
     GROUP BY m.id;
END $$
""",
    """
CREATE FUNCTION desk_report_answer_add(h bigint, aid integer, n integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_answers AS a (hour, answer_id, replies) VALUES (h, aid, n)
    ON CONFLICT (hour, answer_id) DO UPDATE SET replies = a.replies + EXCLUDED.replies;
    IF n < 0 THEN
        DELETE FROM report_answers WHERE hour = h AND answer_id = aid AND replies = 0;
    END IF;
END $$
""",
    """
CREATE FUNCTION desk_report_mentions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    moved record;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status IS DISTINCT FROM NEW.status
       AND (OLD.created_at, OLD.channel_id, OLD.category)
       IS NOT DISTINCT FROM (NEW.created_at, NEW.channel_id, NEW.category) THEN
        -- closed or reopened where it stays (the common change): one row's open count
        UPDATE report_volume
           SET open_mentions = open_mentions
               + (NEW.status = 'open')::integer - (OLD.status = 'open')::integer
         WHERE hour = desk_report_hour(NEW.created_at) AND channel_id = NEW.channel_id
           AND category = NEW.category;
    ELSIF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND
       (OLD.created_at, OLD.channel_id, OLD.category, OLD.status)
       IS DISTINCT FROM (NEW.created_at, NEW.channel_id, NEW.category, NEW.status)) THEN
        IF TG_OP = 'UPDATE' THEN
            PERFORM desk_report_volume_add(desk_report_hour(OLD.created_at), OLD.channel_id,
                                           OLD.category, -1, -(OLD.status = 'open')::integer);
        END IF;
        PERFORM desk_report_volume_add(desk_report_hour(NEW.created_at), NEW.channel_id,
                                       NEW.category, 1, (NEW.status = 'open')::integer);
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM desk_report_volume_add(desk_report_hour(OLD.created_at), OLD.channel_id,
                                       OLD.category, -1, -(OLD.status = 'open')::integer);
        DELETE FROM report_first_replies WHERE mention_id = OLD.id;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF (OLD.created_at, OLD.received_at, OLD.category)
           IS DISTINCT FROM (NEW.created_at, NEW.received_at, NEW.category) THEN
            PERFORM desk_report_first_reply(NEW.id);
        END IF;
        IF desk_report_hour(OLD.created_at) <> desk_report_hour(NEW.created_at) THEN
            FOR moved IN
                SELECT r.answer_id, count(*)::integer AS n FROM replies r
                 WHERE r.mention_id = NEW.id AND r.status IN ('sent', 'sent_offline')
                   AND r.answer_id IS NOT NULL
                 GROUP BY r.answer_id
            LOOP
                PERFORM desk_report_answer_add(desk_report_hour(OLD.created_at),
                                               moved.answer_id, -moved.n);
                PERFORM desk_report_answer_add(desk_report_hour(NEW.created_at),
                                               moved.answer_id, moved.n);
            END LOOP;
        END IF;
    END IF;
    RETURN NULL;
END $$
""",
    f"""
CREATE FUNCTION desk_report_replies() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN {_SENT} THEN
        PERFORM desk_report_first_reply(OLD.mention_id);
        IF OLD.answer_id IS NOT NULL THEN
            PERFORM desk_report_answer_add(
                (SELECT desk_report_hour(created_at) FROM mentions WHERE id = OLD.mention_id),
                OLD.answer_id, -1);
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN {_SENT} THEN
        PERFORM desk_report_first_reply(NEW.mention_id);
        IF NEW.answer_id IS NOT NULL THEN
            PERFORM desk_report_answer_add(
                (SELECT desk_report_hour(created_at) FROM mentions WHERE id = NEW.mention_id),
                NEW.answer_id, 1);
        END IF;
    END IF;
    RETURN NULL;
END $$
""",
)

PG_TRIGGERS = (
    "CREATE TRIGGER report_mentions_change AFTER INSERT OR DELETE ON mentions "
    "FOR EACH ROW EXECUTE FUNCTION desk_report_mentions()",
    "CREATE TRIGGER report_mentions_update AFTER UPDATE OF "
    "created_at, received_at, channel_id, category, status ON mentions FOR EACH ROW "
    "WHEN ((OLD.created_at, OLD.received_at, OLD.channel_id, OLD.category, OLD.status) "
    "IS DISTINCT FROM (NEW.created_at, NEW.received_at, NEW.channel_id, NEW.category, NEW.status)) "
    "EXECUTE FUNCTION desk_report_mentions()",
    "CREATE TRIGGER report_replies_change AFTER INSERT OR DELETE ON replies "
    "FOR EACH ROW EXECUTE FUNCTION desk_report_replies()",
    "CREATE TRIGGER report_replies_update AFTER UPDATE OF "
    "status, sent_at, author, mention_id, answer_id ON replies FOR EACH ROW "
    "WHEN ((OLD.status, OLD.sent_at, OLD.author, OLD.mention_id, OLD.answer_id) "
    "IS DISTINCT FROM (NEW.status, NEW.sent_at, NEW.author, NEW.mention_id, NEW.answer_id)) "
    "EXECUTE FUNCTION desk_report_replies()",
)

PG_FILL = (
    "INSERT INTO report_volume (hour, channel_id, category, mentions, open_mentions) "
    "SELECT desk_report_hour(created_at), channel_id, category, count(*), "
    "count(*) FILTER (WHERE status = 'open') FROM mentions GROUP BY 1, 2, 3",
    "INSERT INTO report_first_replies (mention_id, created_at, category, author, seconds) "
    "SELECT m.id, m.created_at, m.category, min(r.author), "
    "extract(epoch FROM min(r.sent_at) - m.received_at)::double precision "
    f"FROM mentions m JOIN replies r ON r.mention_id = m.id WHERE r.status IN {_SENT} "
    "GROUP BY m.id",
    "INSERT INTO report_answers (hour, answer_id, replies) "
    "SELECT desk_report_hour(m.created_at), r.answer_id, count(*) "
    "FROM replies r JOIN mentions m ON m.id = r.mention_id "
    f"WHERE r.status IN {_SENT} AND r.answer_id IS NOT NULL GROUP BY 1, 2",
)

_PG_FUNCTION_NAMES = (
    "desk_report_replies()",
    "desk_report_mentions()",
    "desk_report_answer_add(bigint, integer, integer)",
    "desk_report_first_reply(integer)",
    "desk_report_volume_add(bigint, integer, text, integer, integer)",
    "desk_report_hour(timestamptz)",
)
_PG_TRIGGER_NAMES = (
    ("report_mentions_change", "mentions"),
    ("report_mentions_update", "mentions"),
    ("report_replies_change", "replies"),
    ("report_replies_update", "replies"),
)


def upgrade() -> None:
    op.create_table(
        "report_volume",
        sa.Column("hour", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("open_mentions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "channel_id", "category"),
    )
    op.create_table(
        "report_first_replies",
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("mention_id"),
    )
    op.create_index("ix_first_reply_created", "report_first_replies", ["created_at"])
    op.create_index("ix_first_reply_seconds", "report_first_replies", ["seconds", "created_at"])
    op.create_index(
        "ix_first_reply_author", "report_first_replies", ["author", "seconds", "created_at"]
    )
    op.create_index(
        "ix_first_reply_category", "report_first_replies", ["category", "seconds", "created_at"]
    )
    op.create_table(
        "report_answers",
        sa.Column("hour", sa.BigInteger(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("replies", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "answer_id"),
    )
    op.create_index("ix_reply_submitted", "replies", ["submitted_at"])
    conn = op.get_bind()  # the SQL as written: no bind parameters (``':00'`` is text)
    if conn.dialect.name == "postgresql":
        for statement in (*PG_FUNCTIONS, *PG_TRIGGERS, *PG_FILL):
            conn.exec_driver_sql(statement)
    else:
        for name, body in SQLITE_TRIGGERS.items():
            conn.exec_driver_sql(f"CREATE TRIGGER {name} {body}")
        for statement in SQLITE_FILL:
            conn.exec_driver_sql(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table in _PG_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for function in _PG_FUNCTION_NAMES:
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_reply_submitted", table_name="replies")
    op.drop_table("report_answers")
    op.drop_table("report_first_replies")
    op.drop_table("report_volume")
