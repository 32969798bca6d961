"""Mentions from the command line: ``ingest``, ``queue``, ``show`` and the actions on one
mention (``assign``, ``claim``, ``release``, ``close``, ``reopen``, ``spam``, ``categorise``).

Mention text, names and handles are untrusted: printed through desk.text.safe.clean. Record words
(statuses, categories, priorities, platforms) are printed as stored: they are what the filters
and commands take back.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from desk.audit.actions import said
from desk.cli._parser import Commands
from desk.cli._shared import file_progress, local_time, plural, print_json, refused, stored_word
from desk.errors import said_in
from desk.i18n import Catalog
from desk.text.safe import clean
from desk.vocabulary import PRIORITY_NAMES, VIEWS

if TYPE_CHECKING:
    from desk.bootstrap import Desk
    from desk.channels.ingest import FileReport
    from desk.cli._fast import Reading
    from desk.db.filters import QueueFilter
    from desk.views import MentionDetail, QueueRow

COUNTS = ("new", "duplicate", "skipped", "rejected")
AGE_UNITS = (("d", 86400), ("h", 3600), ("m", 60))
QUEUE_COLUMNS = (
    "id",
    "prio",
    "category",
    "platform",
    "author",
    "age",
    "assignee",
    "status",
    "text",
)


def register(commands: Commands) -> None:
    """``ingest``, ``queue``, ``show`` and the actions on one mention."""
    ingest_ = commands.add("ingest")
    ingest_.add_argument("files", nargs="+", type=Path, metavar=ingest_.metavar("file"))
    ingest_.add_json()
    ingest_.set_defaults(run=ingest)

    q = commands.add("queue")
    q.add_json()
    q.add_argument("--view", default="open", metavar=q.metavar("view"), help=q.text("view"))
    q.add_argument("--status", choices=["open", "closed"], help=q.text("status"))
    q.add_argument("--category", metavar=q.metavar("category"), help=q.text("category"))
    q.add_argument("--assignee", metavar=q.metavar("staff"), help=q.text("assignee"))
    q.add_argument("--search", metavar=q.metavar("words"), help=q.text("search"))
    q.add_argument("--filter", metavar=q.metavar("patterns"), help=q.text("filter"))
    q.add_argument("--limit", type=q.types.positive, default=50, metavar="N", help=q.text("limit"))
    q.add_argument(
        "--offset", type=q.types.not_negative, default=0, metavar="N", help=q.text("offset")
    )
    q.set_defaults(run=queue, fast=queue_fast)

    s = commands.add("show")
    s.add_argument("id", type=s.types.number, metavar=s.metavar("id"))
    s.add_json()
    s.set_defaults(run=show)

    a = commands.add("assign")
    a.add_argument("id", type=a.types.number, metavar=a.metavar("id"))
    a.add_argument("staff", metavar=a.metavar("staff"))
    a.set_defaults(run=assign)
    for name, run in ACTIONS.items():
        p = commands.add(name)
        p.add_argument("id", type=p.types.number, metavar=p.metavar("id"))
        p.set_defaults(run=run)
    c = commands.add("categorise")
    c.add_argument("id", type=c.types.number, metavar=c.metavar("id"))
    c.add_argument("category", metavar=c.metavar("category"))
    c.set_defaults(run=categorise)


# -- ingest ------------------------------------------------------------------------------------


def ingest(desk: Desk, args: argparse.Namespace) -> int:
    """Import saved payload files; exit 1 when anything was rejected."""
    reports = desk.ingest.ingest_files(args.files, progress=file_progress)
    if args.json:
        print_json({"files": [r.to_json() for r in reports], "total": _totals(reports)})
        return 1 if any(r.rejected for r in reports) else 0
    t = desk.catalog.t
    for report in reports:
        for warning in report.warnings:
            print(t("cli.ingest.warning", message=clean(said_in(warning, t))), file=sys.stderr)
        # a busy stop's own line (the last error) is said in the interface language below
        if report.refused is not None:  # the file's one error, said in the interface language
            message, hint = report.refused.localized(t)
            print(t("cli.error.line", message=clean(message)), file=sys.stderr)
            if hint:
                print(t("cli.error.hint", hint=clean(hint)), file=sys.stderr)
        else:
            for error in report.errors[:-1] if report.busy else report.errors:
                print(t("cli.error.line", message=clean(said_in(error, t))), file=sys.stderr)
        source = clean(report.source)
        if report.busy and not report.rejected:  # never tried: the database was busy
            not_tried = t("cli.ingest.not_tried", source=source)
            print(t("cli.error.line", message=not_tried), file=sys.stderr)
            continue
        if report.busy:
            stored, unstored = report.new, report.unstored
            stopped = t("cli.ingest.busy", source=source, stored=stored, unstored=unstored)
            print(t("cli.error.line", message=stopped), file=sys.stderr)
        counts = _counts(desk.catalog, {k: getattr(report, k) for k in COUNTS})
        print(t("cli.ingest.file", source=source, platform=report.platform, **counts))
    if any(r.busy for r in reports):
        print(t("cli.error.hint", hint=t("cli.ingest.busy_hint")), file=sys.stderr)
    if len(reports) > 1:
        print(t("cli.ingest.total", **_counts(desk.catalog, _totals(reports))))
    return 1 if any(r.rejected for r in reports) else 0


def _totals(reports: list[FileReport]) -> dict[str, int]:
    return {k: sum(getattr(r, k) for r in reports) for k in COUNTS}


def _counts(catalog: Catalog, counts: dict[str, int]) -> dict[str, str]:
    """Each count as words ("3 new", "3 nouvelles"), for the ingest lines."""
    return {k: plural(catalog, f"cli.count.{k}", n) for k, n in counts.items()}


# -- queue / show ------------------------------------------------------------------------------


def _age(when: datetime, now: datetime, t: Callable[..., str]) -> str:
    seconds = max(0, int((now - when).total_seconds()))
    for unit, size in AGE_UNITS:
        if seconds >= size:
            return t(f"cli.age.{unit}", n=seconds // size)
    return t("cli.age.s", n=seconds)


def _queue_line(row: QueueRow, now: datetime, t: Callable[..., str]) -> str:
    priority = stored_word(t, "priority", PRIORITY_NAMES.get(row.priority))
    return (
        f"{row.id:>7}  {priority:<7} {stored_word(t, 'category', row.category):<11} {row.platform:<8} "
        f"{clean(row.author, max_len=22, one_line=True):<22} {_age(row.created_at, now, t):>6}  "
        f"{(row.assignee or '-'):<8} {stored_word(t, 'status', row.status):<7} "
        f"{clean(row.text, max_len=60, one_line=True)}"
    )


def _narrowed(flt: QueueFilter, args: argparse.Namespace, catalogs: list[Catalog]) -> QueueFilter:
    """``flt`` narrowed by ``--category`` (typed in either language), ``--assignee``, ``--status``."""
    from desk.search import category

    narrowed = {
        "category": category(args.category, catalogs) if args.category else None,
        "assignee": args.assignee,
        "status": args.status,
    }
    return replace(flt, **{k: v for k, v in narrowed.items() if v is not None})


def _searched(flt: QueueFilter, args: argparse.Namespace, catalog: Catalog) -> QueueFilter:
    """``flt`` with the words of ``--search`` added to its own (refused when blank)."""
    if args.search is None:
        return flt
    if not args.search.strip():
        raise refused(catalog, "search_empty")
    return replace(flt, search=" ".join(w for w in (flt.search, args.search) if w))


def queue_fast(reading: Reading, args: argparse.Namespace) -> Callable[[], object]:
    """``queue`` on one of the built-in views without opening the desk (desk.cli._fast): the
    same filter as ``queue`` builds, read by desk.db.fastread, shown by the same printer."""
    from desk.db import fastread
    from desk.db.filters import QueueFilter

    if args.filter or args.view not in VIEWS:
        raise fastread.Unsupported("a saved view or --filter: the ordinary way")
    catalogs = [Catalog("fr"), Catalog("en")] if args.category else []  # ~20 ms a language
    flt = _narrowed(QueueFilter(view=args.view, me=reading.me), args, catalogs)
    flt = _searched(flt, args, reading.catalog)
    rows = fastread.page_queue(reading.conn, flt, args.offset, args.limit)
    if args.json:
        return partial(print_json, [r.to_json() for r in rows])
    total = fastread.count_queue(reading.conn, flt)
    return partial(_print_queue, rows, total, reading.catalog, reading.clock())


def queue(desk: Desk, args: argparse.Namespace) -> int:
    """List a page of the queue."""
    from desk.db.store import QueueFilter  # SQLModel: only once a command runs
    from desk.search import parse

    catalogs = [Catalog("fr"), Catalog("en")]  # a category or state is typed in either language
    flt = QueueFilter(view=args.view, me=desk.me.name)
    if args.view not in VIEWS:  # a saved view (desk views): its line, then the options below
        views = desk.saved_views
        flt = views.queue_filter(views.find(args.view))
    flt = _narrowed(flt, args, catalogs)
    if args.filter:  # the same line as the desk's `/`
        tz = desk.config.hours.calendar().tz
        parsed = parse(args.filter, now=desk.clock(), tz=tz, catalogs=catalogs)
        flt = replace(flt, **parsed.filter_fields())
    flt = _searched(flt, args, desk.catalog)
    rows = desk.queries.page(flt, args.offset, args.limit)
    if args.json:
        print_json([r.to_json() for r in rows])
        return 0
    total = desk.queries.count(flt)
    _print_queue(rows, total, desk.catalog, desk.clock())
    return 0


def _print_queue(rows: list[QueueRow], total: int, catalog: Catalog, now: datetime) -> None:
    """The page of the queue as a table, ages as of ``now``, and how many there are."""
    t = catalog.t
    head = {k: t(f"cli.queue.col.{k}") for k in QUEUE_COLUMNS}
    print(
        f"{head['id']:>7}  {head['prio']:<7} {head['category']:<11} {head['platform']:<8} "
        f"{head['author']:<22} {head['age']:>6}  {head['assignee']:<8} {head['status']:<7} "
        f"{head['text']}"
    )
    for row in rows:
        print(_queue_line(row, now, t))
    print(t("cli.queue.shown", shown=len(rows), total=total))


def _print_detail(d: MentionDetail, catalog: Catalog, when: Callable[..., str]) -> None:
    """The mention in text; ``when`` prints a time in the desk's zone (``local_time``)."""
    from desk.triage.explain import explain_lines  # the triage words: only once a command runs

    t = catalog.t
    author = f"{clean(d.author_name, one_line=True)} {clean(d.author_handle, one_line=True)}"
    print(f"#{d.id} {d.platform} {stored_word(t, 'kind', d.kind)} — {author}")
    print(
        t(
            "cli.show.about",
            when=when(d.created_at),
            language=clean(d.language or "?", one_line=True, max_len=20),
            status=stored_word(t, "status", d.status),
            category=stored_word(t, "category", d.category),
            priority=stored_word(t, "priority", PRIORITY_NAMES.get(d.priority)),
            assignee=d.assignee or "-",
        )
    )
    if d.url:
        print(t("cli.show.link", url=clean(d.url, one_line=True)))
    if d.title:
        print(t("cli.show.title", title=clean(d.title, one_line=True)))
    print()
    for line in clean(d.text, max_len=4000).splitlines() or [""]:
        print(f"  {line}")
    if d.attachments:
        print("\n" + t("cli.show.attachments"))
        for a in d.attachments:
            kind = clean(a.type, one_line=True, max_len=60)
            print(f"  {clean(a.name, one_line=True, max_len=120)}  {kind}  {a.size:,} B")
    if d.notes:
        print("\n" + t("cli.show.notes"))
        for imported in d.notes:
            print(f"  {clean(imported.render(catalog), one_line=True, max_len=300)}")
    print("\n" + t("cli.show.why"))
    for line in explain_lines(d.triage, catalog) if d.triage else [d.triage_reason]:
        print(f"  {clean(line, one_line=True)}")
    if d.thread:
        print("\n" + t("cli.show.thread"))
        for row in d.thread:
            mark = "→" if row.id == d.id else " "
            who = clean(row.author, one_line=True, max_len=30)
            text = clean(row.text, one_line=True, max_len=80)
            print(t("cli.show.thread_line", mark=mark, id=row.id, who=who, text=text))
    if d.replies:
        print("\n" + t("cli.show.replies"))
        for r in d.replies:
            print(
                t(
                    "cli.show.reply_line",
                    status=t(f"cli.reply.status.{r.status}"),
                    when=when(r.created_at),
                    author=r.author,
                    text=clean(r.text, one_line=True),
                )
            )
            if r.reviewer:  # the supervisor's decision, and the note the author reads
                note = clean(r.review_note or "", one_line=True, max_len=500)
                key = "cli.show.reviewed_note" if note else "cli.show.reviewed"
                print(t(key, who=clean(r.reviewer, one_line=True, max_len=40), note=note))
    print("\n" + t("cli.show.history"))
    for e in d.history:
        who = clean(e.actor, one_line=True, max_len=30)
        print(f"  #{e.seq} {when(e.at, seconds=True)} {who:<10} {said(e.action, t)}")


