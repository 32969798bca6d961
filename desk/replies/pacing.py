"""The pace of batched replies (one approved correction to many): when each may go, and
whether the outbox may claim one now.

``schedule`` (pure) gives a batch's replies their turns, one spacing apart per platform.
``pace`` and ``held`` are the outbox's rule, read in its session: no reply of a paused batch,
at most one per platform per pass, and none less than one spacing after the last batched reply
claimed on that platform — whatever the batch, even when the turns are long past (an outbox
stopped for an hour does not catch up in a burst). Two desks' outboxes cannot beat it either:
``held`` is checked again inside the claim's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from desk.clock import as_utc
from desk.db import store
from desk.db.tables import Mention, Reply, ReplyBatch
from desk.vocabulary import BatchStatus


def schedule(
    items: Sequence[tuple[int, str]],
    start: datetime,
    pacing: Mapping[str, float],
    *,
    after: Mapping[str, datetime] | None = None,
) -> dict[int, datetime]:
    """When each reply (``(reply id, platform)``, in order) may go: a platform's first at
    ``start`` (or one spacing after its last claim, ``after``), each next one spacing later."""
    when: dict[int, datetime] = {}
    nxt: dict[str, datetime] = {}
    for reply_id, platform in items:
        spacing = timedelta(seconds=pacing.get(platform, 0.0))
        if platform not in nxt:
            last = (after or {}).get(platform)
            nxt[platform] = max(start, last + spacing) if last is not None else start
        when[reply_id] = nxt[platform]
        nxt[platform] += spacing
    return when


def pacing_of(batch: ReplyBatch) -> dict[str, float]:
    """The batch's seconds between two replies, per platform."""
    try:
        raw = json.loads(batch.pacing or "{}")
    except ValueError:
        return {}
    return {str(k): float(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def last_claims(session: Session, platforms: Iterable[str]) -> dict[str, datetime]:
    """Per platform, when the outbox last claimed a batched reply (any batch)."""
    wanted = sorted(set(platforms))
    if not wanted:
        return {}
    rows = session.execute(
        sa.select(col(Mention.platform), sa.func.max(col(Reply.delivery_started_at)))
        .join(Mention, col(Reply.mention_id) == col(Mention.id))
        .where(col(Reply.batch_id).is_not(None), col(Mention.platform).in_(wanted))
        .group_by(col(Mention.platform))
    ).all()
    return {platform: as_utc(at) for platform, at in rows if at is not None}


def pace(
    session: Session, candidates: Sequence[tuple[Reply, str]], now: datetime
) -> tuple[list[int], int]:
    """Which of these queued, due, batched replies (with their platform) the outbox may claim
    now: none of a paused batch, at most one per platform, and only one spacing after the last
    batched reply claimed there. Returns (ids to claim, how many wait)."""
    if not candidates:
        return [], 0
    batch_ids = {r.batch_id for r, _ in candidates if r.batch_id is not None}
    batches = {
        b.id: b for b in session.exec(select(ReplyBatch).where(col(ReplyBatch.id).in_(batch_ids)))
    }
    last = last_claims(session, [p for _, p in candidates])
    ready: list[int] = []
    taken: set[str] = set()
    waiting = 0
    ordered = sorted(candidates, key=lambda c: (as_utc(c[0].send_after or now), c[0].id or 0))
    for reply, platform in ordered:
        batch = batches.get(reply.batch_id)
        if batch is None or batch.status != BatchStatus.APPROVED or platform in taken:
            waiting += 1
            continue
        spacing = timedelta(seconds=pacing_of(batch).get(platform, 0.0))
        if platform in last and now - last[platform] < spacing:
            waiting += 1
            continue
        taken.add(platform)
        ready.append(reply.id or 0)
    return ready, waiting


def held(session: Session, reply: Reply, now: datetime) -> bool:
    """Whether the outbox must leave this batched reply queued for now (``pace``, checked again
    inside the claim's transaction: two desks' outboxes never post faster than the pace)."""
    mention = store.get_mention(reply.mention_id, session=session)
    others = [(reply, mention.platform)]
    ready, _ = pace(session, others, now)
    return not ready
