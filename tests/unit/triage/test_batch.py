"""A page of mentions at once (desk.triage.batch, issue 16) decides as one mention at a time.

``evaluate_many`` joins a page's texts with NUL for one automaton pass and turns the masks
around (one bit per mention); ``Triage.decide_many``, what ingest calls, runs it. Both are held
to ``evaluate`` and ``Triage.decide`` over the evaluation set and the sample feeds (the corpus of
test_compiled), and over seeded random texts built to break the joining: NUL and other control
characters inside a text, combining accents, ligatures and letters folding changes the length
of, emoji, right-to-left text and bidi controls, non-Latin letters, negators and harmless
phrases (the texts scanned alone), empty texts and a text of 100,000 characters; with pages
cut at awkward sizes so every text is once the first and once the last of a page.

A regular expression's timeout is wall-clock time: on a busy machine one run may time out where
the other did not. The tests give it seconds, so both runs get the same answers from every
regex and what is compared is what the engines decide from them.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from desk.triage import batch, conditions, words
from desk.triage.batch import evaluate_many
from desk.triage.conditions import Facts
from desk.triage.engine import evaluate
from desk.triage.pipeline import Triage
from desk.triage.rules import RuleSet, parse_rules
from desk.triage.words import hits_of
from tests.unit.triage.test_compiled import CONFIG, PACKS, TEXTS, WORDS, facts_of, incoming, outcome

PIECES = [
    *WORDS,
    *(w.upper() for w in WORDS[:10]),
    "pas de",
    "aucune",
    "no",
    "not",
    "feu de circulation",
    "fire station",
    "il paraît",
    "déneigement",
    "Élection",
    "e\u0301cole",  # an accent as a combining mark
    "pa\u0301\u0327rc",  # two marks on one letter
    "\u0301",  # a mark with no letter before it
    "stra\u00dfe",  # ß folds to ss
    "\ufb01re",  # the "fi" ligature
    "c\u0153ur",  # œ: a word character outside ASCII, even folded
    "\u0130stanbul",  # İ folds to i and a combining dot
    "\u03a3\u039f\u03a3",  # Greek capitals, final sigma
    "\u05e9\u05dc\u05d5\u05dd",  # Hebrew
    "\u0645\u0627\u0621",  # Arabic
    "\u202eeau\u202c",  # a right-to-left override around a word
    "\u2066parc\u2069",
    "😂",
    "👨\u200d👩\u200d👧",
    "❄️",
    "—",
    "«\u00a0",
    "\u00a0»",
    "\x00",  # the separator itself, inside a text
    "\x00eau\x00",
    "\x01",
    "\x1b[2J",
    "\u2028",
    "?",
    "!!",
    ".",
    ";",
    "\n",
    "#",
    "$",
    "50 %",
    "https://promo.example/x",
    "l'eau",
    "l\u2019eau",
    "Ⅻ",
    "℃",
]


def random_texts(count: int, seed: int) -> list[str]:
    """Seeded texts made of the pieces above, a few empty, joined by spaces or nothing."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        size = rng.choice([0, 1, 2, 5, 12, 30])
        glue = rng.choice([" ", "", ", ", "  ", "\t"])
        texts.append(glue.join(rng.choice(PIECES) for _ in range(size)))
    return texts


HOSTILE = [
    *random_texts(700, seed=16),
    "",
    "\x00",
    "\x00\x00",
    "eau\x00parc",
    ("parc aqueduc pas de feu " * 5000)[:100_000],  # 50 times what a regex reads untimed
    "e\u0301" * 2000,
]


@pytest.fixture(autouse=True)
def _patient_regexes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conditions, "REGEX_TIMEOUT", 5.0)


def facts_for(texts: list[str], offset: int = 0) -> list[Facts]:
    return [facts_of(incoming(offset + i, text)) for i, text in enumerate(texts)]


