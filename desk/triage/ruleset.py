"""The data a rule file becomes: Rule, RuleSet and their parts; the errors of a bad file and
the Locator that says on which line and column each one is.

desk.triage.rules reads and validates the TOML into these; the engine and routing use them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desk.errors import ConfigError, Phrase, rendered
from desk.i18n import Catalog
from desk.triage.conditions import All
from desk.triage.fallback import Fallback
from desk.triage.words import NEGATION_WINDOW, WordIndex
from desk.vocabulary import Category

CATEGORY_ORDER: tuple[str, ...] = tuple(Category)  # precedence: the first set wins
PLATFORMS = ("mastodon", "bluesky", "x", "rss", "email")
"""What a rule's ``platforms`` may name: desk.platforms.registry's, named here (triage does
not load the payload parsers; tests/platforms/test_registry.py checks that they agree)."""
KINDS = ("mention", "reply", "quote", "keyword", "news")
STRATEGIES = ("round-robin", "least-loaded")


@dataclass(frozen=True)
class Assign:
    """Who a rule sends a mention to: a person, a team with a strategy, or the on-call person."""

    person: str | None = None
    team: str | None = None
    strategy: str | None = None  # None: the team's own strategy
    on_call: bool = False
    match_language: bool = False
    match_topic: bool = False

    def describe(self) -> str:
        """Short English form for documents and reasons (``team fr (round-robin)``)."""
        if self.person:
            return self.person
        if self.on_call:
            return "on-call"
        return f"team {self.team}" + (f" ({self.strategy})" if self.strategy else "")


@dataclass(frozen=True)
class Rule:
    """One rule: a condition and the actions taken when it holds."""

    name: str
    condition: All
    position: int = 0
    line: int = 0
    category: str | None = None
    priority: int | None = None
    tags: tuple[str, ...] = ()
    assign: Assign | None = None
    spam: bool = False
    require_approval: bool = False
    suggest: str | None = None
    stop: bool = False
    description: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Surge:
    """When ``threshold`` mentions share a watched tag within ``window_minutes``, raise priority."""

    window_minutes: int = 60
    threshold: int = 0  # 0: off
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class WordOptions:
    """How words match beyond the lists: harmless phrases, negation and the lists it applies
    to (those of rules with ``ignore_negated``), and which rule each list belongs to."""

    harmless: tuple[str, ...] = ()
    negators: tuple[str, ...] = ()
    window: int = NEGATION_WINDOW
    negatable: frozenset[int] = frozenset()
    owners: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FallbackOptions:
    """``[fallback]``: the learned model that fills in when no rule gives a category."""

    min_confidence: float = 0.6
    examples: Path | None = None  # None: the examples bundled with desk
    overrule: float | None = None
    """``overrule_confidence``: how sure the model must be to overrule a category given by a
    single word of a single rule (desk.triage.arbitration); None: it never does."""
    texts: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)
    """The (text, category) examples, read when the rule file loads (a bad file is refused
    then, with its place, not on the first mention the model fills in)."""
    by_category: tuple[tuple[str, float], ...] = ()
    """``min_confidence_by_category``: (category, confidence) pairs where the model must be
    surer than ``min_confidence`` to propose that category."""

    def minimum(self, category: str) -> float:
        """How sure the model must be to propose ``category`` where no rule gives one."""
        return next((m for c, m in self.by_category if c == category), self.min_confidence)


@dataclass(frozen=True)
class RuleSet:
    """An ordered list of rules with their word lists compiled into one index."""

    rules: tuple[Rule, ...] = ()
    source: str = "(none)"
    lists: dict[str, frozenset[str]] = field(default_factory=dict)
    surge: Surge = field(default_factory=Surge)
    word_lists: dict[int, tuple[str, ...]] = field(default_factory=dict, repr=False)
    words: WordOptions = field(default_factory=lambda: WordOptions())
    fallback: FallbackOptions | None = None  # None: no model, "other" when no rule fires
    fingerprint: str = field(default="", compare=False, repr=False)
    """A digest of the rule file's text ("": built otherwise): two rule sets read from the same
    text with the same examples share one trained model (desk.triage.pipeline.fallback_model)."""
    model: Fallback | None = field(default=None, init=False, compare=False, repr=False)
    """The fallback model trained for these rules (desk.triage.pipeline.fallback_model): once
    per rule set, shared by every Triage that uses it."""
    code: object | None = field(default=None, init=False, compare=False, repr=False)
    """The rules compiled for the engine (desk.triage.compiled.compiled), built on first use."""
    index: WordIndex = field(init=False, compare=False, repr=False)
    by_list: dict[int, tuple[int, ...]] = field(init=False, compare=False, repr=False)
    always: tuple[int, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        options = self.words
        index = WordIndex(
            self.word_lists,
            harmless=options.harmless,
            negatable=options.negatable,
            negators=options.negators,
            window=options.window,
        )
        object.__setattr__(self, "index", index)
        by_list: dict[int, list[int]] = {}
        always: list[int] = []
        for position, rule in enumerate(self.rules):
            groups = rule.condition.requires()
            if not groups:
                always.append(position)
                continue
            for list_id in groups[0]:
                by_list.setdefault(list_id, []).append(position)
        object.__setattr__(self, "by_list", {k: tuple(v) for k, v in by_list.items()})
        object.__setattr__(self, "always", tuple(always))


@dataclass(frozen=True)
class Known:
    """Names a rule file may refer to, from desk.toml (None: not checked)."""

    staff: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()
    lists: dict[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a rule file, with where it is and what to do: a ``code`` the catalogs
    word in ``[rule_problem]`` (and ``hint_code`` in ``[rule_hint]``), formatted with
    ``params``, said in the reader's language by ``render``; ``rule`` and ``rule_name`` say in
    which rule it is (None: outside the rules). ``message`` and ``hint`` are the English words
    (``desk rules check --json`` gives them beside the code)."""

    line: int
    column: int
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    hint_code: str = ""
    rule: int | None = None
    rule_name: str | None = None

    def render(self, t: Callable[..., str]) -> tuple[str, str]:
        """The message and the hint ("" when none) in the language of ``t`` (a Catalog.t)."""
        # always formatted (``problem_code`` given), so the catalogs write a brace as {{ }}
        values = {**rendered(self.params, t), "problem_code": self.code}
        text = t(f"rule_problem.{self.code}", **values)
        if self.rule:
            where = (
                t("rule_problem.where_named", position=self.rule, name=self.rule_name)
                if self.rule_name
                else t("rule_problem.where", position=self.rule)
            )
            text = t("rule_problem.in_rule", where=where, problem=text)
        hint = t(f"rule_hint.{self.hint_code}", **values) if self.hint_code else ""
        return text, hint

    @property
    def message(self) -> str:
        """What is wrong, in English."""
        return self.render(Catalog("en").t)[0]

    @property
    def hint(self) -> str:
        """What to do, in English ("" when the message says it all)."""
        return self.render(Catalog("en").t)[1]

    def to_json(self) -> dict[str, Any]:
        """JSON form: place, English words, and the code and values that word them."""
        values = {
            k: v if isinstance(v, int | float | str | bool) or v is None else str(v)
            for k, v in self.params.items()
        }
        message, hint = self.render(Catalog("en").t)
        return {
            "line": self.line,
            "column": self.column,
            "message": message,
            "hint": hint,
            "code": self.code,
            "params": values,
            "hint_code": self.hint_code,
        }

    def __str__(self) -> str:
        message, hint = self.render(Catalog("en").t)
        hint = f" — {hint}" if hint else ""
        return f"line {self.line}, column {self.column}: {message}{hint}"


