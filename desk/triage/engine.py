"""``evaluate``: a mention and the rules in, a Decision out. Pure: no I/O, no clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from desk.models import PRIORITY_NAMES
from desk.triage.rules import RuleSet, fold

DEFAULT_PRIORITY = 1  # normal


@dataclass(slots=True)
class Decision:
    """What triage decided and why, in words a supervisor can check."""

    category: str = "other"
    priority: int = DEFAULT_PRIORITY
    assignee: str | None = None
    rules: tuple[str, ...] = ()
    matched: dict[str, list[str]] = field(default_factory=dict)
    reason: str = ""


def evaluate(
    text: str,
    *,
    language: str | None,
    platform: str,
    ruleset: RuleSet,
    routing: dict[str, str] | None = None,
) -> Decision:
    """Apply the rules in order; fall back to routing by language for the assignee."""
    folded = fold(text)
    category: str | None = None
    priority: int | None = None
    assignee: str | None = None
    fired: list[str] = []
    matched: dict[str, list[str]] = {}
    reasons: list[str] = []
    hits = ruleset.index.find(folded)
    for position in sorted(hits):
        rule = ruleset.rules[position]
        if rule.languages and (language or "") not in rule.languages:
            continue
        if rule.platforms and platform not in rule.platforms:
            continue
        words = hits[position]
        fired.append(rule.name)
        matched[rule.name] = words
        effects = []
        if rule.category and category is None:
            category = rule.category
            effects.append(f"category={rule.category}")
        if rule.priority is not None and (priority is None or rule.priority > priority):
            priority = rule.priority
            effects.append(f"priority={PRIORITY_NAMES[rule.priority]}")
        if rule.assign and assignee is None:
            assignee = rule.assign
            effects.append(f"assignee={rule.assign}")
        if effects:
            reasons.append(
                f"rule {rule.name} matched {', '.join(repr(w) for w in words)}: {', '.join(effects)}"
            )
    if assignee is None and routing:
        lang_key = language if language in routing else "other"
        assignee = routing.get(lang_key)
        if assignee:
            reasons.append(f"routed by language ({language or 'unknown'}) to {assignee}")
    if not reasons:
        reasons.append("no rule matched")
    return Decision(
        category=category or "other",
        priority=DEFAULT_PRIORITY if priority is None else priority,
        assignee=assignee,
        rules=tuple(fired),
        matched=matched,
        reason="; ".join(reasons),
    )
