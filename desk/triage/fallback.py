"""A small learned fallback: when no rule gives a category, a naive Bayes over words suggests one.

The rules stay the policy (readable, publishable); the model only fills in the mentions no
category rule speaks about — praise or complaints in words no list has, chatter that is
``other`` — and only when it is confident enough (``[fallback] min_confidence`` in the rule file),
and, if the rule file asks for it, overrules a category a single word of a single rule gave when
it is very sure of another (``overrule_confidence``, desk.triage.arbitration).
It is trained once per rule set (desk.triage.pipeline.fallback_model, about 0.15 s) on labelled
examples that ship with desk (desk/triage/examples.jsonl: the training part of
tests/data/triage, the development part of tests/data/triage_eval, 1,500 posts written for the
fallback in French of France and Québec and in English, marked ``"from": "written for the
fallback, ... 2026-12-07"``, then the three parts of tests/data/triage held out for four rounds
and spent since, marked with their file and id, then 600 posts two writers wrote blind in the
fifth round, who never read the rules, the examples or the other sets (``"from": "written for
the fallback, round 5, writer E|F, 2026-12-07"``), then the fifth round's blind set, spent in
the sixth (``tests/data/triage/holdout_d.jsonl#hd-001``...); never a text of a set still held
out); a team
can train it on its own corrections by pointing ``[fallback] examples`` at a JSON-lines file
of the same shape. The examples are read when the rule file loads: a bad file is refused there.

Why hand-written, and naive Bayes: it is about forty lines, and measured on the training part
(scored by a model trained without it) and on the written posts (five parts, each scored by a
model trained on the rest), it did as well as or better than complement naive Bayes and a
logistic regression over the same features (0.73 against 0.69 on the written posts). In the
sixth round, with 3,520 examples and each of ten author sets decided by a model trained on the
others (benchmarks/bench_fallback_cv.py, tests/data/triage/README.md), a numpy logistic
regression did worse alone (mean macro-F1 0.864 against 0.912) and no better averaged with it.

Not scikit-learn: it would bring tens of megabytes (and joblib, threadpoolctl) for the same
arithmetic, and the small naive Bayes packages on PyPI are unmaintained. Each guess carries its
confidence (the posterior probability of the category) and the nearest training examples, for
the explanation.
"""

from __future__ import annotations

import heapq
import itertools
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache, reduce
from operator import add
from pathlib import Path
from typing import Any

from desk.errors import ConfigError
from desk.gcpause import paused
from desk.triage.words import fold, tokens
from desk.vocabulary import CATEGORIES

EXAMPLES = Path(__file__).resolve().parent / "examples.jsonl"
SMOOTHING = 0.5  # add-half (Lidstone) counts: a word never seen with a category is not fatal
NEAREST = 2  # training examples shown in the explanation
STEM = 5  # letters of a longer word's stem feature
COMMON_FLOOR = 5  # a word in at most this many examples always counts for "nearest"
MAX_EXAMPLES_BYTES = 20 * 1024 * 1024
_SIGN = re.compile(r"[^\w\s.,'\-:/\"()]")  # a sign that is a feature: "?", "!", "$", "🙄"...


@dataclass(frozen=True)
class Guess:
    """The model's category, its posterior probability, and the closest training examples."""

    category: str
    confidence: float
    nearest: tuple[tuple[str, str], ...]  # (text, category)

    def to_json(self) -> dict[str, Any]:
        """Plain form stored in the decision's detail."""
        return {
            "category": self.category,
            "confidence": round(self.confidence, 3),
            "nearest": [{"text": t, "category": c} for t, c in self.nearest],
        }


class LaterGuess:
    """A guess whose nearest examples are looked for when its plain form is first asked for
    (``Decision.fallback``): the explanation, not the decision, needs them."""

    __slots__ = ("category", "confidence", "folded", "minimum", "model", "overruled")

    def __init__(
        self,
        model: Fallback,
        folded: str,
        category: str,
        confidence: float,
        minimum: float,
        overruled: dict[str, Any] | None = None,
    ) -> None:
        self.model = model
        self.folded = folded
        self.category = category
        self.confidence = confidence
        self.minimum = minimum
        self.overruled = overruled  # the rule it overruled (desk.triage.arbitration)

    @property
    def used(self) -> bool:
        """Whether the model is sure enough for its category to be kept."""
        return self.confidence >= self.minimum

    def to_json(self) -> dict[str, Any]:
        """The plain form stored in the decision's detail (as ``Guess.to_json`` plus whether it
        was used and the threshold)."""
        used = self.used
        nearest = self.model.nearest(self.folded, self.category) if used else ()
        return (
            Guess(self.category, self.confidence, nearest).to_json()
            | {"used": used, "min_confidence": self.minimum}
            | ({"overruled": self.overruled} if self.overruled is not None else {})
        )


