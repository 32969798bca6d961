"""audit actors vouched for by PostgreSQL: a staff role inserts events in its own name only.

On PostgreSQL, where each person connects as their own role (peer authentication over the local
socket, README "Who is who"), two triggers make the server check what only the desk checked:

- ``audit_events_actor`` (BEFORE INSERT on ``audit_events``): an event inserted by a *checked*
  login must bear the name of a staff record whose ``os_users`` lists that login. The desk's own
  workers are the exceptions, each held to its own actions: ``outbox`` (``reply.*``: the outbox
  any desk runs posts and records replies), ``system`` (``staff.*``: the first opening records
  desk.toml's people or logins), and the login itself for ``auth.failed`` (a refused ``--as`` is
  recorded under the OS login that tried).
- ``staff_logins`` (BEFORE INSERT, UPDATE, DELETE on ``staff``): a checked login cannot add or
  remove a person, rename one or change the logins already recorded for one (else it could map
  itself to a colleague first); role, display name, passphrase and the like stay writable as
  before. So the first opening of a new database (which records desk.toml's people) and
  ``desk staff apply`` of people or logins are the owner's.

A login is *checked* unless it is a superuser, a member of the table's owner (``desk init``,
upgrades, ``desk purge`` and ``desk migrate-db`` run as the owner), or listed in the database's
own ``desk.shared_logins`` setting (``ALTER DATABASE ... SET desk.shared_logins = 'desk_web'``,
which only the owner may do; a session's own ``SET`` is not read): the role of an account that
serves several people (``desk serve``, a shared SSH account), whom the server cannot tell apart.
``session_user`` is the login the server authenticated; ``SET ROLE`` does not change it.

The trigger functions run with a fixed ``search_path`` (``pg_temp`` last), so a temporary table
named ``staff`` cannot stand in for the real one. The helper they share has no ``SET`` of its
own (it runs under theirs) and is plpgsql: a ``SET``, or an SQL function that cannot be inlined,
re-plans at every call, 0.2 ms per event.

Nothing on SQLite: whoever can write the file can write anything in it (README, threat model).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 23:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_UNCHECKED = """
CREATE FUNCTION desk_unchecked_login(owner oid) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN coalesce((SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = session_user), false)
        OR pg_catalog.pg_has_role(session_user, owner, 'MEMBER')
        OR session_user = ANY (pg_catalog.string_to_array((
            SELECT pg_catalog.substr(setting, 20)  -- after 'desk.shared_logins='
            FROM pg_catalog.pg_db_role_setting, pg_catalog.unnest(setconfig) AS setting
            WHERE setrole = 0 AND setting LIKE 'desk.shared_logins=%'
              AND setdatabase = (SELECT oid FROM pg_catalog.pg_database
                                 WHERE datname = pg_catalog.current_database())
        ), ','));
END
$$
"""

_ACTOR = """
CREATE FUNCTION desk_audit_actor() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, {schema}, pg_temp AS $$
DECLARE
    login text := session_user;
BEGIN
    IF desk_unchecked_login((SELECT relowner FROM pg_class WHERE oid = TG_RELID)) THEN
        RETURN NEW;
    END IF;
    IF (NEW.actor = 'outbox' AND NEW.action LIKE 'reply.%')
        OR (NEW.actor = 'system' AND NEW.action LIKE 'staff.%')
        OR (NEW.actor = login AND NEW.action = 'auth.failed')
        OR EXISTS (SELECT 1 FROM {schema}.staff
                   WHERE name = NEW.actor AND login = ANY (string_to_array(os_users, ',')))
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit event refused: the login % may not record events by %', login, NEW.actor
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'each person records events in their own name (staff os_users)';
END
$$
"""

_STAFF = """
CREATE FUNCTION desk_staff_logins() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, {schema}, pg_temp AS $$
BEGIN
    IF desk_unchecked_login((SELECT relowner FROM pg_class WHERE oid = TG_RELID)) THEN
        RETURN coalesce(NEW, OLD);
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.name = OLD.name
        AND (OLD.os_users IS NULL OR NEW.os_users IS NOT DISTINCT FROM OLD.os_users)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'staff names and logins are changed by the database owner, not %', session_user
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'the first opening and desk staff apply run as the owner (README)';
END
$$
"""


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = bind.exec_driver_sql("SELECT quote_ident(current_schema())").scalar_one()
    op.execute(_UNCHECKED)
    op.execute(_ACTOR.format(schema=schema))
    op.execute(_STAFF.format(schema=schema))
    op.execute(
        "CREATE TRIGGER audit_events_actor BEFORE INSERT ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION desk_audit_actor()"
    )
    op.execute(
        "CREATE TRIGGER staff_logins BEFORE INSERT OR UPDATE OR DELETE ON staff "
        "FOR EACH ROW EXECUTE FUNCTION desk_staff_logins()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS staff_logins ON staff")
    op.execute("DROP TRIGGER IF EXISTS audit_events_actor ON audit_events")
    op.execute("DROP FUNCTION IF EXISTS desk_staff_logins()")
    op.execute("DROP FUNCTION IF EXISTS desk_audit_actor()")
    op.execute("DROP FUNCTION IF EXISTS desk_unchecked_login(oid)")
