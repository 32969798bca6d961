"""The fallback model trained the plain way, one example and one feature at a time, as
desk.triage.fallback and desk.triage.pipeline trained it before they built its tables in bulk
(commit 665ed17): tests/unit/triage/test_training.py holds the bulk way to it, to the bit, and
benchmarks/bench_training.py times both."""

from __future__ import annotations

import math
from collections import Counter

from desk.triage.conditions import Facts
from desk.triage.engine import evaluate
from desk.triage.fallback import COMMON_FLOOR, SMOOTHING, Fallback, features
from desk.triage.pipeline import _TRAINING_AT, _training_moment
from desk.triage.rules import RuleSet
from desk.triage.words import fold, tokens
from desk.vocabulary import CATEGORIES


class PlainFallback(Fallback):
    """A Fallback whose tables are built one example, one word and one logarithm at a time."""

    def __init__(self, examples: list[tuple[str, str]], priors: Counter[str] | None = None) -> None:
        counts = {c: Counter[str]() for c in CATEGORIES}
        folded_texts = [fold(text) for text, _ in examples]
        for folded, (_, category) in zip(folded_texts, examples, strict=True):
            counts[category].update(features(folded))
        vocabulary = set().union(*counts.values())
        size = len(vocabulary) or 1
        self.categories = tuple(c for c in CATEGORIES if counts[c])
        self.log_p: dict[str, dict[str, float]] = {}
        self.unseen: dict[str, float] = {}
        for category in self.categories:
            total = sum(counts[category].values()) + SMOOTHING * size
            self.log_p[category] = {
                word: math.log((n + SMOOTHING) / total) for word, n in counts[category].items()
            }
            self.unseen[category] = math.log(SMOOTHING / total)
        weights = priors or Counter()
        whole = sum(weights.values()) + len(self.categories)
        self.log_prior = {c: math.log((weights[c] + 1) / whole) for c in self.categories}
        self._base = [(self.log_prior[c], self.unseen[c]) for c in self.categories]
        self._flat = [(0.0, self.unseen[c]) for c in self.categories]
        self.lift: dict[str, tuple[float, ...]] = {}
        for word in vocabulary:
            self.lift[word] = tuple(
                self.log_p[c][word] - self.unseen[c] if word in self.log_p[c] else 0.0
                for c in self.categories
            )
        self.vocabulary = vocabulary
        self.texts = list(examples)
        self.sets = [frozenset(tokens(folded)) for folded in folded_texts]
        postings: dict[str, list[int]] = {}
        for index, words in enumerate(self.sets):
            for word in words:
                postings.setdefault(word, []).append(index)
        common = max(COMMON_FLOOR, len(examples) // 20)
        self.postings: dict[tuple[str, str], list[int]] = {}
        for word, ids in postings.items():
            if len(ids) <= common:
                for index in ids:
                    self.postings.setdefault((examples[index][1], word), []).append(index)


def plain_uncategorised(examples: tuple[tuple[str, str], ...], ruleset: RuleSet) -> list[bool]:
    """Whether no rule gives each example a category, ``evaluate`` one example at a time."""
    found = []
    for text, _ in examples:
        facts = Facts(
            text, fold(text), {}, "other", "x", "", "mention", "", _TRAINING_AT, _training_moment
        )
        found.append(evaluate(facts, ruleset).category_rule is None)
    return found


def plain_model(examples: tuple[tuple[str, str], ...], ruleset: RuleSet) -> PlainFallback:
    """The model desk.triage.pipeline.fallback_model trained for ``ruleset``, the plain way."""
    none = plain_uncategorised(examples, ruleset)
    priors = Counter(c for (_, c), no in zip(examples, none, strict=True) if no)
    return PlainFallback(list(examples), priors)
