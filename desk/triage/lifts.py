"""The fallback model's scores for many texts at once: ``Fallback.score`` over a chunk, with numpy.

``Triage.decide_many`` (what ingest calls) asks the model about most mentions of a chunk: those
no rule gives a category (desk.triage.fallback) and those where a single rule's word might be
overruled (desk.triage.arbitration). One text at a time, each guess is a loop over its features
in Python; here the model's lift table is one matrix (a row per feature it knows), the features
of the whole chunk are found at once as row numbers (``Lifts.rows_many``: one pass over the
texts joined, what each distinct word is to the model kept by word, never by whole text), and
the columns are added for every text of the chunk at once.

The answers are those of ``Fallback.score``, text by text: the same features (``rows_many``
finds, for the chunk, the rows of the model module's own ``features``, in the same order: a
change to ``features`` must be made there too; tests/unit/triage/test_lifts.py compares them
on every labelled set and on hostile text), each category's sum started at the same value and added in the
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
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from itertools import accumulate, chain, repeat
from weakref import WeakKeyDictionary

import numpy as np

from desk.triage import fallback
from desk.triage.fallback import Fallback
from desk.triage.words import _SEPARATED_BYTES, _WIDE_WORD, SEPARATOR

CLOSE = 1e-9  # a confidence nearer a threshold than this is worked out as Fallback.score does
Scored = tuple[str, float] | None
# the words (``tokens``: ``\w+`` runs) of texts joined by NUL, and the NUL between them
_WORDS_AND_ENDS = re.compile(r"\w+|\x00")
# the signs of texts outside ASCII, NUL (the end of a text of a page) among them: an ASCII
# sign, or any other character, which ``_signs`` keeps if it is a sign (not a word character,
# not a space): a test of two ranges and a few bytes per character, where fallback's ``_SIGN``
# asks what kind of character each one is
_ASCII_SIGNS = "".join(chr(c) for c in range(128) if fallback._SIGN.match(chr(c)))
_SIGN_OR_WIDE = re.compile(
    "[\\x80-\\U0010ffff" + "".join(f"\\x{ord(c):02x}" for c in _ASCII_SIGNS) + "]"
)
_NOT_A_SIGN = -3  # a character ``_SIGN_OR_WIDE`` finds that is a word character or a space
_BITS = 21  # of a row number or a half's number in ``Lifts._packed``
_FIELD = (1 << _BITS) - 1
_HALVES = 1 << 31  # a pair's code: its first half's number times this, plus the second's
_NOT_SIGNS = bytes(c for c in range(1, 256) if c >= 128 or not fallback._SIGN.match(chr(c)))
_NEW = -2  # a word not yet kept
KEPT_WORDS = 200_000  # distinct words (and signs) whose rows a Lifts keeps from page to page
PAGE_CHARS = 1_000_000  # characters of texts whose features are found together (``rows_many``)
TAIL = 16  # texts left with more features than all others: summed one by one (``score_many``)


def _remembered(
    known: dict[str, int], items: list[str], value_of: Callable[[str], int]
) -> np.ndarray:
    """What each of ``items`` is (``value_of``), from the memo ``known`` and, for those it
    lacks, computed once per distinct item and kept there; a page that brings more than
    KEPT_WORDS new items is not kept, and a memo that would grow past KEPT_WORDS is emptied
    first (memory stays bounded on long hostile texts)."""
    values = np.fromiter(map(known.get, items, repeat(_NEW)), dtype=np.int64, count=len(items))
    new = np.flatnonzero(values == _NEW)
    if len(new):
        keep = len(new) <= KEPT_WORDS  # a page of ever new items is not kept
        if keep and len(known) + len(new) > KEPT_WORDS:
            known.clear()
            known[SEPARATOR] = -1
        for at in new.tolist():
            item = items[at]
            value = known.get(item)
            if value is None:
                value = value_of(item)
                if keep:
                    known[item] = value
            values[at] = value
    return values


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
        # the known features of the form "a_b" (a pair, or a word with "_"), by the numbers of
        # their halves, at each "_" ("a_b_c": "a" and "b_c", "a_b" and "c"): two words in a row
        # make a known pair if and only if their code is here (``_pairs``)
        self.halves: dict[str, int] = {}
        pairs: dict[int, int] = {}
        for feature, number in self.row.items():
            if "_" not in feature:
                continue
            pieces = feature.split("_")
            for at in range(1, len(pieces)):
                first, second = "_".join(pieces[:at]), "_".join(pieces[at:])
                if first and second:  # a split: two words
                    a = self.halves.setdefault(first, len(self.halves))
                    b = self.halves.setdefault(second, len(self.halves))
                    pairs[a * _HALVES + b] = number
        # a word's rows are kept packed in one int: a model too big for that takes ``rows``
        self.packs = max(len(self.row), len(self.halves)) < _FIELD
        # a byte's row as a sign (0: not a known sign), NUL -1: the end of a text
        self._sign_table = np.array(
            [-1] + [self.row.get(chr(c), 0) for c in range(1, 256)], dtype=np.int64
        )
        self._known: dict[str, int] = {SEPARATOR: -1}
        self._known_signs: dict[str, int] = {SEPARATOR: -1}
        codes = sorted(pairs)
        self.pair_codes = np.array(codes, dtype=np.int64)
        self.pair_rows = np.array([pairs[c] for c in codes], dtype=np.int64)

    def rows(self, folded: str) -> list[int]:
        """The matrix rows of a text's known features, in the order ``features`` gives them."""
        row = self.row.get
        return [n for n in map(row, fallback.features(folded)) if n is not None]

    def rows_many(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """``rows`` of every text, one after the other, and how many each has: the same rows
        in the same order, found for a page of texts at once (``_page_rows``; a page holds at
        most PAGE_CHARS characters, or one text)."""
        count = len(texts)
        if not self.packs:  # a model too big for packed rows
            found = [self.rows(text) for text in texts]
            sizes = np.fromiter(map(len, found), dtype=np.int64, count=count)
            return np.fromiter(chain.from_iterable(found), dtype=np.int64), sizes
        # pages of at most PAGE_CHARS characters (or one text): the words of one page at a
        # time are held, never those of a whole chunk of long texts
        ends = list(accumulate(map(len, texts)))
        found_rows: list[np.ndarray] = []
        found_owners: list[np.ndarray] = []
        start = 0
        while start < count:
            before = ends[start - 1] if start else 0
            stop = max(bisect_right(ends, before + PAGE_CHARS, start), start + 1)
            page = texts[start:stop]
            alone: list[int] = []
            if SEPARATOR.join(page).count(SEPARATOR) != len(page) - 1:
                alone = [i for i, text in enumerate(page) if SEPARATOR in text]
            rows, owner = self._page_rows(page, alone)
            found_rows.append(rows)
            found_owners.append(owner + start)
            start = stop
        if not found_rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        owners = np.concatenate(found_owners)
        return np.concatenate(found_rows), np.bincount(owners, minlength=count).astype(np.int64)

    def _page_rows(self, texts: Sequence[str], alone: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """The rows of the features of texts (those of ``alone``, holding NUL, one at a time)
        and the text each belongs to, text by text in ``rows``'s order.

        The words of the texts come from one pass over them all joined by NUL: a byte table
        for those whose word characters are ASCII (most, once folded), as ``tokens`` does, and
        ``\\w+`` for the others; their signs from the bytes left when every other byte is
        deleted (ASCII texts) or from one ``findall``. What each distinct word or sign is to
        the model is looked up once and kept (``_words``); the words, stems, pairs and signs
        of each text are then put in the order ``features`` gives them, the unknown ones left
        out and the repeats dropped, with numpy. A known feature is one row, and one row one
        feature: a feature repeated is a row repeated ("a_b" may be a word and a pair)."""
        lone = set(alone)
        flags = list(map(str.isascii, texts))
        plain = [i for i, ascii in enumerate(flags) if ascii and i not in lone]  # ASCII
        narrow: list[int] = []  # other texts whose word characters are all ASCII
        wide: list[int] = []
        for index in (i for i, ascii in enumerate(flags) if not ascii and i not in lone):
            if _WIDE_WORD.search(texts[index]) is None:
                narrow.append(index)
            else:
                wide.append(index)
        ascii_text = SEPARATOR.join([texts[i] for i in plain]) + SEPARATOR if plain else ""
        other_text = SEPARATOR.join([texts[i] for i in narrow]) + SEPARATOR if narrow else ""
        wide_text = SEPARATOR.join([texts[i] for i in wide]) + SEPARATOR if wide else ""
        # the words, text by text, a NUL after each text's
        data = (ascii_text + other_text).encode("ascii", "replace").translate(_SEPARATED_BYTES)
        words = data.replace(b"\x00", b" \x00 ").decode("ascii").split()
        words += _WORDS_AND_ENDS.findall(wide_text)
        word_rows, stem_rows, halves, word_text = self._words(words, plain + narrow + wide)
        # the signs of the ASCII texts are their bytes left when all the others are deleted
        signs = np.frombuffer(ascii_text.encode("ascii").translate(None, _NOT_SIGNS), np.uint8)
        ascii_signs, ascii_text_of = self._of_texts(self._sign_table[signs], plain)
        other_signs, other_text_of = self._signs(
            _SIGN_OR_WIDE.findall(other_text + wide_text), narrow + wide
        )
        parts_rows = [word_rows, stem_rows, self._pairs(halves, word_text), ascii_signs]
        parts_text = [word_text, word_text, word_text[:-1], ascii_text_of]
        parts_rows.append(other_signs)
        parts_text.append(other_text_of)
        if alone:
            found = [self.rows(texts[index]) for index in alone]
            parts_rows.append(np.fromiter(chain.from_iterable(found), dtype=np.int64))
            parts_text.append(np.repeat(np.asarray(alone, dtype=np.int64), list(map(len, found))))
        kinds = (0, 1, 2, 3, 3, 4)  # words, stems, pairs, signs, then the texts done alone
        known = [part > 0 for part in parts_rows]  # the unknown ones left out
        rows = np.concatenate([p[k] for p, k in zip(parts_rows, known, strict=True)])
        owner = np.concatenate([p[k] for p, k in zip(parts_text, known, strict=True)])
        kind = np.repeat(np.asarray(kinds[: len(parts_rows)]), [int(k.sum()) for k in known])
        # text by text, in the order of the kinds (each kind already in the text's order)
        ranked = np.argsort(owner * 5 + kind, kind="stable")
        rows, owner = rows[ranked], owner[ranked]
        # a feature counts once per text, where it first comes
        keys = owner * (len(self.row) + 1) + rows
        if len(texts) * (len(self.row) + 1) < 1 << 31:  # half the bytes to sort
            keys = keys.astype(np.int32)
        _, first = np.unique(keys, return_index=True)
        first.sort()
        return rows[first], owner[first]

    def _pairs(self, halves: np.ndarray, text: np.ndarray) -> np.ndarray:
        """The rows of the pairs of words in a row (0: unknown), from the words' numbers as
        halves of known pairs and their texts."""
        rows = np.zeros(max(len(halves) - 1, 0), dtype=np.int64)
        if not len(self.pair_codes) or len(halves) < 2:
            return rows
        left, right = halves[:-1], halves[1:]
        maybe = np.flatnonzero((left >= 0) & (right >= 0) & (text[:-1] == text[1:]))
        code = left[maybe] * _HALVES + right[maybe]
        ranked = np.argsort(code)  # searched in order: several times faster
        code, maybe = code[ranked], maybe[ranked]
        at = np.searchsorted(self.pair_codes, code).clip(0, len(self.pair_codes) - 1)
        hit = self.pair_codes[at] == code
        rows[maybe[hit]] = self.pair_rows[at[hit]]
        return rows

    @staticmethod
    def _of_texts(values: np.ndarray, texts: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Values of texts ``texts``, each text's followed by -1, without the -1s, and the
        text each belongs to."""
        ends = values < 0
        if not len(values):
            return values.astype(np.int64), values.astype(np.int64)
        owner = np.asarray(texts, dtype=np.int64)[np.cumsum(ends) - ends]
        return values[~ends].astype(np.int64), owner[~ends]

    def _words(
        self, words: list[str], texts: list[int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For the words of texts ``texts`` (each text's followed by NUL): each word's row, its
        stem's, its number as a half of a known pair (-1: none) and its text. What a word is
        to the model is kept from page to page (``_packed``), up to ``KEPT_WORDS`` words."""
        packed = _remembered(self._known, words, self._packed)
        values, text = self._of_texts(packed, texts)
        return values & _FIELD, values >> _BITS & _FIELD, (values >> 2 * _BITS) - 1, text

    def _packed(self, word: str) -> int:
        """A word's row, its stem's row and its number as a half of a known pair plus one, in
        one int (``_BITS`` bits each)."""
        row = self.row.get
        stem = fallback.STEM
        stem_row = row(f"{word[:stem]}~", 0) if len(word) > stem else 0
        return row(word, 0) | stem_row << _BITS | (self.halves.get(word, -1) + 1) << 2 * _BITS

    def _sign(self, sign: str) -> int:
        """A character ``_SIGN_OR_WIDE`` found: its row if it is a sign, else _NOT_A_SIGN."""
        return self.row.get(sign, 0) if fallback._SIGN.match(sign) else _NOT_A_SIGN

    def _signs(self, signs: list[str], texts: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """For the characters ``_SIGN_OR_WIDE`` found in texts ``texts`` (each text's followed
        by NUL): the row of each that is a sign, and its text."""
        values = _remembered(self._known_signs, signs, self._sign)
        if not len(values):
            return values, values
        ends = values == -1
        owner = np.asarray(texts, dtype=np.int64)[np.cumsum(ends) - ends]
        kept = values >= 0
        return values[kept], owner[kept]

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
        rows, sizes = self.rows_many(texts)
        if not sizes.any():
            return [None] * count
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
        ranked_sizes = sizes[order]
        for step in range(longest):
            live = int(active[step])
            if live <= TAIL:  # the few longest texts: each finished by one accumulate
                for rank in range(live):
                    start, size = int(ranked_starts[rank]), int(ranked_sizes[rank])
                    block = np.empty((size - step + 1, table.shape[1]))
                    block[0] = ranked[rank]
                    block[1:] = table[rows[start + step : start + size]]
                    ranked[rank] = np.add.accumulate(block, axis=0)[-1]  # one add at a time
                break
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
