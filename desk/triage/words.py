"""Word and phrase matching: every word list of a rule file compiled into one lookup.

A text is folded (case and accents) and scanned once by an Aho-Corasick automaton holding every
entry of every list, so the cost grows with the text, not with the number of rules. A word list entry is a
sequence of tokens (``"il paraît"`` -> ``il``, ``parait``; ``"e. coli"`` -> ``e``, ``coli``); it
matches where the text has the same tokens in a row, whatever punctuation separates them. Word
boundaries and French elision (``l'eau`` -> ``l``, ``eau``) come out of tokenising. A token may end
with ``*`` to match any word starting with it (``déneig*`` matches ``déneigement``, ``déneigée``).

Two refinements keep words from firing where they mean no harm, in the same single pass:

- *harmless phrases* (``feux de circulation``, ``fire station``): a word found only inside one of
  them does not count (``feu`` in ``feu de circulation``), while the phrase itself may still be an
  entry of a list;
- *negation*, for the lists that ask for it: an entry right after a negating word (``aucune
  contamination``, ``no fire``, ``pas de danger``: a negator among the ``window`` words before it,
  in the same sentence) does not count for those lists. The window ends at ``. ! ? ; :`` and new
  lines: in "Is anyone coming? No! Fire on Elm St" the "no" answers the question, it does not
  deny the fire.

Every occurrence set aside this way is reported (``Skipped``), so a decision can say why a word
did not fire.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import ahocorasick
import regex

_MARKS = regex.compile(r"\p{Mn}+")
_TOKEN = re.compile(r"\w+")
_NON_WORD = re.compile(r"\W+")
# ASCII bytes with every non-word byte (not [A-Za-z0-9_], as \W reads ASCII) made a space
_WIDE_WORD = re.compile(r"[^\W\x00-\x7f]")  # a word character outside ASCII
_WORD_BYTES = bytes(
    c if chr(c).isascii() and (chr(c).isalnum() or c == 95) else 32 for c in range(256)
)
_SENTENCE_END = re.compile(r"[.!?;:\n\r]")  # a negator does not reach past one of these
_END_MARK = "|"  # a run of punctuation holding a sentence end, in ``_marked``
_MARK_BYTES = bytes(
    c
    if chr(c).isascii() and (chr(c).isalnum() or c == 95)
    else 124
    if chr(c) in ".!?;:\n\r"
    else 32
    for c in range(256)
)  # ASCII: a word byte kept, a sentence end "|", any other byte a space
# the same for text whose "?" were made "!" (another sentence end) and whose characters outside
# ASCII, none of them a word character, were then each made a "?": here a space
_MARK_NARROW_BYTES = _MARK_BYTES[: ord("?")] + b" " + _MARK_BYTES[ord("?") + 1 :]
_END_AND_AFTER = re.compile(rb"\|[ |]*")
_SPACES = re.compile(rb" +")
_PATTERN_TOKEN = re.compile(r"\w+\*?")
_STAR_INSIDE = re.compile(r"\w\*\w")  # "déneig*ment": a * followed by more of the word
PREFIX_KEY = 3  # phrases starting with a prefix word are tried where a word starts like it
_OTHER_THAN_MARKS = re.compile("[^\x00-\x7f\u0300-\u036f]")  # non-ASCII, not an accent
# ``WordIndex.scan_many``: texts joined by NUL, which no key holds, so no match spans two texts
SEPARATOR = "\x00"
_SEPARATED_BYTES = bytes(0 if c == 0 else _WORD_BYTES[c] for c in range(256))  # NUL kept
MIN_PREFIX = 3


def fold(text: str) -> str:
    """Case- and accent-insensitive form used for matching (``Déneigement`` -> ``deneigement``)."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    if _OTHER_THAN_MARKS.search(decomposed) is None:  # only accents: drop them at C speed
        return decomposed.encode("ascii", "ignore").decode("ascii")
    return _MARKS.sub("", decomposed).replace("’", "'")


def tokens(folded_text: str) -> list[str]:
    r"""The words of already-folded text (``l'eau`` -> ``l``, ``eau``): ``\w+`` runs. Text
    whose word characters are all ASCII (most, once folded) is split after a byte table made
    every other character a space, twice as fast as the regular expression."""
    if folded_text.isascii():
        return folded_text.encode("ascii").translate(_WORD_BYTES).decode("ascii").split()
    if _WIDE_WORD.search(folded_text) is None:  # only dashes, emoji...: each one non-word
        data = folded_text.encode("ascii", "replace").translate(_WORD_BYTES)
        return data.decode("ascii").split()
    return _TOKEN.findall(folded_text)


