"""Replies from the command line: ``reply`` (send, signed), ``replies`` (the history, searched),
and the four-eyes commands ``approvals``, ``approve`` and ``reject``.

A reply to a live channel waits out its undo window here (desk.cli.outbox.send_after_undo:
Ctrl-C cancels) before the outbox posts it. Reply and mention text is untrusted: printed through
desk.text.safe.clean.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import partial
from typing import TYPE_CHECKING

from desk.cli._parser import Commands
from desk.cli._shared import in_zone, local_time, plural, print_json, refused
from desk.cli.answers import fill_line
from desk.cli.outbox import send_after_undo
from desk.clock import as_utc
from desk.i18n import Catalog
from desk.text.safe import clean
from desk.vocabulary import ReplyStatus

if TYPE_CHECKING:
    from desk.answers.ranking import Fill
    from desk.bootstrap import Desk
    from desk.cli._fast import Reading
    from desk.db.filters import ReplyFilter
    from desk.views import ReplyView


def register(commands: Commands) -> None:
    """``reply``, ``withdraw``, ``replies``, ``approvals``, ``approve`` and ``reject``."""
    r = commands.add("reply")
    r.add_argument("id", type=r.types.number, metavar=r.metavar("id"))
    r.add_argument("--text", metavar=r.metavar("text"), help=r.text("text"))
    r.add_argument("--answer", metavar=r.metavar("name"), help=r.text("answer"))
    r.add_json()
    r.add_argument("--take-over", action="store_true", help=r.text("take_over"))
    r.add_argument("--again", action="store_true", help=r.text("again"))
    r.set_defaults(run=reply)

    w = commands.add("withdraw")
    w.add_argument("reply_id", type=w.types.number, metavar=w.metavar("reply_id"))
    w.add_json()
    w.set_defaults(run=withdraw)

    h = commands.add("replies")
    h.add_argument("--staff", metavar=h.metavar("staff"), help=h.text("staff"))
    h.add_argument("--category", metavar=h.metavar("category"), help=h.text("category"))
    h.add_argument("--channel", metavar="PLATFORM:NAME", help=h.text("channel"))
    h.add_argument("--since", type=h.types.day, metavar=h.metavar("day"), help=h.text("since"))
    h.add_argument("--until", type=h.types.day, metavar=h.metavar("day"), help=h.text("until"))
    h.add_argument("--search", metavar=h.metavar("words"), help=h.text("search"))
    h.add_argument("--limit", type=h.types.positive, default=50, metavar="N", help=h.text("limit"))
    h.add_json()
    h.set_defaults(run=replies, fast=replies_fast)

    a = commands.add("approvals")
    a.add_json()
    a.set_defaults(run=approvals)
    ok = commands.add("approve")
    ok.add_argument("reply_id", nargs="?", type=ok.types.number, metavar=ok.metavar("reply_id"))
    ok.add_argument(
        "--batch", type=ok.types.number, metavar=ok.metavar("batch"), help=ok.text("batch")
    )
    ok.add_argument("--no-follow", action="store_true", help=ok.text("no_follow"))
    ok.add_argument("--text", metavar=ok.metavar("text"), help=ok.text("text"))
    ok.add_argument("--note", default="", metavar=ok.metavar("note"), help=ok.text("note"))
    ok.set_defaults(run=approve)
    no = commands.add("reject")
    no.add_argument("reply_id", type=no.types.number, metavar=no.metavar("reply_id"))
    no.add_argument("--note", required=True, metavar=no.metavar("note"), help=no.text("note"))
    no.set_defaults(run=reject)


def _state(reply: ReplyView, catalog: Catalog) -> str:
    """Where a reply stands, as the sentence after "reply 12" says it."""
    reasons = ", ".join(reply.approval_reasons)
    return catalog.t(f"cli.reply.state.{reply.status}", reasons=reasons)


def reply(desk: Desk, args: argparse.Namespace) -> int:
    """Send a signed reply (or print why it is refused); it may wait for an approval."""
    if args.take_over:
        desk.claims.take_over(args.id)
    if (args.text is None) == (args.answer is None):
        raise refused(desk.catalog, "text_or_answer")
    answer_id = None
    text = args.text
    filled: list[Fill] = []
    platform = ""
    if args.answer is not None:
        detail = desk.queries.detail(args.id)
        platform = detail.platform
        chosen = desk.answers.named(args.answer, detail.language)
        answer_id = chosen.id
        text = desk.answers.render_for(args.id, chosen)
        filled = desk.answers.fills_for(args.id, chosen)
    sent = desk.replies.send(args.id, text, answer_id=answer_id, again=args.again)
    if sent.status == ReplyStatus.QUEUED:  # a live channel: the undo window, then the platform
        sent = send_after_undo(desk, sent, quiet=args.json)
    if args.json:
        print_json(sent.to_json())
    else:
        t = desk.catalog.t
        print(t("cli.reply.done", id=sent.id, state=_state(sent, desk.catalog), author=sent.author))
        print(clean(sent.text))
        for fill in filled:  # what the answer took from the citizen's post
            print("  " + fill_line(desk.catalog, fill, platform))
    done = (ReplyStatus.SENT, ReplyStatus.SENT_OFFLINE, ReplyStatus.PENDING_APPROVAL)
    return 0 if sent.status in done else 1


def withdraw(desk: Desk, args: argparse.Namespace) -> int:
    """Take back one's own reply while it waits for approval."""
    taken_back = desk.replies.withdraw(args.reply_id)
    if args.json:
        print_json(taken_back.to_json())
    else:
        t = desk.catalog.t
        state = _state(taken_back, desk.catalog)
        print(t("cli.reply.done", id=taken_back.id, state=state, author=taken_back.author))
        print(clean(taken_back.text))
    return 0


