"""The rule file: a TOML document the team owns, validated whole into a RuleSet.

```toml
[lists]                              # named author lists (desk.toml may add more)
journalists = ["@reporter@mastodon.example", "lapresse.bsky.social"]

[surge]                              # many mentions on one topic in a short time raise priority
window_minutes = 60
threshold = 8
tags = ["water"]                     # the tags that are watched (empty: all tags)

[compounds]                          # a word found only inside one of these phrases does not count
harmless = ["feux de circulation", "fire station"]   # "feu", "fire" there fire no rule

[fallback]                           # when no rule gives a category, a small learned model may
min_confidence = 0.6                 # (naive Bayes, desk.triage.fallback) if this sure of itself
min_confidence_by_category = { rumour = 0.95 }   # optional: surer for these categories
overrule_confidence = 0.99           # optional: it overrules a category one word of one rule gave
examples = "corrections.jsonl"       # optional: train it on your own {"text", "category"} lines

[negation]                           # for rules with ignore_negated = true
words = ["aucun", "aucune", "pas", "sans", "no", "not", "without"]  # negators (these are defaults)
window = 3                           # a negator among the 3 words before a word cancels it

[[rule]]
name = "rumour-fr"                   # unique, shown in explanations and the audit trail
description = { fr = "Rumeurs", en = "Rumours" }   # for `desk rules export`
# conditions (all of those given must hold):
words = ["il paraît", "on dit que", "rumeur*"]     # any of them; ``*`` = word prefix
regex = "e\\.? ?coli"                # on lower-case text without accents
contains = ["?"]                     # literal text anywhere (no word boundaries)
languages = ["fr"]                   # also: platforms, channels, kinds
author_in = ["journalists"]          # named lists
author_claims = ["mairie", "official"]   # words in the author's display name or handle
has_link = true
time = ["outside_business_hours"]    # business_hours, weekend, weekday, holiday
any = [{ words = ["vrai"] }, { regex = "\\?$" }]   # combinators: all, any, not
not = { words = ["blague"] }
# actions:
category = "rumour"                  # spam|rumour|complaint|question|praise|other
priority = "high"                    # low|normal|high|urgent
tags = ["water"]
assign = "amelie"                    # a person, "on-call", or { team = "fr", strategy = "round-robin" }
spam = true                          # category spam, and the mention is closed as spam
require_approval = true
suggest = "boil-water-advisory"      # name of an answer template
stop = true                          # later rules are not looked at
ignore_negated = true                # this rule's words do not count right after a negator
```

Precedence, the same for every file: every rule is tried in file order (until one with
``stop``); among the rules that fire, the category that comes first in spam, rumour, complaint,
question, praise, other wins; the priority is the highest; tags add up; the assignee and the
suggested answer come from the first rule that gives one; approval is required if any rule says so.

A bad file is refused whole: every problem is reported with its line and column and a hint.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from pathlib import Path
from typing import Any

import regex

from desk.calendar import TIME_WINDOWS
from desk.config import DEFAULT_PACK
from desk.config.files import TomlTooDeep, loads_toml, read_limited
from desk.errors import ConfigError
from desk.triage.conditions import (
    LINT_TEXT,
    LINT_TIMEOUT,
    All,
    AnyOf,
    AuthorClaims,
    AuthorIn,
    Condition,
    Contains,
    HasLink,
    Not,
    OneOf,
    Pattern,
    Time,
    Words,
    backtracks_safely,
    expanded_size,
    normalise_handle,
    search_time,
)
from desk.triage.fallback import examples_of, read_examples
from desk.triage.ruleset import (
    CATEGORY_ORDER,
    KINDS,
    PLATFORMS,
    STRATEGIES,
    Assign,
    FallbackOptions,
    Known,
    Locator,
    Problem,
    Rule,
    RulesError,
    RuleSet,
    Surge,
    WordOptions,
)
from desk.triage.words import NEGATION_WINDOW, WordIndex, entry_problem, fold, tokens
from desk.vocabulary import CATEGORIES, PRIORITIES

__all__ = [
    "CATEGORY_ORDER",
    "DEFAULT_PACK",
    "KINDS",
    "PLATFORMS",
    "STRATEGIES",
    "Assign",
    "Known",
    "Problem",
    "Rule",
    "RuleSet",
    "RulesError",
    "Surge",
    "default_rules",
    "load_rules",
    "parse_rules",
    "read_rules_text",
    "slow_patterns",
]

MAX_ENTRIES = 5000  # words in one list; a typo'd paste of a dictionary is refused
# The regex module writes out a counted repeat's minimum (a{1000000000} would take gigabytes).
MAX_EXPANDED = 20_000  # nodes once written out; nested repeats multiply: (?:a{100}){100}
MAX_REPEAT = 1000  # per count, for patterns only the regex module can read
_COUNTED_REPEAT = re.compile(r"(?:^|[^\\])(?:\\\\)*\{\s*(\d+)\s*(?:,[^}]*)?\}")  # not after \\

_SET_CONDITIONS = {
    "languages": "language",
    "platforms": "platform",
    "channels": "channel",
    "kinds": "kind",
}
_ALIASES = {
    "language": "languages",
    "platform": "platforms",
    "channel": "channels",
    "kind": "kinds",
}
CONDITION_KEYS = (
    {"words", "contains", "regex", "author_in", "author_claims", "has_link", "time"}
    | {"all", "any", "not"}
    | set(_SET_CONDITIONS)
    | set(_ALIASES)
)
ACTION_KEYS = {"category", "priority", "tags", "assign", "spam", "require_approval", "suggest"}
RULE_KEYS = CONDITION_KEYS | ACTION_KEYS | {"name", "description", "stop", "enabled"}
RULE_KEYS |= {"ignore_negated"}
NEGATORS = (
    # French: "aucune contamination", "pas de feu", "sans danger", "ni fumée", "jamais"
    "aucun", "aucune", "pas", "sans", "ni", "jamais", "nul", "nulle",
    # English: "no fire", "not an emergency", "without injury", "never", "isn't", "don't"
    "no", "not", "without", "never", "nor", "none", "zero",
    "isn", "aren", "wasn", "weren", "don", "doesn", "didn", "hasn", "haven", "cannot",
)  # fmt: skip
MAX_WINDOW = 10


_TOML_WHERE = re.compile(r"\(at line (\d+), column (\d+)\)")


class _Builder:
    """Turns the parsed TOML into Rules, collecting every problem on the way."""

    rule_name: str | None  # set per rule by ``document`` (read with getattr before that)

    def __init__(self, text: str, known: Known | None) -> None:
        self.locate = Locator(text)
        self.known = known
        self.problems: list[Problem] = []
        self.word_lists: dict[int, tuple[str, ...]] = {}
        self.lists: dict[str, frozenset[str]] = {}
        self.position: int | None = None
        self.base = Path(".")  # relative paths in the file are read from its folder
        self.fallback: FallbackOptions | None = None
        self.negatable: set[int] = set()
        self.owners: dict[int, str] = {}
        self.options = WordOptions(negators=NEGATORS)

    def problem(
        self,
        message: str,
        key: str | None = None,
        hint: str = "",
        at: tuple[int, int] | None = None,
    ) -> None:
        line, column = at or self.locate.at(self.position, key)
        where = f"rule #{self.position}" if self.position else ""
        name = getattr(self, "rule_name", None)
        if where and name:
            where += f" ({name})"
        self.problems.append(
            Problem(line, column, f"{where}: {message}" if where else message, hint)
        )

    # --- top level ----------------------------------------------------------------------------

    def document(self, raw: dict[str, Any]) -> tuple[list[Rule], Surge]:
        for key in raw:
            if key not in {
                "rule",
                "lists",
                "surge",
                "version",
                "compounds",
                "negation",
                "fallback",
            }:
                self.problem(
                    f"unknown table or key {key!r}",
                    key,
                    "allowed: rule, lists, surge, compounds, negation, fallback",
                )
        self.read_lists(raw.get("lists", {}))
        harmless = self.read_compounds(raw.get("compounds", {}))
        negators, window = self.read_negation(raw.get("negation", {}))
        self.fallback = self.read_fallback(raw["fallback"]) if "fallback" in raw else None
        surge = self.read_surge(raw.get("surge", {}))
        entries = raw.get("rule", [])
        if not isinstance(entries, list):
            self.problem("'rule' must be an array of tables", "rule", "write each rule as [[rule]]")
            return [], surge
        rules: list[Rule] = []
        seen: set[str] = set()
        for position, entry in enumerate(entries, start=1):
            self.position, self.rule_name = position, None
            if not isinstance(entry, dict):
                self.problem("must be a table", hint="write it as [[rule]]")
                continue
            rule = self.rule(entry, position)
            if rule is None:
                continue
            if rule.name in seen:
                self.problem(
                    f"the name {rule.name!r} is used twice", "name", "names must be unique"
                )
            seen.add(rule.name)
            rules.append(rule)
        self.position = None
        self.options = WordOptions(
            harmless=harmless,
            negators=negators,
            window=window,
            negatable=frozenset(self.negatable),
            owners=self.owners,
        )
        return rules, surge

    def read_compounds(self, raw: Any) -> tuple[str, ...]:
        if not isinstance(raw, dict):
            self.problem("[compounds] must be a table", "compounds")
            return ()
        for key in sorted(set(raw) - {"harmless"}):
            self.problem(f"[compounds]: unknown key {key!r}", key, "allowed: harmless")
        phrases = raw.get("harmless", [])
        if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            self.problem("[compounds]: harmless must be a list of phrases", "harmless")
            return ()
        for phrase in phrases:
            if "*" in phrase or not tokens(fold(phrase)):
                self.problem(
                    f"[compounds]: {phrase!r} must be plain words",
                    "harmless",
                    'a phrase such as "feux de circulation" (no *)',
                )
        return tuple(phrases)

    def read_fallback(self, raw: Any) -> FallbackOptions | None:
        if not isinstance(raw, dict):
            self.problem("[fallback] must be a table", "fallback")
            return None
        allowed = {
            "enabled",
            "min_confidence",
            "min_confidence_by_category",
            "overrule_confidence",
            "examples",
        }
        for key in sorted(set(raw) - allowed):
            self.problem(
                f"[fallback]: unknown key {key!r}",
                key,
                "allowed: enabled, min_confidence, min_confidence_by_category, "
                "overrule_confidence, examples",
            )
        enabled = raw.get("enabled", True)
        minimum = raw.get("min_confidence", 0.6)
        overrule = raw.get("overrule_confidence")
        examples = raw.get("examples")
        if not isinstance(enabled, bool):
            self.problem("[fallback]: enabled must be true or false", "enabled")
        if (
            isinstance(minimum, bool)
            or not isinstance(minimum, int | float)
            or not 0 <= minimum <= 1
        ):
            self.problem(
                "[fallback]: min_confidence must be a number from 0 to 1", "min_confidence"
            )
            minimum = 0.6
        if overrule is not None and (
            isinstance(overrule, bool)
            or not isinstance(overrule, int | float)
            or not 0.5 < overrule <= 1
        ):
            self.problem(
                "[fallback]: overrule_confidence must be a number above 0.5, at most 1",
                "overrule_confidence",
                "e.g. overrule_confidence = 0.99, or leave it out: the model never overrules a rule",
            )
            overrule = None
        if examples is not None and (not isinstance(examples, str) or not examples.strip()):
            self.problem(
                "[fallback]: examples must be the path of a JSON-lines file",
                "examples",
                'e.g. examples = "corrections.jsonl" (beside this file)',
            )
            examples = None
        by_category = self.read_category_minimums(raw.get("min_confidence_by_category", {}))
        if enabled is not True:
            return None
        path = None if examples is None else self.base / Path(examples).expanduser()
        try:  # read now: a bad file is this file's problem, not every import's
            texts = examples_of() if path is None else tuple(read_examples(path))
        except ConfigError as exc:
            self.problem(f"[fallback] examples: {exc.message}", "examples", exc.hint or "")
            return None
        return FallbackOptions(
            float(minimum),
            path,
            None if overrule is None else float(overrule),
            texts,
            by_category,
        )

    def read_category_minimums(self, raw: Any) -> tuple[tuple[str, float], ...]:
        """``[fallback] min_confidence_by_category``: a table of category -> confidence."""
        key = "min_confidence_by_category"
        hint = "e.g. min_confidence_by_category = { rumour = 0.95 }"
        if not isinstance(raw, dict):
            self.problem(f"[fallback]: {key} must be a table of category = confidence", key, hint)
            return ()
        pairs = []
        for category, value in raw.items():
            # written as a sub-table, each category has its own line; inline, the key's line
            at = self.locate.in_table(f"fallback.{key}", category)
            if category not in CATEGORIES:
                self.problem(
                    f"[fallback]: {key}: unknown category {category!r}",
                    key,
                    f"one of {', '.join(CATEGORIES)}",
                    at,
                )
            elif (
                isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1
            ):
                self.problem(
                    f"[fallback]: {key}: {category} must be a number from 0 to 1", key, hint, at
                )
            else:
                pairs.append((str(category), float(value)))
        return tuple(pairs)

    def read_negation(self, raw: Any) -> tuple[tuple[str, ...], int]:
        if not isinstance(raw, dict):
            self.problem("[negation] must be a table", "negation")
            return NEGATORS, NEGATION_WINDOW
        for key in sorted(set(raw) - {"words", "window"}):
            self.problem(f"[negation]: unknown key {key!r}", key, "allowed: words, window")
        words = raw.get("words", list(NEGATORS))
        window = raw.get("window", NEGATION_WINDOW)
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            self.problem("[negation]: words must be a list of words", "words")
            words = list(NEGATORS)
        if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= MAX_WINDOW:
            self.problem(
                f"[negation]: window must be a whole number from 1 to {MAX_WINDOW}", "window"
            )
            window = NEGATION_WINDOW
        return tuple(words), window

    def read_lists(self, raw: Any) -> None:
        if not isinstance(raw, dict):
            self.problem("[lists] must be a table of name = [handles]", "lists")
            return
        for name, handles in raw.items():
            if not isinstance(handles, list) or not all(isinstance(h, str) for h in handles):
                self.problem(f"list {name!r} must be a list of account handles", name)
                continue
            self.lists[name] = frozenset(normalise_handle(h) for h in handles if h.strip())
        if self.known is not None:
            for name, handles in self.known.lists.items():
                self.lists[name] = self.lists.get(name, frozenset()) | handles

    def read_surge(self, raw: Any) -> Surge:
        if not isinstance(raw, dict):
            self.problem("[surge] must be a table", "surge")
            return Surge()
        unknown = set(raw) - {"window_minutes", "threshold", "tags"}
        for key in sorted(unknown):
            self.problem(
                f"[surge]: unknown key {key!r}", key, "allowed: window_minutes, threshold, tags"
            )
        window, threshold = raw.get("window_minutes", 60), raw.get("threshold", 0)
        tags = raw.get("tags", [])
        if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= 10080:
            self.problem(
                "[surge]: window_minutes must be a whole number from 1 to 10080", "window_minutes"
            )
            window = 60
        if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 0:
            self.problem("[surge]: threshold must be a whole number (0 turns it off)", "threshold")
            threshold = 0
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            self.problem("[surge]: tags must be a list of strings", "tags")
            tags = []
        return Surge(window, threshold, frozenset(tags))

    # --- one rule -----------------------------------------------------------------------------

    def rule(self, entry: dict[str, Any], position: int) -> Rule | None:
        before = len(self.problems)
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            self.problem("'name' is required", hint='add name = "a-short-unique-name"')
            name = f"#{position}"
        self.rule_name = name
        for key in sorted(set(entry) - RULE_KEYS):
            self.problem(f"unknown key {key!r}", key, _suggest_key(key))
        enabled = entry.get("enabled", True)
        if not isinstance(enabled, bool):
            self.problem("'enabled' must be true or false", "enabled")
        elif not enabled:
            return None
        first_list = len(self.word_lists)
        condition = self.conditions(entry, top=True)
        own_lists = range(first_list, len(self.word_lists))
        for list_id in own_lists:
            self.owners[list_id] = name
        if self.flag(entry, "ignore_negated"):
            if not own_lists:
                self.problem(
                    "ignore_negated needs words", "ignore_negated", "it applies to the rule's words"
                )
            self.negatable.update(own_lists)
        if not condition.parts:
            self.problem(
                "has no condition", hint="add words, regex, author_in... (see the file's header)"
            )
        actions = {k for k in ACTION_KEYS if k in entry}
        if not actions:
            self.problem("has no action", hint="add category, priority, tags, assign...")
        category = self.choice(entry, "category", CATEGORIES)
        priority_name = self.choice(entry, "priority", tuple(PRIORITIES))
        tags = self.strings(entry, "tags")
        rule = Rule(
            name=name,
            condition=condition,
            position=position,
            line=self.locate.at(position)[0],
            category="spam" if entry.get("spam") is True else category,
            priority=PRIORITIES[priority_name] if priority_name else None,
            tags=tuple(t.strip() for t in tags),
            assign=self.assign(entry.get("assign")) if "assign" in entry else None,
            spam=self.flag(entry, "spam"),
            require_approval=self.flag(entry, "require_approval"),
            suggest=self.text(entry, "suggest"),
            stop=self.flag(entry, "stop"),
            description=self.description(entry.get("description")),
            raw=entry,
        )
        return rule if len(self.problems) == before else None

    def conditions(self, table: dict[str, Any], top: bool = False) -> All:
        parts: list[Condition] = []
        for key, value in table.items():
            if key not in CONDITION_KEYS:
                if not top:
                    hint = "actions belong to the rule itself" if key in ACTION_KEYS else ""
                    self.problem(f"unknown condition {key!r}", key, hint or _suggest_key(key))
                continue
            part = self.condition(key, value)
            if part is not None:
                parts.append(part)
        return All(tuple(sorted(parts, key=lambda p: p.cost)))  # cheap checks first

    def condition(self, key: str, value: Any) -> Condition | None:
        written, key = key, _ALIASES.get(key, key)  # problems point at the key as written
        if key == "words":
            return self.words(value)
        if key == "regex":
            return self.pattern(value)
        if key == "contains":
            pieces = [value] if isinstance(value, str) else value
            if (
                not isinstance(pieces, list)
                or not pieces
                or not all(isinstance(p, str) and p for p in pieces)
            ):
                self.problem("'contains' must be a list of strings", key, 'e.g. contains = ["?"]')
                return None
            folded = tuple(dict.fromkeys(fold(p) for p in pieces))
            if not all(folded):  # a lone accent folds to "", which every text contains
                self.problem(
                    "'contains' has a piece with nothing left once accents are dropped", key
                )
                return None
            return Contains(folded)
        if key in _SET_CONDITIONS:
            values = [value] if isinstance(value, str) else value
            if (
                not isinstance(values, list)
                or not values
                or not all(isinstance(v, str) for v in values)
            ):
                self.problem(f"{key!r} must be a list of strings", written)
                return None
            allowed = {"platforms": PLATFORMS, "kinds": KINDS}.get(key)
            for v in values:
                if allowed and v not in allowed:
                    self.problem(
                        f"{key}: unknown value {v!r}", written, f"one of {', '.join(allowed)}"
                    )
            return OneOf(_SET_CONDITIONS[key], frozenset(v.casefold() for v in values))
        if key == "author_in":
            names = [value] if isinstance(value, str) else value
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                self.problem("'author_in' must be a list of list names", key)
                return None
            handles: set[str] = set()
            for n in names:
                if n not in self.lists:
                    self.problem(
                        f"author_in: no list named {n!r}",
                        key,
                        "define it under [lists] in the rule file or in desk.toml",
                    )
                else:
                    handles |= self.lists[n]
            return AuthorIn(tuple(names), frozenset(handles))
        if key == "author_claims":
            return self.author_claims(value)
        if key == "has_link":
            if not isinstance(value, bool):
                self.problem("'has_link' must be true or false", key)
                return None
            return HasLink(value)
        if key == "time":
            windows = [value] if isinstance(value, str) else value
            if (
                not isinstance(windows, list)
                or not windows
                or any(w not in TIME_WINDOWS for w in windows)
            ):
                self.problem(
                    "'time' must name windows", key, f"one or more of {', '.join(TIME_WINDOWS)}"
                )
                return None
            return Time(tuple(windows))
        # all / any / not: a table or a list of tables
        items = [value] if isinstance(value, dict) else value
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            self.problem(
                f"{key!r} must be a table or a list of tables of conditions",
                key,
                f'e.g. {key} = [{{ words = ["..."] }}, {{ regex = "..." }}]',
            )
            return None
        parts = tuple(self.conditions(item) for item in items)
        if any(not p.parts for p in parts):
            self.problem(f"{key!r}: a table has no condition", key)
        if key == "all":
            return All(parts)
        if key == "any":
            return AnyOf(parts)
        return Not(parts)

    def words(self, value: Any) -> Words | None:
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(w, str) and w.strip() for w in value)
        ):
            self.problem(
                "'words' must be a non-empty list of strings",
                "words",
                'e.g. words = ["eau", "aqueduc"]',
            )
            return None
        if len(value) > MAX_ENTRIES:
            self.problem(f"'words' has {len(value)} entries (at most {MAX_ENTRIES})", "words")
            return None
        for entry in value:
            reason = entry_problem(entry)
            if reason:
                self.problem(
                    f"words: {entry!r} {reason}",
                    "words",
                    'a word, a phrase, or a prefix of 3+ letters ending in * (e.g. "déneig*")',
                )
        list_id = len(self.word_lists)
        self.word_lists[list_id] = tuple(value)
        return Words(list_id, tuple(value))

    def author_claims(self, value: Any) -> AuthorClaims | None:
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(w, str) and w.strip() for w in value)
        ):
            self.problem(
                "'author_claims' must be a non-empty list of words",
                "author_claims",
                'e.g. author_claims = ["mairie", "official"]',
            )
            return None
        for entry in value:
            reason = entry_problem(entry)
            if reason:
                self.problem(f"author_claims: {entry!r} {reason}", "author_claims")
        return AuthorClaims(tuple(value), WordIndex({0: tuple(value)}))

    def pattern(self, value: Any) -> Pattern | None:
        if not isinstance(value, str) or not value:
            self.problem("'regex' must be a string", "regex")
            return None
        size = expanded_size(value)
        if size is None:  # regex-only syntax: judge the counted repeats from the text
            counts = [int(n) for n in _COUNTED_REPEAT.findall(value)]
            too_big = any(n > MAX_REPEAT for n in counts) or math.prod(counts) > MAX_EXPANDED
        else:
            too_big = size > MAX_EXPANDED
        if too_big:
            self.problem(
                f"regex {value!r} repeats too many times",
                "regex",
                "a counted repeat such as {3} is written out in memory: keep the counts small",
            )
            return None
        try:
            compiled = regex.compile(value, regex.IGNORECASE | regex.V0)
        except regex.error as exc:
            self.problem(
                f"regex {value!r} is not valid: {exc}",
                "regex",
                "in TOML, write backslashes twice (\"\\\\d\") or use single quotes ('\\d')",
            )
            return None
        if compiled.search("") is not None:
            self.problem(
                f"regex {value!r} matches an empty text, so every mention",
                "regex",
                "make it need at least one character (e.g. + instead of *)",
            )
            return None
        return Pattern(value, compiled, backtracks_safely(value))

    # --- actions ------------------------------------------------------------------------------

    def choice(self, entry: dict[str, Any], key: str, allowed: tuple[str, ...]) -> str | None:
        value = entry.get(key)
        if value is None:
            return None
        if value not in allowed:
            self.problem(f"unknown {key} {value!r}", key, f"one of {', '.join(allowed)}")
            return None
        return str(value)

    def strings(self, entry: dict[str, Any], key: str) -> list[str]:
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.problem(f"{key!r} must be a list of strings", key)
            return []
        return value

    def flag(self, entry: dict[str, Any], key: str) -> bool:
        value = entry.get(key, False)
        if not isinstance(value, bool):
            self.problem(f"{key!r} must be true or false", key)
            return False
        return value

    def text(self, entry: dict[str, Any], key: str) -> str | None:
        value = entry.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            self.problem(f"{key!r} must be a name (a string)", key)
            return None
        return value

    def description(self, value: Any) -> dict[str, str]:
        if value is None:
            return {}
        if isinstance(value, str):
            return {"fr": value, "en": value}
        if isinstance(value, dict) and all(
            k in {"fr", "en"} and isinstance(v, str) for k, v in value.items()
        ):
            return dict(value)
        self.problem(
            '\'description\' must be a string or { fr = "...", en = "..." }', "description"
        )
        return {}

    def assign(self, value: Any) -> Assign | None:
        known = self.known
        if isinstance(value, str) and not value.strip():
            self.problem("'assign' must be a name, \"on-call\" or a table", "assign")
            return None
        if isinstance(value, str):
            if value in {"on-call", "oncall"}:
                return Assign(on_call=True)
            if known is not None and value not in known.staff:
                hint = (
                    'a team is written assign = { team = "..." }'
                    if value in known.teams
                    else (f"staff in desk.toml: {', '.join(sorted(known.staff)) or 'none'}")
                )
                self.problem(f"assign: {value!r} is not a staff member", "assign", hint)
            return Assign(person=value)
        if not isinstance(value, dict):
            self.problem("'assign' must be a name, \"on-call\" or a table", "assign")
            return None
        unknown = set(value) - {
            "person",
            "team",
            "strategy",
            "on_call",
            "match_language",
            "match_topic",
        }
        for key in sorted(unknown):
            self.problem(
                f"assign: unknown key {key!r}",
                "assign",
                "allowed: person, team, strategy, on_call, match_language, match_topic",
            )
        for key in ("person", "team", "strategy"):
            if key in value and not (isinstance(value[key], str) and value[key].strip()):
                self.problem(f"assign: {key} must be a name (a string)", "assign")
                return None
        if not isinstance(value.get("on_call", False), bool):
            self.problem("assign: on_call must be true or false", "assign")
            return None
        targets = [k for k in ("person", "team", "on_call") if value.get(k)]
        if len(targets) != 1:
            self.problem("assign: give exactly one of person, team or on_call", "assign")
            return None
        strategy = value.get("strategy")
        if strategy is not None and strategy not in STRATEGIES:
            self.problem(
                f"assign: unknown strategy {strategy!r}",
                "assign",
                f"one of {', '.join(STRATEGIES)}",
            )
        team = value.get("team")
        if team is not None and known is not None and team not in known.teams:
            self.problem(
                f"assign: no team named {team!r}",
                "assign",
                f"teams in desk.toml: {', '.join(sorted(known.teams)) or 'none'}",
            )
        person = value.get("person")
        if person is not None and known is not None and person not in known.staff:
            self.problem(
                f"assign: {person!r} is not a staff member",
                "assign",
                f"staff in desk.toml: {', '.join(sorted(known.staff)) or 'none'}",
            )
        flags = {k: value.get(k, False) for k in ("match_language", "match_topic")}
        if not all(isinstance(v, bool) for v in flags.values()):
            self.problem("assign: match_language and match_topic are true or false", "assign")
            return None
        return Assign(
            person=person,
            team=team,
            strategy=strategy,
            on_call=bool(value.get("on_call")),
            match_language=flags["match_language"],
            match_topic=flags["match_topic"],
        )


def _suggest_key(key: str) -> str:
    import difflib

    close = difflib.get_close_matches(key, sorted(RULE_KEYS), n=1)
    return f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(sorted(RULE_KEYS))}"


def parse_rules(text: str, source: str, known: Known | None = None) -> RuleSet:
    """Validate a rule file's text into a RuleSet; RulesError lists every problem found."""
    try:
        raw = loads_toml(text)  # depth bounded: 100,000 nested arrays is a problem, not a crash
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_WHERE.search(str(exc))
        if found:
            line, column = int(found[1]), int(found[2])
        else:  # "at end of document": point after the last thing written
            lines = text.rstrip().splitlines() or [""]
            line, column = len(lines), len(lines[-1]) + 1
        message = _TOML_WHERE.sub("", str(exc)).strip()
        hint = (
            "rules nest a few levels (any, all, not): check the brackets there"
            if isinstance(exc, TomlTooDeep)
            else "check quotes, brackets and commas"
        )
        raise RulesError(
            source, [Problem(line, column, f"not valid TOML: {message}", hint)]
        ) from exc
    builder = _Builder(text, known)
    builder.base = Path(source).parent
    rules, surge = builder.document(raw)
    if builder.problems:
        raise RulesError(source, builder.problems)
    return RuleSet(
        tuple(rules),
        source,
        builder.lists,
        surge,
        builder.word_lists,
        builder.options,
        builder.fallback,
        fingerprint=hashlib.blake2b(text.encode("utf-8", "surrogatepass")).hexdigest(),
    )


