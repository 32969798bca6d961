"""The command line: parses arguments, builds settings and services, runs one command.

Every command calls the services (desk.inbox, desk.queries, desk.channels.ingest) and prints; expected
errors (DeskError) are printed as ``error: ...`` with a hint, without a traceback. Untrusted text
printed for humans goes through desk.text.safe.clean; ``--json`` output is plain JSON.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy.exc

from desk import __version__
from desk.cli import channels as pull_commands
from desk.cli import outbox as outbox_commands
from desk.cli import staff as staff_commands
from desk.cli import triage as triage_commands
from desk.clock import Clock, utcnow
from desk.config import Settings
from desk.db.store import VIEWS
from desk.errors import DeskError
from desk.i18n import Catalog, choose_language
from desk.text.safe import clean


def not_negative(text: str) -> int:
    """argparse type: a whole number >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def positive(text: str) -> int:
    """argparse type: a whole number >= 1."""
    value = not_negative(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _date(text: str) -> date:
    """argparse type: a YYYY-MM-DD date."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-21") from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    p = argparse.ArgumentParser(
        prog="desk",
        description="Shared-inbox moderation desk for public-sector communications teams.",
    )
    p.add_argument("--version", action="version", version=f"desk {__version__}")
    p.add_argument("--db", help="database file or URL (env DESK_DB)")
    p.add_argument("--config", type=Path, help="desk.toml to use (env DESK_CONFIG)")
    p.add_argument("--as", dest="as_name", metavar="STAFF", help="act as this staff member")
    p.add_argument(
        "--lang",
        choices=["fr", "en"],
        help="interface language (env DESK_LANG, else desk.toml, else LANG)",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("init", help="create/upgrade the database and write a starter desk.toml if none")
    demo = sub.add_parser(
        "demo", help="build the demo database from sample_feeds/, then open the UI"
    )
    demo.add_argument("--no-ui", action="store_true", help="build the demo database and stop")
    demo.add_argument("--fresh", action="store_true", help="delete the demo database first")
    demo.add_argument(
        "--feeds", type=Path, help="folder of sample payloads (default: the bundled sample_feeds/)"
    )
    ing = sub.add_parser(
        "ingest", help="import saved platform payloads (Mastodon, Bluesky, X, RSS/Atom)"
    )
    ing.add_argument("files", nargs="+", type=Path, metavar="FILE")
    ing.add_argument("--json", action="store_true", help="print the counts as JSON")
    sub.add_parser("ui", help="open the desk (the default with no command)")

    q = sub.add_parser("queue", help="list mentions")
    q.add_argument("--json", action="store_true")
    q.add_argument(
        "--view", choices=VIEWS, default="open", help="open (default), mine, unassigned, done, all"
    )
    q.add_argument("--status", choices=["open", "closed"])
    q.add_argument("--category")
    q.add_argument("--assignee")
    q.add_argument("--limit", type=positive, default=50)
    q.add_argument("--offset", type=not_negative, default=0)

    show = sub.add_parser("show", help="one mention with its thread, replies and audit events")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")

    a = sub.add_parser("assign", help="assign a mention to a staff member")
    a.add_argument("id", type=int)
    a.add_argument("staff")
    for name, text in (
        ("claim", "take a mention"),
        ("release", "give a mention back"),
        ("close", "mark done"),
        ("reopen", "reopen"),
        ("spam", "mark as spam and close"),
    ):
        sub.add_parser(name, help=text).add_argument("id", type=int)
    cat = sub.add_parser("categorise", help="set a mention's category")
    cat.add_argument("id", type=int)
    cat.add_argument("category")

    r = sub.add_parser("reply", help="send a signed reply as the current staff member")
    r.add_argument("id", type=int)
    r.add_argument("--text", help="the reply's body (or --answer)")
    r.add_argument("--answer", metavar="NAME", help="send this library answer, filled in")
    r.add_argument("--json", action="store_true")
    r.add_argument(
        "--take-over",
        action="store_true",
        help="send even though a colleague is replying (their claim is taken, audited)",
    )

    an = sub.add_parser("answers", help="the answer library (approved answers)")
    an_sub = an.add_subparsers(dest="answers_command", metavar="SUBCOMMAND", required=True)
    an_list = an_sub.add_parser("list", help="every answer, with version, expiry and flags")
    an_list.add_argument("--json", action="store_true")
    an_imp = an_sub.add_parser(
        "import", help="add or update answers from a TOML file (supervisors)"
    )
    an_imp.add_argument("file", type=Path)
    an_sub.add_parser("export", help="the library as a TOML file `import` reads back")
    an_sug = an_sub.add_parser("suggest", help="the best answers for a mention, filled in for it")
    an_sug.add_argument("id", type=int)
    an_sug.add_argument("--json", action="store_true")
    an_show = an_sub.add_parser("show", help="an answer in each language, in full (retired too)")
    an_show.add_argument("name")
    an_show.add_argument("--json", action="store_true")
    an_ret = an_sub.add_parser(
        "retire", help="take an answer out of the library; sent replies keep it (supervisors)"
    )
    an_ret.add_argument("name")
    an_ret.add_argument("--language", choices=["fr", "en"], help="only this language version")

    ex = sub.add_parser("export", help="an extract for a records request, verifiable (supervisors)")
    ex.add_argument("--since", type=_date, required=True)
    ex.add_argument("--until", type=_date, required=True)
    ex.add_argument("--staff", help="only what this person handled")
    ex.add_argument("--format", choices=["csv", "jsonl"], default="jsonl")
    ex.add_argument("--out", type=Path, required=True, help="a .jsonl file, or a folder for csv")

    pg = sub.add_parser(
        "purge",
        help="remove finished mentions and the audit trail's start older than the cutoff (admins)",
    )
    pg.add_argument(
        "--before",
        type=_date,
        help="cutoff day (YYYY-MM-DD, local; default: today minus [retention] days)",
    )
    pg.add_argument(
        "--dry-run", action="store_true", help="only say what would be removed (supervisors too)"
    )
    pg.add_argument("--json", action="store_true")

    pw = sub.add_parser("passphrase", help="set your passphrase (needed to act --as you elsewhere)")
    pw.add_argument("--for", dest="for_name", metavar="STAFF", help="someone else's (admins)")

    rep = sub.add_parser("report", help="volume, response times, approval delay, backlog, answers")
    rep.add_argument("--since", type=_date, help="first day (YYYY-MM-DD, local; default: 30 days)")
    rep.add_argument("--until", type=_date, help="last day (YYYY-MM-DD, local; default: today)")
    rep.add_argument("--json", action="store_true")

    ap = sub.add_parser("approvals", help="replies waiting for a supervisor's approval")
    ap.add_argument("--json", action="store_true")
    ok = sub.add_parser("approve", help="approve a waiting reply (optionally edited) and send it")
    ok.add_argument("reply_id", type=int, metavar="REPLY_ID")
    ok.add_argument("--text", help="the corrected body (the author's signature is kept)")
    ok.add_argument("--note", default="", help="a note for the author")
    no = sub.add_parser("reject", help="refuse a waiting reply, with a note for its author")
    no.add_argument("reply_id", type=int, metavar="REPLY_ID")
    no.add_argument("--note", required=True)

    rl = sub.add_parser("replies", help="replies, newest first (filters and word search)")
    rl.add_argument("--staff")
    rl.add_argument("--category")
    rl.add_argument("--channel", help="platform:name, as `desk show` prints it")
    rl.add_argument("--since", type=_date, help="first day (local)")
    rl.add_argument("--until", type=_date, help="last day (local)")
    rl.add_argument("--search", help="words that must all appear (accents and case ignored)")
    rl.add_argument("--limit", type=positive, default=50)
    rl.add_argument("--json", action="store_true")

    au = sub.add_parser("audit", help="the audit trail")
    au_sub = au.add_subparsers(dest="audit_command", metavar="SUBCOMMAND", required=True)
    ver = au_sub.add_parser("verify", help="recompute the hash chain; exit 0 when intact")
    ver.add_argument(
        "--head",
        metavar="HASH",
        help="a head hash printed by an earlier verify: fail if the trail was cut after it",
    )
    vx = au_sub.add_parser("verify-extract", help="recompute the hashes of a `desk export` extract")
    vx.add_argument("path", type=Path, metavar="FILE_OR_FOLDER")
    log = au_sub.add_parser("log", help="list audit events, newest first")
    log.add_argument("--json", action="store_true")
    log.add_argument("--mention", type=int)
    log.add_argument("--staff")
    log.add_argument(
        "--action",
        action="append",
        metavar="ACTION",
        help="only this action (reply.sent) or family (reply.*); repeat for several",
    )
    log.add_argument("--since", type=_date, help="first day (YYYY-MM-DD, desk's time zone)")
    log.add_argument("--until", type=_date, help="last day (YYYY-MM-DD, desk's time zone)")
    log.add_argument("--limit", type=positive, default=100)
    tl = au_sub.add_parser("timeline", help="one mention's story, oldest first, with durations")
    tl.add_argument("id", type=int)
    tl.add_argument("--json", action="store_true")
    triage_commands.add_parsers(sub)
    staff_commands.add_parsers(sub)
    pull_commands.add_parsers(sub)
    outbox_commands.add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None, *, clock: Clock = utcnow) -> int:
    """Entry point of the ``desk`` console script; returns the exit status.

    ``clock`` is what time it is for every service of the command (tests pass a fixed one).
    """
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args, clock)
    except DeskError as exc:
        message, hint = exc.localized(
            Catalog(choose_language(args.lang or os.environ.get("DESK_LANG"))).t
        )
        print(f"error: {clean(message)}", file=sys.stderr)
        if hint:
            print(f"  hint: {clean(hint)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except PermissionError as exc:
        print(
            f"error: permission denied: {clean(str(exc.filename or exc), max_len=300)}",
            file=sys.stderr,
        )
        return 2
    except FileNotFoundError as exc:
        print(
            f"error: no such file or folder: {clean(str(exc.filename or exc), max_len=300)}",
            file=sys.stderr,
        )
        return 2
    except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.DatabaseError) as exc:
        print(
            f"error: the database cannot be used: {clean(str(exc.orig) if exc.orig else str(exc), max_len=300)}",
            file=sys.stderr,
        )
        print(
            "  hint: check --db (a desk database file or URL), that it is not locked by a long job, and the disk",
            file=sys.stderr,
        )
        return 2
    except ImportError as exc:
        print(f"error: a component is missing: {clean(str(exc), max_len=300)}", file=sys.stderr)
        print(
            "  hint: a PostgreSQL URL needs its driver installed (e.g. pip install psycopg)",
            file=sys.stderr,
        )
        return 2
    except BrokenPipeError:
        # The reader went away (`desk queue | head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {
        k: v
        for k, v in {"db": args.db, "config": args.config, "lang": args.lang}.items()
        if v is not None
    }
    return Settings(**overrides)


TRIAGE_COMMANDS = {"rules", "triage", "handover"}


def _dispatch(args: argparse.Namespace, clock: Clock) -> int:
    from desk.cli import commands
    from desk.cli import review as review_commands

    settings = _settings(args)
    command = args.command or "ui"
    if command == "init":
        return commands.init(settings)
    if command == "demo":
        return commands.demo(settings, args, clock=clock)
    if command in TRIAGE_COMMANDS:
        status = triage_commands.dispatch_without_desk(settings, args, clock)
        if status is not None:
            return status
        with commands.opened(settings, args.as_name, clock=clock) as desk:
            return triage_commands.dispatch_with_desk(desk, args)
    if command in pull_commands.COMMANDS:
        with commands.opened(settings, args.as_name, clock=clock) as desk:
            return pull_commands.run(desk, args)
    if command == "staff":
        with commands.opened(settings, args.as_name, clock=clock) as desk:
            return staff_commands.run(desk, args)
    if command == "outbox":
        with commands.opened(settings, args.as_name, clock=clock) as desk:
            return outbox_commands.run(desk, args)
    with commands.opened(settings, args.as_name, clock=clock) as desk:
        name = f"cmd_{command}"
        handler = getattr(commands, name, None) or getattr(review_commands, name)
        return int(handler(desk, args))
