"""``desk outbox``: the live outbox from the command line, and the undo window of ``desk reply``.

desk outbox [list] [--json]          queued, sending and unknown replies
desk outbox run [--loop] [--json]    post what is due (reconciling first); --loop keeps going
desk outbox cancel ID                take a queued reply back (its author or a supervisor)
desk outbox resolve ID --posted REMOTE_ID | --not-posted
                                     a supervisor settles a reply whose delivery is unknown
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import AsyncIterator
from datetime import tzinfo
from typing import TYPE_CHECKING

from desk.cli._parser import Commands
from desk.cli._shared import plural, print_json
from desk.clock import as_utc
from desk.errors import ActionRefused
from desk.i18n import Catalog
from desk.text.safe import clean
from desk.vocabulary import ReplyStatus

if TYPE_CHECKING:  # the CLI imports this module to build its parser: keep that light
    from desk.bootstrap import Desk
    from desk.replies.outbox import OutboxReport
    from desk.views import ReplyView

LOOP_SECONDS = 2.0


def register(commands: Commands) -> None:
    """``outbox`` and its subcommands (``list`` when none is given)."""
    ob = commands.add("outbox")
    ob.add_json()
    ob.set_defaults(run=list_outbox)
    sub = ob.commands("outbox_command")
    ls = sub.add("list")
    ls.add_json()
    ls.set_defaults(run=list_outbox)
    run_ = sub.add("run")
    run_.add_argument("--loop", action="store_true", help=run_.text("loop"))
    run_.add_json()
    run_.set_defaults(run=run)
    cancel_ = sub.add("cancel")
    cancel_.add_argument("id", type=cancel_.types.number, metavar=cancel_.metavar("reply_id"))
    cancel_.set_defaults(run=cancel)
    res = sub.add("resolve")
    res.add_argument("id", type=res.types.number, metavar=res.metavar("reply_id"))
    how = res.add_mutually_exclusive_group(required=True)
    how.add_argument("--posted", metavar=res.metavar("remote_id"), help=res.text("posted"))
    how.add_argument("--not-posted", action="store_true", help=res.text("not_posted"))
    res.set_defaults(run=resolve)


def _line(reply: ReplyView, catalog: Catalog, zone: tzinfo) -> str:
    extra = ""
    if reply.status == ReplyStatus.QUEUED and reply.send_after:
        after = as_utc(reply.send_after).astimezone(zone)  # the desk's zone, not the machine's
        extra = catalog.t("cli.outbox.after", time=f"{after:%H:%M:%S %Z}")
    if reply.error:
        extra += f" — {clean(reply.error)}"
    return f"{reply.id:>6}  #{reply.mention_id:<6} {reply.status:<8} {reply.author}{extra}"


def list_outbox(desk: Desk, args: argparse.Namespace) -> int:
    """Queued, sending and unknown replies."""
    replies = desk.outbox.listing()
    if args.json:
        print_json([r.to_json() for r in replies], indent=2)
        return 0
    for reply in replies:
        print(_line(reply, desk.catalog, desk.config.hours.calendar().tz))
    if not replies:
        print(desk.catalog.t("cli.outbox.empty"))
    return 0


def cancel(desk: Desk, args: argparse.Namespace) -> int:
    """Take a queued reply back during its undo window."""
    reply = desk.outbox.cancel(args.id)
    print(desk.catalog.t("cli.outbox.cancelled", id=reply.id))
    return 0


def resolve(desk: Desk, args: argparse.Namespace) -> int:
    """Settle a reply whose delivery is unknown (supervisors)."""
    reply = desk.outbox.resolve(args.id, posted_as=args.posted)
    status = desk.catalog.t(f"cli.reply.status.{reply.status}")
    print(desk.catalog.t("cli.outbox.resolved", id=reply.id, status=status))
    return 0


def _print_report(report: OutboxReport, catalog: Catalog, as_json: bool) -> None:
    if as_json:
        print_json(report.to_json(), ensure_ascii=True)
        return
    for state, ids in (
        ("sent", report.sent),
        ("failed", report.failed),
        ("unknown", report.unknown),
        ("requeued", report.requeued),
    ):
        if ids:
            print(catalog.t(f"cli.outbox.report.{state}", ids=", ".join(map(str, ids))))
    if report.waiting:
        print(plural(catalog, "cli.outbox.waiting", report.waiting))


@contextlib.asynccontextmanager
async def _connected(desk: Desk) -> AsyncIterator[None]:
    """The desk's outbox with a connector per live channel for this command, closed after."""
    from desk.channels.connect import ConnectorPool  # httpx: only once a command goes online

    pool = ConnectorPool(desk.config.channel)
    desk.outbox.connect = pool.connect
    try:
        yield
    finally:
        await pool.aclose()


def run(desk: Desk, args: argparse.Namespace) -> int:
    """Post the replies that are due, reconciling first (``--loop``: until Ctrl-C)."""
    import asyncio  # 20 ms of start-up: loaded only when this command runs

    async def go() -> int:
        async with _connected(desk):
            if not args.loop:
                report = await desk.outbox.run_once()
                _print_report(report, desk.catalog, args.json)
                return 1 if report.failed or report.unknown else 0

            def show(report: OutboxReport) -> None:
                if report.sent or report.failed or report.unknown:
                    _print_report(report, desk.catalog, args.json)

            def stop_on(exc: Exception) -> None:
                raise exc  # as before: a failed pass ends `outbox run --loop`

            await desk.outbox.run_forever(
                asyncio.Event(), show, every=LOOP_SECONDS, on_error=stop_on
            )
            return 0

    try:
        return asyncio.run(go())
    except KeyboardInterrupt:
        return 0


def send_after_undo(desk: Desk, reply: ReplyView, *, quiet: bool = False) -> ReplyView:
    """For ``desk reply`` and ``desk approve``: wait out the undo window (Ctrl-C cancels), then
    post this reply."""
    import asyncio  # 20 ms of start-up: loaded only when this command runs

    t = desk.catalog.t
    live = not quiet and sys.stderr.isatty()  # a countdown on a terminal, one line elsewhere
    if not quiet and not live and reply.send_after:
        left = max(0.0, (reply.send_after - desk.clock()).total_seconds())
        print(t("cli.outbox.countdown", seconds=f"{left:.0f}"), file=sys.stderr, flush=True)
    try:
        while reply.send_after and reply.send_after > desk.clock():
            left = (reply.send_after - desk.clock()).total_seconds()
            if live:
                countdown = t("cli.outbox.countdown", seconds=f"{left:4.1f}")
                print(f"\r{countdown}", end="", file=sys.stderr)
            time.sleep(min(0.2, max(left, 0.01)))
    except KeyboardInterrupt:
        if live:
            print(file=sys.stderr)
        return desk.outbox.cancel(reply.id)
    if live:
        print("\r" + " " * 40 + "\r", end="", file=sys.stderr)
    from desk.replies.outbox import fault_point  # the outbox service: only once a reply goes out

    fault_point("queued")  # crash tests: the reply is committed as queued, nothing posted yet

    async def go() -> None:
        async with _connected(desk):
            await desk.outbox.run_once(only={reply.id})

    try:
        asyncio.run(go())
    except KeyboardInterrupt:
        # Ctrl-C was promised to cancel: a reply not claimed yet is still cancelled; one already
        # on its way is left to the outbox (reconciled before any retry), and its state printed.
        if not quiet:
            print(file=sys.stderr)
        with contextlib.suppress(ActionRefused):
            return desk.outbox.cancel(reply.id)
    return next(r for r in desk.queries.detail(reply.mention_id).replies if r.id == reply.id)
