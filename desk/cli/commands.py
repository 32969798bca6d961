"""The CLI's commands: each takes the open Desk and the parsed arguments, prints, returns a status.

Human output is sanitised (desk.text.safe.clean) because mention text is untrusted; ``--json``
prints machine-readable JSON instead. The supervisor's review commands (replies, approvals,
answers, report, export, purge, audit) are in desk.cli.review.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from desk import db
from desk.bootstrap import Desk, open_desk
from desk.channels.ingest import FileReport
from desk.clock import Clock, utcnow
from desk.config import (
    DeskConfig,
    Settings,
    default_data_dir,
    load_config,
    os_user,
    write_starter_config,
)
from desk.config.editing import write_atomically
from desk.db import store
from desk.db.store import QueueFilter
from desk.errors import ConfigError, InputError
from desk.i18n import Catalog
from desk.staff.identity import authenticate, needs_passphrase, set_passphrase
from desk.text.safe import clean
from desk.triage.explain import explain_lines
from desk.views import MentionDetail, QueueRow
from desk.vocabulary import PRIORITY_NAMES, ReplyStatus

PAYLOAD_SUFFIXES = {".json", ".xml", ".rss", ".atom"}


def _json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False))


@contextmanager
def opened(
    settings: Settings,
    as_name: str | None,
    config: DeskConfig | None = None,
    *,
    clock: Clock = utcnow,
) -> Iterator[Desk]:
    """Open the desk for one command and close it afterwards."""
    _ensure_default_dir(settings)
    desk = open_desk(settings, as_name=as_name, config=config, clock=clock)
    try:
        if needs_passphrase(desk.config, as_name):
            authenticate(desk.inbox.write_factory, desk.config, desk.me, ask_passphrase, desk.clock)
        yield desk
    finally:
        desk.close()


def ask_passphrase(name: str) -> str | None:
    """The passphrase for ``--as``: DESK_PASSPHRASE (scripts), else asked on the terminal."""
    given = os.environ.get("DESK_PASSPHRASE")
    if given is not None:
        return given
    if not sys.stdin.isatty():
        return None
    return getpass.getpass(f"passphrase for {name}: ")


def cmd_passphrase(desk: Desk, args: argparse.Namespace) -> int:
    """Set one's own passphrase (an admin: anyone's, with --for)."""
    target = args.for_name or desk.me.name
    new = os.environ.get("DESK_NEW_PASSPHRASE")
    if new is None:
        if not sys.stdin.isatty():
            raise InputError("no terminal to type the passphrase", hint="set DESK_NEW_PASSPHRASE")
        new = getpass.getpass(f"new passphrase for {target}: ")
        if getpass.getpass("again: ") != new:
            raise InputError("the two passphrases differ; nothing changed")
    set_passphrase(desk.inbox.write_factory, desk.me, target, new, desk.clock)
    print(f"passphrase set for {target}")
    return 0


def _ensure_default_dir(settings: Settings) -> None:
    if settings.db is None:
        default_data_dir().mkdir(parents=True, exist_ok=True)


# -- init / demo ---------------------------------------------------------------------------


def init(settings: Settings) -> int:
    """Create or upgrade the database; write a starter desk.toml if there is none."""
    path = settings.config_path()
    if write_starter_config(path):
        print(f"wrote a starter config: {path} (edit the [[staff]] entries)")
        print(f"wrote the triage rules: {path.parent / 'rules.toml'} (yours to edit)")
    else:
        print(f"config: {path} (kept)")
    _ensure_default_dir(settings)
    engine = db.make_engine(settings.db_url())
    before = db.current_revision(engine)
    db.upgrade(engine)
    after = db.current_revision(engine)
    engine.dispose()
    state = "created" if before is None else ("upgraded" if before != after else "up to date")
    print(f"database: {settings.db_url()} ({state}, schema {after})")
    return 0


def bundled_feeds() -> Path:
    """The sample_feeds/ folder shipped beside the package (source checkout / editable install)."""
    return Path(__file__).resolve().parents[2] / "sample_feeds"


def payload_files(folder: Path) -> list[Path]:
    """The payload files of a folder, in name order."""
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PAYLOAD_SUFFIXES
    )


def demo(settings: Settings, args: argparse.Namespace, *, clock: Clock = utcnow) -> int:
    """Build (or refresh) the demo database from the sample feeds, then open the UI."""
    feeds = args.feeds or bundled_feeds()
    if not feeds.is_dir():
        raise ConfigError(
            f"sample feeds not found at {feeds}",
            hint="run from a source checkout, or pass --feeds FOLDER",
        )
    db_path = Path(settings.db) if settings.db else default_data_dir() / "demo.db"
    db_path.parent.mkdir(parents=True, exist_ok=True)
    if args.fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    config_path = settings.config or _demo_config(feeds, db_path, args.fresh)
    config = load_config(config_path)
    if not config.staff:
        raise ConfigError(f"{config_path}: no [[staff]] in the demo config")
    demo_settings = Settings(db=str(db_path), config=config_path, lang=settings.lang)
    # In the demo you are its first staff member (your OS login is mapped to them); `desk --as
    # NAME demo` asks for NAME's passphrase, which is "demo" for every demo person.
    config.staff[0].os_users.append(os_user())
    as_name = getattr(args, "as_name", None)
    _demo_passphrases(demo_settings, config, clock)
    with opened(demo_settings, as_name, config, clock=clock) as desk:
        reports = desk.ingest.ingest_files(payload_files(feeds), progress=_progress)
        answers = feeds / "answers.toml"
        if answers.is_file() and desk.me.is_supervisor:
            desk.answers.import_file(answers)
        new = sum(r.new for r in reports)
        total = desk.queries.count(QueueFilter(view="all"))
        print(
            f"demo database: {db_path} — {new} new, {total} mentions in all; you are {desk.me.display_name} ({desk.me.name})"
        )
        if args.no_ui:
            return 0
        return _run_ui(desk)


def _demo_config(feeds: Path, db_path: Path, fresh: bool) -> Path:
    """The demo's own desk.toml beside its database, copied from the feeds folder when missing
    (or with --fresh): staff changes made in the demo never edit the bundled sample."""
    copy = db_path.with_name(f"{db_path.stem}-desk.toml")
    if fresh or not copy.exists():
        source = feeds / "desk.toml"
        rules = load_config(source).rules_path()
        text = source.read_text(encoding="utf-8")
        if rules is not None:  # a rule file named relative to the sample must still be found
            import tomlkit

            doc = tomlkit.parse(text)
            doc["desk"]["rules"] = str(rules.resolve())
            text = tomlkit.dumps(doc)
        write_atomically(copy, text)
    return copy


DEMO_PASSPHRASE = "demo"


def _demo_passphrases(settings: Settings, config: DeskConfig, clock: Clock) -> None:
    """Give every demo staff member the passphrase "demo" (only those without one)."""
    from desk.staff.identity import hash_passphrase

    desk = open_desk(settings, config=config, clock=clock)
    try:
        with db.transaction(desk.inbox.write_factory) as session:
            for row in store.staff_rows(session=session).values():
                if row.passphrase_hash is None:
                    row.passphrase_hash = hash_passphrase(DEMO_PASSPHRASE)
                    session.add(row)
    finally:
        desk.close()


def _progress(name: str, index: int, total: int) -> None:
    if sys.stderr.isatty():
        print(
            f"\r[{index}/{total}] {Path(name).name[:60]:<60}",
            end="" if index < total else "\n",
            file=sys.stderr,
            flush=True,
        )


def _run_ui(desk: Desk) -> int:
    from desk.tui.app import run_ui

    run_ui(desk)
    return 0


def cmd_ui(desk: Desk, args: argparse.Namespace) -> int:
    """Open the terminal interface."""
    return _run_ui(desk)


# -- ingest --------------------------------------------------------------------------------


def cmd_ingest(desk: Desk, args: argparse.Namespace) -> int:
    """Import saved payload files; exit 1 when anything was rejected."""
    reports = desk.ingest.ingest_files(args.files, progress=_progress)
    if args.json:
        _json({"files": [r.to_json() for r in reports], "total": _totals(reports)})
    else:
        for report in reports:
            for warning in report.warnings:
                print(f"warning: {clean(warning)}", file=sys.stderr)
            for error in report.errors:
                print(f"error: {clean(error)}", file=sys.stderr)
            print(
                f"{clean(report.source)} [{report.platform}]: {report.new} new, {report.duplicate} duplicate, "
                f"{report.skipped} skipped (not mentions), {report.rejected} rejected"
            )
        if len(reports) > 1:
            t = _totals(reports)
            print(
                f"total: {t['new']} new, {t['duplicate']} duplicate, {t['skipped']} skipped, {t['rejected']} rejected"
            )
    return 1 if any(r.rejected for r in reports) else 0


def _totals(reports: list[FileReport]) -> dict[str, int]:
    return {
        k: sum(getattr(r, k) for r in reports) for k in ("new", "duplicate", "skipped", "rejected")
    }


# -- queue / show --------------------------------------------------------------------------


def _age(when: datetime, now: datetime) -> str:
    seconds = max(0, int((now - when).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _queue_line(row: QueueRow, now: datetime) -> str:
    return (
        f"{row.id:>7}  {PRIORITY_NAMES.get(row.priority, '?'):<6} {row.category:<9} {row.platform:<8} "
        f"{clean(row.author, max_len=22, one_line=True):<22} {_age(row.created_at, now):>4}  "
        f"{(row.assignee or '-'):<8} {row.status:<6} {clean(row.text, max_len=60, one_line=True)}"
    )


def cmd_queue(desk: Desk, args: argparse.Namespace) -> int:
    """List a page of the queue."""
    flt = QueueFilter(
        view=args.view,
        category=args.category,
        assignee=args.assignee,
        me=desk.me.name,
        status=args.status,
    )
    rows = desk.queries.page(flt, args.offset, args.limit)
    if args.json:
        _json([r.to_json() for r in rows])
        return 0
    total = desk.queries.count(flt)
    print(
        f"{'id':>7}  {'prio':<6} {'category':<9} {'platform':<8} {'author':<22} {'age':>4}  {'assignee':<8} {'status':<6} text"
    )
    now = desk.clock()
    for row in rows:
        print(_queue_line(row, now))
    print(f"({len(rows)} of {total})")
    return 0


def _print_detail(d: MentionDetail, catalog: Catalog) -> None:
    print(
        f"#{d.id} {d.platform} {d.kind} — {clean(d.author_name, one_line=True)} {clean(d.author_handle, one_line=True)}"
    )
    print(
        f"  {d.created_at:%Y-%m-%d %H:%M} UTC · lang {clean(d.language or '?', one_line=True, max_len=20)} · {d.status} · {d.category} · {PRIORITY_NAMES.get(d.priority)} · assignee {d.assignee or '-'}"
    )
    if d.url:
        print(f"  link: {clean(d.url, one_line=True)}")
    if d.title:
        print(f"  title: {clean(d.title, one_line=True)}")
    print()
    for line in clean(d.text, max_len=4000).splitlines() or [""]:
        print(f"  {line}")
    print("\nwhy:")
    for line in explain_lines(d.triage, catalog) if d.triage else [d.triage_reason]:
        print(f"  {clean(line, one_line=True)}")
    if d.thread:
        print("\nthread:")
        for row in d.thread:
            mark = "→" if row.id == d.id else " "
            print(
                f" {mark} #{row.id} {clean(row.author, one_line=True, max_len=30)}: {clean(row.text, one_line=True, max_len=80)}"
            )
    if d.replies:
        print("\nreplies:")
        for r in d.replies:
            print(
                f"  [{r.status}] {r.created_at:%Y-%m-%d %H:%M} {r.author}: {clean(r.text, one_line=True)}"
            )
    print("\nhistory:")
    for e in d.history:
        print(f"  #{e.seq} {e.at:%Y-%m-%d %H:%M:%S} {e.actor:<10} {e.action}")


def cmd_show(desk: Desk, args: argparse.Namespace) -> int:
    """One mention in full."""
    detail = desk.queries.detail(args.id)
    if args.json:
        _json(detail.to_json())
    else:
        _print_detail(detail, desk.catalog)
    return 0


# -- actions -------------------------------------------------------------------------------


def cmd_assign(desk: Desk, args: argparse.Namespace) -> int:
    """Assign to a staff member."""
    desk.inbox.assign(args.id, args.staff)
    print(f"mention {args.id} assigned to {args.staff}")
    return 0


def _simple(action: str, message: str):
    def run(desk: Desk, args: argparse.Namespace) -> int:
        getattr(desk.inbox, action)(args.id)
        print(message.format(id=args.id, me=desk.me.name))
        return 0

    run.__doc__ = message
    return run


cmd_claim = _simple("claim", "mention {id} is now assigned to {me}")
cmd_release = _simple("release", "mention {id} released")
cmd_close = _simple("close", "mention {id} closed")
cmd_reopen = _simple("reopen", "mention {id} reopened")
cmd_spam = _simple("mark_spam", "mention {id} marked as spam and closed")


def cmd_categorise(desk: Desk, args: argparse.Namespace) -> int:
    """Set the category."""
    desk.inbox.categorise(args.id, args.category)
    print(f"mention {args.id} is now {args.category}")
    return 0


def cmd_reply(desk: Desk, args: argparse.Namespace) -> int:
    """Send a signed reply (or print why it is refused)."""
    if args.take_over:
        desk.claims.take_over(args.id)
    if (args.text is None) == (args.answer is None):
        raise InputError("give the reply with --text TEXT or --answer NAME (one of them)")
    answer_id = None
    text = args.text
    if args.answer is not None:
        language = desk.queries.detail(args.id).language
        chosen = desk.answers.named(args.answer, language)
        answer_id = chosen.id
        text = desk.answers.render_for(args.id, chosen)
    reply = desk.replies.send(args.id, text, answer_id=answer_id)
    if reply.status == ReplyStatus.QUEUED:  # a live channel: the undo window, then the platform
        from desk.cli.outbox import send_after_undo

        reply = send_after_undo(desk, reply, quiet=args.json)
    if args.json:
        _json(reply.to_json())
    else:
        state = {
            "sent_offline": "sent offline (local outbox)",
            "cancelled": "cancelled (nothing was posted)",
            "unknown": "maybe posted, a supervisor must check (desk outbox resolve)",
            "pending_approval": "waiting for a supervisor's approval ("
            + ", ".join(reply.approval_reasons)
            + ")",
        }.get(reply.status, reply.status)
        print(f"reply {reply.id} {state} as {reply.author}:\n{clean(reply.text)}")
    return (
        0
        if reply.status
        in (ReplyStatus.SENT, ReplyStatus.SENT_OFFLINE, ReplyStatus.PENDING_APPROVAL)
        else 1
    )
