"""One approved correction to many, from the command line (the ``desk bulk`` batch actions and
``desk approve --batch``).

desk bulk reply (--cluster ID | --ids N,M | --search WORDS | --filter PATTERNS) --answer NAME [--json]
    prepare a batch: one reply per mention, each mention's decision printed
desk approve --batch ID [--no-follow]
    a supervisor approves the batch at once, then follows its posting (progress on stderr)
desk bulk status [ID] [--json]      where a batch stands (without ID: the newest batches)
desk bulk pause ID | resume ID      stop posting a batch / post the rest, spaced from now
desk bulk send ID [--json]          post a batch's due replies at its pace until none is left
                                    (after a crash, Ctrl-C, or with no ``desk watch`` running)
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from desk.cli._shared import local_time, plural, print_json, refused
from desk.text.safe import clean

if TYPE_CHECKING:
    from desk.bootstrap import Desk
    from desk.replies.batches import BatchProgress

SHOWN = 200
"""Decisions printed one a line at most (``--json`` gives them all)."""
PASS_SECONDS = 1.0


def reply(desk: Desk, args: argparse.Namespace, ids: list[int]) -> int:
    """Prepare a batch of replies waiting for one approval for the mentions ``ids`` (chosen by
    desk.cli.bulk); print each mention's decision."""
    from desk.crisis.batch import prepare

    if not ids:
        print(desk.catalog.t("cli.bulk.none"))
        return 0
    prepared = prepare(desk.crisis, desk.batches, ids, args.answer)
    if args.json:
        print_json(prepared.to_json())
        return 0 if prepared.batch_id is not None else 1
    t = desk.catalog.t
    for decision in prepared.decisions[:SHOWN]:
        if decision.reply_id is not None:
            line = t(
                "cli.batch.decided_reply",
                id=decision.mention_id,
                reply=decision.reply_id,
                language=decision.language or "-",
            )
        else:
            why = t(f"errors.{decision.reason}", **decision.params)
            line = t("cli.bulk.skipped", id=decision.mention_id, why=clean(why, one_line=True))
        print("  " + line)
    if len(prepared.decisions) > SHOWN:
        print("  " + t("cli.bulk.more_skipped", n=len(prepared.decisions) - SHOWN))
    if prepared.batch_id is None:
        print(t("cli.batch.nothing"))
        return 1
    print(
        plural(
            desk.catalog,
            "cli.batch.prepared",
            len(prepared.replies),
            batch=prepared.batch_id,
            skipped=len(prepared.skipped),
        )
    )
    return 0


def _batch_id(desk: Desk, args: argparse.Namespace) -> int:
    if args.batch is None:
        raise refused(desk.catalog, "batch_needs_id", action=args.action)
    return int(args.batch)


def _print_progress(desk: Desk, p: BatchProgress) -> None:
    t = desk.catalog.t
    print(
        t(
            "cli.batch.status",
            id=p.id,
            answer=clean(p.answer, one_line=True),
            status=t(f"cli.batch.state.{'done' if p.done else p.status}"),
            sent=p.sent,
            total=p.total,
            by=p.created_by,
        )
    )
    others = {s: n for s, n in sorted(p.counts.items()) if s not in ("sent", "sent_offline")}
    if others:
        print("  " + ", ".join(f"{s} {n}" for s, n in others.items()))
    if p.pacing:
        pace = ", ".join(
            f"{platform} {seconds:.0f}\u00a0s" for platform, seconds in p.pacing.items()
        )
        print("  " + t("cli.batch.pace", pace=pace))
    if p.next_at is not None:
        print(
            "  "
            + t(
                "cli.batch.next",
                next=local_time(desk, p.next_at, seconds=True),
                last=local_time(desk, p.last_at, seconds=True),
            )
        )
    if p.skipped:
        print("  " + plural(desk.catalog, "cli.batch.skipped", len(p.skipped)))


def status(desk: Desk, args: argparse.Namespace) -> int:
    """Where one batch stands (or the newest ones)."""
    found = [desk.batches.progress(args.batch)] if args.batch else desk.batches.listing()
    if args.json:
        print_json(found[0].to_json() if args.batch else [p.to_json() for p in found])
        return 0
    for p in found:
        _print_progress(desk, p)
    if not found:
        print(desk.catalog.t("cli.batch.none"))
    return 0


def pause(desk: Desk, args: argparse.Namespace) -> int:
    """Stop posting a batch (its queued replies wait)."""
    p = desk.batches.pause(_batch_id(desk, args))
    print(plural(desk.catalog, "cli.batch.paused", p.in_flight, batch=p.id))
    return 0


def resume(desk: Desk, args: argparse.Namespace) -> int:
    """Post the rest of a paused batch, spaced from now."""
    p = desk.batches.resume(_batch_id(desk, args))
    print(plural(desk.catalog, "cli.batch.resumed", p.in_flight, batch=p.id))
    return 0


def send(desk: Desk, args: argparse.Namespace) -> int:
    """Post a batch's replies at its pace until none is left (Ctrl-C stops; nothing is lost)."""
    return follow(desk, _batch_id(desk, args), json_out=args.json)


def approve(desk: Desk, args: argparse.Namespace) -> int:
    """``desk approve --batch ID``: approve at once, then follow the posting unless told not to."""
    done = desk.batches.approve(args.batch)
    t = desk.catalog.t
    p = done.progress
    print(plural(desk.catalog, "cli.batch.approved", p.total - len(done.refused), batch=p.id))
    for reply_id, other in sorted(done.refused.items()):
        print("  " + t("cli.batch.refused", reply=reply_id, other=other))
    if p.in_flight and not args.no_follow:
        return follow(desk, p.id, json_out=False)
    _print_progress(desk, p)
    return 0


def _wait(desk: Desk, p: BatchProgress) -> float:
    """Seconds to the next turn, between a tenth of a second and PASS_SECONDS."""
    if p.next_at is None:
        return PASS_SECONDS
    left = (p.next_at - desk.clock()).total_seconds()
    return min(PASS_SECONDS, max(0.1, left))


def follow(desk: Desk, batch_id: int, *, json_out: bool) -> int:
    """Run the outbox for this batch's replies, one pass a second, printing progress, until
    none is queued or sending (or the batch is paused). The pace is the outbox's own
    (desk.replies.batches.pace), so a ``desk watch`` posting at the same time changes nothing."""
    import asyncio

    from desk.cli.outbox import _connected
    from desk.vocabulary import BatchStatus

    t = desk.catalog.t
    seen = -1

    def show(p: BatchProgress) -> None:
        nonlocal seen
        if json_out or p.sent == seen:
            return
        seen = p.sent
        line = t("cli.batch.progress", batch=p.id, sent=p.sent, total=p.total)
        print(line, file=sys.stderr, flush=True)

    async def go() -> BatchProgress:
        async with _connected(desk):
            while True:
                left = desk.batches.in_flight(batch_id)
                p = desk.batches.progress(batch_id)
                show(p)
                if not left or p.status == BatchStatus.PAUSED:
                    return p
                await desk.outbox.run_once(only=left)
                await asyncio.sleep(_wait(desk, p))

    try:
        p = asyncio.run(go())
    except KeyboardInterrupt:
        print(file=sys.stderr)
        print(t("cli.batch.interrupted", batch=batch_id), file=sys.stderr)
        return 1
    if json_out:
        print_json(p.to_json())
    else:
        _print_progress(desk, p)
    failed = p.counts.get("failed", 0) + p.counts.get("unknown", 0)
    return 1 if failed or p.status == BatchStatus.PAUSED else 0
