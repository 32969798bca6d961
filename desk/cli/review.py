"""The supervisor's review commands: replies, approvals, the answer library, reports, extracts,
purge and the audit trail (verify, verify-extract, log, timeline).

Each takes the open Desk and the parsed arguments, prints, and returns the exit status, like the
commands in desk.cli.commands (whose ``_json`` they share). Human output is sanitised
(desk.text.safe.clean); ``--json`` prints machine-readable JSON instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, time, timedelta

from desk.audit.export import verify_extract
from desk.audit.timeline import text_lines
from desk.bootstrap import Desk
from desk.cli.commands import _json
from desk.clock import as_utc
from desk.db.store import AuditFilter, ReplyFilter
from desk.errors import InputError
from desk.queries import day_bounds
from desk.reports import duration
from desk.text.safe import clean
from desk.vocabulary import ReplyStatus


def _answer_show(desk: Desk, name: str, *, as_json: bool) -> int:
    versions = desk.answers.versions(name)
    if as_json:
        _json([a.to_json() for a in versions])
        return 0
    today = desk.answers.today()
    for a in versions:
        flags = [f"v{a.version}"]
        if not a.active:
            flags.append("RETIRED")
        if a.pre_approved:
            flags.append("pre-approved")
        if a.expires_on:
            flags.append(
                ("EXPIRED " if a.expires_on < today else "until ") + a.expires_on.isoformat()
            )
        if a.source_changed:
            flags.append("source changed since")
        print(f"{a.name} ({a.language}) {' · '.join(flags)}")
        print(f"  title: {clean(a.title, one_line=True, max_len=200)}")
        if a.source_url:
            print(f"  source: {clean(a.source_url, one_line=True, max_len=300)}")
        if a.tags or a.categories:
            tags = clean(", ".join(a.tags), one_line=True, max_len=300)
            print(f"  tags: {tags or '-'} · categories: {', '.join(a.categories) or '-'}")
        when = a.updated_at.date().isoformat() if a.updated_at else "?"
        print(f"  last change: {clean(a.updated_by, one_line=True)} on {when}")
        for line in clean(a.body).splitlines():
            print(f"  | {line}")
        print()
    return 0


def cmd_answers(desk: Desk, args: argparse.Namespace) -> int:
    """``answers list|show|import|export|suggest|retire``."""
    command = args.answers_command
    if command == "show":
        return _answer_show(desk, args.name, as_json=args.json)
    if command == "retire":
        for a in desk.answers.retire_named(args.name, args.language):
            print(f"retired {a.name} ({a.language}, v{a.version}); replies already sent keep it")
        return 0
    if command == "import":
        created, updated, unchanged = desk.answers.import_file(args.file)
        print(f"{args.file}: {created} new, {updated} updated, {unchanged} unchanged")
        return 0
    if command == "export":
        sys.stdout.write(desk.answers.export_toml())
        return 0
    if command == "suggest":
        found = desk.answers.suggest(args.id)
        if args.json:
            _json(
                [
                    {
                        **s.answer.to_json(),
                        "text": s.text,
                        "score": round(s.score, 1),
                        "why": list(s.why),
                    }
                    for s in found
                ]
            )
            return 0
        for s in found:
            marks = " [pre-approved]" if s.answer.pre_approved else ""
            marks += " [source changed since]" if s.answer.source_changed else ""
            print(
                f"{s.answer.name} ({s.answer.language}, v{s.answer.version}){marks} — {', '.join(s.why)}"
            )
            print(f"  {clean(s.text, one_line=True, max_len=300)}")
        if not found:
            print("no answer fits this mention")
        return 0
    answers = desk.answers.list()
    if args.json:
        _json([a.to_json() for a in answers])
        return 0
    today = desk.answers.today()
    for a in answers:
        flags = []
        if a.pre_approved:
            flags.append("pre-approved")
        if a.expires_on:
            flags.append(
                ("EXPIRED " if a.expires_on < today else "until ") + a.expires_on.isoformat()
            )
        if a.source_changed:
            flags.append("source changed since")
        print(
            f"{a.name:<28} {a.language} v{a.version:<3} {clean(a.title, one_line=True, max_len=50)}  {' · '.join(flags)}"
        )
    return 0


def _bars(counts: dict[str, int], width: int = 30) -> list[str]:
    top = max(counts.values(), default=0) or 1
    return [
        f"  {clean(k, one_line=True, max_len=30):<30} {v:>6}  {'█' * max(1, round(v / top * width)) if v else ''}"
        for k, v in counts.items()
    ]


def cmd_export(desk: Desk, args: argparse.Namespace) -> int:
    """Write an extract and say what is in it."""
    manifest = desk.exports.export(
        args.since, args.until, fmt=args.format, out=args.out, staff=args.staff
    )
    counts = manifest["counts"]
    print(
        f"{args.out}: {counts['mentions']} mentions, {counts['replies']} replies, "
        f"{counts['audit_events']} audit events; chain head #{manifest['chain_head']['seq']} "
        f"{manifest['chain_head']['hash']}"
    )
    return 0


def cmd_purge(desk: Desk, args: argparse.Namespace) -> int:
    """Remove (or with --dry-run, list) what the retention cutoff lets go."""
    cutoff = desk.retention.cutoff(args.before)
    report = desk.retention.plan(cutoff) if args.dry_run else desk.retention.purge(cutoff)
    if args.json:
        _json(report.to_json())
        return 0
    zone = desk.config.hours.calendar().tz
    verb, starts = (
        ("would remove", "would then start") if args.dry_run else ("removed", "now starts")
    )
    print(
        f"{verb} (cutoff {report.cutoff.astimezone(zone):%Y-%m-%d %H:%M %Z}): "
        f"{report.mentions} mentions, {report.replies} replies, {report.outbox} outbox entries, "
        f"{report.audit_events} audit events"
    )
    if report.anchor is not None:
        print(f"the audit trail {starts} after seq {report.anchor[0]} (hash {report.anchor[1]})")
    print(
        f"kept although older: {report.kept_open} open, {report.kept_unfinished} with a reply "
        f"in progress, {report.kept_recent} with activity after the cutoff"
    )
    if report.audit_held_by is not None:
        print(
            f"the audit trail is held back at the history of mention #{report.audit_held_by}, "
            "which is kept"
        )
    return 0


def cmd_report(desk: Desk, args: argparse.Namespace) -> int:
    """The supervisor's report for a period."""
    data = desk.reports.report(args.since, args.until)
    if args.json:
        _json(data)
        return 0
    period = data["period"]
    print(
        f"report {period['since'][:10]} → {period['until'][:10]} ({period['timezone']}): {data['mentions']} mentions"
    )
    for title, key in (
        ("by category", "by_category"),
        ("by channel", "by_channel"),
        ("by day", "by_day"),
    ):
        print(f"\n{title}:")
        print("\n".join(_bars(data["volume"][key])) or "  —")
    first = data["first_response_seconds"]
    print(
        f"\nfirst response: median {duration(first['all']['median'])}, p90 {duration(first['all']['p90'])} ({first['all']['count']} answered)"
    )
    for group in ("by_person", "by_category"):
        for name, stats in first[group].items():
            print(
                f"  {name:<14} median {duration(stats['median']):>8}  p90 {duration(stats['p90']):>8}  n={stats['count']}"
            )
    approval = data["approval_delay_seconds"]
    print(
        f"\napproval delay: median {duration(approval['median'])}, p90 {duration(approval['p90'])} ({approval['count']} decided, {approval['waiting_now']} waiting)"
    )
    backlog = data["backlog"]
    print(
        f"backlog: {backlog['open']} open, median age {duration(backlog['age_seconds']['median'])}, oldest {duration(backlog['age_seconds']['max'])}"
    )
    share = data["answered_share"]
    print(f"answered: {share:.0%} of the non-spam mentions" if share is not None else "answered: —")
    if data["answers_used"]:
        print("answers used most:")
        for used in data["answers_used"]:
            print(f"  {used['name']} ({used['language']}): {used['replies']}")
    return 0


