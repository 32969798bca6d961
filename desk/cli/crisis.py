"""``desk crisis``: surges, clusters, and one approved correction to many.

desk crisis surges [--since D] [--until D] [--sensitivity high|normal|low] [--json]
desk crisis clusters [--since D] [--all] [--min-size N] [--json]
desk crisis answer [CLUSTER] (--answer NAME) [--ids N,M | --filter PATTERNS] [--yes] [--json]
desk crisis alert [--json] | ack TOPIC@START
desk crisis start --reason TEXT | stop | status [--json] | report [--json]

``answer`` plans first (desk.crisis.plan: who the correction may go to, each skip with its
reason), shows the count and asks (``--yes`` for a script), then sends one signed reply per
mention through ReplyService (approval policy, one-voice guard, outbox, audit), exactly once
each: run again after an interruption, it skips what was already answered.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from desk.cli._parser import Commands
from desk.cli._shared import plural, print_json, refused
from desk.clock import as_utc
from desk.crisis.surge import sparkline
from desk.errors import ActionRefused
from desk.text.safe import clean

if TYPE_CHECKING:
    from desk.bootstrap import Desk
    from desk.crisis.plan import Skip
    from desk.crisis.service import AnswerReport

SHOWN_SKIPS = 50


def register(commands: Commands) -> None:
    """``crisis surges``, ``clusters``, ``answer``, ``alert``, ``ack``, ``start``, ``stop``,
    ``status`` and ``report``."""
    c = commands.add("crisis")
    sub = c.commands("crisis_command", required=True)

    s = sub.add("surges")
    s.add_argument("--since", type=s.types.day, metavar=s.metavar("day"), help=s.text("since"))
    s.add_argument("--until", type=s.types.day, metavar=s.metavar("day"), help=s.text("until"))
    s.add_argument(
        "--sensitivity",
        choices=["high", "normal", "low"],
        default="normal",
        help=s.text("sensitivity"),
    )
    s.add_json()
    s.set_defaults(run=surges)

    k = sub.add("clusters")
    k.add_argument("--since", type=k.types.day, metavar=k.metavar("day"), help=k.text("since"))
    k.add_argument("--all", action="store_true", help=k.text("all"))
    k.add_argument(
        "--min-size", type=k.types.positive, default=2, metavar="N", help=k.text("min_size")
    )
    k.add_json()
    k.set_defaults(run=clusters)

    a = sub.add("answer")
    a.add_argument(
        "cluster", type=int, nargs="?", metavar=a.metavar("cluster"), help=a.text("cluster")
    )
    a.add_argument("--answer", required=True, metavar=a.metavar("name"), help=a.text("answer"))
    chosen = a.add_mutually_exclusive_group()
    chosen.add_argument("--ids", metavar="N,M", help=a.text("ids"))
    chosen.add_argument("--filter", metavar=a.metavar("patterns"), help=a.text("filter"))
    a.add_argument("--yes", action="store_true", help=a.text("yes"))
    a.add_json()
    a.set_defaults(run=answer)

    al = sub.add("alert")
    al.add_json()
    al.set_defaults(run=alert)

    ack = sub.add("ack")
    ack.add_argument("key", metavar="TOPIC@START", help=ack.text("key"))
    ack.set_defaults(run=acknowledge)

    st = sub.add("start")
    st.add_argument("--reason", required=True, metavar=st.metavar("text"), help=st.text("reason"))
    st.set_defaults(run=start)

    sub.add("stop").set_defaults(run=stop)

    status_ = sub.add("status")
    status_.add_json()
    status_.set_defaults(run=status)

    rep = sub.add("report")
    rep.add_json()
    rep.set_defaults(run=report)


def _day(day: date | None, desk: Desk, *, after: bool = False) -> datetime | None:
    if day is None:
        return None
    zone = desk.config.hours.calendar().tz
    start = datetime.combine(day + timedelta(days=1 if after else 0), time.min, tzinfo=zone)
    return as_utc(start)


def _local(desk: Desk, moment: datetime) -> str:
    return f"{desk.config.hours.calendar().local(moment):%Y-%m-%d %H:%M}"


def surges(desk: Desk, args: argparse.Namespace) -> int:
    """Surges per topic, oldest first."""
    found = desk.crisis.surges(
        since=_day(args.since, desk),
        until=_day(args.until, desk, after=True),
        sensitivity=args.sensitivity,
    )
    if args.json:
        print_json([s.to_json() for s in found])
        return 0
    t = desk.catalog.t
    for s in found:
        print(
            t(
                "cli.crisis.surge",
                topic=clean(s.topic, one_line=True, max_len=60),
                start=_local(desk, s.start),
                end=_local(desk, s.end),
                total=s.total,
                usual=f"{s.usual:.1f}",
                peak=s.peak,
                baseline=f"{s.baseline:.1f}",
            )
        )
        print("  " + sparkline(s.sparkline))
    print(plural(desk.catalog, "cli.crisis.surges", len(found)))
    return 0


def clusters(desk: Desk, args: argparse.Namespace) -> int:
    """Open mentions that say the same thing, largest group first."""
    found = desk.crisis.clusters(
        since=_day(args.since, desk), open_only=not args.all, min_size=args.min_size
    )
    if args.json:
        print_json([c.to_json() for c in found])
        return 0
    t = desk.catalog.t
    for c in found:
        languages = ", ".join(f"{lang} {n}" for lang, n in c.languages)
        print(
            t(
                "cli.crisis.cluster",
                id=c.id,
                size=c.size,
                authors=c.authors,
                languages=languages,
                growth=f"{c.growth:+d}",
                first=_local(desk, c.first_seen),
            )
        )
        print("  " + clean(c.representative, one_line=True, max_len=120))
        words = ", ".join(w for w, _ in c.top_words)
        if words:
            print("  " + t("cli.crisis.words", words=words))
        for link, n in c.top_links[:3]:
            print("  " + t("cli.crisis.link", link=clean(link, one_line=True, max_len=100), n=n))
    print(plural(desk.catalog, "cli.crisis.clusters", len(found)))
    return 0


def _targets(desk: Desk, args: argparse.Namespace) -> list[int]:
    if args.cluster is not None:
        if args.ids is not None or args.filter is not None:
            raise refused(desk.catalog, "crisis_one_selection")
        return list(desk.crisis.cluster(args.cluster).mention_ids)
    if args.ids is None and args.filter is None:
        raise refused(desk.catalog, "crisis_one_selection")
    from desk.cli.bulk import selected

    args.search = None
    args.view = "open"
    return selected(desk, args)


def _why(desk: Desk, skip: Skip, report: AnswerReport | None) -> str:
    t = desk.catalog.t
    if report is not None and skip.mention_id in report.params:
        return clean(t(f"errors.{skip.reason}", **report.params[skip.mention_id]))
    return t(f"errors.crisis_skip_{skip.reason}")


def _confirmed(desk: Desk, args: argparse.Namespace, count: int) -> bool:
    if args.yes:
        return True
    t = desk.catalog.t
    if not sys.stdin.isatty():
        raise ActionRefused(
            t("cli.crisis.confirm_needed", n=count), t("cli.crisis.confirm_needed_hint")
        )
    answer = input(plural(desk.catalog, "cli.crisis.confirm", count, answer=args.answer) + " ")
    return answer.strip().lower() in (t("cli.bulk.yes"), "y", "yes", "o", "oui")


def answer(desk: Desk, args: argparse.Namespace) -> int:
    """Plan, confirm with the count, then send one signed reply per mention."""
    ids = _targets(desk, args)
    chosen = desk.crisis.plan(ids, args.answer)
    t = desk.catalog.t
    if not args.json:
        per = ", ".join(f"{p} {n}" for p, n in sorted(chosen.per_platform().items()))
        print(plural(desk.catalog, "cli.crisis.planned", len(chosen.send), platforms=per or "-"))
        for skip in chosen.skipped[:SHOWN_SKIPS]:
            print("  " + t("cli.bulk.skipped", id=skip.mention_id, why=_why(desk, skip, None)))
    if not chosen.send:
        if args.json:
            print_json(_json(chosen.skipped, None))
        return 1 if chosen.skipped else 0
    if not _confirmed(desk, args, len(chosen.send)):
        print(t("cli.bulk.cancelled"))
        return 1

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            end = "\n" if done >= total else ""
            print(f"\r[{done}/{total}]", end=end, file=sys.stderr, flush=True)

    report = desk.crisis.answer(chosen, args.answer, progress=progress)
    if args.json:
        print_json(_json(report.skipped, report))
        return 1 if report.skipped else 0
    statuses = list(report.statuses.values())
    print(
        plural(
            desk.catalog,
            "cli.crisis.sent",
            len(report.sent),
            waiting=statuses.count("pending_approval"),
            queued=statuses.count("queued"),
        )
    )
    late = [s for s in report.skipped if s.mention_id in report.params]
    for skip in late[:SHOWN_SKIPS]:
        print("  " + t("cli.bulk.skipped", id=skip.mention_id, why=_why(desk, skip, report)))
    return 1 if report.skipped else 0


def _json(skipped: list[Skip], report: AnswerReport | None) -> dict[str, object]:
    sent = report.sent if report else {}
    statuses = report.statuses if report else {}
    return {
        "answer": report.answer if report else None,
        "sent": [{"mention_id": m, "reply_id": r, "status": statuses[m]} for m, r in sent.items()],
        "skipped": [
            {
                "id": s.mention_id,
                "reason": s.reason,
                **(report.params.get(s.mention_id, {}) if report else {}),
            }
            for s in skipped
        ],
    }


def alert(desk: Desk, args: argparse.Namespace) -> int:
    """Send the alerts due now; exit 1 when a contact could not be reached."""
    outcomes = desk.crisis.alert()
    if args.json:
        print_json([o.to_json() for o in outcomes])
    else:
        t = desk.catalog.t
        for o in outcomes:
            delivered = ", ".join(
                d.contact if d.ok else f"{d.contact} ({clean(d.error, one_line=True)})"
                for d in o.deliveries
            )
            print(
                t(
                    "cli.crisis.alerted",
                    surge=clean(o.key, one_line=True),
                    level=o.level,
                    person=o.person,
                    delivered=delivered or "-",
                )
            )
        if not outcomes:
            print(t("cli.crisis.no_alert"))
    failed = any(not d.ok for o in outcomes for d in o.deliveries)
    return 1 if failed or any(not o.deliveries for o in outcomes) else 0


def acknowledge(desk: Desk, args: argparse.Namespace) -> int:
    """Acknowledge one surge's alert."""
    desk.crisis.acknowledge(args.key)
    key = clean(args.key, one_line=True)
    print(desk.catalog.t("cli.crisis.acknowledged", surge=key, person=desk.me.name))
    return 0