def features(folded: str) -> list[str]:
    """The distinct words of already-folded text, the first ``STEM`` letters of its longer
    words ("denei~" for "déneigé", "déneigement", "deneigee"), its pairs of words in a row
    ("pas_fort", "same_story") and its signs other than the commonest punctuation ("?", "!",
    "$", "%", "@", emoji such as "🙄" or "😂"): one French or English word has many endings,
    and posts misspell them; a pair tells "pas fort" (a complaint) from "fort"; a sign says what
    words do not (a question, a price, irony). Each counts once per text (binary naive Bayes: a
    word said three times in one post is not three times the evidence). Measured leaving one
    author set out (benchmarks/bench_fallback_cv.py, fifth round): the mean macro-F1 goes from
    0.890 (words and stems) to 0.903 with the pairs, and from 0.905 to 0.908 with the signs
    (pairs instead of words did worse in the first round; three words in a row, pairs of stems,
    pairs across one word or negation marks gain nothing more)."""
    return _features(folded, tokens(folded))


def _features(folded: str, words: list[str]) -> list[str]:
    """``features`` of a text whose words (``tokens``) are already known (training needs them
    for the nearest examples too)."""
    stems = [f"{w[:STEM]}~" for w in words if len(w) > STEM]
    pairs = [f"{a}_{b}" for a, b in itertools.pairwise(words)]
    return list(dict.fromkeys(words + stems + pairs + _SIGN.findall(folded)))