def pattern_tokens(entry: str) -> tuple[str, ...]:
    """The folded tokens of a word-list entry; a trailing ``*`` marks a prefix token."""
    return tuple(_PATTERN_TOKEN.findall(fold(entry)))


def entry_problem(entry: str) -> tuple[str, dict[str, Any]] | None:
    """Why a word-list entry cannot be used, as a code of the catalogs' ``[rule_problem]`` and
    its values, or None when it is fine."""
    parts = pattern_tokens(entry)
    if not parts:
        return "entry_no_letters", {}
    for part in parts:
        if part.endswith("*") and len(part) - 1 < MIN_PREFIX:
            return "entry_short_prefix", {"prefix": part, "least": MIN_PREFIX}
    stray = entry.count("*") - sum(p.endswith("*") for p in parts)
    if stray or _STAR_INSIDE.search(fold(entry)):
        return "entry_star_inside", {}
    return None


def _token_matches(pattern: str, token: str) -> bool:
    if pattern.endswith("*"):
        return token.startswith(pattern[:-1])
    return token == pattern


Entry = tuple[tuple[str, ...], str, tuple[int, ...]]  # tokens, display form, list ids
Found = list[tuple[str, tuple[int, ...]]]  # (display form, list ids) for one automaton key
NEGATION_WINDOW = 3  # words before an entry where a negator cancels it
_BEFORE = 80  # characters before an entry read to find the words of the negation window


@dataclass(frozen=True, slots=True)
class Skipped:
    """An occurrence that did not count: ``reason`` is ``negated`` (``by`` is the negator) or
    ``phrase`` (``by`` is the harmless phrase it sits in); ``lists`` are the ids it missed."""

    word: str
    reason: str
    by: str
    lists: tuple[int, ...]


