"""The audit trail from the command line: ``audit verify`` (the hash chain), ``audit
verify-extract`` (an extract made by ``desk export``), ``audit log`` (events, filtered) and
``audit timeline`` (one mention's story).

Actors, actions and event data can hold anything a platform or a person sent: printed through
desk.text.safe.clean.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from desk.cli._parser import Commands
from desk.cli._shared import Invocation, plural, print_json
from desk.text.safe import clean

if TYPE_CHECKING:
    from desk.bootstrap import Desk


def register(commands: Commands) -> None:
    """``audit`` and its subcommands."""
    audit = commands.add("audit").commands("audit_command", required=True)
    ver = audit.add("verify")
    ver.add_argument("--head", metavar=ver.metavar("hash"), help=ver.text("head"))
    ver.set_defaults(run=verify)
    vx = audit.add("verify-extract")
    vx.add_argument("path", type=Path, metavar=vx.metavar("file_or_folder"))
    vx.set_defaults(run=verify_extract, needs_desk=False)

    log_ = audit.add("log")
    log_.add_json()
    log_.add_argument("--mention", type=int, metavar=log_.metavar("id"), help=log_.text("mention"))
    log_.add_argument("--staff", metavar=log_.metavar("staff"), help=log_.text("staff"))
    log_.add_argument(
        "--action", action="append", metavar=log_.metavar("action"), help=log_.text("action")
    )
    day = log_.metavar("day")
    log_.add_argument("--since", type=log_.types.day, metavar=day, help=log_.text("since"))
    log_.add_argument("--until", type=log_.types.day, metavar=day, help=log_.text("until"))
    log_.add_argument(
        "--limit", type=log_.types.positive, default=100, metavar="N", help=log_.text("limit")
    )
    log_.set_defaults(run=log)

    tl = audit.add("timeline")
    tl.add_argument("id", type=int, metavar=tl.metavar("id"))
    tl.add_json()
    tl.set_defaults(run=timeline)


def verify(desk: Desk, args: argparse.Namespace) -> int:
    """Recompute the hash chain: exit 0 when intact, else 1 naming the first bad event."""
    t = desk.catalog.t
    result = desk.queries.verify_audit(args.head)
    if result.ok:
        anchor = t("cli.audit.anchor", seq=result.start_seq) if result.start_seq else ""
        events = plural(desk.catalog, "cli.audit.events", result.checked)
        print(t("cli.audit.intact", events=events, anchor=anchor, head=result.head))
        return 0
    where = (
        t("cli.audit.where", seq=result.bad_seq, id=result.bad_id)
        if result.bad_seq is not None
        else ""
    )
    print(t("cli.audit.broken", where=where, reason=result.reason), file=sys.stderr)
    return 1


def verify_extract(run: Invocation, args: argparse.Namespace) -> int:
    """Recompute every event hash of an extract (no database needed): exit 1 if altered."""
    from desk.audit.export import verify_extract as check  # the audit chain: only when it runs

    catalog = run.catalog
    ok, checked, problems = check(args.path)
    for problem in problems:
        print(f"  {clean(problem, one_line=True)}", file=sys.stderr)
    events = plural(catalog, "cli.count.events", checked)
    key = "cli.audit.extract_intact" if ok else "cli.audit.extract_altered"
    print(catalog.t(key, events=events, n=checked))
    return 0 if ok else 1


def log(desk: Desk, args: argparse.Namespace) -> int:
    """Audit events, newest first, filtered by mention, person, action and days."""
    from desk.db.store import AuditFilter  # SQLModel: only once a command runs
    from desk.queries import day_bounds

    since, until = day_bounds(desk.config.hours.calendar().tz, args.since, args.until)
    flt = AuditFilter(
        mention_id=args.mention,
        actor=args.staff,
        actions=tuple(a.strip() for a in args.action or () if a.strip()),
        since=since,
        until=until,
    )
    events = desk.queries.audit_log(flt=flt, limit=args.limit)
    if args.json:
        print_json([e.to_json() for e in events])
        return 0
    for e in events:
        target = f"#{e.mention_id}" if e.mention_id else ""
        data = clean(json.dumps(e.data, ensure_ascii=False), one_line=True, max_len=100)
        print(
            f"{e.seq:>6} {e.at:%Y-%m-%d %H:%M:%S} {clean(e.actor, one_line=True, max_len=30):<10} "
            f"{clean(e.action, one_line=True, max_len=40):<20} {target:<7} {data}"
        )
    return 0


def timeline(desk: Desk, args: argparse.Namespace) -> int:
    """One mention's story, oldest first (``--json``: the events, with their sentences)."""
    from desk.audit.timeline import text_lines  # the audit words: only once a command runs

    story = desk.queries.timeline(args.id)
    if args.json:
        print_json(story.to_json(desk.catalog))
        return 0
    for line in text_lines(story, desk.catalog, desk.config.hours.calendar().tz):
        print(clean(line, one_line=True))
    return 0
