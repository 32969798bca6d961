"""A batch of replies (desk.replies.batches): prepared in one transaction, approved at once by
another person, posted by the outbox once each at the batch's pace — even after the outbox
was stopped for a while — paused and resumed; every step audited and the chain intact."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from desk.bootstrap import Desk
from desk.crisis.batch import prepare
from desk.crisis.plan import Budget
from desk.db.store import AuditFilter
from desk.errors import ActionRefused, PermissionDenied
from tests.cli.test_crisis import LIBRARY, RUMOUR_EN, RUMOUR_FR
from tests.helpers.clock import clock_of
from tests.helpers.desks import add, mention
from tests.unit.replies.test_outbox import FakePlatform, live

PACE = timedelta(minutes=10) / 10  # 60 s between two replies on one platform


def _events(desk: Desk, action: str) -> list[Any]:
    return desk.queries.audit_log(flt=AuditFilter(actions=(action,)), limit=500)


def _prepared(bruno: Desk, ids: list[int]) -> int:
    bruno.crisis.budgets = {"mastodon": Budget(10, timedelta(minutes=10))}
    prepared = prepare(bruno.crisis, bruno.batches, ids, "water")
    assert prepared.batch_id is not None
    return prepared.batch_id


def _sending_times(desk: Desk) -> list[Any]:
    return sorted(e.at for e in _events(desk, "reply.sending"))


async def test_a_batch_is_approved_once_and_posted_once_each_at_its_pace(
    make_desk: Any,
) -> None:
    bruno, amelie = make_desk("bruno"), make_desk("amelie")
    amelie.answers.import_text(LIBRARY, "library.toml")
    ids = add(
        bruno,
        mention("1", RUMOUR_FR),
        mention("2", RUMOUR_FR + " !"),
        mention("3", RUMOUR_EN, language="en"),
        mention("4", "RT " + RUMOUR_FR),
        mention("5", RUMOUR_FR, author_handle="@user1"),  # the same author as no. 1
    )
    batch = _prepared(bruno, ids)
    detail = bruno.queries.detail(ids[2])
    assert detail.replies[0].status == "pending_approval"
    assert detail.replies[0].approval_reasons[0] == "batch"
    assert detail.replies[0].text.startswith("Hello, the water is safe")  # its language
    assert detail.replies[0].text.endswith("—BG")  # signed by who prepared it
    assert bruno.batches.progress(batch).skipped == [
        {"id": ids[4], "reason": "crisis_skip_same_author"}
    ]
    with pytest.raises(PermissionDenied):
        bruno.batches.approve(batch)  # an agent, and the one who prepared it
    with pytest.raises(ActionRefused, match="belongs to batch"):
        amelie.approvals.approve(detail.replies[0].id)  # never alone: paced with its batch
    assert amelie.approvals.pending() == []  # the batch is one item, not four
    assert amelie.approvals.pending_count() == 1

    platform = FakePlatform()
    outbox = live(amelie, platform, undo=5)
    approved = amelie.batches.approve(batch)
    assert approved.refused == {}
    assert approved.progress.counts == {"queued": 4}
    assert approved.progress.last_at is not None
    assert approved.progress.next_at is not None
    assert approved.progress.last_at - approved.progress.next_at == 3 * PACE  # its turns
    assert len(_events(amelie, "reply.approved")) == 4  # one per reply, as one at a time
    (event,) = _events(amelie, "batch.approved")
    assert event.data["approved"] == 4
    assert event.data["pacing_seconds"] == {"mastodon": 60.0}
    with pytest.raises(ActionRefused):
        amelie.batches.approve(batch)  # once

    clock_of(amelie).advance(3600)  # the outbox was stopped an hour: every turn is past...
    assert len((await outbox.run_once()).sent) == 1  # ...still one at a time
    assert (await outbox.run_once()).sent == []
    clock_of(amelie).advance(PACE.total_seconds())
    assert len((await outbox.run_once()).sent) == 1

    assert [b.id for b in amelie.batches.running()] == [batch]  # followed while it posts
    assert bruno.batches.pause(batch).status == "paused"  # who prepared it may stop it
    assert [b.status for b in amelie.batches.running()] == ["paused"]
    clock_of(amelie).advance(3600)
    assert (await outbox.run_once()).sent == []
    with pytest.raises(PermissionDenied):
        bruno.batches.resume(batch)  # resuming speaks publicly: a supervisor
    resumed = amelie.batches.resume(batch)
    assert resumed.next_at is not None
    assert resumed.next_at >= clock_of(amelie).now - PACE
    for _ in range(4):
        await outbox.run_once()
        clock_of(amelie).advance(PACE.total_seconds())
    assert (await outbox.run_once()).sent == []

    assert sorted(platform.posts) == [f"batch:{batch}:{mid}" for mid in ids[:4]]  # once each
    assert platform.post_calls == 4
    times = _sending_times(amelie)
    assert all(b - a >= PACE for a, b in zip(times, times[1:], strict=False))
    done = amelie.batches.progress(batch)
    assert done.done
    assert done.sent == 4
    assert amelie.batches.running() == []  # nothing left to follow
    assert [len(_events(amelie, a)) for a in ("batch.paused", "batch.resumed")] == [1, 1]
    assert amelie.queries.verify_audit().ok


def test_a_mention_answered_meanwhile_is_refused_not_answered_twice(make_desk: Any) -> None:
    bruno, amelie = make_desk("bruno"), make_desk("amelie")
    amelie.answers.import_text(LIBRARY, "library.toml")
    ids = add(bruno, mention("1", RUMOUR_FR), mention("2", RUMOUR_FR + " ?"))
    batch = _prepared(bruno, ids)
    assert bruno.batches.waiting()[0].id == batch
    (mine,) = bruno.queries.detail(ids[1]).replies
    bruno.replies.withdraw(mine.id)  # taken back, then answered by hand
    amelie.replies.send(ids[1], "Réponse écrite à la main.")
    done = amelie.batches.approve(batch)
    assert list(done.refused) == []  # the withdrawn one is not in the batch any more
    assert done.progress.counts == {"sent_offline": 1, "withdrawn": 1}
    assert [r.status for r in amelie.queries.detail(ids[1]).replies] == [
        "withdrawn",
        "sent_offline",
    ]
    again = prepare(bruno.crisis, bruno.batches, ids, "water")
    assert again.batch_id is None  # nothing left to answer: no empty batch
    assert [d.reason for d in again.decisions] == ["crisis_skip_closed", "crisis_skip_closed"]


async def test_following_one_batch_is_not_stalled_by_another_on_the_same_platform(
    make_desk: Any,
) -> None:
    bruno, amelie = make_desk("bruno"), make_desk("amelie")
    amelie.answers.import_text(LIBRARY, "library.toml")
    first = _prepared(bruno, add(bruno, mention("1", RUMOUR_FR)))
    second = _prepared(bruno, add(bruno, mention("2", RUMOUR_FR)))
    platform = FakePlatform()
    outbox = live(amelie, platform, undo=0)
    amelie.batches.approve(first)
    amelie.batches.approve(second)  # its turn comes one spacing after the first batch's
    clock_of(amelie).advance(3600)
    only = amelie.batches.in_flight(second)
    assert len((await outbox.run_once(only=only)).sent) == 1  # desk bulk send 2: its own
    assert amelie.batches.progress(second).done
    assert (await outbox.run_once()).sent == []  # the first now waits one spacing
    clock_of(amelie).advance(PACE.total_seconds())
    assert len((await outbox.run_once()).sent) == 1
    assert platform.post_calls == 2


def test_one_reply_per_author_for_the_whole_declared_crisis(make_desk: Any) -> None:
    """A second answer five days into a declared crisis still skips an author a batch reached
    (the declaration bounds "this crisis", not a 3-day window); without one, it does not."""
    bruno, amelie = make_desk("bruno"), make_desk("amelie")
    amelie.answers.import_text(LIBRARY + LIBRARY.replace('"water"', '"update"'), "library.toml")
    amelie.crisis_state.start("Avis d'ébullition, secteur Nord")
    (first,) = add(bruno, mention("1", RUMOUR_FR, author_handle="@renee"))
    _prepared(bruno, [first])
    clock_of(bruno).advance(5 * 24 * 3600)  # five days on, the crisis still declared
    (again,) = add(bruno, mention("2", RUMOUR_FR + " ?", author_handle="@renee"))
    (other,) = add(bruno, mention("3", RUMOUR_FR, author_handle="@luc"))
    later = prepare(bruno.crisis, bruno.batches, [again, other], "update")
    assert later.batch_id is not None
    assert bruno.batches.progress(later.batch_id).skipped == [
        {"id": again, "reason": "crisis_skip_same_author"}
    ]
    # a batch the hour before the crisis was declared counts too (the same bad day)
    (early,) = add(bruno, mention("5", RUMOUR_EN, language="en", author_handle="@zoe"))
    _prepared(bruno, [early])
    amelie.crisis_state.stop()
    amelie.crisis_state.start("Avis d'ébullition, secteur Nord, encore")
    (zoe,) = add(bruno, mention("6", RUMOUR_EN + " ?", language="en", author_handle="@zoe"))
    declared_after = prepare(bruno.crisis, bruno.batches, [zoe], "update")
    assert declared_after.batch_id is None
    assert [d.reason for d in declared_after.decisions] == ["crisis_skip_same_author"]
    amelie.crisis_state.stop()  # no crisis declared: a batch five days old no longer counts
    (third,) = add(bruno, mention("4", RUMOUR_FR + " !", author_handle="@renee"))
    outside = prepare(bruno.crisis, bruno.batches, [third], "update")
    assert outside.batch_id is not None
    assert bruno.batches.progress(outside.batch_id).skipped == []


def test_a_value_nobody_checked_is_never_in_a_batch(make_desk: Any) -> None:
    """One approval covers every reply of a batch: a reply filling ``{author}`` with a value
    that is not a handle (an e-mail's display name, a spoofed field) is left out, to be
    answered on its own where a supervisor reads it."""
    bruno = make_desk("bruno")
    make_desk("amelie").answers.import_text(
        LIBRARY.replace("Bonjour, l'eau", "Bonjour {author}, l'eau"), "library.toml"
    )
    good, spoofed = add(
        bruno,
        mention("1", RUMOUR_FR, author_handle="@renee"),
        mention("2", RUMOUR_FR + " !", author_handle="Visit scam.example now"),
    )
    prepared = prepare(bruno.crisis, bruno.batches, [good, spoofed], "water")
    assert prepared.batch_id is not None
    assert bruno.batches.progress(prepared.batch_id).skipped == [
        {"id": spoofed, "reason": "crisis_skip_unchecked", "variable": "author"}
    ]
    [reply] = bruno.queries.detail(good).replies
    assert reply.text.startswith("Bonjour @renee, l'eau")
