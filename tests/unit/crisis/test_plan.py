"""Who one correction goes to: never over a platform's budget, never twice to one author, never
to a post that did not address the account, never to an answered or closed mention (checked on
many seeded random batches)."""

from __future__ import annotations

import random
from datetime import timedelta

from desk.crisis.plan import ADDRESSING, BUDGETS, Budget, Target, author_key, plan

KINDS = ["mention", "reply", "quote", "keyword", "news"]
PLATFORMS = ["mastodon", "bluesky", "x", "email", "rss"]


def _random_targets(rng: random.Random, n: int) -> list[Target]:
    return [
        Target(
            id=i,
            platform=rng.choice(PLATFORMS),
            author=rng.choice(["@a", "@A", "b@x.org", "@c", "@d"]) + str(rng.randrange(n // 3 + 1)),
            kind=rng.choice(KINDS),
            open=rng.random() > 0.1,
            answered=rng.random() < 0.1,
        )
        for i in range(n)
    ]


def test_no_plan_breaks_a_rule_on_a_thousand_random_batches() -> None:
    for seed in range(1000):
        rng = random.Random(seed)
        targets = _random_targets(rng, rng.randrange(1, 400))
        used = {p: rng.randrange(0, 120) for p in PLATFORMS}
        chosen = plan(targets, used=used, reached=["@a1"])
        authors = [author_key(t.author) for t in chosen.send]
        assert len(authors) == len(set(authors))  # one reply per author
        assert "a1" not in authors  # this answer already reached @a1
        assert all(t.kind in ADDRESSING for t in chosen.send)  # X: only the summoning posts
        assert all(t.open and not t.answered for t in chosen.send)
        for platform, n in chosen.per_platform().items():
            budget = BUDGETS.get(platform, Budget(60, timedelta(hours=1)))
            assert used[platform] + n <= budget.posts
        assert len(chosen.send) + len(chosen.skipped) == len(targets)  # every skip listed


def test_each_skip_says_why() -> None:
    targets = [
        Target(1, "x", "@a", "mention", True, False),
        Target(2, "x", "@A", "reply", True, False),
        Target(3, "x", "@b", "keyword", True, False),
        Target(4, "mastodon", "@c", "mention", False, False),
        Target(5, "mastodon", "@d", "mention", True, True),
        Target(6, "x", "@e", "quote", True, False),
    ]
    chosen = plan(targets, used={"x": 59})
    assert [t.id for t in chosen.send] == [1]
    assert [(s.mention_id, s.reason) for s in chosen.skipped] == [
        (2, "same_author"),
        (3, "not_addressed"),
        (4, "closed"),
        (5, "answered"),
        (6, "over_budget"),
    ]


def test_spacing_keeps_a_batch_under_the_budget() -> None:
    assert BUDGETS["x"].spacing == timedelta(seconds=15)
    assert BUDGETS["mastodon"].spacing == timedelta(minutes=1, seconds=48)
    assert BUDGETS["x"].posts < 100
    assert BUDGETS["mastodon"].posts < 300
