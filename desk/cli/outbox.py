"""``desk outbox``: the live outbox from the command line, and the undo window of ``desk reply``.

desk outbox [list] [--json]          queued, sending and unknown replies
desk outbox run [--loop] [--json]    post what is due (reconciling first); --loop keeps going
desk outbox cancel ID                take a queued reply back (its author or a supervisor)
desk outbox resolve ID --posted REMOTE_ID | --not-posted
                                     a supervisor settles a reply whose delivery is unknown
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from desk.errors import ActionRefused, InputError
from desk.text.safe import clean
from desk.vocabulary import ReplyStatus

if TYPE_CHECKING:  # the CLI imports this module to build its parser: keep that light
    from desk.bootstrap import Desk
    from desk.replies.outbox import OutboxReport
    from desk.views import ReplyView

LOOP_SECONDS = 2.0


def add_parser(sub: Any) -> None:
    """The ``outbox`` command and its subcommands."""
    ob = sub.add_parser("outbox", help="replies on their way to live platforms (undo, resolve)")
    ob_sub = ob.add_subparsers(dest="outbox_command", metavar="SUBCOMMAND")
    ls = ob_sub.add_parser("list", help="queued, sending and unknown replies")
    ls.add_argument("--json", action="store_true")
    run = ob_sub.add_parser("run", help="post the replies that are due, reconciling first")
    run.add_argument("--loop", action="store_true", help="keep running (Ctrl-C stops)")
    run.add_argument("--json", action="store_true")
    cancel = ob_sub.add_parser("cancel", help="take a queued reply back during its undo window")
    cancel.add_argument("id", type=int)
    res = ob_sub.add_parser("resolve", help="settle a reply whose delivery is unknown (supervisor)")
    res.add_argument("id", type=int)
    how = res.add_mutually_exclusive_group(required=True)
    how.add_argument("--posted", metavar="REMOTE_ID", help="it is on the platform with this id")
    how.add_argument("--not-posted", action="store_true", help="it is not there: queue it again")
    ob.add_argument("--json", action="store_true")


def _line(reply: ReplyView) -> str:
    extra = ""
    if reply.status == ReplyStatus.QUEUED and reply.send_after:
        extra = f" (after {reply.send_after.astimezone():%H:%M:%S})"
    if reply.error:
        extra += f" — {clean(reply.error)}"
    return f"{reply.id:>6}  #{reply.mention_id:<6} {reply.status:<8} {reply.author}{extra}"


def run(desk: Desk, args: argparse.Namespace) -> int:
    """Dispatch ``desk outbox``."""
    what = args.outbox_command or "list"
    if what == "list":
        replies = desk.outbox.listing()
        if args.json:
            print(json.dumps([r.to_json() for r in replies], ensure_ascii=False, indent=2))
        else:
            for reply in replies:
                print(_line(reply))
            if not replies:
                print("the live outbox is empty")
        return 0
    if what == "cancel":
        reply = desk.outbox.cancel(args.id)
        print(f"reply {reply.id} cancelled: nothing was posted")
        return 0
    if what == "resolve":
        reply = desk.outbox.resolve(args.id, posted_as=args.posted)
        print(f"reply {reply.id} is now {reply.status}")
        return 0
    if what == "run":
        return _run(desk, loop=args.loop, as_json=args.json)
    raise InputError(f"unknown outbox command {what!r}")  # pragma: no cover - argparse refuses


def _print_report(report: OutboxReport, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.to_json()))
        return
    for label, ids in (
        ("sent", report.sent),
        ("failed", report.failed),
        ("unknown (a supervisor decides)", report.unknown),
        ("queued again", report.requeued),
    ):
        if ids:
            print(f"{label}: {', '.join(map(str, ids))}")
    if report.waiting:
        print(f"{report.waiting} reply(ies) still in their undo window")


@contextlib.asynccontextmanager
async def _connected(desk: Desk) -> AsyncIterator[None]:
    """The desk's outbox with a connector per live channel for this command, closed after."""
    from desk.channels.connect import ConnectorPool

    pool = ConnectorPool(desk.config.channel)
    desk.outbox.connect = pool.connect
    try:
        yield
    finally:
        await pool.aclose()


def _run(desk: Desk, *, loop: bool, as_json: bool) -> int:
    async def go() -> int:
        async with _connected(desk):
            if not loop:
                report = await desk.outbox.run_once()
                _print_report(report, as_json)
                return 1 if report.failed or report.unknown else 0

            def show(report: OutboxReport) -> None:
                if report.sent or report.failed or report.unknown:
                    _print_report(report, as_json)

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
    """For ``desk reply``: wait out the undo window (Ctrl-C cancels), then post this reply."""
    live = not quiet and sys.stderr.isatty()  # a countdown on a terminal, one line elsewhere
    if not quiet and not live and reply.send_after:
        left = max(0.0, (reply.send_after - desk.clock()).total_seconds())
        print(f"sending in {left:.0f} s — Ctrl-C cancels", file=sys.stderr, flush=True)
    try:
        while reply.send_after and reply.send_after > desk.clock():
            left = (reply.send_after - desk.clock()).total_seconds()
            if live:
                print(f"\rsending in {left:4.1f} s — Ctrl-C cancels", end="", file=sys.stderr)
            time.sleep(min(0.2, max(left, 0.01)))
    except KeyboardInterrupt:
        if live:
            print(file=sys.stderr)
        return desk.outbox.cancel(reply.id)
    if live:
        print("\r" + " " * 40 + "\r", end="", file=sys.stderr)
    from desk.replies.outbox import fault_point

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
