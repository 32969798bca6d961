"""``evaluate_many``: the compiled rules over a page of mentions at once, the same decisions as
``evaluate`` one mention at a time (desk.triage.engine).

The page's texts are scanned by one automaton pass (desk.triage.words.WordIndex.scan_many).
Then the masks are turned around: instead of one atom mask per mention, one *mention mask* per
atom (bit ``j``: mention ``j`` of the page has a hit in that word list, or meets that set
condition), and each rule, in file order, is one handful of ``&``/``|`` over those for the whole
page: its candidates (the mentions with hits in its lists), those with the atoms it needs, none
it refuses, one of each ``any``. A time window a rule checks first is asked once per mention
and window for the page, and kept as a mention mask too. Only a rule with a regex,
``contains``, author or link runs per mention, and only for the mentions the masks left it, in
the same order as ``evaluate`` (rules in file order for each mention; a ``stop`` rule ends the
mention's turn), so a regex runs, and may time out, exactly as one mention at a time. The fired
rules stay in compact form (``Found``): the explanation is built when asked for.

The decisions of a whole batch live on, so the cyclic collector is paused meanwhile
(desk.gcpause). tests/unit/triage/test_batch.py holds the pages to ``evaluate``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from operator import attrgetter, contains
from typing import Any

import numpy as np

from desk.gcpause import paused
from desk.triage.compiled import Compiled, Found, Node, _conjuncts, compiled
from desk.triage.conditions import (
    SAFE_TEXT,
    All,
    AnyOf,
    Condition,
    Contains,
    Facts,
    Not,
    OneOf,
    Pattern,
    Time,
    Words,
    required_text,
)
from desk.triage.decision import Decision
from desk.triage.engine import apply_actions, skipped_notes
from desk.triage.rules import Rule, RuleSet
from desk.triage.words import hits_of

PAGE = 512  # mentions whose masks are one Python int each (a few machine words per operation)
KEPT_EFFECTS = 4096  # sets of fired rules whose effects a page plan keeps (``_effects``)
BOUNDED = 32  # a rule run on more mentions of a page than this is first narrowed (``Bound``)

Plan = tuple[
    tuple[int, ...],
    bool,
    tuple[int, ...],
    tuple[int, ...],
    tuple[tuple[int, ...], ...],
    tuple[Node, ...] | None,
    bool,
    tuple[Time, ...],
    tuple[int, ...],
    "Bound | None",
]
"""One rule for a page: the lists that make it a candidate, whether it always is, the atoms it
needs, the atoms it refuses, its one-of groups, its compiled parts still to run per mention
(None: masks decide), whether it stops, the time windows it checks first (answered once per
mention and window for the page), the word lists those first parts matched, and the mentions
it may hold for at most (``Bound``; None: any)."""

Bound = tuple[str, Any]
"""What a rule's condition can hold for at most, as page masks can say it (``_bound``):
``("atom", n)``, ``("contains", pieces)``, ``("needs", text)`` (a safe regex's required text,
or a text too long to skip it), ``("long", ())`` (a text longer than SAFE_TEXT), ``("not",
bound)`` of an exact bound, ``("all", bounds)``, ``("any", bounds)``; an exact bound is true
for exactly the mentions the condition holds for."""


def _atoms(mask: int) -> tuple[int, ...]:
    """The atom numbers set in a mask."""
    found = []
    while mask:
        low = mask & -mask
        found.append(low.bit_length() - 1)
        mask ^= low
    return tuple(found)


class Pages:
    """What ``evaluate_many`` reads of a Compiled, per rule (built once, kept with it)."""

    def __init__(self, code: Compiled, ruleset: RuleSet) -> None:
        sources: dict[int, list[int]] = {}
        for list_id, positions in ruleset.by_list.items():
            for position in positions:
                sources.setdefault(position, []).append(list_id)
        always = set(ruleset.always)
        plan: list[Plan] = []
        for position, (required, refused, options, parts) in enumerate(code.rules):
            times: tuple[Time, ...] = ()
            constant: tuple[int, ...] = ()
            bound: Bound | None = None
            if parts is not None:
                rule = ruleset.rules[position]
                times, constant, parts = _first_parts(code, rule, required, parts)
                bound = _rule_bound(code, rule.condition)
            plan.append(
                (
                    tuple(sources.get(position, ())),
                    position in always,
                    _atoms(required),
                    _atoms(refused),
                    tuple(_atoms(option) for option in options),
                    parts,
                    bool(code.stops >> position & 1),
                    times,
                    constant,
                    bound,
                )
            )
        self.plan = tuple(plan)
        self.width = max(
            [code.lists]
            + [
                atom + 1
                for _, table in code.tables
                for bits in table.values()
                for atom in _atoms(bits)
            ]
        )
        names = tuple(attribute for attribute, _ in code.tables)
        self.key: Callable[[Facts], Any] | None = attrgetter(*names) if names else None
        self.tables = tuple(table for _, table in code.tables)
        self.single = len(names) == 1
        # the fields a set of fired rules gives a decision, by their positions: a few hundred
        # sets in practice (all immutable values: tuples, strings, the frozen Assign)
        self.made: dict[tuple[int, ...], Effects] = {}


def _held(bit: int, required: int) -> bool:
    return bool(bit) and required & bit == bit


def _first_parts(
    code: Compiled, rule: Rule, required: int, parts: tuple[Node, ...]
) -> tuple[tuple[Time, ...], tuple[int, ...], tuple[Node, ...] | None]:
    """A rule's leading parts that read no text: word lists and set conditions the masks
    already hold for its candidates, and time windows, which only answer (no match, no note).
    Their time windows, the word lists they match (in order) and the parts left to run per
    mention, from the first other one on; no time window: nothing taken out."""
    times: list[Time] = []
    lists: list[int] = []
    done = 0
    for part in _conjuncts(rule.condition):
        if isinstance(part, Time):
            times.append(part)
        elif isinstance(part, Words) and _held(code.bit_of(part), required):
            lists.append(part.list_id)
        elif not isinstance(part, OneOf) or not _held(code.bit_of(part), required):
            break
        done += 1
    if not times:
        return (), (), parts
    return tuple(times), tuple(lists), parts[done:]


def _rule_bound(code: Compiled, condition: All) -> Bound | None:
    """The ``Bound`` of a rule that runs per mention, or None when masks cannot narrow it.

    Running a rule may do more than answer: a regex search that times out leaves a note. A
    safe regex searches with a timeout only a text longer than SAFE_TEXT: a rule with one
    runs on every such text, whatever its other parts, as it did one mention at a time; a
    rule with a regex that is not safe runs on every candidate."""
    patterns = _patterns(condition)
    if not all(pattern.safe for pattern in patterns):
        return None
    found = _bound(code, condition)
    if found is None:
        return None
    return ("any", (found[0], ("long", ()))) if patterns else found[0]


def _patterns(condition: Condition) -> list[Pattern]:
    if isinstance(condition, Pattern):
        return [condition]
    return [found for part in getattr(condition, "parts", ()) for found in _patterns(part)]


def _bound(code: Compiled, condition: Condition) -> tuple[Bound, bool] | None:
    """A superset of the mentions ``condition`` holds for, as a ``Bound``, and whether it is
    exact (None: any mention)."""
    if isinstance(condition, Words | OneOf):
        bit = code.bit_of(condition)
        return (("atom", bit.bit_length() - 1), True) if bit else None
    if isinstance(condition, Contains):
        return ("contains", condition.pieces), True
    if isinstance(condition, Pattern):
        # a safe regex skips a text without its required text (compiled.Compiled._node),
        # unless the text is long: then it searches, with a timeout
        needed = required_text(condition.source)
        return (("needs", needed), False) if needed else None
    if isinstance(condition, All):
        found = [_bound(code, part) for part in condition.parts]
        known = [one for one in found if one is not None]
        if not known:
            return None
        exact = len(known) == len(found) and all(one[1] for one in known)
        return ("all", tuple(one[0] for one in known)), exact
    if isinstance(condition, AnyOf):
        found = [_bound(code, part) for part in condition.parts]
        if not found or any(one is None for one in found):
            return None
        return ("any", tuple(one[0] for one in found if one is not None)), all(
            one is not None and one[1] for one in found
        )
    if isinstance(condition, Not):
        inner = _bound(code, AnyOf(condition.parts))  # none of the parts holds
        if inner is None or not inner[1]:
            return None
        return ("not", inner[0]), True
    return None  # time, author, link: asked per mention


def _mask_of(flags: Iterable[bool], count: int) -> int:
    """The page mask of ``count`` per-mention flags (bit ``j``: mention ``j``)."""
    packed = np.packbits(np.fromiter(flags, dtype=bool, count=count), bitorder="little")
    return int.from_bytes(packed.tobytes(), "little")


class _Bounds:
    """The masks of the ``Bound`` parts for one page, each worked out once (a piece looked
    for in every text of the page by one ``map``)."""

    def __init__(self, facts: Sequence[Facts], atoms: list[int], everyone: int) -> None:
        self.texts = [one.folded for one in facts]
        self.atoms = atoms
        self.everyone = everyone
        self.known: dict[Bound, int] = {}
        self._lowered: list[str] | None = None
        self._joined: dict[int, str] = {}  # texts (by id: the page's own lists) -> joined

    def mask(self, bound: Bound) -> int:
        found = self.known.get(bound)
        if found is None:
            found = self.known[bound] = self._mask(bound)
        return found

    def _holding(self, texts: list[str], piece: str) -> int:
        """The mentions whose text holds ``piece``: none when the page's texts joined do not
        (one search, the usual case for a rare piece), else each text looked at."""
        joined = self._joined.get(id(texts))
        if joined is None:
            joined = self._joined[id(texts)] = "\n".join(texts)
        if piece not in joined:
            return 0
        return _mask_of(map(contains, texts, repeat(piece)), len(texts))

    def _mask(self, bound: Bound) -> int:
        kind, value = bound
        if kind == "atom":
            return self.atoms[value] if value < len(self.atoms) else 0
        if kind == "contains":
            mask = 0
            for piece in value:
                mask |= self._holding(self.texts, piece)
            return mask
        if kind == "long":  # a safe regex searches these with a timeout, whatever they hold
            return _mask_of((size > SAFE_TEXT for size in map(len, self.texts)), len(self.texts))
        if kind == "needs":  # in ``Facts.lowered``, as compiled.Compiled._node looks for it
            if self._lowered is None:  # folded ASCII text is lower case already
                self._lowered = [t if t.isascii() else t.lower() for t in self.texts]
            return self._holding(self._lowered, value) | self.mask(("long", ()))
        if kind == "not":
            return self.everyone & ~self.mask(value)
        parts = [self.mask(part) for part in value]
        mask = parts[0]
        for part in parts[1:]:
            mask = mask & part if kind == "all" else mask | part
        return mask


def pages(ruleset: RuleSet) -> tuple[Compiled, Pages]:
    """The compiled rules and their page plan, built on first use and kept with them."""
    code = compiled(ruleset)
    plan = code.pages
    if plan is None:
        plan = code.pages = Pages(code, ruleset)
    assert isinstance(plan, Pages)
    return code, plan


@paused()  # the decisions live on: no collector walks over them (desk.gcpause)
def evaluate_many(facts: Sequence[Facts], ruleset: RuleSet) -> list[Decision]:
    """``[evaluate(f, ruleset) for f in facts]``, a page at a time."""
    code, plan = pages(ruleset)
    decisions: list[Decision] = []
    for start in range(0, len(facts), PAGE):
        decisions += _page(facts[start : start + PAGE], ruleset, code, plan)
    return decisions


def _page(facts: Sequence[Facts], ruleset: RuleSet, code: Compiled, plan: Pages) -> list[Decision]:
    count = len(facts)
    scans = ruleset.index.scan_many([f.folded for f in facts], [f.skipped for f in facts])
    # atom -> the mentions of the page that have it, as bits: the lists' first
    atoms = _turned([lists for lists, _ in scans], plan.width)
    who: dict[Any, int] = {}  # the set conditions' values -> the mentions that have them
    extra: dict[Any, int] = {}  # and their atoms
    masks: list[int] = []
    key_of, tables, single = plan.key, plan.tables, plan.single
    bit = 1
    for one, (lists, _) in zip(facts, scans, strict=True):
        if key_of is None:
            masks.append(lists)
        else:
            key = key_of(one)
            more = extra.get(key)
            if more is None:
                values = (key,) if single else key
                more = 0
                for table, value in zip(tables, values, strict=True):
                    more |= table.get(value, 0)
                extra[key] = more
                who[key] = bit
            else:
                who[key] |= bit
            masks.append(lists | more)
        bit <<= 1
    for key, mentions in who.items():
        for atom in _atoms(extra[key]):
            atoms[atom] |= mentions
    for one, mask in zip(facts, masks, strict=True):
        one.atoms = mask
    positions: list[list[int]] = [[] for _ in range(count)]
    matches: dict[int, dict[int, list[Any]]] = {}
    alive = (1 << count) - 1
    bounds = _Bounds(facts, atoms, alive)
    answered: dict[Time, tuple[int, int]] = {}  # a window -> mentions asked, those in it
    for position, (
        sources,
        always,
        required,
        refused,
        options,
        parts,
        stop,
        times,
        constant,
        bound,
    ) in enumerate(plan.plan):
        if always:
            chosen = alive
        else:
            chosen = 0
            for list_id in sources:
                chosen |= atoms[list_id]
            chosen &= alive
        for atom in required:
            if not chosen:
                break
            chosen &= atoms[atom]
        if not chosen:
            continue
        for atom in refused:
            chosen &= ~atoms[atom]
        for option in options:
            some = 0
            for atom in option:
                some |= atoms[atom]
            chosen &= some
        for window in times:
            if not chosen:
                break
            chosen &= _in_time(window, chosen, facts, answered)
        if bound is not None and chosen.bit_count() > BOUNDED:  # those it cannot hold for
            chosen &= bounds.mask(bound)
        if chosen and parts is not None:
            chosen = _run(parts, constant, chosen, facts, position, matches)
        if not chosen:
            continue
        if stop:
            alive &= ~chosen
        while chosen:
            low = chosen & -chosen
            positions[low.bit_length() - 1].append(position)
            chosen ^= low
        if not alive:
            break
    decisions = []
    actions = code.actions
    made = plan.made
    for index, one in enumerate(facts):
        groups = scans[index][1]
        fired = positions[index]
        if fired:
            key = tuple(fired)
            effects = made.get(key)
            if effects is None:
                effects = _effects(actions, fired)
                if len(made) < KEPT_EFFECTS:
                    made[key] = effects
            decision = Decision(*effects)
            decision.found = Found(code, fired, masks[index], matches.get(index), groups)
        else:
            decision = Decision()
        if one.skipped:
            decision.notes.extend(skipped_notes(one.skipped, hits_of(groups), ruleset))
        if one.notes:
            decision.notes.extend({"key": "regex_timeout", "text": n} for n in one.notes)
        decisions.append(decision)
    return decisions


Effects = tuple[str, int, tuple[str, ...], bool, bool, str | None, Any, str | None, str | None]
"""What some fired rules make of a decision: its first fields, in order (``Decision``)."""


def _effects(actions: tuple[Any, ...], fired: list[int]) -> Effects:
    """The fields ``apply_actions`` sets on a new decision for these fired rules."""
    probe = Decision()
    apply_actions(probe, actions, fired)
    return (
        probe.category,
        probe.priority,
        probe.tags,
        probe.spam,
        probe.needs_approval,
        probe.suggest,
        probe.assign,
        probe.assign_rule,
        probe.category_rule,
    )


def _turned(masks: list[int], width: int) -> list[int]:
    """The masks turned around: for each bit ``i`` below ``width``, the mask of the masks
    that have it (bit ``j``: ``masks[j]``). One numpy transposition of their bytes, not one
    Python step per bit set."""
    size = (width + 7) // 8
    if not masks or not size:
        return [0] * width
    data = b"".join([mask.to_bytes(size, "little") for mask in masks])
    bits = np.unpackbits(
        np.frombuffer(data, dtype=np.uint8).reshape(len(masks), size), axis=1, bitorder="little"
    )
    rows = np.packbits(bits[:, :width].T, axis=1, bitorder="little")
    return [int.from_bytes(row, "little") for row in map(bytes, rows)]


def _in_time(
    window: Time, chosen: int, facts: Sequence[Facts], answered: dict[Time, tuple[int, int]]
) -> int:
    """The mentions of ``chosen`` that arrived in the window, each mention asked once a page."""
    asked, inside = answered.get(window, (0, 0))
    todo = chosen & ~asked
    while todo:
        low = todo & -todo
        todo ^= low
        if window.holds(facts[low.bit_length() - 1], []):
            inside |= low
    answered[window] = (asked | chosen, inside)
    return chosen & inside


def _run(
    parts: tuple[Node, ...],
    first: tuple[int, ...],
    chosen: int,
    facts: Sequence[Facts],
    position: int,
    matches: dict[int, dict[int, list[Any]]],
) -> int:
    """The mentions of ``chosen`` for which a rule's parts hold, run in order for each, after
    the parts the masks answered (``first``: the word lists they matched)."""
    fired = 0
    while chosen:
        low = chosen & -chosen
        chosen ^= low
        index = low.bit_length() - 1
        one = facts[index]
        matched: list[Any] = list(first)
        for part in parts:
            if not part(one, matched):
                break
        else:
            fired |= low
            matches.setdefault(index, {})[position] = matched
    return fired
