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

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

from desk.gcpause import paused
from desk.triage.compiled import Compiled, Found, Node, _conjuncts, compiled
from desk.triage.conditions import Facts, OneOf, Time, Words
from desk.triage.decision import Decision
from desk.triage.engine import apply_actions, skipped_notes
from desk.triage.rules import Rule, RuleSet
from desk.triage.words import hits_of

PAGE = 512  # mentions whose masks are one Python int each (a few machine words per operation)

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
]
"""One rule for a page: the lists that make it a candidate, whether it always is, the atoms it
needs, the atoms it refuses, its one-of groups, its compiled parts still to run per mention
(None: masks decide), whether it stops, the time windows it checks first (answered once per
mention and window for the page) and the word lists those first parts matched."""


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
            if parts is not None:
                times, constant, parts = _first_parts(
                    code, ruleset.rules[position], required, parts
                )
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
    atoms = [0] * plan.width  # atom -> the mentions of the page that have it, as bits
    who: dict[Any, int] = {}  # the set conditions' values -> the mentions that have them
    extra: dict[Any, int] = {}  # and their atoms
    masks: list[int] = []
    key_of, tables, single = plan.key, plan.tables, plan.single
    bit = 1
    for one, (lists, _) in zip(facts, scans, strict=True):
        rest = lists
        while rest:
            low = rest & -rest
            atoms[low.bit_length() - 1] |= bit
            rest ^= low
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
    for index, one in enumerate(facts):
        decision = Decision()
        groups = scans[index][1]
        if one.skipped:
            decision.notes.extend(skipped_notes(one.skipped, hits_of(groups), ruleset))
        fired = positions[index]
        if fired:
            apply_actions(decision, actions, fired)
            decision.found = Found(code, fired, masks[index], matches.get(index), groups)
        if one.notes:
            decision.notes.extend({"key": "regex_timeout", "text": n} for n in one.notes)
        decisions.append(decision)
    return decisions


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
