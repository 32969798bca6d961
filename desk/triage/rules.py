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
from desk.errors import ConfigError, Said
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
        code: str,
        where: str | None = None,
        hint: str = "",
        at: tuple[int, int] | None = None,
        **params: Any,
    ) -> None:
        """Note problem ``code`` (``[rule_problem]`` in the catalogs; ``hint``: a code of
        ``[rule_hint]``), at ``at`` or at the key ``where`` of the current rule."""
        line, column = at or self.locate.at(self.position, where)
        name = getattr(self, "rule_name", None) if self.position else None
        self.problems.append(Problem(line, column, code, params, hint, self.position, name))

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
                    "unknown_table",
                    key,
                    "allowed",
                    field=key,
                    names="rule, lists, surge, compounds, negation, fallback",
                )
        self.read_lists(raw.get("lists", {}))
        harmless = self.read_compounds(raw.get("compounds", {}))
        negators, window = self.read_negation(raw.get("negation", {}))
        self.fallback = self.read_fallback(raw["fallback"]) if "fallback" in raw else None
        surge = self.read_surge(raw.get("surge", {}))
        entries = raw.get("rule", [])
        if not isinstance(entries, list):
            self.problem("rule_not_array", "rule", "write_each_rule")
            return [], surge
        rules: list[Rule] = []
        seen: set[str] = set()
        for position, entry in enumerate(entries, start=1):
            self.position, self.rule_name = position, None
            if not isinstance(entry, dict):
                self.problem("not_a_table", hint="write_it")
                continue
            rule = self.rule(entry, position)
            if rule is None:
                continue
            if rule.name in seen:
                self.problem("name_twice", "name", "names_unique", name=rule.name)
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
            self.problem("compounds_table", "compounds")
            return ()
        for key in sorted(set(raw) - {"harmless"}):
            self.problem("compounds_unknown", key, "allowed", field=key, names="harmless")
        phrases = raw.get("harmless", [])
        if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            self.problem("compounds_list", "harmless")
            return ()
        for phrase in phrases:
            if "*" in phrase or not tokens(fold(phrase)):
                self.problem("compounds_phrase", "harmless", "plain_phrase", phrase=phrase)
        return tuple(phrases)

    def read_fallback(self, raw: Any) -> FallbackOptions | None:
        if not isinstance(raw, dict):
            self.problem("fallback_table", "fallback")
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
                "fallback_unknown",
                key,
                "allowed",
                field=key,
                names="enabled, min_confidence, min_confidence_by_category, "
                "overrule_confidence, examples",
            )
        enabled = raw.get("enabled", True)
        minimum = raw.get("min_confidence", 0.6)
        overrule = raw.get("overrule_confidence")
        examples = raw.get("examples")
        if not isinstance(enabled, bool):
            self.problem("fallback_enabled", "enabled")
        if (
            isinstance(minimum, bool)
            or not isinstance(minimum, int | float)
            or not 0 <= minimum <= 1
        ):
            self.problem("fallback_min_confidence", "min_confidence")
            minimum = 0.6
        if overrule is not None and (
            isinstance(overrule, bool)
            or not isinstance(overrule, int | float)
            or not 0.5 < overrule <= 1
        ):
            self.problem("fallback_overrule", "overrule_confidence", "overrule_example")
            overrule = None
        if examples is not None and (not isinstance(examples, str) or not examples.strip()):
            self.problem("fallback_examples", "examples", "examples_example")
            examples = None
        by_category = self.read_category_minimums(raw.get("min_confidence_by_category", {}))
        if enabled is not True:
            return None
        path = None if examples is None else self.base / Path(examples).expanduser()
        try:  # read now: a bad file is this file's problem, not every import's
            texts = examples_of() if path is None else tuple(read_examples(path))
        except ConfigError as exc:
            self.problem(
                "fallback_examples_file",
                "examples",
                "said" if exc.hint else "",
                reason=Said(exc),
                what_to_do=Said(exc, hint=True),
            )
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
        hint = "minimums_example"
        if not isinstance(raw, dict):
            self.problem("minimums_table", key, hint, field=key)
            return ()
        pairs = []
        for category, value in raw.items():
            # written as a sub-table, each category has its own line; inline, the key's line
            at = self.locate.in_table(f"fallback.{key}", category)
            if category not in CATEGORIES:
                self.problem(
                    "minimums_category",
                    key,
                    "one_of",
                    at,
                    field=key,
                    category=category,
                    values=", ".join(CATEGORIES),
                )
            elif (
                isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1
            ):
                self.problem("minimums_value", key, hint, at, field=key, category=category)
            else:
                pairs.append((str(category), float(value)))
        return tuple(pairs)

    def read_negation(self, raw: Any) -> tuple[tuple[str, ...], int]:
        if not isinstance(raw, dict):
            self.problem("negation_table", "negation")
            return NEGATORS, NEGATION_WINDOW
        for key in sorted(set(raw) - {"words", "window"}):
            self.problem("negation_unknown", key, "allowed", field=key, names="words, window")
        words = raw.get("words", list(NEGATORS))
        window = raw.get("window", NEGATION_WINDOW)
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            self.problem("negation_words", "words")
            words = list(NEGATORS)
        if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= MAX_WINDOW:
            self.problem("negation_window", "window", most=MAX_WINDOW)
            window = NEGATION_WINDOW
        return tuple(words), window

    def read_lists(self, raw: Any) -> None:
        if not isinstance(raw, dict):
            self.problem("lists_table", "lists")
            return
        for name, handles in raw.items():
            if not isinstance(handles, list) or not all(isinstance(h, str) for h in handles):
                self.problem("list_handles", name, name=name)
                continue
            self.lists[name] = frozenset(normalise_handle(h) for h in handles if h.strip())
        if self.known is not None:
            for name, handles in self.known.lists.items():
                self.lists[name] = self.lists.get(name, frozenset()) | handles

    def read_surge(self, raw: Any) -> Surge:
        if not isinstance(raw, dict):
            self.problem("surge_table", "surge")
            return Surge()
        unknown = set(raw) - {"window_minutes", "threshold", "tags"}
        for key in sorted(unknown):
            self.problem(
                "surge_unknown", key, "allowed", field=key, names="window_minutes, threshold, tags"
            )
        window, threshold = raw.get("window_minutes", 60), raw.get("threshold", 0)
        tags = raw.get("tags", [])
        if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= 10080:
            self.problem("surge_window", "window_minutes")
            window = 60
        if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 0:
            self.problem("surge_threshold", "threshold")
            threshold = 0
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            self.problem("surge_tags", "tags")
            tags = []
        return Surge(window, threshold, frozenset(tags))

    # --- one rule -----------------------------------------------------------------------------

    def rule(self, entry: dict[str, Any], position: int) -> Rule | None:
        before = len(self.problems)
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            self.problem("name_required", hint="add_name")
            name = f"#{position}"
        self.rule_name = name
        for key in sorted(set(entry) - RULE_KEYS):
            self.problem("unknown_key", key, **_suggest_key(key), field=key)
        enabled = entry.get("enabled", True)
        if not isinstance(enabled, bool):
            self.problem("flag", "enabled", field="enabled")
        elif not enabled:
            return None
        first_list = len(self.word_lists)
        condition = self.conditions(entry, top=True)
        own_lists = range(first_list, len(self.word_lists))
        for list_id in own_lists:
            self.owners[list_id] = name
        if self.flag(entry, "ignore_negated"):
            if not own_lists:
                self.problem("negated_needs_words", "ignore_negated", "negated_words")
            self.negatable.update(own_lists)
        if not condition.parts:
            self.problem("no_condition", hint="add_condition")
        actions = {k for k in ACTION_KEYS if k in entry}
        if not actions:
            self.problem("no_action", hint="add_action")
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
                    hint = {"hint": "actions_on_rule"} if key in ACTION_KEYS else _suggest_key(key)
                    self.problem("unknown_condition", key, **hint, field=key)
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
                self.problem("contains_list", key, "contains_example")
                return None
            folded = tuple(dict.fromkeys(fold(p) for p in pieces))
            if not all(folded):  # a lone accent folds to "", which every text contains
                self.problem("contains_empty", key)
                return None
            return Contains(folded)
        if key in _SET_CONDITIONS:
            values = [value] if isinstance(value, str) else value
            if (
                not isinstance(values, list)
                or not values
                or not all(isinstance(v, str) for v in values)
            ):
                self.problem("strings", written, field=key)
                return None
            allowed = {"platforms": PLATFORMS, "kinds": KINDS}.get(key)
            for v in values:
                if allowed and v not in allowed:
                    self.problem(
                        "unknown_value",
                        written,
                        "one_of",
                        field=key,
                        value=v,
                        values=", ".join(allowed),
                    )
            return OneOf(_SET_CONDITIONS[key], frozenset(v.casefold() for v in values))
        if key == "author_in":
            names = [value] if isinstance(value, str) else value
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                self.problem("author_in_list", key)
                return None
            handles: set[str] = set()
            for n in names:
                if n not in self.lists:
                    self.problem("author_in_unknown", key, "define_list", name=n)
                else:
                    handles |= self.lists[n]
            return AuthorIn(tuple(names), frozenset(handles))
        if key == "author_claims":
            return self.author_claims(value)
        if key == "has_link":
            if not isinstance(value, bool):
                self.problem("flag", key, field=key)
                return None
            return HasLink(value)
        if key == "time":
            windows = [value] if isinstance(value, str) else value
            if (
                not isinstance(windows, list)
                or not windows
                or any(w not in TIME_WINDOWS for w in windows)
            ):
                self.problem("time_windows", key, "one_or_more", values=", ".join(TIME_WINDOWS))
                return None
            return Time(tuple(windows))
        # all / any / not: a table or a list of tables
        items = [value] if isinstance(value, dict) else value
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            self.problem("combinator", key, "combinator_example", field=key)
            return None
        parts = tuple(self.conditions(item) for item in items)
        if any(not p.parts for p in parts):
            self.problem("combinator_empty", key, field=key)
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
            self.problem("words_list", "words", "words_example")
            return None
        if len(value) > MAX_ENTRIES:
            self.problem("words_many", "words", n=len(value), most=MAX_ENTRIES)
            return None
        for entry in value:
            reason = entry_problem(entry)
            if reason:
                code, values = reason
                self.problem(code, "words", "word_entry", **values, field="words", entry=entry)
        list_id = len(self.word_lists)
        self.word_lists[list_id] = tuple(value)
        return Words(list_id, tuple(value))

    def author_claims(self, value: Any) -> AuthorClaims | None:
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(w, str) and w.strip() for w in value)
        ):
            self.problem("author_claims_list", "author_claims", "author_claims_example")
            return None
        for entry in value:
            reason = entry_problem(entry)
            if reason:
                code, values = reason
                self.problem(code, "author_claims", **values, field="author_claims", entry=entry)
        return AuthorClaims(tuple(value), WordIndex({0: tuple(value)}))

    def pattern(self, value: Any) -> Pattern | None:
        if not isinstance(value, str) or not value:
            self.problem("regex_string", "regex")
            return None
        size = expanded_size(value)
        if size is None:  # regex-only syntax: judge the counted repeats from the text
            counts = [int(n) for n in _COUNTED_REPEAT.findall(value)]
            too_big = any(n > MAX_REPEAT for n in counts) or math.prod(counts) > MAX_EXPANDED
        else:
            too_big = size > MAX_EXPANDED
        if too_big:
            self.problem("regex_repeats", "regex", "small_counts", value=value)
            return None
        try:
            compiled = regex.compile(value, regex.IGNORECASE | regex.V0)
        except regex.error as exc:
            self.problem("regex_invalid", "regex", "backslashes", value=value, reason=str(exc))
            return None
        if compiled.search("") is not None:
            self.problem("regex_empty", "regex", "one_character", value=value)
            return None
        return Pattern(value, compiled, backtracks_safely(value))

    # --- actions ------------------------------------------------------------------------------

    def choice(self, entry: dict[str, Any], key: str, allowed: tuple[str, ...]) -> str | None:
        value = entry.get(key)
        if value is None:
            return None
        if value not in allowed:
            self.problem(
                "unknown_choice", key, "one_of", field=key, value=value, values=", ".join(allowed)
            )
            return None
        return str(value)

    def strings(self, entry: dict[str, Any], key: str) -> list[str]:
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.problem("strings", key, field=key)
            return []
        return value

    def flag(self, entry: dict[str, Any], key: str) -> bool:
        value = entry.get(key, False)
        if not isinstance(value, bool):
            self.problem("flag", key, field=key)
            return False
        return value

    def text(self, entry: dict[str, Any], key: str) -> str | None:
        value = entry.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            self.problem("name_string", key, field=key)
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
        self.problem("description", "description")
        return {}

    def assign(self, value: Any) -> Assign | None:
        known = self.known
        if isinstance(value, str) and not value.strip():
            self.problem("assign_form", "assign")
            return None
        if isinstance(value, str):
            if value in {"on-call", "oncall"}:
                return Assign(on_call=True)
            if known is not None and value not in known.staff:
                hint = {"hint": "team_syntax"} if value in known.teams else _staff_hint(known)
                self.problem("assign_not_staff", "assign", **hint, name=value)
            return Assign(person=value)
        if not isinstance(value, dict):
            self.problem("assign_form", "assign")
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
                "assign_unknown",
                "assign",
                "allowed",
                field=key,
                names="person, team, strategy, on_call, match_language, match_topic",
            )
        for key in ("person", "team", "strategy"):
            if key in value and not (isinstance(value[key], str) and value[key].strip()):
                self.problem("assign_name", "assign", field=key)
                return None
        if not isinstance(value.get("on_call", False), bool):
            self.problem("assign_on_call", "assign")
            return None
        targets = [k for k in ("person", "team", "on_call") if value.get(k)]
        if len(targets) != 1:
            self.problem("assign_one", "assign")
            return None
        strategy = value.get("strategy")
        if strategy is not None and strategy not in STRATEGIES:
            self.problem(
                "assign_strategy",
                "assign",
                "one_of",
                strategy=strategy,
                values=", ".join(STRATEGIES),
            )
        team = value.get("team")
        if team is not None and known is not None and team not in known.teams:
            names = ", ".join(sorted(known.teams))
            teams = "teams" if names else "teams_none"
            self.problem("assign_team", "assign", teams, team=team, names=names)
        person = value.get("person")
        if person is not None and known is not None and person not in known.staff:
            self.problem("assign_not_staff", "assign", **_staff_hint(known), name=person)
        flags = {k: value.get(k, False) for k in ("match_language", "match_topic")}
        if not all(isinstance(v, bool) for v in flags.values()):
            self.problem("assign_match", "assign")
            return None
        return Assign(
            person=person,
            team=team,
            strategy=strategy,
            on_call=bool(value.get("on_call")),
            match_language=flags["match_language"],
            match_topic=flags["match_topic"],
        )