def _day_start(day: date | None, zone: tzinfo, *, after: bool) -> datetime | None:
    """The first moment of ``day`` (``after``: of the day after) in the desk's time ``zone``."""
    if day is None:
        return None
    start = datetime.combine(day + timedelta(days=1 if after else 0), time.min, tzinfo=zone)
    return as_utc(start)


def _reply_filter(
    args: argparse.Namespace, zone: Callable[[], tzinfo], catalog: Catalog
) -> ReplyFilter:
    """What ``replies`` lists; ``zone()`` gives the desk's time zone (asked only for a day)."""
    from desk.db.filters import ReplyFilter

    if args.search is not None and not args.search.strip():
        raise refused(catalog, "search_empty")
    tz = zone() if args.since is not None or args.until is not None else UTC
    return ReplyFilter(
        author=args.staff,
        category=args.category,
        channel=args.channel,
        since=_day_start(args.since, tz, after=False),
        until=_day_start(args.until, tz, after=True),
        search=args.search,
    )


def replies_fast(reading: Reading, args: argparse.Namespace) -> Callable[[], object]:
    """``replies`` without opening the desk (desk.cli._fast): the same filter as ``replies``
    builds, read by desk.db.fastread, shown by the same printer."""
    from desk.db import fastread

    def zone() -> tzinfo:  # desk.toml's [hours] timezone, as DeskConfig.hours.calendar() reads it
        from desk.calendar import zone

        return zone(reading.timezone)

    flt = _reply_filter(args, zone, reading.catalog)
    found = fastread.list_replies(reading.conn, flt, limit=args.limit)
    if args.json:
        return partial(print_json, [r.to_json() for r in found])
    return partial(_print_replies, found, zone(), reading.catalog.t)


def replies(desk: Desk, args: argparse.Namespace) -> int:
    """Replies, newest first, filtered (``--search``: every word, accents and case ignored)."""
    flt = _reply_filter(args, lambda: desk.config.hours.calendar().tz, desk.catalog)
    found = desk.queries.replies(flt=flt, limit=args.limit)
    if args.json:
        print_json([r.to_json() for r in found])
        return 0
    from desk.calendar import zone  # ZoneInfo caches: no week of hours parsed per printed row

    _print_replies(found, zone(desk.config.hours.timezone), desk.catalog.t)
    return 0


def _print_replies(found: list[ReplyView], tz: tzinfo, t: Callable[..., str]) -> None:
    """One line a reply, its time in the desk's zone ``tz`` (as ``local_time`` shows it) and
    its status in the language of ``t`` (a Catalog.t)."""
    for r in found:
        text = clean(r.text, one_line=True, max_len=100)
        status = t(f"cli.reply.status.{r.status}")
        print(f"{in_zone(r.created_at, tz)} {r.author:<8} #{r.mention_id:<6} [{status}] {text}")


def approvals(desk: Desk, args: argparse.Namespace) -> int:
    """Replies waiting for a supervisor's approval, oldest first, then the batches waiting
    (each approved at once with ``desk approve --batch ID``; ``kind`` tells them apart)."""
    pending = desk.approvals.pending()
    batches = desk.batches.waiting()
    if args.json:
        print_json(
            [{"kind": "reply", **p.to_json()} for p in pending]
            + [{"kind": "batch", **b.to_json(), "sample": b.sample} for b in batches]
        )
        return 0
    t = desk.catalog.t
    for p in pending:
        r = p.reply
        print(
            t(
                "cli.approvals.line",
                id=r.id,
                mention=r.mention_id,
                author=r.author,
                since=local_time(desk, r.submitted_at),
                reasons=", ".join(r.approval_reasons),
            )
        )
        print(t("cli.approvals.mention", text=clean(p.mention_text, one_line=True, max_len=100)))
        print(t("cli.approvals.reply", text=clean(r.text, one_line=True, max_len=200)))
    for b in batches:  # each approved at once, with its own command
        print(
            t(
                "cli.approvals.batch",
                id=b.id,
                n=b.total,
                by=b.created_by,
                answer=clean(b.answer, one_line=True, max_len=60),
                since=local_time(desk, b.created_at),
            )
        )
        print(t("cli.approvals.reply", text=clean(b.sample, one_line=True, max_len=200)))
    print(plural(desk.catalog, "cli.approvals.waiting", len(pending)))
    return 0


def approve(desk: Desk, args: argparse.Namespace) -> int:
    """Approve a waiting reply (perhaps corrected) and send it, or a whole batch."""
    if (args.batch is None) == (args.reply_id is None):
        raise refused(desk.catalog, "approve_one_or_batch")
    if args.batch is not None:
        if args.text is not None:
            raise refused(desk.catalog, "approve_batch_text")
        from desk.cli import batch

        return batch.approve(desk, args)
    done = desk.approvals.approve(args.reply_id, text=args.text, note=args.note)
    if done.status == ReplyStatus.QUEUED:  # a live channel: the undo window, then the platform
        done = send_after_undo(desk, done)
    t = desk.catalog.t
    print(t("cli.approve.done", id=done.id, status=t(f"cli.reply.status.{done.status}")))
    print(clean(done.text))
    return 0 if done.status in (ReplyStatus.SENT, ReplyStatus.SENT_OFFLINE) else 1


def reject(desk: Desk, args: argparse.Namespace) -> int:
    """Refuse a waiting reply, with a note its author sees."""
    done = desk.approvals.reject(args.reply_id, args.note)
    note = clean(args.note, one_line=True)
    print(desk.catalog.t("cli.reject.done", id=done.id, author=done.author, note=note))
    return 0
