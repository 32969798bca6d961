"""``evaluate``: a mention's facts and a RuleSet in, a Decision out. Pure: no I/O, no clock.

Routing (who is on duty, loads, round-robin turns) is done after, by desk.triage.routing; the
decision only carries the rule's assignment request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desk.triage.conditions import Facts
from desk.triage.rules import CATEGORY_ORDER, Assign, RuleSet
from desk.vocabulary import PRIORITY_NAMES

DEFAULT_PRIORITY = 1  # normal
_RANK = {category: rank for rank, category in enumerate(CATEGORY_ORDER)}


@dataclass(slots=True)
class Fired:
    """A rule that fired: what matched and what it did to the decision."""

    rule: str
    matched: tuple[str, ...]
    effects: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """Plain form stored with the mention and in its audit event."""
        return {"rule": self.rule, "matched": list(self.matched), "effects": self.effects}


@dataclass(slots=True)
class Decision:
    """What triage decided and why, in terms a supervisor can check."""

    category: str = "other"
    priority: int = DEFAULT_PRIORITY
    tags: tuple[str, ...] = ()
    spam: bool = False
    needs_approval: bool = False
    suggest: str | None = None
    assign: Assign | None = None
    assign_rule: str | None = None
    category_rule: str | None = None
    fired: list[Fired] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    # filled in by routing and language detection:
    assignee: str | None = None
    language: str = "other"
    language_source: str = "unknown"
    route: dict[str, Any] = field(default_factory=dict)
    fallback: dict[str, Any] | None = None  # the learned model's guess (desk.triage.fallback)

    @property
    def rules(self) -> tuple[str, ...]:
        """Names of the rules that fired, in file order."""
        return tuple(f.rule for f in self.fired)

    @property
    def matched(self) -> dict[str, list[str]]:
        """Rule name -> the words (or regex matches) that made it fire."""
        return {f.rule: list(f.matched) for f in self.fired}

    def detail(self) -> dict[str, Any]:
        """The full explanation as plain data (stored; rendered in either language)."""
        return {
            "category": self.category,
            "category_rule": self.category_rule,
            "priority": PRIORITY_NAMES[self.priority],
            "tags": list(self.tags),
            "spam": self.spam,
            "needs_approval": self.needs_approval,
            "suggest": self.suggest,
            "language": {"code": self.language, "source": self.language_source},
            "fired": [f.to_json() for f in self.fired],
            "notes": self.notes,
            "route": self.route,
        } | ({"fallback": self.fallback} if self.fallback is not None else {})


def evaluate(facts: Facts, ruleset: RuleSet) -> Decision:
    """Apply the rules in file order with the precedence documented in desk.triage.rules."""
    hits = ruleset.index.find(facts.folded, facts.skipped)
    facts.hits = hits
    candidates = set(ruleset.always)
    by_list = ruleset.by_list
    for list_id in hits:
        positions = by_list.get(list_id)
        if positions:
            candidates.update(positions)
    decision = Decision()
    if facts.skipped:
        decision.notes.extend(_skipped_notes(facts, ruleset))
    if not candidates:
        return decision
    rules = ruleset.rules
    category_rank = len(CATEGORY_ORDER)
    priority: int | None = None
    tags: dict[str, None] = {}
    for position in sorted(candidates):
        rule = rules[position]
        matched: list[str] = []
        if not rule.condition.holds(facts, matched):
            continue
        effects: dict[str, Any] = {}
        if rule.category is not None:
            effects["category"] = rule.category  # asked for; category_rule names the winner
            rank = _RANK[rule.category]
            if rank < category_rank:
                category_rank = rank
                decision.category = rule.category
                decision.category_rule = rule.name
        if rule.priority is not None:
            effects["priority"] = PRIORITY_NAMES[rule.priority]
            if priority is None or rule.priority > priority:
                priority = rule.priority
        if rule.tags:
            effects["tags"] = list(rule.tags)
            tags.update(dict.fromkeys(rule.tags))
        if rule.spam:
            decision.spam = True
            effects["spam"] = True
        if rule.require_approval:
            decision.needs_approval = True
            effects["require_approval"] = True
        if rule.suggest and decision.suggest is None:
            decision.suggest = rule.suggest
            effects["suggest"] = rule.suggest
        if rule.assign is not None and decision.assign is None:
            decision.assign = rule.assign
            decision.assign_rule = rule.name
            effects["assign"] = rule.assign.describe()
        decision.fired.append(Fired(rule.name, tuple(dict.fromkeys(matched)), effects))
        if rule.stop:
            break
    if priority is not None:
        decision.priority = priority
    decision.tags = tuple(tags)
    if facts.notes:
        decision.notes.extend({"key": "regex_timeout", "text": n} for n in facts.notes)
    return decision


def _skipped_notes(facts: Facts, ruleset: RuleSet) -> list[dict[str, Any]]:
    """One note per word that did not count (negated, or inside a harmless phrase), naming the
    rules it would have fired; a word that counted elsewhere in the text for a rule is not
    reported for that rule."""
    owners = ruleset.words.owners
    notes: dict[tuple[str, str, str], list[str]] = {}
    for skip in facts.skipped:
        rules = notes.setdefault((skip.reason, skip.word, skip.by), [])
        for list_id in skip.lists:
            owner = owners.get(list_id)
            if owner and owner not in rules and skip.word not in facts.hits.get(list_id, ()):
                rules.append(owner)
    key = {"negated": "word_negated", "phrase": "word_in_phrase"}
    return [
        {"key": key[reason], "word": word, "by": by, "rules": rules}
        for (reason, word, by), rules in notes.items()
        if rules
    ]