class WordIndex:
    """Many word lists, each with an id, compiled into one Aho-Corasick automaton (in C).

    The folded text is written as its words separated by single spaces, with a space at each
    end; an entry is the key `` word word `` (or `` word stem`` when its last word is a prefix),
    so one pass over the text finds every occurrence of every entry, overlapping ones included,
    and a key can only match whole words. Phrases with a prefix before their last word (rare)
    are checked word by word.
    """

    def __init__(
        self,
        lists: dict[int, tuple[str, ...]],
        *,
        harmless: tuple[str, ...] = (),
        negatable: frozenset[int] = frozenset(),
        negators: tuple[str, ...] = (),
        window: int = NEGATION_WINDOW,
    ) -> None:
        merged: dict[tuple[str, ...], tuple[str, list[int]]] = {}
        for list_id, entries in lists.items():
            for entry in entries:
                parts = pattern_tokens(entry)
                if parts:
                    merged.setdefault(parts, (entry.strip(), []))[1].append(list_id)
        keys: dict[str, Found] = {}
        self.slow: dict[str, list[Entry]] = {}  # first token (or its first letters) -> phrases
        for parts, (shown, id_list) in merged.items():
            ids = tuple(dict.fromkeys(id_list))
            if any(p.endswith("*") for p in parts[:-1]):
                first = parts[0]
                key = first[:-1][:PREFIX_KEY] if first.endswith("*") else first
                self.slow.setdefault(key, []).append((parts, shown, ids))
                continue
            body = " ".join(p.rstrip("*") for p in parts)
            key = f" {body}" if parts[-1].endswith("*") else f" {body} "
            keys.setdefault(key, []).append((shown, ids))
        phrases: dict[str, str] = {}
        for phrase in harmless:
            words = tokens(fold(phrase))
            if words:
                phrases.setdefault(f" {' '.join(words)} ", phrase.strip())
        self.negatable = negatable
        self.negators = frozenset(tokens(fold(" ".join(negators))))
        self.window = window
        self._longest = max(map(len, phrases), default=0)  # of a phrase key, spaces included
        self.automaton = ahocorasick.Automaton()
        for key in keys.keys() | phrases.keys():
            found = keys.get(key, [])
            negated = any(not negatable.isdisjoint(ids) for _shown, ids in found)
            mask = list_mask(i for _shown, ids in found for i in ids)
            harmless_here = phrases.get(key)
            careful = harmless_here is not None or (negated and bool(self.negators))
            value = (len(key), found, harmless_here, negated, mask, careful)
            self.automaton.add_word(key, value)
        if keys or phrases:
            self.automaton.make_automaton()
        self._empty = not keys

    def find(self, folded_text: str, skipped: list[Skipped] | None = None) -> dict[int, list[str]]:
        """List id -> the entries of that list found in already-folded text (sorted).

        Occurrences inside a harmless phrase, or negated for a list that asks for it, are left
        out and, when ``skipped`` is given, appended to it."""
        return hits_of(self.scan(folded_text, skipped)[1])

    def scan(
        self, folded_text: str, skipped: list[Skipped] | None = None
    ) -> tuple[int, list[Found]]:
        """``find`` in compact form, for the engine: the list ids with hits as a bit mask (bit
        ``i`` for list ``i``) and the groups of (entry, list ids) that counted, which
        ``hits_of`` turns into ``find``'s answer only when an explanation needs it."""
        groups: list[Found] = []
        mask = 0
        if not self._empty:
            spaced = spaced_words(folded_text)
            for _end, value in self.automaton.iter(spaced):
                if value[5]:  # a harmless phrase, or a word that may be negated: look closer
                    groups.clear()
                    mask = self._scan_careful(spaced, folded_text, groups, skipped)
                    break
                mask |= value[4]
                groups.append(value[1])
        if self.slow:
            mask |= self._find_slow(folded_text, groups, skipped)
        return mask, groups

    def scan_many(
        self, folded_texts: Sequence[str], skipped: Sequence[list[Skipped]]
    ) -> list[tuple[int, list[Found]]]:
        """``scan`` of many texts (``skipped[i]`` for text ``i``), the same answers: the texts'
        spaced forms are made in one pass over them all joined by NUL, and read by one pass of
        the automaton; a text where an occurrence needs a closer look (harmless phrase,
        negation), holding NUL itself, or with phrases tried word by word, is scanned alone."""
        count = len(folded_texts)
        if self._empty or self.slow or count < 2:
            return [self.scan(text, skipped[i]) for i, text in enumerate(folded_texts)]
        joined = SEPARATOR.join(folded_texts)
        if joined.count(SEPARATOR) != count - 1:  # a text holds NUL: those are scanned alone
            alone = {i for i, text in enumerate(folded_texts) if SEPARATOR in text}
            rest = [i for i in range(count) if i not in alone]
            together = iter(
                self.scan_many([folded_texts[i] for i in rest], [skipped[i] for i in rest])
            )
            return [
                self.scan(text, skipped[i]) if i in alone else next(together)
                for i, text in enumerate(folded_texts)
            ]
        spaced_forms = _spaced_many(folded_texts)
        spaced = SEPARATOR.join(spaced_forms)
        # the NUL after text i is at bounds[i]: its occurrences end before it
        bounds = [length + i for i, length in enumerate(accumulate(map(len, spaced_forms)))]
        masks = [0] * count
        groups: list[list[Found]] = [[] for _ in range(count)]
        careful: list[int] = []
        at, bound = 0, bounds[0]
        mask, group = 0, groups[0]
        for end, value in self.automaton.iter(spaced):
            if end > bound:
                masks[at] = mask
                at = bisect_left(bounds, end, at + 1)
                bound, mask, group = bounds[at], 0, groups[at]
            if value[5]:  # a harmless phrase, or a word that may be negated: looked at alone
                if not careful or careful[-1] != at:
                    careful.append(at)
                continue
            mask |= value[4]
            group.append(value[1])
        masks[at] = mask
        results = list(zip(masks, groups, strict=True))
        for i in careful:  # as ``scan`` ends up for them, without its first partial pass
            group_list: list[Found] = []
            text = folded_texts[i]
            mask = self._scan_careful(spaced_words(text), text, group_list, skipped[i])
            results[i] = (mask, group_list)
        return results

    def _scan_careful(
        self,
        spaced: str,
        folded_text: str,
        groups: list[Found],
        skipped: list[Skipped] | None,
    ) -> int:
        """``scan`` with harmless phrases and negation: occurrences are collected with their
        place first, since a phrase ends after the words inside it. The sentence ends are
        looked for only when a negator is near an occurrence (``_marked``)."""
        found_at = []
        spans: list[tuple[int, int, str]] = []  # harmless phrases found, in the order they end
        span_ends: list[int] = []
        negatable = False
        mask = 0
        for end, value in self.automaton.iter(spaced):
            length, found, phrase, negated, bits, _careful = value
            if phrase is not None:
                spans.append((end - length + 1, end, phrase))
                span_ends.append(end)
            if found:
                found_at.append((end - length + 1, end, found, negated))
                negatable = negatable or negated
                mask |= bits
        if not spans and not negatable:  # the usual case: nothing to set aside
            groups.extend(item[2] for item in found_at)
            return mask
        mask = 0
        marked: str | None = None
        longest = self._longest
        for start, end, found, negated in found_at:
            inside = None
            # a phrase holding the occurrence ends at or after it, and at most a phrase's
            # length after it starts: only those few are looked at, however many there are
            at = bisect_left(span_ends, end)
            while at < len(spans) and span_ends[at] < start + longest:
                a, b, phrase = spans[at]
                if a <= start and (a != start or b != end):
                    inside = phrase
                    break
                at += 1
            by = None
            if negated and inside is None:
                by = self._negator(spaced[max(0, start - _BEFORE) : start].split())
                if by is not None:  # in the same sentence?
                    if marked is None:
                        marked = _marked(folded_text)
                    # start is the space before the occurrence's first word: it may be a mark
                    window = marked[max(0, start - _BEFORE) : start + 1]
                    by = self._negator(window.rpartition(_END_MARK)[2].split())
            kept_here: Found = []
            for shown, ids in found:
                if inside is not None:
                    if skipped is not None:
                        skipped.append(Skipped(shown, "phrase", inside, ids))
                    continue
                kept = ids
                if by is not None and not self.negatable.isdisjoint(ids):
                    kept = tuple(i for i in ids if i not in self.negatable)
                    if skipped is not None:
                        lost = tuple(i for i in ids if i in self.negatable)
                        skipped.append(Skipped(shown, "negated", by, lost))
                if kept:
                    kept_here.append((shown, kept))
                    mask |= list_mask(kept)
            if kept_here:
                groups.append(kept_here)
        return mask

    def _negator(self, before: list[str]) -> str | None:
        """The negating word among the last ``window`` words of ``before``, nearest first."""
        for word in reversed(before[-self.window :]):
            if word in self.negators:
                return word
        return None

    def _find_slow(
        self, folded_text: str, groups: list[Found], skipped: list[Skipped] | None
    ) -> int:
        """Phrases with a prefix before their last word, tried word by word; adds their groups
        and returns the mask of the lists they hit."""
        mask = 0
        words = tokens(folded_text)
        first: list[int] | None = None  # where each word's sentence starts, when needed
        for key, entries in self.slow.items():
            starts = [i for i, w in enumerate(words) if w.startswith(key)]
            for parts, shown, ids in entries:
                at = [i for i in starts if _phrase_at(parts, words, i)]
                if not at:
                    continue
                kept = ids
                if self.negatable and not self.negatable.isdisjoint(ids):
                    if first is None:
                        first = _sentence_starts(folded_text)
                    negators = [
                        self._negator(words[max(0, i - self.window, first[i]) : i]) for i in at
                    ]
                    if all(negators):  # every occurrence is negated
                        kept = tuple(i for i in ids if i not in self.negatable)
                        if skipped is not None:
                            lost = tuple(i for i in ids if i in self.negatable)
                            skipped.append(Skipped(shown, "negated", str(negators[0]), lost))
                if kept:
                    groups.append([(shown, kept)])
                    mask |= list_mask(kept)
        return mask