def _suggest_key(key: str) -> dict[str, Any]:
    """The hint for an unknown key (and its values): the closest known key, else them all."""
    import difflib

    close = difflib.get_close_matches(key, sorted(RULE_KEYS), n=1)
    if close:
        return {"hint": "did_you_mean", "close": close[0]}
    return {"hint": "allowed", "names": ", ".join(sorted(RULE_KEYS))}


def _staff_hint(known: Known) -> dict[str, Any]:
    """The hint naming the staff of desk.toml (and its value)."""
    names = ", ".join(sorted(known.staff))
    return {"hint": "staff" if names else "staff_none", "names": names}


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
        hint = "toml_nesting" if isinstance(exc, TomlTooDeep) else "toml_syntax"
        problem = Problem(line, column, "toml", {"reason": message}, hint)
        raise RulesError(source, [problem]) from exc
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
            if took >= SLOW_SEARCH:
                code = "regex_slow_over" if took >= LINT_TIMEOUT else "regex_slow"
                code += "_risky" if risky else ""
                ms = round((LINT_TIMEOUT if took >= LINT_TIMEOUT else took) * 1000)
            else:
                code, ms = "regex_risky", 0
            line, column = locate.text_at(rule.position, pattern.source, "regex")
            values = {"source": pattern.source, "ms": ms, "chars": LINT_TEXT}
            warnings.append(
                Problem(line, column, code, values, "slow_regex", rule.position, rule.name)
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
