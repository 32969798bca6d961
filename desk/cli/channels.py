"""CLI commands for the live channels: ``desk pull``, ``desk watch``, ``desk channels``.

Progress goes to stderr, results to stdout; ``--json`` prints plain JSON that never holds a
secret (not even its reference). Error text from platforms and feeds is untrusted: it is shown
through desk.text.safe.clean.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from desk.text.safe import clean

if TYPE_CHECKING:  # desk.channels.pull loads httpx and tenacity: only when a command here runs
    from desk.bootstrap import Desk
    from desk.channels.pull import PullService
    from desk.channels.status import ChannelReport, ChannelStatus
    from desk.replies.outbox import OutboxReport

COMMANDS = ("pull", "watch", "channels")


def add_parsers(sub: Any) -> None:
    """Add the live-channel commands to the CLI's subparsers."""
    pull = sub.add_parser("pull", help="fetch new mentions from the [[channel]]s of desk.toml once")
    pull.add_argument(
        "--channel",
        action="append",
        metavar="NAME",
        help="only this channel (name or platform:name); repeat for several",
    )
    pull.add_argument("--json", action="store_true", help="print one report per channel as JSON")
    pull.add_argument(
        "--force", action="store_true", help="pull even channels whose circuit is open"
    )
    watch = sub.add_parser("watch", help="pull each channel at its interval until Ctrl-C")
    watch.add_argument("--channel", action="append", metavar="NAME", help="only this channel")
    channels = sub.add_parser(
        "channels", help="the live channels: last success and error, cursor, rate limit, circuit"
    )
    channels.add_argument("--json", action="store_true")


def run(desk: Desk, args: argparse.Namespace) -> int:
    """Run one of COMMANDS on the open desk."""
    from desk.channels.pull import pull_service

    service = pull_service(desk)
    if args.command == "pull":
        return pull(desk, service, args)
    if args.command == "watch":
        return watch(desk, service, args)
    return channels(desk, service, args)


def _line(text: str) -> str:
    return clean(text, one_line=True, max_len=500)


def pull(desk: Desk, service: PullService, args: argparse.Namespace) -> int:
    """Pull once; exit 1 when a channel is in error or failing."""
    t = desk.catalog.t
    if not service.channels and not args.channel:
        print(t("cli.pull.none"), file=sys.stderr)
        return 0
    reports = service.pull(args.channel, progress=_progress(t), force=args.force)
    if args.json:
        print(json.dumps([r.to_json() for r in reports], ensure_ascii=False))
    else:
        for report in reports:
            for text in _report_lines(report, t):
                print(text)
        print(
            t(
                "cli.pull.total",
                new=sum(r.new for r in reports),
                failed=sum(r.failed for r in reports),
            )
        )
    return 1 if any(r.failed for r in reports) else 0


def _progress(t: Callable[..., str]) -> Callable[[ChannelReport], None]:
    def show(report: ChannelReport) -> None:
        if not report.done:
            print(
                t(
                    "cli.pull.page",
                    channel=report.key,
                    page=report.pages,
                    new=report.new,
                    duplicate=report.duplicate,
                ),
                file=sys.stderr,
                flush=True,
            )

    return show


def _report_lines(report: ChannelReport, t: Callable[..., str]) -> list[str]:
    status = t(f"cli.health.{report.status}")
    if report.status == "ok":
        lines = [
            t(
                "cli.pull.ok",
                channel=report.key,
                new=report.new,
                duplicate=report.duplicate,
                pages=report.pages,
            )
        ]
    else:
        lines = [
            t(
                "cli.pull.problem",
                channel=report.key,
                status=status,
                message=_line(report.message or ""),
                new=report.new,
            )
        ]
    lines += [t("cli.pull.note", note=_line(n)) for n in report.notes]
    lines += [t("cli.pull.warning", note=_line(w)) for w in report.warnings + report.errors]
    return lines


