"""The rules applied one condition object at a time: the plain reading of the precedence
documented in desk.triage.rules, kept beside the compiled engine (desk.triage.engine).

It is the yardstick, not the hot path: the tests check that the compiled engine decides
exactly as this does (category, priority, tags, fired rules, matched words, notes), and
benchmarks/bench_triage.py prints its rate beside the compiled one, from the same run.
"""

from __future__ import annotations

from typing import Any

from desk.triage.conditions import Facts
from desk.triage.engine import Decision, Fired, skipped_notes
from desk.triage.rules import CATEGORY_ORDER, RuleSet
from desk.vocabulary import PRIORITY_NAMES

_RANK = {category: rank for rank, category in enumerate(CATEGORY_ORDER)}


def evaluate_reference(facts: Facts, ruleset: RuleSet) -> Decision:
    """Apply the rules in file order, each rule's condition objects in turn."""
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
        decision.notes.extend(skipped_notes(facts.skipped, hits, ruleset))
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
