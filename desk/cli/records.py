"""The supervisor's records: ``report`` (volume, response times, backlog, and the audit trail's
head to publish), ``export`` (a verifiable extract for a records request) and ``purge`` (the
retention period).

The audit trail itself (``audit verify|verify-extract|checkpoint|keygen|log|timeline``) is in
desk.cli.audit.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desk.cli._parser import Commands
from desk.cli._shared import plural, print_json, stored_word
from desk.cli.audit import line_text
from desk.i18n import Catalog
from desk.text.safe import clean

if TYPE_CHECKING:
    from desk.bootstrap import Desk

BAR_WIDTH = 30


def register(commands: Commands) -> None:
    """``report``, ``export`` and ``purge``."""
    rep = commands.add("report")
    rep.add_argument(
        "--since", type=rep.types.day, metavar=rep.metavar("day"), help=rep.text("since")
    )
    rep.add_argument(
        "--until", type=rep.types.day, metavar=rep.metavar("day"), help=rep.text("until")
    )
    rep.add_argument("--rebuild", action="store_true", help=rep.text("rebuild"))
    rep.add_json()
    rep.set_defaults(run=report)

    ex = commands.add("export")
    day = ex.metavar("day")
    ex.add_argument("--since", type=ex.types.day, required=True, metavar=day, help=ex.text("since"))
    ex.add_argument("--until", type=ex.types.day, required=True, metavar=day, help=ex.text("until"))
    ex.add_argument("--staff", metavar=ex.metavar("staff"), help=ex.text("staff"))
    ex.add_argument("--format", choices=["csv", "jsonl"], default="jsonl", help=ex.text("format"))
    ex.add_argument(
        "--out", type=Path, required=True, metavar=ex.metavar("path"), help=ex.text("out")
    )
    ex.add_argument("--force", action="store_true", help=ex.text("force"))
    ex.set_defaults(run=export)

    pg = commands.add("purge")
    pg.add_argument(
        "--before", type=pg.types.day, metavar=pg.metavar("day"), help=pg.text("before")
    )
    pg.add_argument("--dry-run", action="store_true", help=pg.text("dry_run"))
    pg.add_json()
    pg.set_defaults(run=purge)


# -- report ------------------------------------------------------------------------------------


def _bars(counts: dict[str, int], label: Callable[[str], str] = str) -> list[str]:
    top = max(counts.values(), default=0) or 1
    return [
        f"  {clean(label(k), one_line=True, max_len=30):<30} {v:>6}  "
        + ("█" * max(1, round(v / top * BAR_WIDTH)) if v else "")
        for k, v in counts.items()
    ]


def report(desk: Desk, args: argparse.Namespace) -> int:
    """The supervisor's report for a period (default: the last 30 days); ``--rebuild``:
    recompute its summaries instead."""
    if args.rebuild:
        return rebuild(desk, args)
    data = desk.reports.report(args.since, args.until)
    service = desk.checkpoints
    head_seq, head_hash = service.head()
    last = service.last_line()
    if args.json:
        data["audit"] = {
            "head": {"seq": head_seq, "hash": head_hash},
            "checkpoint": last.to_json() if last else None,
        }
        print_json(data)
        return 0
    t = desk.catalog.t
    period = data["period"]
    print(
        t(
            "cli.report.period",
            since=period["since"][:10],
            until=period["until"][:10],
            timezone=period["timezone"],
            mentions=plural(desk.catalog, "cli.count.mentions", data["mentions"]),
        )
    )
    for key in ("by_category", "by_channel", "by_day"):
        # categories in the reader's language, as the queue says them (the JSON keeps the keys)
        label = partial(stored_word, t, "category") if key == "by_category" else str
        print("\n" + t(f"cli.report.{key}"))
        print("\n".join(_bars(data["volume"][key], label)) or "  —")
    _print_times(data, desk.catalog)
    share = data["answered_share"]
    if share is None:
        print(t("cli.report.answered_none"))
    else:
        print(t("cli.report.answered", percent=f"{share * 100:.0f}"))
    if data["answers_used"]:
        print(t("cli.report.answers_used"))
        for used in data["answers_used"]:
            print(f"  {used['name']} ({used['language']}): {used['replies']}")
    # the head an outsider can hold the organisation to (README: publishing the trail's head)
    print("\n" + t("cli.audit.report_head", seq=head_seq, hash=head_hash))
    if last is not None:
        log = service.log()
        print("  " + line_text(desk.catalog, last, log.path if log else None))
        print("  " + clean(last.raw, one_line=True, max_len=2000))
    else:
        print(t("cli.audit.report_no_checkpoint"))
    return 0


def rebuild(desk: Desk, args: argparse.Namespace) -> int:
    """``desk report --rebuild``: the summary tables recomputed, and what differed."""
    tables = desk.reports.rebuild()
    if args.json:
        print_json({"rebuilt": tables})
        return 0
    catalog = desk.catalog
    print(catalog.t("cli.report.rebuilt"))
    for table, counts in tables.items():
        rows = plural(catalog, "cli.count.summary_rows", counts["rows"])
        differed = plural(catalog, "cli.count.differed", counts["differed"])
        print(catalog.t("cli.report.rebuilt_table", table=table, rows=rows, differed=differed))
    return 0


def _print_times(data: dict[str, Any], catalog: Catalog) -> None:
    """First response (overall, per person, per category), approval delay, backlog."""
    from desk.reports import duration  # the report service's module: only once a command runs

    t = catalog.t
    first = data["first_response_seconds"]
    whole = first["all"]
    print(
        "\n"
        + t(
            "cli.report.first_response",
            median=duration(whole["median"], catalog),
            p90=duration(whole["p90"], catalog),
            answered=whole["count"],
        )
    )
    for group in ("by_person", "by_category"):
        for name, stats in first[group].items():
            if group == "by_category":
                name = stored_word(t, "category", name)
            median, p90 = duration(stats["median"], catalog), duration(stats["p90"], catalog)
            print(
                t(
                    "cli.report.row",
                    name=f"{name:<14}",
                    median=f"{median:>8}",
                    p90=f"{p90:>8}",
                    n=stats["count"],
                )
            )
    approval = data["approval_delay_seconds"]
    print(
        "\n"
        + t(
            "cli.report.approval",
            median=duration(approval["median"], catalog),
            p90=duration(approval["p90"], catalog),
            decided=approval["count"],
            waiting=approval["waiting_now"],
        )
    )
    backlog = data["backlog"]
    print(
        t(
            "cli.report.backlog",
            open=backlog["open"],
            median=duration(backlog["age_seconds"]["median"], catalog),
            oldest=duration(backlog["age_seconds"]["max"], catalog),
        )
    )


# -- export / purge ----------------------------------------------------------------------------


def export(desk: Desk, args: argparse.Namespace) -> int:
    """Write an extract for a records request (supervisors) and say what is in it, where (a
    file, or a folder for CSV) and the head it ends with."""
    done = desk.exports.export(
        args.since,
        args.until,
        fmt=args.format,
        out=args.out,
        staff=args.staff,
        force=args.force,
    )
    counts = done.manifest["counts"]
    catalog = desk.catalog
    print(
        catalog.t(
            "cli.export.folder" if done.folder else "cli.export.file",
            out=clean(str(done.path), one_line=True, max_len=300),
            mentions=plural(catalog, "cli.count.mentions", counts["mentions"]),
            replies=plural(catalog, "cli.count.replies", counts["replies"]),
            events=plural(catalog, "cli.count.events", counts["audit_events"] + 1),
        )
    )
    print(catalog.t("cli.export.head", seq=done.head[0], hash=done.head[1]))
    if done.checkpoint is not None:
        log = desk.checkpoints.log()
        print("  " + line_text(catalog, done.checkpoint, log.path if log else None))
    else:
        print(catalog.t("cli.export.no_checkpoint"))
    return 0


def purge(desk: Desk, args: argparse.Namespace) -> int:
    """Remove (with ``--dry-run``: only list) what the retention cutoff lets go."""
    cutoff = desk.retention.cutoff(args.before)
    done = desk.retention.plan(cutoff) if args.dry_run else desk.retention.purge(cutoff)
    if args.json:
        print_json(done.to_json())
        return 0
    catalog = desk.catalog
    t = catalog.t
    zone = desk.config.hours.calendar().tz
    mode = "plan" if args.dry_run else "done"
    print(
        t(
            f"cli.purge.{mode}",
            cutoff=f"{done.cutoff.astimezone(zone):%Y-%m-%d %H:%M %Z}",
            mentions=plural(catalog, "cli.count.mentions", done.mentions),
            replies=plural(catalog, "cli.count.replies", done.replies),
            outbox=plural(catalog, "cli.count.outbox", done.outbox),
            events=plural(catalog, "cli.count.events", done.audit_events),
        )
    )
    if done.anchor is not None:
        print(t(f"cli.purge.anchor_{mode}", seq=done.anchor[0], hash=done.anchor[1]))
    print(
        t(
            "cli.purge.kept",
            open=done.kept_open,
            unfinished=done.kept_unfinished,
            recent=done.kept_recent,
        )
    )
    if done.audit_held_by is not None:
        print(t("cli.purge.held", id=done.audit_held_by))
    if done.checkpoint is not None:
        log = desk.checkpoints.log()
        print("  " + line_text(catalog, done.checkpoint, log.path if log else None))
    return 0
