"""Keyword rules read from a TOML file the team owns.

```toml
[[rule]]
name = "spam-casino"        # unique
category = "spam"           # optional: spam|rumour|complaint|question|praise|other
priority = "low"            # optional: low|normal|high|urgent
words = ["casino", "prêt rapide"]  # case- and accent-insensitive, whole words
languages = ["fr"]          # optional filter
platforms = ["x"]           # optional filter
assign = "amelie"           # optional staff name
```
Rules apply in file order: the first matching rule with a category sets it, the priority is the
highest among matching rules, the assignee comes from the first matching rule that names one.
A bad file is refused whole, with the rule's position and what to fix.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import regex

from desk.errors import ConfigError
from desk.models import CATEGORIES, PRIORITIES

_ALLOWED_KEYS = {"name", "category", "priority", "words", "languages", "platforms", "assign"}


_MARKS = regex.compile(r"\p{Mn}+")


def fold(text: str) -> str:
    """Case- and accent-insensitive form used for matching (``Déneigement`` -> ``deneigement``)."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    return _MARKS.sub("", unicodedata.normalize("NFKD", folded)).replace("’", "'")


@dataclass(frozen=True)
class Rule:
    """One keyword rule: its words, filters and effects (category, priority, assignee)."""

    name: str
    words: tuple[str, ...]
    category: str | None = None
    priority: int | None = None
    languages: frozenset[str] = frozenset()
    platforms: frozenset[str] = frozenset()
    assign: str | None = None

    @cached_property
    def _own_index(self) -> WordIndex:
        return WordIndex((self,))

    def matches(self, folded_text: str) -> list[str]:
        """The words of this rule found in already-folded text (empty when none).

        Same semantics as the rule set's one-scan ``WordIndex`` (used by ``evaluate``); this
        per-rule form serves explanations and tests.
        """
        return self._own_index.find(folded_text).get(0, [])


_TOKEN = re.compile(r"\w+")


def tokens(folded_text: str) -> list[str]:
    """The words of already-folded text (``l'eau`` -> ``l``, ``eau``: French elision for free)."""
    return _TOKEN.findall(folded_text)


class WordIndex:
    """Every rule's words compiled into one lookup: a text is tokenised once, not scanned per rule.

    A rule word or phrase is a sequence of word tokens (``"e. coli"`` -> ``("e", "coli")``,
    ``"il paraît"`` -> ``("il", "parait")``); it matches where the text has the same tokens in a
    row, whatever punctuation or spacing separates them, so word boundaries and elisions
    (``l'``, ``d'``, ``qu'``) need no special case. Lookup is by first token.
    """

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        by_phrase: dict[tuple[str, ...], tuple[str, list[int]]] = {}
        for index, rule in enumerate(rules):
            for word in rule.words:
                folded = fold(word)
                phrase = tuple(tokens(folded))
                if phrase:
                    by_phrase.setdefault(phrase, (folded, []))[1].append(index)
        self.by_first: dict[str, list[tuple[tuple[str, ...], str, tuple[int, ...]]]] = {}
        for phrase, (folded, indexes) in by_phrase.items():
            self.by_first.setdefault(phrase[0], []).append(
                (phrase, folded, tuple(dict.fromkeys(indexes)))
            )

    def find(self, folded_text: str) -> dict[int, list[str]]:
        """Rule index -> the (sorted) words of that rule found in already-folded text."""
        by_first = self.by_first
        if not by_first:
            return {}
        words = tokens(folded_text)
        hits: dict[int, set[str]] = {}
        for position, token in enumerate(words):
            candidates = by_first.get(token)
            if candidates is None:
                continue
            for phrase, folded, indexes in candidates:
                if len(phrase) > 1 and tuple(words[position : position + len(phrase)]) != phrase:
                    continue
                for index in indexes:
                    hits.setdefault(index, set()).add(folded)
        return {index: sorted(found) for index, found in hits.items()}


@dataclass(frozen=True)
class RuleSet:
    """An ordered list of rules, plus where they came from, with their words indexed."""

    rules: tuple[Rule, ...] = ()
    source: str = "(none)"
    index: WordIndex = field(default=None, compare=False, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.index is None:
            object.__setattr__(self, "index", WordIndex(self.rules))


def parse_rules(
    raw: dict[str, object], source: str, staff_names: set[str] | None = None
) -> RuleSet:
    """Validate a parsed TOML document into a RuleSet; raise ConfigError on the first problem."""
    entries = raw.get("rule", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{source}: 'rule' must be an array of tables ([[rule]])")
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        where = f"{source}: rule #{index}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: must be a table")
        unknown = set(entry) - _ALLOWED_KEYS
        if unknown:
            raise ConfigError(
                f"{where}: unknown key(s) {', '.join(sorted(unknown))}",
                hint=f"allowed: {', '.join(sorted(_ALLOWED_KEYS))}",
            )
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{where}: 'name' is required")
        where = f"{source}: rule #{index} ({name})"
        if name in seen:
            raise ConfigError(f"{where}: name used twice")
        seen.add(name)
        words = entry.get("words", [])
        if (
            not isinstance(words, list)
            or not all(isinstance(w, str) and w.strip() for w in words)
            or not words
        ):
            raise ConfigError(f"{where}: 'words' must be a non-empty list of strings")
        category = entry.get("category")
        if category is not None and category not in CATEGORIES:
            raise ConfigError(
                f"{where}: unknown category {category!r}", hint=f"one of {', '.join(CATEGORIES)}"
            )
        priority = entry.get("priority")
        if priority is not None and priority not in PRIORITIES:
            raise ConfigError(
                f"{where}: unknown priority {priority!r}", hint=f"one of {', '.join(PRIORITIES)}"
            )
        assign = entry.get("assign")
        if assign is not None and staff_names is not None and assign not in staff_names:
            raise ConfigError(
                f"{where}: assigns to {assign!r}, who is not in desk.toml's [[staff]]"
            )
        word_tuple = tuple(words)
        rules.append(
            Rule(
                name=name,
                words=word_tuple,
                category=category,
                priority=PRIORITIES[priority] if priority else None,
                languages=frozenset(entry.get("languages", [])),
                platforms=frozenset(entry.get("platforms", [])),
                assign=assign,
            )
        )
    return RuleSet(tuple(rules), source)


def load_rules(path: Path | None, staff_names: set[str] | None = None) -> RuleSet:
    """Read a rules file; ``None`` gives an empty rule set (everything is 'other')."""
    if path is None:
        return RuleSet()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"rules file not found: {path}", hint="fix desk.rules in desk.toml"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return parse_rules(raw, str(path), staff_names)
