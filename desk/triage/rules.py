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
    """One keyword rule, with its words compiled into a single pattern."""

    name: str
    words: tuple[str, ...]
    category: str | None = None
    priority: int | None = None
    languages: frozenset[str] = frozenset()
    platforms: frozenset[str] = frozenset()
    assign: str | None = None
    pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def matches(self, folded_text: str) -> list[str]:
        """The words of this rule found in already-folded text (empty when none)."""
        if self.pattern is None:
            return []
        return sorted({m.group(0) for m in self.pattern.finditer(folded_text)})


@dataclass(frozen=True)
class RuleSet:
    """An ordered list of rules, plus where they came from."""

    rules: tuple[Rule, ...] = ()
    source: str = "(none)"


def compile_words(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """One alternation of the folded words, bounded by non-word characters."""
    if not words:
        return None
    alternatives = sorted({re.escape(fold(w)) for w in words}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


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
                pattern=compile_words(word_tuple),
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