def show(desk: Desk, args: argparse.Namespace) -> int:
    """One mention in full: thread, replies, history."""
    detail = desk.queries.detail(args.id)
    if args.json:
        print_json(detail.to_json())
    else:
        _print_detail(detail, desk.catalog, partial(local_time, desk))
    return 0


# -- actions -----------------------------------------------------------------------------------


def assign(desk: Desk, args: argparse.Namespace) -> int:
    """Assign a mention to a staff member."""
    desk.inbox.assign(args.id, args.staff)
    print(desk.catalog.t("cli.mention.assigned", id=args.id, staff=args.staff))
    return 0


def claim(desk: Desk, args: argparse.Namespace) -> int:
    """Take a mention (it becomes yours)."""
    desk.inbox.claim(args.id)
    print(desk.catalog.t("cli.mention.claimed", id=args.id, me=desk.me.name))
    return 0


def release(desk: Desk, args: argparse.Namespace) -> int:
    """Give a mention back (unassigned)."""
    desk.inbox.release(args.id)
    print(desk.catalog.t("cli.mention.released", id=args.id))
    return 0


def close(desk: Desk, args: argparse.Namespace) -> int:
    """Mark a mention done."""
    desk.inbox.close(args.id)
    print(desk.catalog.t("cli.mention.closed", id=args.id))
    return 0


def reopen(desk: Desk, args: argparse.Namespace) -> int:
    """Reopen a closed mention."""
    desk.inbox.reopen(args.id)
    print(desk.catalog.t("cli.mention.reopened", id=args.id))
    return 0


def spam(desk: Desk, args: argparse.Namespace) -> int:
    """Mark a mention as spam, which closes it."""
    desk.inbox.mark_spam(args.id)
    print(desk.catalog.t("cli.mention.spam", id=args.id))
    return 0


ACTIONS = {"claim": claim, "release": release, "close": close, "reopen": reopen, "spam": spam}
"""The actions that take only a mention id, by command name."""


def categorise(desk: Desk, args: argparse.Namespace) -> int:
    """Set a mention's category (named in either language: ``rumeur`` is ``rumour``)."""
    from desk.search import category

    chosen = category(args.category, [Catalog("fr"), Catalog("en")])
    desk.inbox.categorise(args.id, chosen)
    label = desk.catalog.t(f"tui.category.{chosen}")  # taken back in either language
    print(desk.catalog.t("cli.mention.categorised", id=args.id, category=label))
    return 0
