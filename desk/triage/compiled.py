"""A RuleSet compiled for the engine: every condition answered from bit masks where it can be.

A mention's *atoms* are one bit each in a Python int: bit ``i`` is "word list ``i`` has a hit"
(straight from the one automaton pass, desk.triage.words.WordIndex.scan), and above them one
bit per ``languages``/``platforms``/``channels``/``kinds`` condition, looked up per mention from
a value -> mask table. Each rule keeps the mask of the atoms its top-level ``all`` needs, so
most rules are decided by one ``&`` and one comparison; the candidates (rules whose words
occur, and rules with no words) are a mask too, walked in file order.

Only the rules with something else (a regex, ``contains``, author, link, time, nested
``any``/``all``/``not``) run small compiled functions over the same mask, calling the
condition objects for what masks cannot answer, in the order ``All`` tries them (cheap first):
a regex runs, and may time out, exactly when it did one object at a time. The words that
matched are kept as list ids and read back from the scan only when ``Decision.fired`` is asked
for (``Found``). desk.triage.reference is the plain reading; the tests check both agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from desk.triage.conditions import (
    SAFE_TEXT,
    All,
    AnyOf,
    Condition,
    Facts,
    Not,
    OneOf,
    Pattern,
    Words,
    required_text,
)
from desk.triage.decision import Fired
from desk.triage.rules import CATEGORY_ORDER, Assign, Rule, RuleSet
from desk.triage.words import Found as Group
from desk.triage.words import hits_of
from desk.vocabulary import PRIORITY_NAMES

Node = Callable[[Facts, list[Any]], bool]
"""A compiled condition: (facts, matched) -> holds, reading the atoms from ``Facts.atoms``;
appends a list id for the words that made it true (read back later) or the text of a regex,
contains or author match."""

Shape = tuple[int, int, tuple[int, ...], tuple[Node, ...] | None]
"""A rule for the engine: atoms needed, atoms refused, one-of groups, and the compiled parts
to run when masks cannot decide it alone (None: they can)."""

_RANK = {category: rank for rank, category in enumerate(CATEGORY_ORDER)}
ATTRIBUTES = ("language", "platform", "channel", "kind")


@dataclass(frozen=True, slots=True)
class Action:
    """What a rule does when it fires, ready to apply."""

    name: str
    category: str | None
    rank: int
    priority: int | None
    tags: tuple[str, ...]
    spam: bool
    require_approval: bool
    suggest: str | None
    assign: Assign | None
    stop: bool


class Compiled:
    """The compiled form of one RuleSet (``compiled``): masks and per-rule tables."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.lists = max(ruleset.word_lists, default=-1) + 1  # atoms below this bit: lists
        self._one_of: dict[tuple[str, frozenset[str]], int] = {}
        rules = ruleset.rules
        self.required: list[int] = []  # atoms a rule's top-level ``all`` needs
        self.refused: list[int] = []  # atoms none of which may be set (``not``)
        self.options: list[tuple[int, ...]] = []  # each: at least one of these atoms (``any``)
        self.checks: list[tuple[Node, ...] | None] = []  # rules masks cannot decide alone
        self.nodes: list[tuple[Node, ...]] = []  # every rule, for its matches when explained
        for rule in rules:
            parts = rule.condition.parts
            nodes = tuple(self._node(p) for p in _conjuncts(rule.condition))
            self.nodes.append(nodes)
            if all(_masked(p) for p in parts):  # decided by masks alone, in any order
                required, refused, options = 0, 0, list[int]()
                flat = self._flat(rule.condition)
                if flat is not None:
                    required, refused, options = flat
                self.required.append(required)
                self.refused.append(refused)
                self.options.append(tuple(options))
                self.checks.append(None if flat is not None else nodes)
            else:  # a regex may run: its parts run in order, after the atoms that precede it
                required = 0
                for part in parts:
                    if isinstance(part, Words | OneOf):
                        required |= self._bit(part)
                self.required.append(required)
                self.refused.append(0)
                self.options.append(())
                self.checks.append(nodes)
        # for the explanation: the lists whose words a rule of words and set conditions alone
        # matched, and what every rule does (suggest and assign depend on the rules before)
        self.listed: list[tuple[int, ...] | None] = []
        for rule in rules:
            conjuncts = _conjuncts(rule.condition)
            simple = all(isinstance(p, Words | OneOf) for p in conjuncts)
            self.listed.append(
                tuple(p.list_id for p in conjuncts if isinstance(p, Words)) if simple else None
            )
        self.wanted = [None if ids is None else frozenset(ids) for ids in self.listed]
        self.effects = [_effects(rule) for rule in rules]
        self.rules: tuple[Shape, ...] = tuple(
            zip(self.required, self.refused, self.options, self.checks, strict=True)
        )
        self.tables: tuple[tuple[str, dict[str, int]], ...] = tuple(
            (attribute, table) for attribute, table in self._tables().items() if table
        )
        self.by_list = [0] * self.lists
        for list_id, positions in ruleset.by_list.items():
            for position in positions:
                self.by_list[list_id] |= 1 << position
        self.always = sum(1 << position for position in ruleset.always)
        self.stops = sum(1 << p for p, rule in enumerate(rules) if rule.stop)
        self.pages: object | None = None  # desk.triage.batch's plan, built on first use
        self.actions = tuple(
            Action(
                rule.name,
                rule.category,
                _RANK[rule.category] if rule.category is not None else len(CATEGORY_ORDER),
                rule.priority,
                rule.tags,
                rule.spam,
                rule.require_approval,
                rule.suggest,
                rule.assign,
                rule.stop,
            )
            for rule in rules
        )

    def bit_of(self, part: Words | OneOf) -> int:
        """The atom bit of a word list or a set condition of the rules (0: none)."""
        if isinstance(part, Words):
            return 1 << part.list_id
        return self._one_of.get((part.attribute, part.values), 0)

    def _bit(self, part: Words | OneOf) -> int:
        """The atom bit of a word list or a set condition."""
        if isinstance(part, Words):
            return 1 << part.list_id
        key = (part.attribute, part.values)
        if key not in self._one_of:
            self._one_of[key] = 1 << (self.lists + len(self._one_of))
        return self._one_of[key]

    def _tables(self) -> dict[str, dict[str, int]]:
        tables: dict[str, dict[str, int]] = {a: {} for a in ATTRIBUTES}
        for (attribute, values), bit in self._one_of.items():
            table = tables.setdefault(attribute, {})
            for value in values:
                table[value] = table.get(value, 0) | bit
        return tables

    def _flat(self, condition: All) -> tuple[int, int, list[int]] | None:
        """An ``all`` of atoms, ``any`` of atoms and ``not`` of atoms as three masks (needed,
        refused, one-of each), or None when it nests deeper."""
        required, refused, options = 0, 0, []
        for part in condition.parts:
            if isinstance(part, Words | OneOf):
                required |= self._bit(part)
            elif isinstance(part, All):
                inner = self._flat(part)
                if inner is None:
                    return None
                required |= inner[0]
                refused |= inner[1]
                options += inner[2]
            elif isinstance(part, AnyOf | Not):
                bits = 0
                for option in part.parts:
                    atom = _single(option)
                    if atom is None:
                        return None
                    bits |= self._bit(atom)
                if isinstance(part, Not):
                    refused |= bits
                else:
                    options.append(bits)
            else:  # pragma: no cover - _masked let only these through
                return None
        return required, refused, options

    def _node(self, condition: Condition) -> Node:
        """``condition.holds`` as a function of the mention's atoms (``Facts.atoms``), same
        order, same matches."""
        if isinstance(condition, Words):
            bit, list_id = 1 << condition.list_id, condition.list_id

            def words(facts: Facts, matched: list[Any]) -> bool:
                if facts.atoms & bit:
                    matched.append(list_id)
                    return True
                return False

            return words
        if isinstance(condition, OneOf):
            one = self._bit(condition)
            return lambda facts, matched: bool(facts.atoms & one)
        if isinstance(condition, All):
            # an all inside an all is the same sequence, and a part that fails adds nothing:
            # one flat sequence, and a single part is that part
            parts = tuple(self._node(p) for p in _conjuncts(condition))
            if len(parts) == 1:
                return parts[0]

            def every(facts: Facts, matched: list[Any]) -> bool:
                mark = len(matched)
                for part in parts:
                    if not part(facts, matched):
                        del matched[mark:]
                        return False
                return True

            return every
        if isinstance(condition, AnyOf):
            options = tuple(self._node(p) for p in condition.parts)

            def some(facts: Facts, matched: list[Any]) -> bool:
                result = False
                for part in options:
                    if part(facts, matched):
                        result = True
                return result

            return some
        if isinstance(condition, Not):
            denied = tuple(self._node(p) for p in condition.parts)

            def none(facts: Facts, matched: list[Any]) -> bool:
                scratch: list[Any] = []
                return not any(part(facts, scratch) for part in denied)

            return none
        holds = condition.holds  # a regex, contains, author, link or time: asked as is
        if isinstance(condition, Pattern) and condition.safe:
            needed = required_text(condition.source)
            if needed:  # no timeout could stop this search: skip it when it cannot match

                def pattern(facts: Facts, matched: list[Any]) -> bool:
                    if len(facts.folded) <= SAFE_TEXT and needed not in facts.lowered:
                        return False
                    return holds(facts, matched)

                return pattern
        return holds


