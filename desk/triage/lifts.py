"""The fallback model's scores for many texts at once: ``Fallback.score`` over a chunk, with numpy.

``Triage.decide_many`` (what ingest calls) asks the model about most mentions of a chunk: those
no rule gives a category (desk.triage.fallback) and those where a single rule's word might be
overruled (desk.triage.arbitration). One text at a time, each guess is a loop over its features
in Python; here the model's lift table is one matrix (a row per feature it knows), each text's
features become row numbers through a memo by feature (never by whole text), and the columns are
added for every text of the chunk at once.

The answers are those of ``Fallback.score``, text by text: the same features (the model
module's own ``features``), each category's sum started at the same value and added in the
same order (position ``k`` of every text's features is added at step ``k``: the order of
``functools.reduce`` over them), the first of equal scores wins as ``list.index`` picks it, and
the softmax adds the categories in their order. numpy's ``exp`` may differ from ``math.exp``
in the last bit: a confidence within ``CLOSE`` of a threshold the caller names is worked out
again with ``math.exp``, so a decision never depends on it. tests/unit/triage/test_lifts.py
holds it to ``Fallback.score`` over every labelled set.

The matrix is built once per model (a model is trained once per rule set) and kept beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import chain
from weakref import WeakKeyDictionary

import numpy as np

from desk.triage import fallback
from desk.triage.fallback import Fallback

CLOSE = 1e-9  # a confidence nearer a threshold than this is worked out as Fallback.score does
Scored = tuple[str, float] | None


class Lifts:
    """A Fallback's lift table as a matrix: row 0 all zeros, then one row per known feature."""

    def __init__(self, model: Fallback) -> None:
        self.categories = model.categories
        width = len(self.categories)
        self.row = {feature: number for number, feature in enumerate(model.lift, start=1)}
        self.table = np.zeros((len(self.row) + 1, width))
        self.table[1:] = np.fromiter(
            chain.from_iterable(model.lift.values()), dtype=np.float64, count=len(self.row) * width
        ).reshape(len(self.row), width)
        self.prior = np.array([model.log_prior[c] for c in self.categories])
        self.unseen = np.array([model.unseen[c] for c in self.categories])

    def rows(self, folded: str) -> list[int]:
        """The matrix rows of a text's known features, in the order ``features`` gives them."""
        row = self.row.get
        return [n for n in map(row, fallback.features(folded)) if n is not None]

    def score_many(
        self,
        texts: Sequence[str],
        flat: Sequence[bool],
        thresholds: Sequence[Sequence[float]] = (),
    ) -> list[Scored]:
        """``[model.score(text, flat=f) for text, f in zip(texts, flat)]``; ``thresholds[i]``
        (optional): the confidences text ``i``'s decision may compare with (one per category
        where they differ), near any of which it is recomputed exactly."""
        count = len(texts)
        if not self.categories or not count:
            return [None] * count
        found = [self.rows(text) for text in texts]
        sizes = np.fromiter(map(len, found), dtype=np.int64, count=count)
        if not sizes.any():
            return [None] * count
        rows = np.fromiter(
            (n for one in found for n in one), dtype=np.int64, count=int(sizes.sum())
        )
        starts = np.zeros(count, dtype=np.int64)
        np.cumsum(sizes[:-1], out=starts[1:])
        # prior + n * unseen, as Fallback.score starts each category's sum (0.0 + x is x)
        prior = np.where(np.asarray(flat, dtype=bool)[:, None], 0.0, self.prior[None, :])
        scores = prior + sizes[:, None].astype(np.float64) * self.unseen[None, :]
        # the texts with the most features first: step k adds feature k of the first ``active``
        order = np.argsort(-sizes, kind="stable")
        ranked = scores[order]
        ranked_starts = starts[order]
        longest = int(sizes[order[0]])
        active = np.searchsorted(-sizes[order], -np.arange(longest), side="left")
        table = self.table
        for step in range(longest):
            live = int(active[step])
            ranked[:live] += table[rows[ranked_starts[:live] + step]]
        scores[order] = ranked
        best = scores.argmax(axis=1)  # the first of equal scores, as list.index
        top = scores[np.arange(count), best]
        spread = np.exp(scores - top[:, None])
        total = spread[:, 0].copy()
        for column in range(1, spread.shape[1]):  # in category order, as sum() adds them
            total += spread[:, column]
        confidence = 1 / total
        answers: list[Scored] = []
        categories = self.categories
        for index, (size, category, sure) in enumerate(
            zip(sizes.tolist(), best.tolist(), confidence.tolist(), strict=True)
        ):
            if not size:
                answers.append(None)
                continue
            if index < len(thresholds) and any(abs(sure - t) <= CLOSE for t in thresholds[index]):
                row = scores[index].tolist()
                sure = 1 / sum(math.exp(s - row[category]) for s in row)
            answers.append((categories[category], sure))
        return answers


_KEPT: WeakKeyDictionary[Fallback, Lifts] = WeakKeyDictionary()


def lifts(model: Fallback) -> Lifts:
    """The matrix of ``model``, built on first use and kept while the model lives."""
    found = _KEPT.get(model)
    if found is None:
        found = _KEPT[model] = Lifts(model)
    return found