class RulesError(ConfigError):
    """A rule file that cannot be used; ``problems`` lists everything found. Its words are
    ``errors.rule_file.invalid`` with the first problem said in the reader's language."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        first = problems[0]
        more = len(problems) - 1
        params: dict[str, Any] = {
            "source": source,
            "line": first.line,
            "column": first.column,
            "problem": Phrase(lambda t: first.render(t)[0]),
            "more": Phrase(lambda t: _more(t, more)),
            "what_to_do": Phrase(lambda t: first.render(t)[1] or t("errors.rule_file.check_every")),
        }
        english = Catalog("en").t
        shown = rendered(params, english)
        super().__init__(
            english("errors.rule_file.invalid", **shown),
            english("errors.rule_file.invalid_hint", **shown),
            key="rule_file.invalid",
            params=params,
        )


def _more(t: Callable[..., str], more: int) -> str:
    """`` (and 3 more problems)`` in the language of ``t``; "" when there is no other. From 1
    up, French and English agree on which count is singular (Catalog.plural)."""
    if not more:
        return ""
    return t(f"errors.rule_file.more.{'one' if more == 1 else 'other'}", n=more)


_HEADER = re.compile(r"^\s*\[\[\s*rule\s*\]\]")
_LEADING_KEY = re.compile(r"^\s*\[?\s*([\w.-]+)")
_TABLE = re.compile(r"^\s*\[\s*([\w.-]+)\s*\]")


class Locator:
    """Finds the line and column of a rule, or of a key inside it, in the file's text."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers = [i for i, line in enumerate(self.lines) if _HEADER.match(line)]
        self._first: dict[str, int] | None = None  # bare key or [table] -> its first line

    def at(self, position: int | None, key: str | None = None) -> tuple[int, int]:
        """1-based (line, column) of rule ``position`` (1-based), or of ``key`` in it."""
        if position is None or position > len(self.headers):
            return self._key_anywhere(key) if key else (1, 1)
        start = self.headers[position - 1]
        end = self.headers[position] if position < len(self.headers) else len(self.lines)
        if key:
            pattern = re.compile(rf"(?<![\w-])\"?{re.escape(key)}\"?\s*=")
            for index in range(start, end):
                found = pattern.search(self.lines[index])
                if found:
                    return index + 1, found.start() + 1
        return start + 1, 1

    def text_at(self, position: int, text: str, key: str) -> tuple[int, int]:
        """1-based (line, column) of ``text`` as written in rule ``position`` (a regex in a
        literal string), else of ``key`` in it."""
        if 0 < position <= len(self.headers):
            start = self.headers[position - 1]
            end = self.headers[position] if position < len(self.headers) else len(self.lines)
            for index in range(start, end):
                column = self.lines[index].find(text)
                if column >= 0:
                    return index + 1, column + 1
        return self.at(position, key)

    def in_table(self, table: str, key: str) -> tuple[int, int] | None:
        """1-based (line, column) of ``key = ...`` written under the ``[table]`` header (a
        sub-table such as ``[fallback.min_confidence_by_category]``); None when it is not."""
        pattern = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
        inside = False
        for index, line in enumerate(self.lines):
            header = _TABLE.match(line)
            if header:
                inside = header[1] == table
            elif inside and pattern.match(line):
                return index + 1, len(line) - len(line.lstrip()) + 1
        return None

    def _key_anywhere(self, key: str) -> tuple[int, int]:
        if self._first is None:  # built once: a file with thousands of problems stays linear
            self._first = {}
            for index, line in enumerate(self.lines):
                found = _LEADING_KEY.match(line)
                if found:  # a dotted key or table ([fallback.x]) answers for each end of it
                    dotted = found[1]
                    for name in (dotted, dotted.split(".", 1)[0], dotted.rsplit(".", 1)[-1]):
                        self._first.setdefault(name, index)
        first = self._first.get(key)
        return (first + 1, 1) if first is not None else (1, 1)