def start(desk: Desk, args: argparse.Namespace) -> int:
    """Declare a crisis (supervisors)."""
    declared = desk.crisis_state.start(args.reason)
    t = desk.catalog.t
    print(
        t(
            "cli.crisis.started",
            at=_local(desk, declared.since),
            by=declared.by,
            reason=clean(declared.reason, one_line=True),
        )
    )
    if desk.approval_policy().approval.crisis_free_text:  # the recorded crisis policy, in force
        print(t("cli.crisis.started_policy"))
    return 0


def stop(desk: Desk, args: argparse.Namespace) -> int:
    """End the declared crisis (supervisors)."""
    ended = desk.crisis_state.stop()
    print(
        desk.catalog.t(
            "cli.crisis.ended",
            at=_local(desk, ended.end(ended.since)),
            by=ended.stopped_by or "",
            since=_local(desk, ended.since),
        )
    )
    return 0


def status(desk: Desk, args: argparse.Namespace) -> int:
    """Whether a crisis is declared, and the surges going on; exit 0 either way."""
    found = desk.crisis_state.status()
    if args.json:
        print_json(found.to_json())
        return 0
    t = desk.catalog.t
    last = found.declaration
    if last is not None and last.declared:
        print(
            t(
                "cli.crisis.status_on",
                since=_local(desk, last.since),
                by=last.by,
                reason=clean(last.reason, one_line=True),
            )
        )
    else:
        print(t("cli.crisis.status_off"))
        if last is not None:
            print(
                t(
                    "cli.crisis.status_last",
                    since=_local(desk, last.since),
                    until=_local(desk, last.end(last.since)),
                    reason=clean(last.reason, one_line=True),
                )
            )
    for s in found.surges:
        print(
            t(
                "cli.crisis.status_surge",
                topic=clean(s.topic, one_line=True, max_len=60),
                total=s.total,
                usual=f"{s.usual:.1f}",
                start=_local(desk, s.start),
            )
            + "  "
            + sparkline(s.sparkline)
        )
    if not found.surges:
        print(t("cli.crisis.status_no_surge"))
    return 0


def report(desk: Desk, args: argparse.Namespace) -> int:
    """The report of the current (or last) crisis: JSON, or plain text."""
    from desk.crisis.report import render

    found = desk.crisis_report.report()
    if args.json:
        print_json(found.to_json())
        return 0
    for line in render(found, desk.catalog, desk.config.hours.calendar()):
        print(line)
    return 0