def watch(desk: Desk, service: PullService, args: argparse.Namespace) -> int:
    """Poll until Ctrl-C (or SIGTERM), printing one line per poll."""
    t = desk.catalog.t
    chosen = [c for c in service.select(args.channel) if c.enabled]
    names = ", ".join(c.key for c in chosen)

    def show(report: ChannelReport) -> None:
        print(_watch_line(report, t, desk.clock()), flush=True)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):  # not on this platform/thread
                pass
        print(t("cli.watch.start", channels=names or "-"), file=sys.stderr, flush=True)
        # one pool for pulling and for the outbox: replies queued by any desk go out from here
        from desk.channels.connect import ConnectorPool

        pool = ConnectorPool(desk.config.channel, transport=service.transport)
        service.pool = pool
        desk.outbox.connect = pool.connect
        drain = asyncio.create_task(
            desk.outbox.run_forever(stop, _print_outbox, on_error=_print_outbox_error)
        )
        try:
            await service.watch(stop, show, args.channel)
        finally:
            stop.set()
            await asyncio.gather(drain, return_exceptions=True)
            await pool.aclose()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    print(t("cli.watch.stopped"), file=sys.stderr)
    return 0


def _print_outbox(report: OutboxReport) -> None:
    """``desk watch``'s line for replies it posted (or could not)."""
    for label, ids in (
        ("sent", report.sent),
        ("failed", report.failed),
        ("unknown", report.unknown),
    ):
        if ids:
            print(f"outbox: {label} {', '.join(map(str, ids))}", flush=True)


def _print_outbox_error(exc: Exception) -> None:
    print(f"outbox: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)


def _watch_line(report: ChannelReport, t: Callable[..., str], now: datetime) -> str:
    line = t(
        "cli.watch.line",
        time=f"{now:%H:%M:%S}",
        channel=report.key,
        status=t(f"cli.health.{report.status}"),
        new=report.new,
        duplicate=report.duplicate,
    )
    if report.message and report.status != "ok":
        line += f" — {_line(report.message)}"
    return line


def channels(desk: Desk, service: PullService, args: argparse.Namespace) -> int:
    """Every configured channel and how it is doing."""
    t = desk.catalog.t
    rows = service.status()
    if args.json:
        print(json.dumps([r.to_json() for r in rows], ensure_ascii=False))
        return 0
    if not rows:
        print(t("cli.pull.none"))
        return 0
    now = desk.clock()
    for row in rows:
        for text in _status_lines(row, now, t):
            print(text)
    return 0


def _when(moment: datetime | None, t: Callable[..., str]) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment else t("cli.channels.never")


def _status_lines(row: ChannelStatus, now: datetime, t: Callable[..., str]) -> list[str]:
    lines = [
        t(
            "cli.channels.title",
            channel=row.key,
            enabled=t("cli.channels.on" if row.enabled else "cli.channels.off"),
            health=t(f"cli.health.{row.health}"),
        ),
        t("cli.channels.success", when=_when(row.last_success_at, t)),
    ]
    if row.last_error_at:
        lines.append(
            t(
                "cli.channels.error",
                when=_when(row.last_error_at, t),
                message=_line(row.last_error or ""),
                failures=row.consecutive_failures,
            )
        )
    lines.append(t("cli.channels.cursor", cursor=_line(row.cursor or "-")))
    if row.rate_limit:
        rate = row.rate_limit
        lines.append(
            t(
                "cli.channels.rate",
                remaining="?" if rate.get("remaining") is None else rate["remaining"],
                limit="?" if rate.get("limit") is None else rate["limit"],
                reset=_line(str(rate.get("reset_at") or "-")),
            )
        )
    if row.circuit_open(now):
        lines.append(t("cli.channels.circuit_open", when=_when(row.circuit_until, t)))
    else:
        lines.append(t("cli.channels.circuit_closed"))
    lines.append(t("cli.channels.counts", last=row.last_new, total=row.total_new))
    return lines