def decisions_agree(ruleset: RuleSet, texts: list[str], offset: int = 0) -> int:
    """Assert every text's decision from a page equals its own; the number of rules fired."""
    alone = [evaluate(f, ruleset) for f in facts_for(texts, offset)]
    paged_facts = facts_for(texts, offset)
    paged = evaluate_many(paged_facts, ruleset)
    assert len(paged) == len(texts)
    fired = 0
    for index, (one, other) in enumerate(zip(alone, paged, strict=True)):
        assert outcome(other) == outcome(one), (index, texts[index][:80])
        fired += len(one.rules)
    return fired


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_a_page_decides_as_one_mention_at_a_time(pack: str) -> None:
    fired = decisions_agree(PACKS[pack], TEXTS)
    assert fired > len(TEXTS)  # rules do fire: the comparison is not of empty decisions


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_hostile_texts_decide_the_same_in_a_page(
    pack: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NUL, marks, ligatures, right-to-left, emoji, a million characters; pages of 13, so the
    texts fall at every place in a page, and of the default size."""
    fired = decisions_agree(PACKS[pack], HOSTILE)
    monkeypatch.setattr(batch, "PAGE", 13)
    fired_small = decisions_agree(PACKS[pack], HOSTILE, offset=5)
    assert fired > 100
    assert fired_small > 100


def test_the_joined_scan_finds_what_each_scan_finds() -> None:
    """Same list mask, same words and same skipped occurrences (negated, in a harmless phrase)
    for each text, whether it was read with the others or alone."""
    index = PACKS["generated"].index
    texts = [f.folded for f in facts_for(HOSTILE + TEXTS)]
    skipped_alone: list[list[Any]] = [[] for _ in texts]
    skipped_many: list[list[Any]] = [[] for _ in texts]
    alone = [index.scan(text, skipped_alone[i]) for i, text in enumerate(texts)]
    many = index.scan_many(texts, skipped_many)
    for i, ((mask, groups), (mask_many, groups_many)) in enumerate(zip(alone, many, strict=True)):
        assert (mask_many, hits_of(groups_many)) == (mask, hits_of(groups)), texts[i][:80]
    assert skipped_many == skipped_alone
    assert sum(1 for s in skipped_alone if s) > 10  # the careful path was taken


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_the_whole_triage_of_a_batch_stores_what_one_at_a_time_stores(pack: str) -> None:
    """Fallback, surge and routing included: ``decide_many`` (ingest's path) against
    ``decide`` called oldest first, on two Triages with the same state."""
    ruleset = PACKS[pack]
    texts = TEXTS[:400] + HOSTILE[:200]
    items = [incoming(i, text) for i, text in enumerate(texts)]
    many = Triage(ruleset, CONFIG, detect_language=False).decide_many(items)
    one = Triage(ruleset, CONFIG, detect_language=False)
    ordered = sorted(range(len(items)), key=lambda i: items[i].created_at)
    alone = {i: one.decide(items[i]) for i in ordered}
    assigned = 0
    for i, decision in enumerate(many):
        assert (decision.assignee, decision.detail()) == (alone[i].assignee, alone[i].detail())
        assigned += decision.assignee is not None
    assert assigned > len(items) // 2


def test_the_words_of_hostile_texts_are_those_of_the_regular_expression() -> None:
    """``tokens`` splits ASCII text, and text whose other characters are not word ones, after a
    byte table: the same words as ``\\w+`` (NUL, controls, emoji, dashes, RTL marks)."""
    texts = [f.folded for f in facts_for(HOSTILE)] + TEXTS + ["a\x00b\tc\x0bd😂e—f", "l'eau_x"]
    for text in texts:
        assert words.tokens(text) == words._TOKEN.findall(text)
        assert words.tokens(text.upper()) == words._TOKEN.findall(text.upper())
    assert sum(t.isascii() for t in texts) > 100
    assert sum(not t.isascii() and words._WIDE_WORD.search(t) is None for t in texts) > 50


def test_the_marked_text_of_hostile_texts_is_that_of_the_regular_expression() -> None:
    """Emoji, dashes, RTL and NUL beside "?" take the byte table: the same marks as the
    callback over each run (a "?" stays a sentence end, an emoji does not become one)."""
    texts = [f.folded for f in facts_for(HOSTILE)] + ["a ? b 😂 c", "😂?", "a😂b", "pas — feu"]
    narrow = 0
    for text in texts:
        assert words._marked(text) == " " + words._NON_WORD.sub(words._mark_run, text) + " "
        narrow += not text.isascii() and words._WIDE_WORD.search(text) is None
    assert narrow > 50


BOUNDED_PACK = """
[[rule]]
name = "mark-unless-either"
contains = ["?"]
not = [{ words = ["parc"] }, { words = ["eau"] }]
category = "question"

[[rule]]
name = "mark-unless-word-or-bang"
contains = ["?"]
not = [{ words = ["déneigement"] }, { contains = ["!!"] }]
tags = ["a"]

[[rule]]
name = "offer"
any = [{ words = ["rabais", "eau"] }, { regex = '\\d+ ?% (off|rabais)' }]
not = { kinds = ["news"] }
all = [{ any = [{ has_link = true }, { regex = '\\d{3}[- .]\\d{3}' }, { words = ["parc"] }] }]
tags = ["b"]

[[rule]]
name = "dollar-regex"
contains = ["$"]
regex = '\\$ ?\\d'
tags = ["c"]

[[rule]]
name = "not-a-regex"
contains = ["!!"]
not = [{ contains = ["#"] }, { regex = 'feu' }]
tags = ["d"]

[[rule]]
name = "backtracks"
contains = ["!"]
regex = '([a-z]+ )+!'
tags = ["e"]

[[rule]]
name = "mark-at-night"
contains = ["?", "😂"]
time = ["outside_business_hours"]
tags = ["f"]

[[rule]]
name = "either-claim"
any = [{ contains = ["!!"] }, { author_claims = ["mairie"] }]
tags = ["g"]
"""
# a regex that may time out runs before a part that fails: its note stays
TIMING_OUT = """
[[rule]]
name = "backtracks-then-fails"
regex = '([a-z]+ )+!'
not = { contains = ["!"] }
tags = ["h"]
"""


@pytest.mark.parametrize("least", [0, batch.BOUNDED])
def test_rules_run_per_mention_skip_the_mentions_they_cannot_hold_for(
    least: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rules with a ``contains`` or a safe regex are run only where their masks, the pieces
    and the regexes' required text let them hold (``batch.Bound``): the same decisions over
    hostile texts and the corpus, ``not`` of several parts (none may hold) included."""
    monkeypatch.setattr(batch, "BOUNDED", least)
    ruleset = parse_rules(BOUNDED_PACK, "bounded.toml")
    code, plan = batch.pages(ruleset)
    assert sum(rule[-1] is not None for rule in plan.plan) >= 5  # bounds are used
    fired = decisions_agree(ruleset, HOSTILE + TEXTS[:300])
    assert fired > 300


def test_a_regex_that_may_time_out_runs_where_it_ran_one_mention_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A search that times out leaves a note: the regexes that may time out (not safe, or a
    text longer than SAFE_TEXT) run on the same mentions in a page as alone, the others may
    be skipped. Here they "time out" on every text holding "!"."""
    searched = conditions.Pattern.holds

    def timing_out(self: conditions.Pattern, facts: Facts, matched: list[str]) -> bool:
        if not self.safe or len(facts.folded) > conditions.SAFE_TEXT:
            if "!" in facts.folded:
                facts.notes.append(f"regex {self.source!r} timed out")
            return False  # and no backtracking search on the long texts
        return searched(self, facts, matched)

    monkeypatch.setattr(conditions.Pattern, "holds", timing_out)
    monkeypatch.setattr(batch, "BOUNDED", 0)  # every rule with a bound narrowed first
    ruleset = parse_rules(BOUNDED_PACK + TIMING_OUT, "bounded.toml")
    long_text = "x? $5 !! 50 % rabais 555-123 " * 200
    texts = HOSTILE + [long_text, long_text + "!", "a b c !"]
    decisions_agree(ruleset, texts)
    notes = sum(bool(d.notes) for d in evaluate_many(facts_for(texts), ruleset))
    assert notes > 10


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_what_one_rule_matched_is_what_the_explanation_says_it_matched(pack: str) -> None:
    """``Found.matched_of`` (arbitration asks it for the winning rule, reading only that
    rule's lists) against the full records ``fired`` builds from every list."""
    ruleset = PACKS[pack]
    compared = 0
    for decision in evaluate_many(facts_for(HOSTILE + TEXTS), ruleset):
        found = decision.found
        if found is None:
            continue
        answers = {name: found.matched_of(name) for name in found.names()}
        assert answers == {f.rule: f.matched for f in found.fired()}
        assert found.matched_of("no such rule") is None
        singles = {name: found.single_match(name) for name in found.names()}
        assert singles == {
            k: v if v is not None and len(v) == 1 else None for k, v in answers.items()
        }
        assert found.single_match("no such rule") is None
        compared += len(answers)
    assert compared > 1000


def test_masks_turned_around_are_those_of_one_bit_at_a_time() -> None:
    rng = random.Random(16)
    for count, width in [(0, 5), (1, 1), (7, 9), (64, 300), (513, 64), (3, 0)]:
        masks = [rng.getrandbits(width) if width else 0 for _ in range(count)]
        masks[: count // 3] = [0] * (count // 3)
        wanted = [0] * width
        for j, mask in enumerate(masks):
            for i in range(width):
                if mask >> i & 1:
                    wanted[i] |= 1 << j
        assert batch._turned(masks, width) == wanted