def cmd_approvals(desk: Desk, args: argparse.Namespace) -> int:
    """Replies waiting for approval, oldest first."""
    pending = desk.approvals.pending()
    if args.json:
        _json([p.to_json() for p in pending])
        return 0
    for p in pending:
        r = p.reply
        waited = f"{r.submitted_at:%Y-%m-%d %H:%M}" if r.submitted_at else "?"
        print(
            f"reply {r.id} to #{r.mention_id} by {r.author} since {waited} "
            f"({', '.join(r.approval_reasons)})"
        )
        print(f"  mention: {clean(p.mention_text, one_line=True, max_len=100)}")
        print(f"  reply:   {clean(r.text, one_line=True, max_len=200)}")
    print(f"({len(pending)} waiting)")
    return 0


def cmd_approve(desk: Desk, args: argparse.Namespace) -> int:
    """Approve and send."""
    reply = desk.approvals.approve(args.reply_id, text=args.text, note=args.note)
    if reply.status == ReplyStatus.QUEUED:  # a live channel: the undo window, then the platform
        from desk.cli.outbox import send_after_undo

        reply = send_after_undo(desk, reply)
    print(f"reply {reply.id} approved and {reply.status}:\n{clean(reply.text)}")
    return 0 if reply.status in (ReplyStatus.SENT, ReplyStatus.SENT_OFFLINE) else 1