SLOW_SEARCH = 0.025
"""Seconds one search may take on a LINT_TEXT-character text before ``slow_patterns`` warns
(the bundled pack's regexes take under 5 ms)."""


def slow_patterns(ruleset: RuleSet, text: str) -> list[Problem]:
    """Warnings (not errors) for the regexes of ``ruleset`` that are slow on long texts, timed
    on synthetic texts (desk.triage.conditions.search_time), and for those whose shape can
    backtrack for long on some text (a repeat inside a repeat, alternatives under a repeat, a
    backreference) even if the texts tried were quick. ``text`` is the file, for the places.

    A slow regex slows every import and pull (each mention is searched); triage stops a risky
    search after REGEX_TIMEOUT, but thousands of those add up."""
    locate = Locator(text)
    warnings = []
    for rule in ruleset.rules:
        seen: set[str] = set()
        for pattern in _patterns(rule.condition):
            if pattern.source in seen:
                continue
            seen.add(pattern.source)
            took = search_time(pattern.compiled, pattern.source, SLOW_SEARCH)
            risky = not backtracks_safely(pattern.source)
            if took < SLOW_SEARCH and not risky:
                continue
            where = f"rule #{rule.position} ({rule.name}): regex '{pattern.source}'"
            shape = (
                "it has a repeat inside a repeat, alternatives under a repeat or a backreference"
            )
            if took >= SLOW_SEARCH:
                timing = (
                    f"over {LINT_TIMEOUT * 1000:.0f} ms"
                    if took >= LINT_TIMEOUT
                    else f"{took * 1000:.0f} ms"
                )
                message = (
                    f"{where} is slow on long texts: {timing} for one search of "
                    f"{LINT_TEXT:,} characters" + (f" ({shape})" if risky else "")
                )
            else:
                message = f"{where} may be slow on some texts: {shape}"
            line, column = locate.text_at(rule.position, pattern.source, "regex")
            warnings.append(
                Problem(
                    line,
                    column,
                    message,
                    "every mention is searched with it and imports wait for it: write it "
                    "without nested repeats (e.g. [\\w\\s]+ rather than (\\w+\\s?)+), or use "
                    "words for plain words",
                )
            )
    return warnings


