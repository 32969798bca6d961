"""``desk bulk``: one action on many mentions, chosen by number, by words or by patterns.

desk bulk ACTION (--ids N,M,... | --search WORDS | --filter PATTERNS) [--view V]
          [--to NAME | --category CAT | --tag WORD] [--yes] [--json]
desk bulk reply (--cluster ID | --ids ... | --search ... | --filter ...) --answer NAME [--json]
desk bulk status [BATCH] | pause BATCH | resume BATCH | send BATCH    (desk.cli.batch)

ACTION is one of desk.vocabulary.BULK_ACTIONS (assign, claim, release, categorise, tag, close,
reopen, spam). ``--search`` and ``--filter`` select as ``desk queue`` does (open mentions unless
``--view`` or ``~s`` says otherwise). Above BULK_CONFIRM mentions desk asks first, with the count
(``--yes`` answers for a script). Each mention changed gets its own audit event; those the
action does not apply to are listed with the reason; exit 1 when any was skipped.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

from desk.cli._parser import Commands
from desk.cli._shared import plural, print_json, refused
from desk.errors import ActionRefused, rendered
from desk.i18n import Catalog
from desk.text.safe import clean
from desk.vocabulary import BULK_ACTIONS, VIEWS

if TYPE_CHECKING:
    from desk.bootstrap import Desk

BULK_CONFIRM = 20
"""Above this many mentions, desk asks before acting (the count in the question)."""

MAX_SELECTED = 100_000

BATCH_ACTIONS = ("reply", "status", "pause", "resume", "send")
"""One approved correction to many (desk.cli.batch): a batch prepared, followed, paused."""


def register(commands: Commands) -> None:
    """``bulk``."""
    b = commands.add("bulk")
    b.add_argument(
        "action",
        choices=[*BULK_ACTIONS, *BATCH_ACTIONS],
        metavar=b.metavar("action"),
        help=b.text("action"),
    )
    b.add_argument(
        "batch", nargs="?", type=b.types.number, metavar=b.metavar("batch"), help=b.text("batch")
    )
    chosen = b.add_mutually_exclusive_group()
    chosen.add_argument("--ids", metavar="N,M", help=b.text("ids"))
    chosen.add_argument("--search", metavar=b.metavar("words"), help=b.text("search"))
    chosen.add_argument("--filter", metavar=b.metavar("patterns"), help=b.text("filter"))
    chosen.add_argument(
        "--cluster", type=b.types.number, metavar=b.metavar("cluster"), help=b.text("cluster")
    )
    b.add_argument("--answer", metavar=b.metavar("name"), help=b.text("answer"))
    b.add_argument("--view", choices=VIEWS, default="open", help=b.text("view"))
    b.add_argument("--to", metavar=b.metavar("staff"), help=b.text("to"))
    b.add_argument("--category", metavar=b.metavar("category"), help=b.text("category"))
    b.add_argument("--tag", metavar=b.metavar("tag"), help=b.text("tag"))
    b.add_argument("--yes", action="store_true", help=b.text("yes"))
    b.add_json()
    b.set_defaults(run=bulk)


def _ids(text: str, catalog: Catalog) -> list[int]:
    parts = [p.strip().lstrip("#") for p in text.split(",") if p.strip()]
    if not parts or not all(p.isdigit() and len(p) < 12 for p in parts):
        raise refused(catalog, "bulk_ids", ids=clean(text, one_line=True, max_len=60))
    return [int(p) for p in parts]


def selected(desk: Desk, args: argparse.Namespace) -> list[int]:
    """The mentions the command line names: ``--ids``, or what ``--search``/``--filter`` find."""
    from desk.db.store import QueueFilter  # SQLModel: only once a command runs
    from desk.search import parse

    if args.ids is not None:
        return _ids(args.ids, desk.catalog)
    flt = QueueFilter(view=args.view, me=desk.me.name)
    if args.search is not None:
        if not args.search.strip():
            raise refused(desk.catalog, "search_empty")
        flt = replace(flt, search=args.search)
    else:
        tz = desk.config.hours.calendar().tz
        catalogs = [Catalog("fr"), Catalog("en")]
        parsed = parse(args.filter, now=desk.clock(), tz=tz, catalogs=catalogs)
        flt = replace(flt, **parsed.filter_fields())
    return [row.id for row in desk.queries.page(flt, 0, MAX_SELECTED)]


def _value(desk: Desk, args: argparse.Namespace) -> str | None:
    from desk.search import category

    if args.action == "assign":
        return str(args.to) if args.to else None
    if args.action == "categorise":
        catalogs = [Catalog("fr"), Catalog("en")]
        return category(args.category, catalogs) if args.category else None
    if args.action == "tag":
        return str(args.tag) if args.tag else None
    return None


def _confirmed(desk: Desk, args: argparse.Namespace, count: int) -> bool:
    """Whether to go on: always up to BULK_CONFIRM, else ``--yes`` or a "y" typed at a prompt."""
    if count <= BULK_CONFIRM or args.yes:
        return True
    t = desk.catalog.t
    if not sys.stdin.isatty():
        raise ActionRefused(
            t("cli.bulk.confirm_needed", n=count), t("cli.bulk.confirm_needed_hint")
        )
    action = t(f"cli.bulk.action.{args.action}")
    question = plural(desk.catalog, "cli.bulk.confirm", count, action=action)
    answer = input(question + " ")
    return answer.strip().lower() in (t("cli.bulk.yes"), "y", "yes", "o", "oui")


def _batch_action(desk: Desk, args: argparse.Namespace) -> int:
    from desk.cli import batch

    if args.action != "reply":
        if args.cluster is not None or args.ids or args.search or args.filter or args.answer:
            raise refused(desk.catalog, "batch_no_selection", action=args.action)
    elif args.batch is not None:
        raise refused(desk.catalog, "batch_reply_no_id")
    elif args.cluster is None and args.ids is None and args.search is None and args.filter is None:
        raise refused(desk.catalog, "bulk_selection", action=args.action)
    if args.action == "reply":
        if args.answer is None:
            raise refused(desk.catalog, "batch_needs_answer")
        if args.cluster is not None:
            return batch.reply(desk, args, list(desk.crisis.cluster(args.cluster).mention_ids))
        return batch.reply(desk, args, selected(desk, args))
    run = {
        "status": batch.status,
        "pause": batch.pause,
        "resume": batch.resume,
        "send": batch.send,
    }[args.action]
    return run(desk, args)


def bulk(desk: Desk, args: argparse.Namespace) -> int:
    """Run one action on the chosen mentions; say what was done and what was skipped."""
    if args.action in BATCH_ACTIONS:
        return _batch_action(desk, args)
    if args.batch is not None or args.cluster is not None or args.answer is not None:
        raise refused(desk.catalog, "bulk_batch_only", action=args.action)
    if args.ids is None and args.search is None and args.filter is None:
        raise refused(desk.catalog, "bulk_selection", action=args.action)
    value = _value(desk, args)
    ids = selected(desk, args)
    catalog = desk.catalog
    if not ids:
        print(catalog.t("cli.bulk.none"))
        return 0
    if not _confirmed(desk, args, len(ids)):
        print(catalog.t("cli.bulk.cancelled"))
        return 1

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty() and total > 200:
            end = "\n" if done >= total else ""
            print(f"\r[{done}/{total}]", end=end, file=sys.stderr, flush=True)

    report = desk.inbox.bulk(args.action, ids, value, progress=progress)
    if args.json:
        print_json(
            {
                "action": report.action,
                "value": report.value,
                "done": report.done,
                "skipped": [
                    {"id": s.mention_id, "reason": s.key, **rendered(s.params, str)}
                    for s in report.skipped
                ],
            }
        )
        return 1 if report.skipped else 0
    action = catalog.t(f"cli.bulk.action.{args.action}")
    print(plural(catalog, "cli.bulk.done", len(report.done), action=action))
    for skipped in report.skipped[:50]:
        why = (
            catalog.t(f"errors.{skipped.key}", **rendered(skipped.params, catalog.t))
            if skipped.key
            else "?"
        )
        print("  " + catalog.t("cli.bulk.skipped", id=skipped.mention_id, why=clean(why)))
    if len(report.skipped) > 50:
        print("  " + catalog.t("cli.bulk.more_skipped", n=len(report.skipped) - 50))
    return 1 if report.skipped else 0