def cmd_reject(desk: Desk, args: argparse.Namespace) -> int:
    """Refuse, with a note."""
    reply = desk.approvals.reject(args.reply_id, args.note)
    print(f"reply {reply.id} rejected; {reply.author} will see: {clean(args.note, one_line=True)}")
    return 0


def cmd_replies(desk: Desk, args: argparse.Namespace) -> int:
    """Replies, newest first, filtered."""
    calendar = desk.config.hours.calendar()

    def bound(day: date | None, after: bool) -> datetime | None:
        if day is None:
            return None
        start = datetime.combine(
            day + timedelta(days=1 if after else 0), time.min, tzinfo=calendar.tz
        )
        return as_utc(start)

    flt = ReplyFilter(
        author=args.staff,
        category=args.category,
        channel=args.channel,
        since=bound(args.since, False),
        until=bound(args.until, True),
        search=args.search,
    )
    if args.search is not None and not args.search.strip():
        raise InputError("--search needs at least one word")
    replies = desk.queries.replies(flt=flt, limit=args.limit)
    if args.json:
        _json([r.to_json() for r in replies])
        return 0
    for r in replies:
        print(
            f"{r.created_at:%Y-%m-%d %H:%M} {r.author:<8} #{r.mention_id:<6} [{r.status}] {clean(r.text, one_line=True, max_len=100)}"
        )
    return 0


def cmd_audit(desk: Desk, args: argparse.Namespace) -> int:
    """``audit verify`` and ``audit log``."""
    if args.audit_command == "verify-extract":
        ok, checked, problems = verify_extract(args.path)
        for problem in problems:
            print(f"  {clean(problem, one_line=True)}", file=sys.stderr)
        print(f"extract {'intact' if ok else 'ALTERED'}: {checked} audit events checked")
        return 0 if ok else 1
    if args.audit_command == "verify":
        result = desk.queries.verify_audit(args.head)
        if result.ok:
            anchor = (
                f" after the purge anchor at seq {result.start_seq}" if result.start_seq else ""
            )
            print(f"audit chain intact: {result.checked} events{anchor}, head {result.head}")
            return 0
        where = (
            f" at event seq {result.bad_seq} (row id {result.bad_id})"
            if result.bad_seq is not None
            else ""
        )
        print(f"audit chain BROKEN{where}: {result.reason}", file=sys.stderr)
        return 1
    if args.audit_command == "timeline":
        return _audit_timeline(desk, args)
    tz = desk.config.hours.calendar().tz
    since, until = day_bounds(tz, args.since, args.until)
    flt = AuditFilter(
        mention_id=args.mention,
        actor=args.staff,
        actions=tuple(a.strip() for a in args.action or () if a.strip()),
        since=since,
        until=until,
    )
    events = desk.queries.audit_log(flt=flt, limit=args.limit)
    if args.json:
        _json([e.to_json() for e in events])
        return 0
    for e in events:
        target = f"#{e.mention_id}" if e.mention_id else ""
        print(
            f"{e.seq:>6} {e.at:%Y-%m-%d %H:%M:%S} {clean(e.actor, one_line=True, max_len=30):<10} "
            f"{clean(e.action, one_line=True, max_len=40):<20} {target:<7} "
            f"{clean(json.dumps(e.data, ensure_ascii=False), one_line=True, max_len=100)}"
        )
    return 0


def _audit_timeline(desk: Desk, args: argparse.Namespace) -> int:
    """``audit timeline ID``: the mention's story, sanitised (``--json``: raw, with sentences)."""
    timeline = desk.queries.timeline(args.id)
    if args.json:
        _json(timeline.to_json(desk.catalog))
        return 0
    calendar = desk.config.hours.calendar()
    for line in text_lines(timeline, desk.catalog, calendar.tz):
        print(clean(line, one_line=True))
    return 0
