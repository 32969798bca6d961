"""The live channels from the command line: ``pull`` (once), ``watch`` (until Ctrl-C) and
``channels`` (each channel's health).

Progress goes to stderr, results to stdout; ``--json`` prints plain JSON that never holds a
secret (not even its reference). Error text from platforms and feeds is untrusted: it is shown
through desk.text.safe.clean.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from desk.cli._parser import Commands
from desk.cli._shared import in_zone, plural, print_json
from desk.clock import as_utc
from desk.i18n import Catalog
from desk.text.safe import clean
from desk.views import ImportNote
from desk.vocabulary import ChannelHealth

if TYPE_CHECKING:  # desk.channels.pull loads httpx and tenacity: only when a command here runs
    from desk.bootstrap import Desk
    from desk.channels.status import ChannelReport, ChannelStatus
    from desk.replies.outbox import OutboxReport


def register(commands: Commands) -> None:
    """``pull``, ``watch`` and ``channels``."""
    p = commands.add("pull")
    p.add_argument("--channel", action="append", metavar=p.metavar("name"), help=p.text("channel"))
    p.add_json()
    p.add_argument("--force", action="store_true", help=p.text("force"))
    p.set_defaults(run=pull)
    w = commands.add("watch")
    w.add_argument("--channel", action="append", metavar=w.metavar("name"), help=w.text("channel"))
    w.set_defaults(run=watch)
    c = commands.add("channels")
    c.add_json()
    c.set_defaults(run=channels)


def _line(text: str) -> str:
    return clean(text, one_line=True, max_len=500)


# -- pull --------------------------------------------------------------------------------------


def pull(desk: Desk, args: argparse.Namespace) -> int:
    """Pull once; exit 1 when a channel is in error or failing."""
    catalog = desk.catalog
    service = desk.pull
    if not service.channels and not args.channel:
        print(catalog.t("cli.pull.none"), file=sys.stderr)
        return 0
    reports = service.pull(args.channel, progress=_progress(catalog), force=args.force)
    if args.json:
        print_json([r.to_json() for r in reports])
    else:
        for report in reports:
            for text in _report_lines(report, catalog):
                print(text)
        new = plural(catalog, "cli.count.new", sum(r.new for r in reports))
        failed = plural(catalog, "cli.pull.in_trouble", sum(r.failed for r in reports))
        print(catalog.t("cli.pull.total", new=new, failed=failed))
    return 1 if any(r.failed for r in reports) else 0


def _numbers(report: ChannelReport, catalog: Catalog) -> dict[str, str]:
    """The counts of a pull as words: new mentions, duplicates, pages."""
    return {
        "new": plural(catalog, "cli.count.new", report.new),
        "duplicate": plural(catalog, "cli.count.already", report.duplicate),
        "pages": plural(catalog, "cli.count.pages", report.pages),
    }


def _progress(catalog: Catalog) -> Callable[[ChannelReport], None]:
    def show(report: ChannelReport) -> None:
        if not report.done:
            words = _numbers(report, catalog)
            line = catalog.t("cli.pull.page", channel=report.key, page=report.pages, **words)
            print(line, file=sys.stderr, flush=True)

    return show


def _report_lines(report: ChannelReport, catalog: Catalog) -> list[str]:
    t = catalog.t
    words = _numbers(report, catalog)
    if report.status == ChannelHealth.OK:
        lines = [t("cli.pull.ok", channel=report.key, **words)]
    else:
        status = t(f"cli.health.{report.status}")
        message = _line(report.shown_message(t) or "")
        lines = [t("cli.pull.problem", channel=report.key, status=status, message=message, **words)]
    lines += [
        t("cli.pull.note", note=_line(n.render(catalog) if isinstance(n, ImportNote) else n))
        for n in report.notes
    ]
    lines += [t("cli.pull.warning", note=_line(w)) for w in report.warnings + report.errors]
    return lines


# -- watch -------------------------------------------------------------------------------------


def watch(desk: Desk, args: argparse.Namespace) -> int:
    """Poll until Ctrl-C (or SIGTERM), printing one line per poll; post due replies meanwhile."""
    import asyncio  # 20 ms of start-up: loaded only when this command runs

    from desk.channels.connect import ConnectorPool  # httpx: only once a command goes online

    catalog = desk.catalog
    service = desk.pull
    chosen = [c for c in service.select(args.channel) if c.enabled]
    names = ", ".join(c.key for c in chosen)

    def show(report: ChannelReport) -> None:
        now = as_utc(desk.clock()).astimezone(desk.config.hours.calendar().tz)
        print(_watch_line(report, catalog, now), flush=True)

    def outbox_line(report: OutboxReport) -> None:
        for state, ids in (
            ("sent", report.sent),
            ("failed", report.failed),
            ("unknown", report.unknown),
        ):
            if ids:
                print(
                    catalog.t(f"cli.watch.outbox.{state}", ids=", ".join(map(str, ids))), flush=True
                )

    def outbox_error(exc: Exception) -> None:
        message = clean(str(exc), one_line=True, max_len=300)
        print(
            catalog.t("cli.watch.outbox.error", kind=type(exc).__name__, message=message),
            file=sys.stderr,
            flush=True,
        )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):  # not on this platform/thread
                pass
        print(catalog.t("cli.watch.start", channels=names or "-"), file=sys.stderr, flush=True)
        # one pool for pulling and for the outbox: replies queued by any desk go out from here
        pool = ConnectorPool(desk.config.channel, transport=service.transport)
        service.pool = pool
        desk.outbox.connect = pool.connect
        drain = asyncio.create_task(
            desk.outbox.run_forever(stop, outbox_line, on_error=outbox_error)
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
    print(catalog.t("cli.watch.stopped"), file=sys.stderr)
    return 0


def _watch_line(report: ChannelReport, catalog: Catalog, now: datetime) -> str:
    words = _numbers(report, catalog)
    status = catalog.t(f"cli.health.{report.status}")
    line = catalog.t(
        "cli.watch.line", time=f"{now:%H:%M:%S}", channel=report.key, status=status, **words
    )
    if report.message and report.status != ChannelHealth.OK:
        line += f" — {_line(report.shown_message(catalog.t) or '')}"
    return line


# -- channels ----------------------------------------------------------------------------------


def channels(desk: Desk, args: argparse.Namespace) -> int:
    """Every configured channel and how it is doing."""
    rows = desk.pull.status()
    if args.json:
        print_json([r.to_json() for r in rows])
        return 0
    if not rows:
        print(desk.catalog.t("cli.pull.none"))
        return 0
    now = desk.clock()
    zone = desk.config.hours.calendar().tz
    for row in rows:
        for text in _status_lines(row, now, desk.catalog.t, zone):
            print(text)
    return 0


def _status_lines(
    row: ChannelStatus, now: datetime, t: Callable[..., str], zone: tzinfo
) -> list[str]:
    def _when(moment: datetime | None, t: Callable[..., str]) -> str:
        """In the desk's zone, labelled (``2026-11-12 09:03:05 EST``)."""
        if moment is None:
            return t("cli.channels.never")
        return in_zone(moment, zone, seconds=True)

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
