"""``desk statement``: the official crisis statement, bilingual, approved once, published and
pinned on every channel (desk.crisis.statement).

desk statement draft --fr TEXT --en TEXT [--json]
desk statement approve ID [--json]          a supervisor other than the drafter
desk statement publish ID [--json]          posts it and pins it; run again to finish after a failure
desk statement list [--json] | show ID [--json]
desk statement settle ID CHANNEL (--remote-id ID | --not-posted)
                                            a post left unknown (no answer): what the account shows
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from desk.cli._parser import Commands
from desk.cli._shared import local_time, print_json
from desk.text.safe import clean

if TYPE_CHECKING:
    from desk.bootstrap import Desk
    from desk.crisis.statement import StatementView


def register(commands: Commands) -> None:
    """``statement draft|approve|publish|list|show``."""
    st = commands.add("statement")
    sub = st.commands("statement_command", required=True)

    d = sub.add("draft")
    d.add_argument("--fr", required=True, metavar=d.metavar("text"), help=d.text("fr"))
    d.add_argument("--en", required=True, metavar=d.metavar("text"), help=d.text("en"))
    d.add_json()
    d.set_defaults(run=draft)

    for name, run in (("approve", approve), ("publish", publish), ("show", show)):
        p = sub.add(name)
        p.add_argument("id", type=p.types.positive, metavar="ID", help=p.text("id"))
        p.add_json()
        p.set_defaults(run=run)

    se = sub.add("settle")
    se.add_argument("id", type=se.types.positive, metavar="ID", help=se.text("id"))
    se.add_argument("channel", metavar=se.metavar("channel"), help=se.text("channel"))
    found = se.add_mutually_exclusive_group(required=True)
    found.add_argument("--remote-id", metavar="ID", help=se.text("remote_id"))
    found.add_argument("--not-posted", action="store_true", help=se.text("not_posted"))
    se.add_json()
    se.set_defaults(run=settle)

    ls = sub.add("list")
    ls.add_json()
    ls.set_defaults(run=list_)


def _print(desk: Desk, view: StatementView, *, full: bool = True) -> None:
    t = desk.catalog.t
    print(
        t(
            "cli.statement.line",
            id=view.id,
            status=t(f"cli.statement.status.{view.status}"),
            by=clean(view.drafted_by, one_line=True, max_len=40),
            when=local_time(desk, view.drafted_at),
        )
    )
    if view.approved_by and view.approved_at:
        print(
            t(
                "cli.statement.approved_by",
                by=clean(view.approved_by, one_line=True, max_len=40),
                when=local_time(desk, view.approved_at),
            )
        )
    if full:
        for label, text in (("fr", view.text_fr), ("en", view.text_en)):
            print(f"  [{label}] {clean(text, max_len=5000) or t('cli.statement.missing')}")
    for post in view.posts:
        if post.state == "unknown":
            key = "cli.statement.unknown"
        elif post.remote_id and post.pinned:
            key = "cli.statement.pinned"
        elif post.remote_id:
            key = "cli.statement.published"
        else:
            key = "cli.statement.not_published"
        print(
            t(
                key,
                channel=clean(post.channel, one_line=True, max_len=60),
                remote=clean(post.remote_id or "", one_line=True, max_len=200),
                note=clean(post.note, one_line=True, max_len=300),
            )
        )


def draft(desk: Desk, args: argparse.Namespace) -> int:
    """Draft a statement in both languages."""
    view = desk.statements.draft(args.fr, args.en)
    if args.json:
        print_json(view.to_json())
    else:
        _print(desk, view)
    return 0


def approve(desk: Desk, args: argparse.Namespace) -> int:
    """Approve a draft (a supervisor, not its drafter)."""
    view = desk.statements.approve(args.id)
    if args.json:
        print_json(view.to_json())
    else:
        _print(desk, view, full=False)
    return 0


def publish(desk: Desk, args: argparse.Namespace) -> int:
    """Publish and pin on every channel; exit 1 while any channel is not done."""
    import asyncio  # only once a command goes online

    from desk.channels.connect import ConnectorPool

    async def go() -> StatementView:
        pool = ConnectorPool(desk.config.channel)
        try:
            return await desk.statements.publish(args.id, pool.connect)
        finally:
            await pool.aclose()

    view = asyncio.run(go())
    if args.json:
        print_json(view.to_json())
    else:
        _print(desk, view, full=False)
        if not view.posts:
            print(desk.catalog.t("cli.statement.no_channel"))
    return 0 if view.posts and all(p.remote_id for p in view.posts) else 1


def settle(desk: Desk, args: argparse.Namespace) -> int:
    """A supervisor's finding for a channel whose post was left unknown."""
    view = desk.statements.settle(
        args.id, args.channel, None if args.not_posted else args.remote_id
    )
    if args.json:
        print_json(view.to_json())
    else:
        _print(desk, view, full=False)
    return 0


def show(desk: Desk, args: argparse.Namespace) -> int:
    """One statement in full."""
    view = desk.statements.get(args.id)
    if args.json:
        print_json(view.to_json())
    else:
        _print(desk, view)
    return 0


def list_(desk: Desk, args: argparse.Namespace) -> int:
    """Every statement, newest first."""
    views = desk.statements.all()
    if args.json:
        print_json([v.to_json() for v in views])
        return 0
    if not views:
        print(desk.catalog.t("cli.statement.none"))
    for view in views:
        _print(desk, view, full=False)
    return 0
