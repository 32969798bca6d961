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
_STAR_INSIDE = re.compile(r"\w\*\w")  # "déneig*ment": a * followed by more of the word
PREFIX_KEY = 3  # phrases with a prefix token are looked up by their first three letters
_OTHER_THAN_MARKS = re.compile("[^\x00-\x7f\u0300-\u036f]")  # non-ASCII, not an accent
MIN_PREFIX = 3
CACHE_TOKENS = 200_000  # distinct tokens remembered per index (a few tens of MB at most)


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
CachedHits = tuple[tuple[tuple[str, tuple[int, ...]], ...], tuple[str, ...]]


class WordIndex:
    """Many word lists, each with an id, compiled into a few C-speed lookups.

    Single words are found by intersecting the text's set of tokens with the set of words;
    two-token starts of phrases by intersecting the set of adjacent token pairs; prefixes
    (``déneig*``) by one regular expression over the text. Only the matches are handled in
    Python, so the cost hardly grows with the number of rules. Phrases holding a prefix token
    after their first one are rare and looked up token by token.
    """

    def __init__(self, lists: dict[int, tuple[str, ...]]) -> None:
        merged: dict[tuple[str, ...], tuple[str, list[int]]] = {}
        for list_id, entries in lists.items():
            for entry in entries:
                parts = pattern_tokens(entry)
                if parts:
                    merged.setdefault(parts, (entry.strip(), []))[1].append(list_id)
        self.single: dict[str, tuple[str, tuple[int, ...]]] = {}
        self.pairs: dict[tuple[str, str], list[Entry]] = {}
        self.prefixes: dict[str, list[tuple[str, tuple[int, ...]]]] = {}  # stem -> shown, ids
        self.slow: dict[str, list[Entry]] = {}  # phrases with a prefix token inside
        for parts, (shown, id_list) in merged.items():
            ids = tuple(dict.fromkeys(id_list))
            starred = [p.endswith("*") for p in parts]
            if len(parts) == 1 and not starred[0]:
                self.single[parts[0]] = (shown, ids)
            elif len(parts) == 1:
                self.prefixes.setdefault(parts[0][:-1], []).append((shown, ids))
            elif not any(starred):
                self.pairs.setdefault((parts[0], parts[1]), []).append((parts, shown, ids))
            else:
                key = parts[0][:PREFIX_KEY] if starred[0] else parts[0]
                self.slow.setdefault(key, []).append((parts, shown, ids))
        self._pair_keys = frozenset(self.pairs)
        stems = sorted(self.prefixes, key=len, reverse=True)
        # A token matching a long stem also matches every shorter stem it starts with.
        self._implied = {s: [t for t in stems if s.startswith(t)] for s in stems}
        self._prefix_re = re.compile(_trie_pattern(stems)) if stems else None
        self._slow_keys = frozenset(self.slow)
        self._cache: dict[str, CachedHits] = {}

    def _token_hits(self, token: str) -> CachedHits:
        """The entries one token matches on its own, and the keys of slow phrases it may start."""
        found: list[tuple[str, tuple[int, ...]]] = []
        if token in self.single:
            found.append(self.single[token])
        if self._prefix_re is not None:
            match = self._prefix_re.match(token)
            if match:
                for stem in self._implied[match.group(0)]:
                    found.extend(self.prefixes[stem])
        slow = tuple(k for k in (token, token[:PREFIX_KEY]) if k in self._slow_keys)
        return tuple(found), slow

    def find(self, folded_text: str) -> dict[int, list[str]]:
        """List id -> the entries of that list found in already-folded text (sorted).

        What each distinct token matches on its own is remembered (social media reuse the same
        words all day), so a text costs one tokenising pass and a dict lookup per distinct word.
        """
        words = tokens(folded_text)
        hits: dict[int, set[str]] = {}

        def add(shown: str, ids: tuple[int, ...]) -> None:
            for list_id in ids:
                found = hits.get(list_id)
                if found is None:
                    hits[list_id] = {shown}
                else:
                    found.add(shown)

        cache = self._cache
        slow_keys: set[str] = set()
        for token in set(words):
            known = cache.get(token)
            if known is None:
                if len(cache) >= CACHE_TOKENS:
                    cache.clear()
                known = cache[token] = self._token_hits(token)
            for shown, ids in known[0]:
                add(shown, ids)
            if known[1]:
                slow_keys.update(known[1])
        if self._pair_keys and len(words) > 1:
            for pair in self._pair_keys.intersection(zip(words, words[1:], strict=False)):
                for parts, shown, ids in self.pairs[pair]:
                    if len(parts) == 2 or _phrase_anywhere(parts, words):
                        add(shown, ids)
        for key in slow_keys:  # rare: phrases with a prefix token, tried where they may start
            for parts, shown, ids in self.slow[key]:
                if parts[0].endswith("*"):
                    starts = (i for i, w in enumerate(words) if w.startswith(key))
                    if any(_phrase_at(parts, words, i) for i in starts):
                        add(shown, ids)
                elif _phrase_anywhere(parts, words):
                    add(shown, ids)
        return {i: sorted(found) if len(found) > 1 else list(found) for i, found in hits.items()}


def _trie_pattern(stems: list[str]) -> str:
    """One regular expression alternative per shared start: ``con(?:tamin|firm)``, so the engine
    walks a tree of letters instead of trying every stem at every word."""
    tree: dict[str, dict] = {}
    for stem in stems:
        node = tree
        for char in stem:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = [re.escape(c) + render(child) for c, child in sorted(node.items()) if c]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return render(tree)


def _phrase_anywhere(parts: tuple[str, ...], words: list[str]) -> bool:
    first = parts[0]
    position = -1
    while True:
        try:
            position = words.index(first, position + 1)  # C speed
        except ValueError:
            return False
        if _phrase_at(parts, words, position):
            return True


def _phrase_at(parts: tuple[str, ...], words: list[str], position: int) -> bool:
    if position + len(parts) > len(words):
        return False
    return all(_token_matches(p, words[position + i]) for i, p in enumerate(parts))