class Fallback:
    """Naive Bayes over the features present in a text (``features``), trained on (text,
    category) pairs.

    ``priors`` counts the categories of the mentions the model will see: those no rule gives a
    category (mostly ``other``), found by running the rules over the examples (``for_rules``).
    Without them every category is equally likely beforehand.
    """

    @paused()  # the tables live on with the model: no collector walks them (desk.gcpause)
    def __init__(self, examples: list[tuple[str, str]], priors: Counter[str] | None = None) -> None:
        # Built in bulk, not one feature at a time: each category's counts by one Counter over
        # its examples' features (the same first-seen order as one update per example), and a
        # logarithm per distinct count, not per feature. The tables are those of the plain way
        # to the bit (the same math.log of the same quotients, the same subtractions);
        # tests/unit/triage/test_training.py holds them to it (tests/helpers/training.py).
        folded_texts = [fold(text) for text, _ in examples]
        words_of = [tokens(folded) for folded in folded_texts]
        featured: dict[str, list[list[str]]] = {c: [] for c in CATEGORIES}
        for folded, words, (_, category) in zip(folded_texts, words_of, examples, strict=True):
            featured[category].append(_features(folded, words))
        counts = {c: Counter(itertools.chain.from_iterable(featured[c])) for c in CATEGORIES}
        vocabulary = set().union(*counts.values())
        size = len(vocabulary) or 1
        self.categories = tuple(c for c in CATEGORIES if counts[c])
        self.log_p: dict[str, dict[str, float]] = {}
        self.unseen: dict[str, float] = {}
        lifted: dict[str, dict[str, float]] = {}
        for category in self.categories:
            counted = counts[category]
            total = sum(counted.values()) + SMOOTHING * size
            unseen = math.log(SMOOTHING / total)
            # a word's log-probability depends only on its count: one logarithm per count
            by_count = {n: math.log((n + SMOOTHING) / total) for n in set(counted.values())}
            lift_by_count = {n: log_p - unseen for n, log_p in by_count.items()}
            seen, numbers = list(counted), list(counted.values())
            self.log_p[category] = dict(zip(seen, map(by_count.__getitem__, numbers), strict=True))
            lifted[category] = dict(zip(seen, map(lift_by_count.__getitem__, numbers), strict=True))
            self.unseen[category] = unseen
        weights = priors or Counter()
        whole = sum(weights.values()) + len(self.categories)
        self.log_prior = {c: math.log((weights[c] + 1) / whole) for c in self.categories}
        self._base = [(self.log_prior[c], self.unseen[c]) for c in self.categories]
        # without the priors: where a rule has spoken, the mention is not one of those the
        # rules leave uncategorised, so only its words weigh (desk.triage.arbitration)
        self._flat = [(0.0, self.unseen[c]) for c in self.categories]
        # per feature, how much more likely it is in each category than an unseen word (0.0
        # where it was never seen with the category): a guess adds these up column by column
        # in C, in the order the features come, so the sums are those of adding one at a time
        order = list(vocabulary)
        columns = [list(map(lifted[c].get, order, itertools.repeat(0.0))) for c in self.categories]
        self.lift: dict[str, tuple[float, ...]] = dict(
            zip(order, zip(*columns, strict=True), strict=True)
        )
        self.vocabulary = vocabulary
        self.texts = list(examples)  # as written, for the explanation
        self.sets = [frozenset(words) for words in words_of]
        postings: dict[str, list[int]] = {}
        for index, distinct in enumerate(self.sets):
            for word in distinct:
                postings.setdefault(word, []).append(index)
        # words in more than one example in twenty ("the", "de", "la") tell little about which
        # example is nearest, and reading their long lists would cost most of the time; the
        # nearest examples are looked for among those of the guessed category
        common = max(COMMON_FLOOR, len(examples) // 20)
        self.postings: dict[tuple[str, str], list[int]] = {}
        for word, ids in postings.items():
            if len(ids) <= common:
                for index in ids:
                    self.postings.setdefault((examples[index][1], word), []).append(index)

    def guess(self, folded: str, minimum: float = 0.0) -> Guess | None:
        """The most probable category of already-folded text (None: no known word in it).

        The nearest examples are looked for only when the confidence reaches ``minimum``."""
        scored = self.score(folded)
        if scored is None:
            return None
        best, confidence = scored
        nearest = self.nearest(folded, best) if confidence >= minimum else ()
        return Guess(best, confidence, nearest)

    def score(self, folded: str, *, flat: bool = False) -> tuple[str, float] | None:
        """The most probable category of already-folded text and its posterior probability,
        without the nearest examples (None: no known word in it). ``flat``: every category
        equally likely beforehand (the priors left out)."""
        if not self.categories:
            return None
        seen = [lifts for lifts in map(self.lift.get, features(folded)) if lifts is not None]
        if not seen:
            return None
        n = len(seen)
        base = self._flat if flat else self._base
        scores = [
            reduce(add, column, prior + n * unseen)
            for (prior, unseen), column in zip(base, zip(*seen, strict=True), strict=True)
        ]
        top = max(scores)
        best = self.categories[scores.index(top)]
        return best, 1 / sum(math.exp(s - top) for s in scores)

    def later(self, folded: str, minimum: float) -> LaterGuess | None:
        """The guess for a decision: category and confidence now, the nearest examples (for
        the explanation) when the decision's detail is asked for."""
        scored = self.score(folded)
        if scored is None:
            return None
        return LaterGuess(self, folded, scored[0], scored[1], minimum)

    def nearest(self, folded: str, category: str) -> tuple[tuple[str, str], ...]:
        """The examples of ``category`` sharing the most words with the text (cosine of word
        sets, the commonest words left out)."""
        words = frozenset(tokens(folded))
        shared: Counter[int] = Counter()
        for word in words:
            ids = self.postings.get((category, word))
            if ids:
                shared.update(ids)
        sizes = self.sets
        ranked = heapq.nsmallest(
            NEAREST, shared, key=lambda i: (-shared[i] / math.sqrt(len(sizes[i]) * len(words)), i)
        )
        return tuple(self.texts[i] for i in ranked)


def read_examples(path: Path) -> list[tuple[str, str]]:
    """(text, category) pairs of a JSON-lines file of ``{"text", "category"}`` objects;
    ConfigError names the file and the bad line (desk.triage.rules reads them when the rule
    file loads, so a bad file is refused there and not in the middle of an import)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_EXAMPLES_BYTES + 1)
    except OSError as exc:
        raise ConfigError.from_catalog(
            "examples_unreadable", path=str(path), reason=exc.strerror or str(exc)
        ) from exc
    if len(data) > MAX_EXAMPLES_BYTES:
        raise ConfigError.from_catalog(
            "examples_too_big", path=str(path), limit=f"{MAX_EXAMPLES_BYTES:,}"
        )
    examples = []
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except RecursionError as exc:  # "[[[[..." deeper than Python's stack
            raise ConfigError.from_catalog("examples_deep", path=str(path), line=number) from exc
        except ValueError as exc:
            if isinstance(exc, json.JSONDecodeError):
                raise ConfigError.from_catalog(
                    "examples_json_at",
                    path=str(path),
                    line=number,
                    detail=exc.msg,
                    column=exc.colno,
                ) from exc
            raise ConfigError.from_catalog("examples_json", path=str(path), line=number) from exc
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("text"), str)
            or item.get("category") not in CATEGORIES
        ):
            raise ConfigError.from_catalog(
                "examples_item", path=str(path), line=number, categories=", ".join(CATEGORIES)
            )
        examples.append((item["text"], str(item["category"])))
    return examples


@lru_cache(maxsize=4)
def examples_of(path: Path = EXAMPLES) -> tuple[tuple[str, str], ...]:
    """The examples of a file, read once per process."""
    return tuple(read_examples(path))


def for_rules(examples: tuple[tuple[str, str], ...], uncategorised: list[bool]) -> Fallback:
    """The model for a rule set: ``uncategorised[i]`` says no rule gave example i a category,
    so the priors are those of the mentions the model fills in."""
    priors = Counter(c for (_, c), none in zip(examples, uncategorised, strict=True) if none)
    return Fallback(list(examples), priors)