def list_mask(ids: Iterable[int]) -> int:
    """The bit mask of some list ids (bit ``i`` for list ``i``)."""
    mask = 0
    for list_id in ids:
        mask |= 1 << list_id
    return mask


def hits_of(groups: list[Found], only: frozenset[int] | None = None) -> dict[int, list[str]]:
    """List id -> its entries found (sorted), from the groups of ``WordIndex.scan``; ``only``:
    those lists alone (what one rule matched, desk.triage.compiled.Found.matched_of)."""
    hits: dict[int, set[str]] = {}
    for found in groups:
        for shown, ids in found:
            if only is not None:
                if only.isdisjoint(ids):
                    continue
                ids = tuple(i for i in ids if i in only)
            for list_id in ids:
                seen = hits.get(list_id)
                if seen is None:
                    hits[list_id] = {shown}
                else:
                    seen.add(shown)
    return {i: sorted(found) if len(found) > 1 else list(found) for i, found in hits.items()}


def _phrase_at(parts: tuple[str, ...], words: list[str], position: int) -> bool:
    if position + len(parts) > len(words):
        return False
    return all(_token_matches(p, words[position + i]) for i, p in enumerate(parts))


def spaced_words(folded_text: str) -> str:
    r"""The text the automaton reads: every run of non-word characters one space, and a space
    at each end (``" " + re.sub(r"\W+", " ", text) + " "``); ASCII text, the usual case once
    folded, is done with a byte table, several times faster than the regular expression, and
    so is text whose other characters are all non-word ones (dashes, emoji)."""
    if folded_text.isascii():
        data = folded_text.encode("ascii")
    elif _WIDE_WORD.search(folded_text) is None:  # only dashes, emoji...: each one non-word
        data = folded_text.encode("ascii", "replace")  # "?" for each, not a word character
    else:
        data = b""
    if data:
        table = data.translate(_WORD_BYTES)
        words = table.split()
        if words:
            inner = b" ".join(words).decode("ascii")
            head = "  " if table[0] == 32 else " "
            tail = "  " if table[-1] == 32 else " "
            return head + inner + tail
    return " " + _NON_WORD.sub(" ", folded_text) + " "


