"""Word and phrase matching: every word list of a rule file compiled into one lookup.

A text is folded (case and accents), split into word tokens once, and each token is looked up in
a dict, so the cost grows with the text, not with the number of rules. A word list entry is a
sequence of tokens (``"il paraît"`` -> ``il``, ``parait``; ``"e. coli"`` -> ``e``, ``coli``); it
matches where the text has the same tokens in a row, whatever punctuation separates them. Word
boundaries and French elision (``l'eau`` -> ``l``, ``eau``) come out of tokenising. A token may end
with ``*`` to match any word starting with it (``déneig*`` matches ``déneigement``, ``déneigée``).
"""

from __future__ import annotations

import re
import unicodedata

import regex

_MARKS = regex.compile(r"\p{Mn}+")
_TOKEN = re.compile(r"\w+")
_PATTERN_TOKEN = re.compile(r"\w+\*?")
PREFIX_KEY = 3  # prefixes are looked up by their first three letters
MIN_PREFIX = 3


def fold(text: str) -> str:
    """Case- and accent-insensitive form used for matching (``Déneigement`` -> ``deneigement``)."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    return _MARKS.sub("", unicodedata.normalize("NFKD", folded)).replace("’", "'")


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
    if stray:
        return "'*' is only allowed at the end of a word"
    return None


def _token_matches(pattern: str, token: str) -> bool:
    if pattern.endswith("*"):
        return token.startswith(pattern[:-1])
    return token == pattern


Entry = tuple[tuple[str, ...], str, tuple[int, ...]]  # tokens, display form, list ids


class WordIndex:
    """Many word lists, each with an id, compiled into one lookup by first token."""

    def __init__(self, lists: dict[int, tuple[str, ...]]) -> None:
        merged: dict[tuple[str, ...], tuple[str, list[int]]] = {}
        for list_id, entries in lists.items():
            for entry in entries:
                parts = pattern_tokens(entry)
                if parts:
                    merged.setdefault(parts, (" ".join(parts), []))[1].append(list_id)
        self.exact: dict[str, list[Entry]] = {}
        self.prefix: dict[str, list[Entry]] = {}
        for parts, (shown, ids) in merged.items():
            item = (parts, shown, tuple(dict.fromkeys(ids)))
            first = parts[0]
            if first.endswith("*"):
                self.prefix.setdefault(first[:PREFIX_KEY], []).append(item)
            else:
                self.exact.setdefault(first, []).append(item)

    def find(self, folded_text: str) -> dict[int, list[str]]:
        """List id -> the entries of that list found in already-folded text (sorted)."""
        exact, prefix = self.exact, self.prefix
        if not exact and not prefix:
            return {}
        words = tokens(folded_text)
        hits: dict[int, set[str]] = {}
        for position, token in enumerate(words):
            candidates = exact.get(token)
            if prefix:
                more = prefix.get(token[:PREFIX_KEY])
                if more is not None:
                    candidates = more if candidates is None else candidates + more
            if candidates is None:
                continue
            for parts, shown, ids in candidates:
                if len(parts) == 1:
                    if not _token_matches(parts[0], token):
                        continue
                elif not _phrase_at(parts, words, position):
                    continue
                for list_id in ids:
                    found = hits.get(list_id)
                    if found is None:
                        hits[list_id] = {shown}
                    else:
                        found.add(shown)
        return {list_id: sorted(found) for list_id, found in hits.items()}


def _phrase_at(parts: tuple[str, ...], words: list[str], position: int) -> bool:
    if position + len(parts) > len(words):
        return False
    return all(_token_matches(p, words[position + i]) for i, p in enumerate(parts))