def _effects(rule: Rule) -> dict[str, Any]:
    """The effects a rule always has when it fires, in the order the reference writes them."""
    effects: dict[str, Any] = {}
    if rule.category is not None:
        effects["category"] = rule.category
    if rule.priority is not None:
        effects["priority"] = PRIORITY_NAMES[rule.priority]
    if rule.tags:
        effects["tags"] = list(rule.tags)
    if rule.spam:
        effects["spam"] = True
    if rule.require_approval:
        effects["require_approval"] = True
    return effects


def _conjuncts(condition: All) -> list[Condition]:
    """The parts of an ``all``, those of the ``all`` inside it in their place."""
    parts: list[Condition] = []
    for part in condition.parts:
        parts += _conjuncts(part) if isinstance(part, All) else [part]
    return parts


class _Atoms:
    """What a compiled rule decided by masks alone reads when it is explained again."""

    __slots__ = ("atoms",)

    def __init__(self, atoms: int) -> None:
        self.atoms = atoms


def _masked(condition: Condition) -> bool:
    """Whether masks answer the condition alone (word lists and set conditions only)."""
    if isinstance(condition, Words | OneOf):
        return True
    if isinstance(condition, All | AnyOf | Not):
        return all(_masked(p) for p in condition.parts)
    return False


def _single(condition: Condition) -> Words | OneOf | None:
    """The one atom a part of ``any``/``not`` is (``{ words = [...] }``), if it is one."""
    while isinstance(condition, All) and len(condition.parts) == 1:
        condition = condition.parts[0]
    return condition if isinstance(condition, Words | OneOf) else None


