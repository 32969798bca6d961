"""``evaluate``: a mention's facts and a RuleSet in, a Decision out. Pure: no I/O, no clock.

The rules run compiled (desk.triage.compiled): one automaton pass finds every word of every
rule, the conditions are bit-mask tests, and the fired rules stay in compact form until the
decision is explained. desk.triage.reference applies the same precedence one condition object
at a time; the tests hold the two to the same answers.

Routing (who is on duty, loads, round-robin turns) is done after, by desk.triage.routing; the
decision only carries the rule's assignment request.
"""

from __future__ import annotations

from typing import Any

from desk.triage.compiled import Action, Found, compiled
from desk.triage.conditions import Facts
from desk.triage.decision import DEFAULT_PRIORITY, Decision, Fired
from desk.triage.rules import CATEGORY_ORDER, RuleSet
from desk.triage.words import Skipped, hits_of

__all__ = ["DEFAULT_PRIORITY", "Decision", "Fired", "apply_actions", "evaluate", "skipped_notes"]


def evaluate(facts: Facts, ruleset: RuleSet) -> Decision:
    """Apply the rules in file order with the precedence documented in desk.triage.rules."""
    code = compiled(ruleset)
    skipped = facts.skipped
    lists, groups = ruleset.index.scan(facts.folded, skipped)
    candidates = code.always
    by_list = code.by_list
    rest = lists
    while rest:  # the rules each list with hits may fire
        low = rest & -rest
        candidates |= by_list[low.bit_length() - 1]
        rest ^= low
    decision = Decision()
    if skipped:
        decision.notes.extend(skipped_notes(skipped, hits_of(groups), ruleset))
    if not candidates:
        return decision
    mask = lists
    for attribute, table in code.tables:
        mask |= table.get(getattr(facts, attribute), 0)
    facts.atoms = mask
    rules = code.rules
    stops = code.stops
    positions: list[int] = []
    matches: dict[int, list[Any]] | None = None
    while candidates:  # in file order
        low = candidates & -candidates
        candidates ^= low
        position = low.bit_length() - 1
        need, refused, options, parts = rules[position]
        if mask & need != need or mask & refused:
            continue
        if parts is not None:  # a regex, contains, author...: run in order
            matched: list[Any] = []
            for part in parts:
                if not part(facts, matched):
                    break
            else:
                if matches is None:
                    matches = {}
                matches[position] = matched
                positions.append(position)
                if low & stops:
                    break
            continue
        if options:
            for one in options:
                if not mask & one:
                    break
            else:
                options = ()
            if options:
                continue
        positions.append(position)
        if low & stops:
            break
    if positions:
        apply_actions(decision, code.actions, positions)
        decision.found = Found(code, positions, mask, matches, groups)
    if facts.notes:
        decision.notes.extend({"key": "regex_timeout", "text": n} for n in facts.notes)
    return decision


def apply_actions(decision: Decision, actions: tuple[Action, ...], positions: list[int]) -> None:
    """The fired rules' actions, with the documented precedence."""
    best = len(CATEGORY_ORDER)  # a rule without a category ranks here: it never wins
    priority: int | None = None
    tags: dict[str, None] = {}
    for position in positions:
        action = actions[position]
        if action.category is not None and action.rank < best:
            best = action.rank
            decision.category = action.category
            decision.category_rule = action.name
        if action.priority is not None and (priority is None or action.priority > priority):
            priority = action.priority
        if action.tags:
            tags.update(dict.fromkeys(action.tags))
        if action.spam:
            decision.spam = True
        if action.require_approval:
            decision.needs_approval = True
        if action.suggest and decision.suggest is None:
            decision.suggest = action.suggest
        if action.assign is not None and decision.assign is None:
            decision.assign = action.assign
            decision.assign_rule = action.name
    if priority is not None:
        decision.priority = priority
    decision.tags = tuple(tags)


def skipped_notes(
    skipped: list[Skipped], hits: dict[int, list[str]], ruleset: RuleSet
) -> list[dict[str, Any]]:
    """One note per word that did not count (negated, or inside a harmless phrase), naming the
    rules it would have fired; a word that counted elsewhere in the text for a rule is not
    reported for that rule."""
    owners = ruleset.words.owners
    notes: dict[tuple[str, str, str], list[str]] = {}
    for skip in skipped:
        rules = notes.setdefault((skip.reason, skip.word, skip.by), [])
        for list_id in skip.lists:
            owner = owners.get(list_id)
            if owner and owner not in rules and skip.word not in hits.get(list_id, ()):
                rules.append(owner)
    key = {"negated": "word_negated", "phrase": "word_in_phrase"}
    return [
        {"key": key[reason], "word": word, "by": by, "rules": rules}
        for (reason, word, by), rules in notes.items()
        if rules
    ]
