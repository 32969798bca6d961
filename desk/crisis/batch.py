"""Preparing one approved correction to many: a batch of replies waiting for one approval.

``prepare`` plans (desk.crisis.plan: only posts that addressed the account, one reply per author
per crisis, answered mentions skipped, each platform's budget) and writes, **in one
transaction**, a new batch, one reply per planned mention — the answer's variant in the
mention's language, signed, measured as its platform counts it (``@acct`` first where the
platform puts it), each with its ``reply.submitted`` event — and the ``batch.prepared`` event
listing every skip with its reason. Planned inside the write transaction, two people preparing
batches at once cannot both reach one author or overrun a budget; killed half-way, nothing of
the batch exists. Nothing is sent before a supervisor approves it (desk.replies.batches).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError

from desk.answers.ranking import AnswerView, fills, render
from desk.crisis.service import CrisisService
from desk.db import store, transaction
from desk.errors import ActionRefused, DeskError
from desk.replies.batches import BatchService
from desk.replies.faults import fault_point


@dataclass(frozen=True, slots=True)
class Decision:
    """What the batch does with one mention: a reply (its id and language), or a skip."""

    mention_id: int
    reply_id: int | None = None
    language: str | None = None
    reason: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """One line of ``desk bulk reply --json``."""
        if self.reply_id is not None:
            return {"id": self.mention_id, "reply_id": self.reply_id, "language": self.language}
        return {"id": self.mention_id, "skipped": self.reason, **self.params}


@dataclass
class Prepared:
    """The new batch (None when no mention got a reply) and each mention's decision, in the
    order asked."""

    batch_id: int | None
    answer: str
    decisions: list[Decision]

    @property
    def replies(self) -> list[Decision]:
        """The mentions that got a reply."""
        return [d for d in self.decisions if d.reply_id is not None]

    @property
    def skipped(self) -> list[Decision]:
        """The mentions left out, each with its reason."""
        return [d for d in self.decisions if d.reply_id is None]

    def to_json(self) -> dict[str, Any]:
        """``desk bulk reply --json``."""
        return {
            "batch": self.batch_id,
            "answer": self.answer,
            "replies": len(self.replies),
            "decisions": [d.to_json() for d in self.decisions],
        }


def prepare(
    crisis: CrisisService, batches: BatchService, mention_ids: Sequence[int], answer: str
) -> Prepared:
    """Plan ``answer`` for ``mention_ids`` and write the batch of replies waiting for approval."""
    crisis.answers.named(answer, None)  # NotFound before the write lock is taken
    variants: dict[str | None, AnswerView] = {}
    replies = crisis.replies
    try:
        with transaction(batches.write_factory) as session:
            chosen = crisis.plan(mention_ids, answer, session=session)
            platforms = {t.platform for t in chosen.send}
            pacing = {p: crisis.budget(p).spacing for p in platforms}
            batch = batches.open_batch(session, answer, pacing)
            decided: dict[int, Decision] = {
                s.mention_id: Decision(s.mention_id, reason=f"crisis_skip_{s.reason}")
                for s in chosen.skipped
            }
            today = crisis.answers.today()
            for target in chosen.send:
                mention = store.get_mention(target.id, session=session)
                if mention.language not in variants:
                    variants[mention.language] = crisis.answers.named(answer, mention.language)
                version = variants[mention.language]
                unchecked = [f for f in fills(version, mention) if not f.checked]
                if unchecked:  # one approval for all must not carry a value nobody checked
                    decided[target.id] = Decision(
                        target.id,
                        reason="crisis_skip_unchecked",
                        params={"variable": unchecked[0].variable},
                    )
                    continue
                try:
                    reply = replies.write(
                        session,
                        target.id,
                        render(version, mention, today),
                        key=f"batch:{batch.id}:{target.id}",
                        answer_id=version.id,
                        batch_id=batch.id,
                    )
                except DeskError as exc:
                    decided[target.id] = Decision(
                        target.id, reason=exc.key or "refused", params=dict(exc.params)
                    )
                    continue
                decided[target.id] = Decision(target.id, reply.id, version.language)
                fault_point("batch_reply")  # crash tests: killed with half the batch written
            decisions = [decided[mid] for mid in dict.fromkeys(mention_ids) if mid in decided]
            written = [d.reply_id for d in decisions if d.reply_id is not None]
            skipped = [
                {"id": d.mention_id, "reason": d.reason, **d.params}
                for d in decisions
                if d.reply_id is None
            ]
            if not written:
                session.delete(batch)  # nothing to approve: no batch (the skips are printed)
                return Prepared(None, answer, decisions)
            batches.close_preparation(session, batch, written, skipped)
            return Prepared(batch.id, answer, decisions)
    except IntegrityError as exc:  # another desk answered one of them at the same instant
        if "uq_reply_one_voice" not in str(exc.orig) and "replies.mention_id" not in str(exc.orig):
            raise
        raise ActionRefused.from_catalog("batch_raced") from None