def compiled(ruleset: RuleSet) -> Compiled:
    """The compiled form of ``ruleset``, built on first use and kept with it."""
    code = ruleset.code
    if code is None:
        code = Compiled(ruleset)
        object.__setattr__(ruleset, "code", code)
    assert isinstance(code, Compiled)
    return code


class Found:
    """The fired rules of one decision in compact form: their positions, the mention's atom
    mask and, for the rules that ran a regex or another condition object, what they matched
    (list ids and texts); the words come from the scan's groups. ``fired`` builds the same
    records the reference engine builds."""

    __slots__ = ("code", "groups", "mask", "matched", "positions")

    def __init__(
        self,
        code: Compiled,
        positions: list[int],
        mask: int,
        matched: dict[int, list[Any]] | None,
        groups: list[Group],
    ) -> None:
        self.code = code
        self.positions = positions
        self.mask = mask
        self.matched = matched
        self.groups = groups

    def names(self) -> tuple[str, ...]:
        """The names of the rules that fired, in file order."""
        actions = self.code.actions
        return tuple(actions[p].name for p in self.positions)

    def categories(self) -> set[str]:
        """The categories the fired rules propose (desk.triage.arbitration asks, without the
        full records)."""
        actions = self.code.actions
        return {c for c in (actions[p].category for p in self.positions) if c is not None}

    def matched_of(self, name: str) -> tuple[str, ...] | None:
        """What made the rule ``name`` fire, as ``fired`` gives it (None: it did not fire)."""
        actions = self.code.actions
        for position in self.positions:
            if actions[position].name == name:
                raw = self.matched.get(position) if self.matched else None
                lists = self.code.listed[position] if raw is None else raw
                wanted = None if lists is None else frozenset(i for i in lists if type(i) is int)
                hits = hits_of(self.groups, wanted)  # only the lists this rule reads
                return tuple(dict.fromkeys(self._matched(position, hits)))
        return None

    def single_match(self, name: str) -> tuple[str, ...] | None:
        """``matched_of(name)`` when it is one word or phrase, else None: for a rule of word
        lists alone, the scan's entries are read until a second word shows up."""
        actions = self.code.actions
        for position in self.positions:
            if actions[position].name == name:
                wanted = self.code.wanted[position]
                raw = self.matched.get(position) if self.matched else None
                if raw is not None and not any(type(item) is int for item in raw):
                    texts = tuple(dict.fromkeys(raw))  # a regex's or contains' texts alone
                    return texts if len(texts) == 1 else None
                if wanted is None or raw is not None:
                    found = self.matched_of(name)
                    return found if found is not None and len(found) == 1 else None
                first = None
                for group in self.groups:
                    for shown, ids in group:
                        if not wanted.isdisjoint(ids):
                            if first is None:
                                first = shown
                            elif shown != first:
                                return None
                return None if first is None else (first,)
        return None

    def _matched(self, position: int, hits: dict[int, list[str]]) -> list[str]:
        code = self.code
        raw = self.matched.get(position) if self.matched else None
        listed = code.listed[position]
        matched: list[str] = []
        if raw is None and listed is not None:  # words (and set conditions) only
            for list_id in listed:
                matched += hits[list_id]
            return matched
        if raw is None:  # masks decided it: the same parts, run again on the same mask
            raw = []
            atoms = cast(Facts, _Atoms(self.mask))
            for node in code.nodes[position]:
                node(atoms, raw)
        for item in raw:
            if isinstance(item, int):
                matched += hits[item]
            else:
                matched.append(item)
        return matched

    def fired(self) -> list[Fired]:
        """One Fired per rule, with its matches and effects as the reference engine gives."""
        hits = hits_of(self.groups)
        code = self.code
        records = []
        suggested = assigned = False
        for position in self.positions:
            action = code.actions[position]
            matched = self._matched(position, hits)
            effects = code.effects[position].copy()
            if action.tags:
                effects["tags"] = list(action.tags)  # the decision's own list, in its place
            if action.suggest and not suggested:
                suggested = True
                effects["suggest"] = action.suggest
            if action.assign is not None and not assigned:
                assigned = True
                effects["assign"] = action.assign.describe()
            records.append(Fired(action.name, tuple(dict.fromkeys(matched)), effects))
        return records
