"""Word and phrase matching: every word list of a rule file compiled into one lookup.

A text is folded (case and accents) and scanned once by an Aho-Corasick automaton holding every
entry of every list, so the cost grows with the text, not with the number of rules. A word list entry is a
sequence of tokens (``"il paraît"`` -> ``il``, ``parait``; ``"e. coli"`` -> ``e``, ``coli``); it
matches where the text has the same tokens in a row, whatever punctuation separates them. Word
boundaries and French elision (``l'eau`` -> ``l``, ``eau``) come out of tokenising. A token may end
with ``*`` to match any word starting with it (``déneig*`` matches ``déneigement``, ``déneigée``).
"""

from __future__ import annotations

import re
import unicodedata

import ahocorasick
import regex

_MARKS = regex.compile(r"\p{Mn}+")
_TOKEN = re.compile(r"\w+")
_NON_WORD = re.compile(r"\W+")
_PATTERN_TOKEN = re.compile(r"\w+\*?")
_STAR_INSIDE = re.compile(r"\w\*\w")  # "déneig*ment": a * followed by more of the word
PREFIX_KEY = 3  # phrases starting with a prefix word are tried where a word starts like it
_OTHER_THAN_MARKS = re.compile("[^\x00-\x7f\u0300-\u036f]")  # non-ASCII, not an accent
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
    """The words of already-folded text (``l'eau`` -> ``l``, ``eau``)."""
    return _TOKEN.findall(folded_text)


def pattern_tokens(entry: str) -> tuple[str, ...]:
    """The folded tokens of a word-list entry; a trailing ``*`` marks a prefix token."""
    return tuple(_PATTERN_TOKEN.findall(fold(entry)))


def entry_problem(entry: str) -> str | None:
    """Why a word-list entry cannot be used, or None when it is fine."""
    parts = pattern_tokens(entry)
    if not parts:
        return "has no letters or digits to match"
    for part in parts:
        if part.endswith("*") and len(part) - 1 < MIN_PREFIX:
            return f"the prefix {part!r} is too short (at least {MIN_PREFIX} letters before *)"
    stray = entry.count("*") - sum(p.endswith("*") for p in parts)
    if stray or _STAR_INSIDE.search(fold(entry)):
        return "'*' is only allowed at the end of a word"
    return None


def _token_matches(pattern: str, token: str) -> bool:
    if pattern.endswith("*"):
        return token.startswith(pattern[:-1])
    return token == pattern


Entry = tuple[tuple[str, ...], str, tuple[int, ...]]  # tokens, display form, list ids
Found = list[tuple[str, tuple[int, ...]]]  # (display form, list ids) for one automaton key


class WordIndex:
    """Many word lists, each with an id, compiled into one Aho-Corasick automaton (in C).

    The folded text is written as its words separated by single spaces, with a space at each
    end; an entry is the key `` word word `` (or `` word stem`` when its last word is a prefix),
    so one pass over the text finds every occurrence of every entry, overlapping ones included,
    and a key can only match whole words. Phrases with a prefix before their last word (rare)
    are checked word by word.
    """

    def __init__(self, lists: dict[int, tuple[str, ...]]) -> None:
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
        self.automaton = ahocorasick.Automaton()
        for key, found in keys.items():
            self.automaton.add_word(key, found)
        if keys:
            self.automaton.make_automaton()
        self._empty = not keys

    def find(self, folded_text: str) -> dict[int, list[str]]:
        """List id -> the entries of that list found in already-folded text (sorted)."""
        hits: dict[int, set[str]] = {}
        if not self._empty:
            spaced = " " + _NON_WORD.sub(" ", folded_text) + " "
            for _end, found in self.automaton.iter(spaced):
                for shown, ids in found:
                    for list_id in ids:
                        seen = hits.get(list_id)
                        if seen is None:
                            hits[list_id] = {shown}
                        else:
                            seen.add(shown)
        if self.slow:
            self._find_slow(folded_text, hits)
        return {i: sorted(found) if len(found) > 1 else list(found) for i, found in hits.items()}

    def _find_slow(self, folded_text: str, hits: dict[int, set[str]]) -> None:
        words = tokens(folded_text)
        for key, entries in self.slow.items():
            starts = [i for i, w in enumerate(words) if w.startswith(key)]
            for parts, shown, ids in entries:
                if any(_phrase_at(parts, words, i) for i in starts):
                    for list_id in ids:
                        hits.setdefault(list_id, set()).add(shown)


def _phrase_at(parts: tuple[str, ...], words: list[str], position: int) -> bool:
    if position + len(parts) > len(words):
        return False
    return all(_token_matches(p, words[position + i]) for i, p in enumerate(parts))
