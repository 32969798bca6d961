"""Crisis mode: clustering 10,000 open mentions and surge detection over 1,000,000 bucketed counts;
prints JSON figures, each beside a baseline measured in the same run.

- ``cluster_10k_s``: desk.crisis.clusters.clusters on 10,000 posts (30 % variants of five FR/EN
  rumours: RT prefixes, hashtags, links, emoji, dropped words; the rest distinct questions),
  with ``precision`` and ``recall`` (pairwise, against the generator's labels). Baseline
  ``exact_10k_s``: grouping the same posts by their normalised text only (a dict: the cheapest
  grouping there is, which finds copies but no near-duplicates); ``datasketch_import_s`` is the
  one-time import (numpy, scipy) included in the first figure.
- ``surge_1m_s``: desk.crisis.surge.detect over 1,000,000 five-minute counts (about 9.5 years of
  one topic, or 100 topics over a month), Poisson lambda 3 with x5 steps. Baseline
  ``sum_1m_s``: one pass of Python's sum over the same counts (the floor of any per-bucket
  work in pure Python).

Target (issue 14): 5,000 open mentions clustered in < 5 s on one core.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import string
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desk.crisis.clusters import Post, clusters, groups, normalise  # noqa: E402
from desk.crisis.surge import detect  # noqa: E402

RUMOURS = [
    "L'eau du robinet est contaminée à l'E. coli, ne buvez pas l'eau du quartier nord",
    "The tap water is contaminated with E. coli, do not drink the water in the north end",
    "Les écoles seront fermées demain à cause de la tempête, c'est officiel",
    "Schools will be closed tomorrow because of the storm, it's official",
    "Le pont Champlain est fermé suite à un effondrement, évitez le secteur",
]
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def posts(n: int, rng: random.Random) -> tuple[list[Post], list[int]]:
    """``n`` posts and their true group (-1 - i for a post alone)."""
    vocabulary = [
        "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 9)))
        for _ in range(3000)
    ]
    made: list[Post] = []
    truth: list[int] = []
    for i in range(n):
        if rng.random() < 0.3:
            label = rng.randrange(len(RUMOURS))
            words = RUMOURS[label].split()
            if rng.random() < 0.5:
                del words[rng.randrange(len(words))]
            if rng.random() < 0.3:
                words.insert(0, f"RT @user{rng.randrange(99)}:")
            if rng.random() < 0.3:
                words.append("#urgent")
            if rng.random() < 0.3:
                words.append(f"https://t.co/{rng.randrange(10**8):08d}")
            if rng.random() < 0.3:
                words.append("😱")
            text = " ".join(words)
        else:
            label = -1 - i
            text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(5, 14)))
        made.append(Post(i + 1, text, f"@a{rng.randrange(n)}", "fr", T0 + timedelta(seconds=i)))
        truth.append(label)
    return made, truth


def pairwise(found: list[list[int]], truth: list[int]) -> tuple[float, float]:
    """Pairwise precision and recall of ``found`` groups against ``truth`` labels."""
    label = {i: g for g, members in enumerate(found) for i in members}
    pairs = Counter((label[i], truth[i]) for i in range(len(truth)))
    predicted = Counter(label[i] for i in range(len(truth)))
    expected = Counter(truth)

    def c2(x: int) -> int:
        return x * (x - 1) // 2

    both = sum(c2(v) for v in pairs.values())
    return both / max(1, sum(c2(v) for v in predicted.values())), both / max(
        1, sum(c2(v) for v in expected.values())
    )


def poisson(rng: random.Random, rate: float) -> int:
    limit, k, p = math.exp(-rate), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def main() -> None:
    rng = random.Random(14)
    figures: dict[str, float | int] = {}

    started = time.perf_counter()
    import datasketch  # noqa: F401

    figures["datasketch_import_s"] = round(time.perf_counter() - started, 3)

    for n in (5_000, 10_000):
        made, truth = posts(n, rng)
        started = time.perf_counter()
        found = clusters(made, now=T0 + timedelta(days=1))
        figures[f"cluster_{n // 1000}k_s"] = round(time.perf_counter() - started, 3)
        figures[f"clusters_{n // 1000}k"] = len(found)
        precision, recall = pairwise(groups(made), truth)
        figures[f"precision_{n // 1000}k"] = round(precision, 4)
        figures[f"recall_{n // 1000}k"] = round(recall, 4)
        started = time.perf_counter()
        exact: dict[str, list[int]] = {}
        for post in made:
            exact.setdefault(normalise(post.text), []).append(post.id)
        figures[f"exact_{n // 1000}k_s"] = round(time.perf_counter() - started, 3)

    quiet = [poisson(rng, 3) for _ in range(10_000)]
    step = [poisson(rng, 15) for _ in range(12)]
    counts = list(itertools.islice(itertools.cycle(quiet + step), 1_000_000))
    started = time.perf_counter()
    found_surges = detect(counts)
    figures["surge_1m_s"] = round(time.perf_counter() - started, 3)
    figures["surges_1m"] = len(found_surges)
    started = time.perf_counter()
    figures["sum_1m"] = sum(counts)
    figures["sum_1m_s"] = round(time.perf_counter() - started, 4)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
