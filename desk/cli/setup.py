"""Setting a desk up and opening it: ``init`` (database and starter desk.toml), ``ui`` (the
terminal interface, also what ``desk`` alone does), ``passphrase`` (for ``--as``) and
``migrate-db`` (a team's history moved to another database, e.g. from SQLite to PostgreSQL).

The demo, which builds its own database from the sample feeds, is in desk.cli.demo.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import TYPE_CHECKING

from desk.cli._parser import Commands
from desk.cli._shared import Invocation, ensure_data_dir, plural, refused

if TYPE_CHECKING:
    from desk.bootstrap import Desk


def register(commands: Commands) -> None:
    """``init``, ``ui`` and ``passphrase``."""
    commands.add("init").set_defaults(run=init, needs_desk=False)
    commands.add("ui").set_defaults(run=ui)
    pw = commands.add("passphrase")
    pw.add_argument("--for", dest="for_name", metavar=pw.metavar("staff"), help=pw.text("for"))
    pw.set_defaults(run=passphrase)
    move = commands.add("migrate-db")
    for option, dest in (("--from", "source"), ("--to", "target")):
        move.add_argument(
            option, dest=dest, required=True, metavar=move.metavar("db"), help=move.text(option[2:])
        )
    move.set_defaults(run=migrate_db, needs_desk=False)


def init(run: Invocation, args: argparse.Namespace) -> int:
    """Create or upgrade the database; write a starter desk.toml (and rules) if there is none."""
    from desk import db  # SQLAlchemy and the migrations: only for the commands that need them

    t = run.catalog.t
    settings = run.settings
    path = settings.config_path()
    from desk.config import write_starter_config  # pydantic: only when the command runs

    if write_starter_config(path):
        print(t("cli.init.wrote_config", path=path))
        print(t("cli.init.wrote_rules", path=path.parent / "rules.toml"))
    else:
        print(t("cli.init.kept_config", path=path))
    ensure_data_dir(settings)
    engine = db.make_engine(settings.db_url())
    before = db.current_revision(engine)
    db.upgrade(engine)
    after = db.current_revision(engine)
    engine.dispose()
    state = "created" if before is None else ("upgraded" if before != after else "up_to_date")
    url = engine.url  # a file path as given; a server URL never with its password on screen
    shown = settings.db_url() if url.get_backend_name() == "sqlite" else url.render_as_string()
    print(t("cli.init.database", url=shown, state=t(f"cli.init.{state}"), schema=after))
    return 0


def migrate_db(run: Invocation, args: argparse.Namespace) -> int:
    """Copy every table from ``--from`` to the empty ``--to``, verify the audit chain there, and
    say what arrived; progress on stderr."""
    from desk.audit import transfer  # SQLAlchemy and the models: only when the command runs

    t = run.catalog.t
    source = transfer.open_source(args.source)
    try:
        target = transfer.open_target(args.target)
        try:
            report = transfer.transfer(source, target, _MigrateProgress(run))
        finally:
            target.dispose()
    finally:
        source.dispose()
    rows = plural(run.catalog, "cli.migrate.rows", sum(report.rows.values()))
    print(
        t(
            "cli.migrate.done",
            rows=rows,
            tables=len(report.rows),
            source=source.url.render_as_string(hide_password=True),
            target=target.url.render_as_string(hide_password=True),
        )
    )
    verified = report.verified
    assert verified is not None
    events = plural(run.catalog, "cli.migrate.events", verified.checked)
    print(t("cli.migrate.verified", events=events, head=verified.head[:16]))
    return 0


class _MigrateProgress:
    """``table: copied of total`` on stderr, at each tenth of a table and when it is done."""

    def __init__(self, run: Invocation) -> None:
        self.t = run.catalog.t
        self.shown: tuple[str, int] = ("", -1)

    def __call__(self, table: str, copied: int, total: int) -> None:
        tenth = 10 * copied // total if total else 10
        if (table, tenth) == self.shown or (copied == 0 and total > 0):
            return
        self.shown = (table, tenth)
        print(
            self.t("cli.migrate.progress", table=table, copied=copied, total=total), file=sys.stderr
        )


def ui(desk: Desk, args: argparse.Namespace) -> int:
    """Open the terminal interface on the open desk."""
    from desk.tui.app import run_ui  # Textual: only when the interface opens

    run_ui(desk)
    return 0


def passphrase(desk: Desk, args: argparse.Namespace) -> int:
    """Set one's own passphrase (an admin: anyone's, with ``--for``); DESK_NEW_PASSPHRASE or
    typed twice on the terminal."""
    t = desk.catalog.t
    target = args.for_name or desk.me.name
    new = os.environ.get("DESK_NEW_PASSPHRASE")
    if new is None:
        if not sys.stdin.isatty():
            raise refused(desk.catalog, "no_terminal")
        new = getpass.getpass(t("cli.passphrase.new", name=target))
        if getpass.getpass(t("cli.passphrase.again")) != new:
            raise refused(desk.catalog, "passphrases_differ")
    desk.identity.set_passphrase(target, new)
    print(t("cli.passphrase.set", name=target))
    return 0
