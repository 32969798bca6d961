"""Properties of a batch's plan and schedule, on many seeded random batches (a seeded generator
rather than Hypothesis: no new dependency, and every failing case is replayable by its seed).

Whatever the targets, the budgets and what was already posted: no plan exceeds a platform's
budget, none sends two replies to one author, none replies on X (or anywhere) to a post that did
not summon the account; and the schedule the approval gives the replies never puts more than
the budget in any window of the budget's length, nor two replies on one platform closer than
its spacing — also when a resumed batch follows an earlier claim."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from desk.crisis.plan import ADDRESSING, Budget, Target, author_key, plan
from desk.replies.pacing import schedule

PLATFORMS = ["mastodon", "bluesky", "x", "email"]
KINDS = ["mention", "reply", "quote", "keyword", "news", "automatic", "dm"]
T0 = datetime(2026, 11, 12, 14, 0, tzinfo=UTC)


def _case(rng: random.Random) -> tuple[list[Target], dict[str, Budget], dict[str, int]]:
    n = rng.randrange(1, 300)
    authors = [f"@p{i}" for i in range(rng.randrange(1, n + 1))]
    targets = [
        Target(
            id=i,
            platform=rng.choice(PLATFORMS),
            author=rng.choice(["", "@", " "]) + rng.choice(authors).upper() * rng.randrange(1, 2),
            kind=rng.choice(KINDS),
            open=rng.random() > 0.05,
            answered=rng.random() < 0.05,
        )
        for i in range(n)
    ]
    budgets = {
        p: Budget(rng.randrange(1, 120), timedelta(minutes=rng.choice([1, 15, 60, 180])))
        for p in PLATFORMS
    }
    used = {p: rng.randrange(0, budgets[p].posts + 3) for p in PLATFORMS}
    return targets, budgets, used


def test_no_plan_or_schedule_breaks_a_rule_on_a_thousand_random_batches() -> None:
    for seed in range(1000):
        rng = random.Random(seed)
        targets, budgets, used = _case(rng)
        chosen = plan(targets, used=used, budgets=budgets)
        authors = [author_key(t.author) for t in chosen.send]
        assert len(authors) == len(set(authors)), seed  # never two replies to one author
        assert all(t.kind in ADDRESSING for t in chosen.send), seed  # only who summoned us
        assert not [t for t in chosen.send if t.platform == "x" and t.kind == "keyword"], seed
        for platform, n in chosen.per_platform().items():
            assert used[platform] + n <= budgets[platform].posts, seed  # within the budget
        assert len(chosen.send) + len(chosen.skipped) == len(targets), seed  # skips listed

        pacing = {p: b.spacing.total_seconds() for p, b in budgets.items()}
        last = {p: T0 - timedelta(seconds=rng.randrange(0, 4000)) for p in PLATFORMS}
        after = {p: t for p, t in last.items() if rng.random() < 0.5}  # a resumed batch
        when = schedule([(t.id, t.platform) for t in chosen.send], T0, pacing, after=after)
        for platform, budget in budgets.items():
            times = sorted(when[t.id] for t in chosen.send if t.platform == platform)
            if platform in after:
                times = [after[platform], *times]
            gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
            assert all(g >= budget.spacing - timedelta(microseconds=1) for g in gaps), seed
            for i, start in enumerate(times):  # any window of the budget's length
                inside = [t for t in times[i:] if t < start + budget.window]
                assert len(inside) <= budget.posts, (seed, platform)