def _narrow(text: str) -> bool:
    """Whether every word character of a text is ASCII (its other characters, dashes or
    emoji, each count as one non-word byte): most texts, once folded."""
    return text.isascii() or _WIDE_WORD.search(text) is None


def _spaced_many(folded_texts: Sequence[str]) -> list[str]:
    """``spaced_words`` of each text (none holding NUL), or a form the automaton reads the
    same: texts whose word characters are all ASCII, most once folded, are done in one
    byte-table pass over them all joined by NUL (each gets its words between single spaces; an
    end may get two spaces, which no key holds), the others one at a time."""
    narrow = [_narrow(text) for text in folded_texts]
    plain = [text for text, byte_wise in zip(folded_texts, narrow, strict=True) if byte_wise]
    if len(plain) > 1:
        joined = SEPARATOR.join(plain).encode("ascii", "replace")  # "?": not a word byte
        data = b" ".join(joined.translate(_SEPARATED_BYTES).split())
        forms = (" " + data.replace(b"\x00", b" \x00 ").decode("ascii") + " ").split(SEPARATOR)
        if len(plain) == len(folded_texts):
            return forms
        narrow_forms = iter(forms)
        return [
            next(narrow_forms) if byte_wise else spaced_words(text)
            for text, byte_wise in zip(folded_texts, narrow, strict=True)
        ]
    return [spaced_words(text) for text in folded_texts]


def _mark_run(run: re.Match[str]) -> str:
    return _END_MARK if _SENTENCE_END.search(run.group()) else " "


def _marked(folded_text: str) -> str:
    """The spaced form of ``WordIndex.find`` (every run of non-word characters one space), but
    with ``|`` for the runs that end a sentence: the same length, so its places are the same.

    ASCII text goes through a byte table (word bytes kept, sentence ends ``|``, the rest a
    space) and three substitutions that each start at a fixed byte and never step back, so
    the work stays linear however long a run of punctuation is; other text takes a callback
    per run. Text whose only characters outside ASCII are not word characters (dashes,
    quotes, emoji) takes the byte table too, each such character one byte."""
    if folded_text.isascii():
        data = folded_text.encode("ascii").translate(_MARK_BYTES)
    elif _WIDE_WORD.search(folded_text) is None:
        data = folded_text.replace("?", "!").encode("ascii", "replace")
        data = data.translate(_MARK_NARROW_BYTES)
    else:
        return " " + _NON_WORD.sub(_mark_run, folded_text) + " "
    data = _END_AND_AFTER.sub(b"|", data)  # a run from its first end on: "|"
    data = _END_AND_AFTER.sub(b"|", data[::-1])[::-1]  # and the spaces before it
    return " " + _SPACES.sub(b" ", data).decode("ascii") + " "


def _sentence_starts(folded_text: str) -> list[int]:
    """For each word of ``tokens(folded_text)``, the position of the first word of its sentence."""
    first: list[int] = []
    for piece in _SENTENCE_END.split(folded_text):
        count = len(tokens(piece))  # sentence ends are not word characters: same words
        first.extend([len(first)] * count)
    return first