def _patterns(condition: Condition) -> list[Pattern]:
    """The regexes in a condition, its combinators' included, in file order."""
    if isinstance(condition, Pattern):
        return [condition]
    found: list[Pattern] = []
    for part in getattr(condition, "parts", ()):
        found += _patterns(part)
    return found


MAX_RULES_BYTES = 5 * 1024 * 1024


def read_rules_text(path: Path) -> str:
    """The text of a rule file, with errors that say what to do. Only a regular file is read,
    and at most MAX_RULES_BYTES of it (desk.config.files): a pipe would block every command."""
    try:
        data = read_limited(path, MAX_RULES_BYTES)
    except FileNotFoundError as exc:
        raise ConfigError.from_catalog("rules_missing", path=str(path)) from exc
    except OSError as exc:
        raise ConfigError.from_catalog(
            "rules_unreadable", path=str(path), reason=exc.strerror or str(exc)
        ) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError.from_catalog("file_not_utf8", path=str(path), byte=exc.start) from exc


def load_rules(path: Path | None, known: Known | None = None) -> RuleSet:
    """Read and validate a rule file; ``None`` gives the bundled default pack."""
    if path is None:
        return default_rules(known)
    return parse_rules(read_rules_text(path), str(path), known)


def default_rules(known: Known | None = None) -> RuleSet:
    """The bundled bilingual French/English pack."""
    return parse_rules(DEFAULT_PACK.read_text(encoding="utf-8"), "default_rules.toml", known)
