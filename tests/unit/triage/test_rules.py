"""The rule language: conditions, combinators, actions, precedence and `rules check` errors.

Rules are parsed with ``parse_rules`` and applied with ``evaluate`` on Facts built here, as the
pipeline builds them (folded text, normalised handle, the desk's calendar). One test goes through
``Triage.decide`` with language detection off to check the pipeline feeds the same facts.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from desk.config import DeskConfig
from desk.triage.conditions import Facts, normalise_handle
from desk.triage.engine import Decision, evaluate
from desk.triage.pipeline import Incoming, Triage
from desk.triage.rules import (
    CATEGORY_ORDER,
    Assign,
    Known,
    RulesError,
    RuleSet,
    default_rules,
    parse_rules,
)
from desk.triage.words import fold

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
CONFIG = DeskConfig.model_validate(
    {
        "hours": {
            "timezone": "America/Toronto",
            "business": {day: "08:30-16:30" for day in WEEKDAYS},
            "holidays": ["2026-12-25"],
        }
    }
)
CALENDAR = CONFIG.hours.calendar()

# Toronto is UTC-5 in November and December (EST), UTC-4 from 2026-03-08 (EDT).
WED_10 = datetime(2026, 11, 11, 15, 0, tzinfo=UTC)  # Wednesday 10:00 local: business hours
WED_18 = datetime(2026, 11, 11, 23, 0, tzinfo=UTC)  # Wednesday 18:00 local
FRI_22 = datetime(2026, 11, 14, 3, 0, tzinfo=UTC)  # Saturday in UTC, still Friday 22:00 local
SAT_10 = datetime(2026, 11, 14, 15, 0, tzinfo=UTC)  # Saturday 10:00 local
SUN_23 = datetime(2026, 11, 16, 4, 0, tzinfo=UTC)  # Monday in UTC, still Sunday 23:00 local
XMAS_10 = datetime(2026, 12, 25, 15, 0, tzinfo=UTC)  # Friday 25 December 10:00 local: holiday
XMAS_21 = datetime(2026, 12, 26, 2, 0, tzinfo=UTC)  # 26 December in UTC, 25 December 21:00 local
DST_MON_0900 = datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # 09:00 EDT (UTC-4): business hours
STD_FRI_0800 = datetime(2026, 3, 6, 13, 0, tzinfo=UTC)  # 08:00 EST (UTC-5): not yet open


def make_facts(
    text: str,
    *,
    language: str = "fr",
    platform: str = "mastodon",
    channel: str = "",
    kind: str = "mention",
    author: str = "",
    at: datetime = WED_10,
) -> Facts:
    """Facts the way the pipeline computes them."""
    return Facts(
        text=text,
        folded=fold(text),
        hits={},
        language=language,
        platform=platform,
        channel=channel.casefold(),
        kind=kind,
        author=normalise_handle(author),
        at=at,
        when=CALENDAR.facts,
    )


def rules(text: str, known: Known | None = None) -> RuleSet:
    return parse_rules(text, "test.toml", known)


def decide(rule_text: str | RuleSet, text: str = "", known: Known | None = None, **kw) -> Decision:
    ruleset = rule_text if isinstance(rule_text, RuleSet) else rules(rule_text, known)
    return evaluate(make_facts(text, **kw), ruleset)


def one_rule(conditions: str, actions: str = 'tags = ["hit"]', name: str = "r") -> str:
    return f'[[rule]]\nname = "{name}"\n{conditions}\n{actions}\n'


def fires(conditions: str, text: str = "", known: Known | None = None, **kw) -> bool:
    decision = decide(one_rule(conditions), text, known, **kw)
    assert decision.tags == (("hit",) if decision.rules else ())
    return decision.rules == ("r",)


# --------------------------------------------------------------------------------- words


@pytest.mark.parametrize(
    ("entries", "text", "expected"),
    [
        # case and accents are ignored, on both sides
        ('["eau"]', "EAU brune", True),
        ('["déneigement"]', "DENEIGEMENT en retard", True),
        ('["deneigement"]', "Le déneigement est lent", True),
        ('["École"]', "l'ecole est fermée", True),
        # whole words only
        ('["eau"]', "un bateau sur le lac", False),
        ('["eau"]', "eaux usées", False),
        ('["eau"]', "beau temps", False),
        ('["parc"]', "parcours", False),
        # French elision splits the article off
        ('["eau"]', "l'eau est brune", True),
        ('["eau"]', "pas d'eau chaude", True),
        ('["eau"]', "L’EAU (apostrophe typographique)", True),
        ('["il"]', "qu'il pleuve", True),
        ('["ai"]', "j'ai froid", True),
        ('["habite"]', "j’habite ici", True),
        # prefixes
        ('["déneig*"]', "Déneigement de la rue", True),
        ('["déneig*"]', "rue DÉNEIGÉE", True),
        ('["déneig*"]', "le deneigeur passe", True),
        ('["déneig*"]', "neige partout", False),
        ('["déneig*"]', "pas de déneig", True),
        ('["rumeur*"]', "des rumeurs", True),
        ('["rumeur*"]', "la rume", False),
        # phrases: the same tokens in a row, whatever punctuation separates them
        ('["il paraît"]', "Il parait que l'eau est brune", True),
        ('["il paraît"]', "il, paraît-il, oui", True),
        ('["il paraît"]', "paraît il", False),
        ('["il paraît"]', "il ne paraît pas", False),
        ('["on dit que"]', "on dit", False),
        ('["e. coli"]', "présence d'E-coli", True),
        ('["e. coli"]', "E.COLI détectée", True),
        ('["e. coli"]', "ecoli", False),
        ('["pas déneig*"]', "rue pas déneigée", True),
        ('["pas déneig*"]', "rue pas encore déneigée", False),
        ('["avis d\'ébullition"]', "AVIS D’EBULLITION en vigueur", True),
        # digits are words too; any entry of the list is enough
        ('["911"]', "appelez le 911!", True),
        ('["aqueduc", "eau"]', "bris d'aqueduc", True),
        ('["aqueduc", "eau"]', "rien à signaler", False),
    ],
)
def test_words(entries: str, text: str, expected: bool) -> None:
    assert fires(f"words = {entries}", text) is expected


@pytest.mark.parametrize(
    ("entries", "text", "matched"),
    [
        (
            '["eau", "aqueduc", "bris", "panne"]',
            "Bris d'aqueduc : pas d'eau",
            ["aqueduc", "bris", "eau"],
        ),
        ('["déneig*"]', "déneigement, puis déneigeuse", ["déneig*"]),
        # matched entries are shown as written in the rule file
        ('["il paraît", " l\'eau "]', "Il parait que L'EAU est brune", ["il paraît", "l'eau"]),
        ('["on dit que", "rumeur"]', "On dit que c'est une RUMEUR", ["on dit que", "rumeur"]),
        ('["eau", "EAU"]', "eau", ["eau"]),
    ],
)
def test_matched_words_are_recorded(entries: str, text: str, matched: list[str]) -> None:
    decision = decide(one_rule(f"words = {entries}"), text)
    assert decision.matched == {"r": matched}
    assert decision.fired[0].to_json()["matched"] == matched


# --------------------------------------------------------------------------------- regex


@pytest.mark.parametrize(
    ("pattern", "text", "matched"),
    [
        (r"'e\.? ?coli'", "Bactérie E. Coli détectée", "e. coli"),
        (r"'e\.? ?coli'", "ecoli", "ecoli"),
        # the regex sees folded text: lower case, no accents
        ("'deneigement'", "DÉNEIGEMENT", "deneigement"),
        ("'^[a-z ]+$'", "ÉCOLE FERMÉE", "ecole fermee"),
        ("'ecole'", "L'École", "ecole"),
        # and is case-insensitive whatever case it is written in
        ("'REMBOURSEMENT'", "remboursement", "remboursement"),
        (r"'\d{3}-\d{4}'", "appelez 555-1234 svp", "555-1234"),
        (r"'\?$'", "c'est vrai ?", "?"),
        ("'^urgent'", "pas urgent", None),
        (r"'\d{3}-\d{4}'", "appelez le 5551234", None),
    ],
)
def test_regex(pattern: str, text: str, matched: str | None) -> None:
    decision = decide(one_rule(f"regex = {pattern}"), text)
    if matched is None:
        assert decision.rules == ()
    else:
        assert decision.matched == {"r": [matched]}


def test_catastrophic_regex_times_out_with_a_note_and_other_rules_still_apply() -> None:
    """How fast it gives up: benchmarks/bench_hostile.py (``regex``)."""
    ruleset = rules(
        one_rule("regex = '(a+)+$'", name="evil")
        + one_rule('words = ["aaaa"]', 'tags = ["still-works"]', name="fine")
    )
    text = "a" * 5000 + "b aaaa"
    decision = decide(ruleset, text)
    assert decision.rules == ("fine",)
    assert decision.tags == ("still-works",)
    assert decision.notes == [{"key": "regex_timeout", "text": "regex '(a+)+$' timed out"}]


def test_catastrophic_regex_through_the_pipeline() -> None:
    triage = Triage(rules(one_rule("regex = '(a+)+$'")), CONFIG, detect_language=False)
    decision = triage.decide(Incoming("a" * 5000 + "b", WED_10), route=False)
    assert decision.rules == ()
    assert [n["key"] for n in decision.notes] == ["regex_timeout"]


# ------------------------------------------------------------------ mention attributes


@pytest.mark.parametrize(
    ("condition", "facts", "expected"),
    [
        ('languages = ["fr"]', {"language": "fr"}, True),
        ('languages = ["fr"]', {"language": "en"}, False),
        ('languages = ["FR", "en"]', {"language": "en"}, True),
        ('language = "en"', {"language": "en"}, True),
        ('language = "en"', {"language": "other"}, False),
        ('languages = ["other"]', {"language": "other"}, True),
        ('platforms = ["bluesky"]', {"platform": "bluesky"}, True),
        ('platforms = ["bluesky"]', {"platform": "mastodon"}, False),
        ('platform = "rss"', {"platform": "rss"}, True),
        ('channels = ["Ville-Info"]', {"channel": "ville-info"}, True),
        ('channels = ["ville-info"]', {"channel": "VILLE-INFO"}, True),
        ('channels = ["ville-info"]', {"channel": "autre"}, False),
        ('channel = "presse"', {"channel": ""}, False),
        ('kinds = ["reply", "quote"]', {"kind": "quote"}, True),
        ('kinds = ["reply", "quote"]', {"kind": "mention"}, False),
        ('kind = "news"', {"kind": "news"}, True),
    ],
)
def test_attribute_conditions(condition: str, facts: dict[str, str], expected: bool) -> None:
    # known= named, or mypy takes **facts (str values) as a possible `known`
    assert fires(condition, "texte", known=None, **facts) is expected


LISTS_FILE = """\
[lists]
press = ["@Jane@Example.Social", "lapresse.bsky.social", "  "]
elected = ["maire@ville.example"]
"""


@pytest.mark.parametrize(
    ("lists", "author", "expected"),
    [
        ('["press"]', "@jane@example.social", True),
        ('["press"]', "JANE@EXAMPLE.SOCIAL", True),
        ('["press"]', "  @Jane@Example.Social ", True),
        ('["press"]', "@LaPresse.bsky.social", True),
        ('["press"]', "jane@other.social", False),
        ('["press"]', "", False),
        ('["press"]', "@maire@ville.example", False),
        ('["press", "elected"]', "@maire@ville.example", True),
        ('"elected"', "@MAIRE@ville.example", True),
    ],
)
def test_author_in_lists_of_the_rule_file(lists: str, author: str, expected: bool) -> None:
    decision = decide(LISTS_FILE + one_rule(f"author_in = {lists}"), "bonjour", author=author)
    assert (decision.rules == ("r",)) is expected
    if expected:
        assert decision.matched == {"r": ["@" + normalise_handle(author)]}


KNOWN_LISTS = Known(
    lists={
        "elected": frozenset({"conseiller@ville.example"}),
        "partners": frozenset({"crsa@social.example"}),
    }
)


@pytest.mark.parametrize(
    ("condition", "author", "expected"),
    [
        # a list only desk.toml defines
        ('author_in = ["partners"]', "@CRSA@social.example", True),
        ('author_in = ["partners"]', "@maire@ville.example", False),
        # a list both define: the handles add up
        ('author_in = ["elected"]', "@maire@ville.example", True),
        ('author_in = ["elected"]', "@conseiller@ville.example", True),
    ],
)
def test_author_in_lists_from_desk_toml(condition: str, author: str, expected: bool) -> None:
    decision = decide(LISTS_FILE + one_rule(condition), "x", KNOWN_LISTS, author=author)
    assert (decision.rules == ("r",)) is expected


@pytest.mark.parametrize(
    ("wanted", "text", "expected"),
    [
        ("true", "voir https://ville.example/avis", True),
        ("true", "voir http://ville.example", True),
        ("true", "voir WWW.ville.example", True),
        ("true", "pas de lien ici", False),
        ("true", "https sans deux-points", False),
        ("false", "pas de lien ici", True),
        ("false", "voir https://ville.example/avis", False),
    ],
)
def test_has_link(wanted: str, text: str, expected: bool) -> None:
    assert fires(f"has_link = {wanted}", text) is expected


@pytest.mark.parametrize(
    ("at", "window", "expected"),
    [
        (WED_10, "business_hours", True),
        (WED_10, "outside_business_hours", False),
        (WED_10, "weekday", True),
        (WED_10, "weekend", False),
        (WED_10, "holiday", False),
        (WED_18, "business_hours", False),
        (WED_18, "outside_business_hours", True),
        (WED_18, "weekday", True),
        # Saturday in UTC but Friday evening in Toronto
        (FRI_22, "weekend", False),
        (FRI_22, "weekday", True),
        (FRI_22, "outside_business_hours", True),
        (SAT_10, "weekend", True),
        (SAT_10, "weekday", False),
        (SAT_10, "business_hours", False),
        # Monday in UTC but still Sunday night in Toronto
        (SUN_23, "weekend", True),
        # a weekday holiday is not business hours, and stays a weekday
        (XMAS_10, "holiday", True),
        (XMAS_10, "business_hours", False),
        (XMAS_10, "outside_business_hours", True),
        (XMAS_10, "weekday", True),
        (XMAS_21, "holiday", True),
        (XMAS_21, "business_hours", False),
        # daylight saving time: 13:00 UTC is 09:00 in summer time, 08:00 in winter time
        (DST_MON_0900, "business_hours", True),
        (STD_FRI_0800, "business_hours", False),
        (STD_FRI_0800, "outside_business_hours", True),
    ],
)
def test_time_windows(at: datetime, window: str, expected: bool) -> None:
    assert fires(f'time = ["{window}"]', "x", at=at) is expected


@pytest.mark.parametrize(
    ("windows", "at", "expected"),
    [
        ('["weekend", "holiday"]', XMAS_10, True),
        ('["weekend", "holiday"]', SAT_10, True),
        ('["weekend", "holiday"]', WED_10, False),
        ('"business_hours"', WED_10, True),
    ],
)
def test_time_windows_any_of_several(windows: str, at: datetime, expected: bool) -> None:
    assert fires(f"time = {windows}", "x", at=at) is expected


# --------------------------------------------------------------------------- combinators


@pytest.mark.parametrize(
    ("conditions", "text", "expected"),
    [
        # several conditions at the top level must all hold
        ('words = ["eau"]\nhas_link = true', "eau https://x.example", True),
        ('words = ["eau"]\nhas_link = true', "eau", False),
        ('any = [{ words = ["eau"] }, { regex = "\\\\?$" }]', "de l'eau", True),
        ('any = [{ words = ["eau"] }, { regex = "\\\\?$" }]', "quoi ?", True),
        ('any = [{ words = ["eau"] }, { regex = "\\\\?$" }]', "rien", False),
        ('any = [{ words = ["eau"] }, { words = ["aqueduc"] }]', "aqueduc", True),
        ('any = [{ words = ["eau"] }, { languages = ["en"] }]', "nothing", False),
        ('all = [{ words = ["eau"] }, { words = ["brune"] }]', "eau brune", True),
        ('all = [{ words = ["eau"] }, { words = ["brune"] }]', "eau claire", False),
        ('all = { words = ["eau"] }', "eau", True),
        ('words = ["eau"]\nnot = { words = ["blague"] }', "eau", True),
        ('words = ["eau"]\nnot = { words = ["blague"] }', "eau, c'est une blague", False),
        # not: none of the parts may hold
        ('words = ["eau"]\nnot = [{ words = ["test"] }, { has_link = true }]', "eau test", False),
        (
            'words = ["eau"]\nnot = [{ words = ["test"] }, { has_link = true }]',
            "eau www.x.ca",
            False,
        ),
        ('words = ["eau"]\nnot = [{ words = ["test"] }, { has_link = true }]', "eau brune", True),
        # a table inside not: all its conditions together
        ('words = ["eau"]\nnot = { words = ["test"], has_link = true }', "eau test", True),
        ('words = ["eau"]\nnot = { words = ["test"], has_link = true }', "eau test www.x", False),
        # a rule with only a negative condition fires on texts without those words
        ('not = { words = ["blague"] }', "rien", True),
        ('not = { words = ["blague"] }', "une blague", False),
    ],
)
def test_combinators(conditions: str, text: str, expected: bool) -> None:
    assert fires(conditions, text) is expected


NESTED = """any = [
  { all = [{ words = ["eau"] }, { not = { words = ["potable"] } }] },
  { words = ["aqueduc"], not = { any = [{ words = ["test"] }, { has_link = true }] } },
]"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("eau brune", True),
        ("eau potable", False),
        ("bris d'aqueduc", True),
        ("eau potable, bris d'aqueduc", True),
        ("aqueduc test", False),
        ("aqueduc https://x.example", False),
        ("eau test", True),
        ("rien", False),
    ],
)
def test_nested_combinators(text: str, expected: bool) -> None:
    assert fires(NESTED, text) is expected


@pytest.mark.parametrize(
    ("conditions", "text", "matched"),
    [
        # every part of any that holds reports its words
        (
            'any = [{ words = ["eau"] }, { words = ["aqueduc"] }]',
            "eau et aqueduc",
            ["eau", "aqueduc"],
        ),
        # the words of a part that failed as a whole are not reported
        (
            'any = [{ all = [{ words = ["eau"] }, { words = ["zzz"] }] }, { words = ["aqueduc"] }]',
            "eau et aqueduc",
            ["aqueduc"],
        ),
        # words under not are never reported, even when the not fails inside an any that holds
        (
            'any = [{ words = ["eau"] }, { not = { words = ["blague"] } }]',
            "eau, une blague",
            ["eau"],
        ),
        # words under not are never reported
        ('words = ["eau"]\nnot = { words = ["blague"] }', "eau", ["eau"]),
        ('words = ["eau"]\nregex = "brune?"', "eau brune", ["eau", "brune"]),
    ],
)
def test_matched_through_combinators(conditions: str, text: str, matched: list[str]) -> None:
    assert decide(one_rule(conditions), text).matched == {"r": matched}


# ------------------------------------------------------------------------------- actions

KNOWN = Known(
    staff=frozenset({"amelie", "bruno"}),
    teams=frozenset({"fr", "en"}),
    lists={},
)


@pytest.mark.parametrize(
    ("action", "field", "value"),
    [
        ('category = "rumour"', "category", "rumour"),
        ('category = "praise"', "category", "praise"),
        ('priority = "urgent"', "priority", 3),
        ('priority = "high"', "priority", 2),
        ('priority = "low"', "priority", 0),
        ('tags = ["water", "boil"]', "tags", ("water", "boil")),
        ('tags = [" water "]', "tags", ("water",)),
        ("spam = true", "spam", True),
        ("spam = true", "category", "spam"),
        ("require_approval = true", "needs_approval", True),
        ('suggest = "boil-water-advisory"', "suggest", "boil-water-advisory"),
        ('assign = "amelie"', "assign", Assign(person="amelie")),
        ('assign = "on-call"', "assign", Assign(on_call=True)),
        ('assign = "oncall"', "assign", Assign(on_call=True)),
        ("assign = { on_call = true }", "assign", Assign(on_call=True)),
        ('assign = { person = "bruno" }', "assign", Assign(person="bruno")),
        ('assign = { team = "fr" }', "assign", Assign(team="fr")),
        (
            'assign = { team = "fr", strategy = "least-loaded", match_language = true }',
            "assign",
            Assign(team="fr", strategy="least-loaded", match_language=True),
        ),
        (
            'assign = { team = "en", strategy = "round-robin", match_topic = true }',
            "assign",
            Assign(team="en", strategy="round-robin", match_topic=True),
        ),
        ('assign = "amelie"', "assign_rule", "r"),
        ('category = "question"', "category_rule", "r"),
    ],
)
def test_actions(action: str, field: str, value: object) -> None:
    decision = decide(one_rule('words = ["eau"]', action), "eau", KNOWN)
    assert decision.rules == ("r",)
    assert getattr(decision, field) == value


@pytest.mark.parametrize(
    ("action", "effects"),
    [
        ('category = "rumour"', {"category": "rumour"}),
        ('priority = "high"\ntags = ["a"]', {"priority": "high", "tags": ["a"]}),
        ("spam = true", {"category": "spam", "spam": True}),
        ("require_approval = true", {"require_approval": True}),
        ('suggest = "s"', {"suggest": "s"}),
        ('assign = "amelie"', {"assign": "amelie"}),
        ('assign = "on-call"', {"assign": "on-call"}),
        (
            'assign = { team = "fr", strategy = "least-loaded" }',
            {"assign": "team fr (least-loaded)"},
        ),
    ],
)
def test_effects_recorded_per_fired_rule(action: str, effects: dict[str, object]) -> None:
    decision = decide(one_rule('words = ["eau"]', action), "eau", KNOWN)
    assert decision.fired[0].effects == effects


def test_no_rule_fires_gives_the_defaults() -> None:
    decision = decide(one_rule('words = ["eau"]', 'category = "rumour"\npriority = "urgent"'), "x")
    assert (decision.category, decision.priority, decision.tags) == ("other", 1, ())
    assert (decision.spam, decision.needs_approval, decision.suggest, decision.assign) == (
        False,
        False,
        None,
        None,
    )
    assert decision.fired == []
    assert decision.category_rule is None


def test_a_disabled_rule_is_ignored() -> None:
    ruleset = rules(one_rule('words = ["eau"]', 'category = "rumour"\nenabled = false'))
    assert ruleset.rules == ()
    assert decide(ruleset, "eau").category == "other"


# ---------------------------------------------------------------------------- precedence


def _category_rule(name: str, category: str) -> str:
    return one_rule('words = ["eau"]', f'category = "{category}"', name=name)


@pytest.mark.parametrize(("first", "second"), list(itertools.permutations(CATEGORY_ORDER, 2)))
def test_category_precedence_regardless_of_file_order(first: str, second: str) -> None:
    text = _category_rule("one", first) + _category_rule("two", second)
    decision = decide(text, "eau")
    winner = min(first, second, key=CATEGORY_ORDER.index)
    assert decision.category == winner
    assert decision.category_rule == ("one" if winner == first else "two")
    assert decision.rules == ("one", "two")
    # each fired rule still records the category it asked for
    assert [f.effects["category"] for f in decision.fired] == [first, second]


def test_category_order_over_all_six_in_reverse() -> None:
    text = "".join(_category_rule(c, c) for c in reversed(CATEGORY_ORDER))
    assert decide(text, "eau").category == "spam"
    without_spam = "".join(_category_rule(c, c) for c in reversed(CATEGORY_ORDER[1:]))
    assert decide(without_spam, "eau").category == "rumour"
    assert decide(without_spam, "rien").category == "other"


@pytest.mark.parametrize(
    ("priorities", "expected"),
    [
        (["low", "urgent", "normal"], 3),
        (["high", "low"], 2),
        (["low"], 0),
        (["normal", "low"], 1),
        ([], 1),
    ],
)
def test_highest_priority_wins(priorities: list[str], expected: int) -> None:
    text = one_rule('words = ["eau"]', 'tags = ["t"]', name="base") + "".join(
        one_rule('words = ["eau"]', f'priority = "{p}"', name=f"p{i}")
        for i, p in enumerate(priorities)
    )
    assert decide(text, "eau").priority == expected


def test_first_assign_and_first_suggest_win_tags_add_up_approval_if_any() -> None:
    text = (
        one_rule('words = ["zzz"]', 'assign = "bruno"', name="not-fired")
        + one_rule('words = ["eau"]', 'tags = ["a", "b"]', name="tags-only")
        + one_rule('words = ["eau"]', 'assign = "amelie"\ntags = ["b", "c"]', name="first")
        + one_rule(
            'words = ["eau"]', 'suggest = "first-answer"\nrequire_approval = true', name="sugg"
        )
        + one_rule('words = ["eau"]', 'assign = "bruno"\nsuggest = "second"', name="second")
    )
    decision = decide(text, "eau", KNOWN)
    assert decision.rules == ("tags-only", "first", "sugg", "second")
    assert decision.assign == Assign(person="amelie")
    assert decision.assign_rule == "first"
    assert decision.suggest == "first-answer"
    assert decision.tags == ("a", "b", "c")
    assert decision.needs_approval is True
    # the later rule's assignment and suggestion are not among its effects
    assert decision.fired[-1].effects == {}


@pytest.mark.parametrize(
    ("text", "fired", "tags"),
    [
        # the stop rule fires: later rules are not looked at
        ("eau", ("before", "stopper"), ("before", "stopper")),
        # the stop rule does not fire: later rules are
        ("autre", ("before", "after"), ("before", "after")),
    ],
)
def test_stop(text: str, fired: tuple[str, ...], tags: tuple[str, ...]) -> None:
    file = (
        one_rule('regex = "."', 'tags = ["before"]', name="before")
        + one_rule('words = ["eau"]', 'tags = ["stopper"]\nstop = true', name="stopper")
        + one_rule('regex = "."', 'tags = ["after"]\ncategory = "spam"', name="after")
    )
    decision = decide(file, text)
    assert decision.rules == fired
    assert decision.tags == tags


def test_matched_words_per_fired_rule_in_file_order() -> None:
    file = (
        one_rule('words = ["aqueduc", "bris"]', name="water")
        + one_rule('words = ["panne"]', name="outage")
        + one_rule('regex = "rue \\\\w+"', name="street")
        + one_rule("has_link = true", name="link")
    )
    decision = decide(file, "Bris d'aqueduc rue Principale")
    assert decision.rules == ("water", "street")
    assert decision.matched == {"water": ["aqueduc", "bris"], "street": ["rue principale"]}
    assert decision.detail()["fired"][0] == {
        "rule": "water",
        "matched": ["aqueduc", "bris"],
        "effects": {"tags": ["hit"]},
    }


# -------------------------------------------------------------------------------- pipeline


@pytest.mark.parametrize(
    ("incoming", "expected"),
    [
        # declared languages are bucketed into fr, en and other when detection is off
        (Incoming("eau", WED_10, language="fr-CA"), ("fr",)),
        (Incoming("eau", WED_10, language="EN"), ("en",)),
        (Incoming("eau", WED_10, language="es"), ("other",)),
        (Incoming("eau", WED_10, language=None), ("other",)),
        (Incoming("x", WED_10, language="fr", channel="Ville-INFO"), ("channel",)),
        (Incoming("x", WED_10, language="fr", author="@Jane@Example.Social"), ("author",)),
        (Incoming("x", WED_10, language="fr", kind="news", platform="rss"), ("rss-news",)),
        (Incoming("x", WED_10, language="fr", kind="news", platform="x"), ()),
        # a news item's title is read with its body
        (Incoming("texte", WED_10, language="fr", title="Avis : eau", kind="news"), ("fr",)),
        (Incoming("x", SAT_10, language="fr"), ("weekend",)),
    ],
)
def test_pipeline_feeds_the_same_facts(incoming: Incoming, expected: tuple[str, ...]) -> None:
    file = (
        '[lists]\npress = ["jane@example.social"]\n'
        + one_rule('words = ["eau"]\nlanguages = ["fr"]', name="fr")
        + one_rule('words = ["eau"]\nlanguages = ["en"]', name="en")
        + one_rule('words = ["eau"]\nlanguages = ["other"]', name="other")
        + one_rule('channels = ["ville-info"]', name="channel")
        + one_rule('author_in = ["press"]', name="author")
        + one_rule('platforms = ["rss"]\nkinds = ["news"]', name="rss-news")
        + one_rule('time = "weekend"', name="weekend")
    )
    triage = Triage(rules(file), CONFIG, detect_language=False)
    assert triage.decide(incoming, route=False).rules == expected


# -------------------------------------------------------------------------------- errors

K = Known(
    staff=frozenset({"amelie"}),
    teams=frozenset({"fr"}),
    lists={"press": frozenset({"jane@example.social"})},
)


def _r(*lines: str) -> str:
    return "\n".join(lines) + "\n"


ERRORS = [
    pytest.param(
        _r("[[rule]]", 'name = "a', 'words = ["x"]'),
        (2, 10, "not valid TOML", "check quotes"),
        1,
        id="toml-unterminated-string",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'words = ["x",', 'category = "other"'),
        (4, 1, "not valid TOML", "check quotes"),
        1,
        id="toml-unclosed-array",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'words = ["x"]', 'tags = ["t"]', '  catgory = "rumour"'),
        (5, 3, "unknown key 'catgory'", "did you mean 'category'?"),
        1,
        id="unknown-key",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', '  wrods = ["x"]', 'tags = ["t"]'),
        (3, 3, "unknown key 'wrods'", "did you mean 'words'?"),
        2,  # and then the rule has no condition
        id="unknown-key-words",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'any = [{ word = ["x"], regex = "y" }]', 'tags = ["t"]'),
        (3, 10, "unknown condition 'word'", "did you mean 'words'?"),
        1,
        id="unknown-condition-nested",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'any = [{ words = ["x"], tags = ["t"] }]', 'tags = ["t"]'),
        (3, 25, "unknown condition 'tags'", "actions belong to the rule itself"),
        1,
        id="action-inside-a-condition",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'words = ["x"]', 'tags = ["t"]', "", "[rulez]", "x = 1"),
        (6, 1, "unknown table or key 'rulez'", "allowed: rule, lists, surge"),
        1,
        id="unknown-top-level-table",
    ),
    pytest.param(
        _r("# surge", "[surge]", "threshold = 3", "windw = 5"),
        (4, 1, "[surge]: unknown key 'windw'", "allowed: window_minutes"),
        1,
        id="unknown-surge-key",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'words = ["x"]', '   category = "rumor"'),
        (4, 4, "unknown category 'rumor'", "one of question, rumour"),
        1,
        id="unknown-category",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'words = ["x"]', '  priority = "critical"'),
        (4, 3, "unknown priority 'critical'", "one of low, normal, high, urgent"),
        1,
        id="unknown-priority",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'words = ["x"]', '\tregex = "(abc"', 'tags = ["t"]'),
        (4, 2, "regex '(abc' is not valid", "backslashes"),
        1,
        id="bad-regex",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', "regex = '[z-a]'", 'tags = ["t"]'),
        (3, 1, "is not valid", "backslashes"),
        2,  # and then the rule has no condition
        id="bad-regex-range",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'words = ["x"]', '    regex = "x*"', 'tags = ["t"]'),
        (4, 5, "matches an empty text", "at least one character"),
        1,
        id="empty-matching-regex",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'words = ["x"]', "regex = '^'", 'tags = ["t"]'),
        (4, 1, "matches an empty text", "at least one character"),
        1,
        id="empty-matching-anchor",
    ),
    pytest.param(
        _r("# a comment", "[[rule]]", 'name = "a"', 'tags = ["t"]'),
        (2, 1, "rule #1 (a): has no condition", "add words, regex"),
        1,
        id="no-condition",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'words = ["x"]', "stop = true"),
        (1, 1, "rule #1 (a): has no action", "add category, priority"),
        1,
        id="no-action",
    ),
    pytest.param(
        _r("[[rule]]", 'words = ["x"]', 'tags = ["t"]'),
        (1, 1, "'name' is required", "add name ="),
        1,
        id="no-name",
    ),
    pytest.param(
        _r(
            "[[rule]]",
            'name = "a"',
            'words = ["x"]',
            'tags = ["t"]',
            "",
            "[[rule]]",
            '  name = "a"',
            'words = ["y"]',
            'tags = ["t"]',
        ),
        (7, 3, "rule #2 (a): the name 'a' is used twice", "names must be unique"),
        1,
        id="duplicate-name",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'words = ["x"]', ' assign = "zoe"'),
        (4, 2, "assign: 'zoe' is not a staff member", "staff in desk.toml: amelie"),
        1,
        id="unknown-staff",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'words = ["x"]', 'assign = { person = "zoe" }'),
        (4, 1, "assign: 'zoe' is not a staff member", "staff in desk.toml: amelie"),
        1,
        id="unknown-staff-table",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'words = ["x"]', 'assign = "fr"'),
        (4, 1, "assign: 'fr' is not a staff member", 'a team is written assign = { team = "..." }'),
        1,
        id="team-written-as-a-person",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'words = ["x"]', 'assign = { team = "en" }'),
        (4, 1, "assign: no team named 'en'", "teams in desk.toml: fr"),
        1,
        id="unknown-team",
    ),
    pytest.param(
        _r(
            "[[rule]]",
            'name = "a"',
            'words = ["x"]',
            'assign = { team = "fr", strategy = "random" }',
        ),
        (4, 1, "assign: unknown strategy 'random'", "one of round-robin, least-loaded"),
        1,
        id="unknown-strategy",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'words = ["x"]', 'assign = { team = "fr", who = "x" }'),
        (4, 1, "assign: unknown key 'who'", "allowed: person, team"),
        1,
        id="unknown-assign-key",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', '  author_in = ["journalists"]', 'tags = ["t"]'),
        (3, 3, "author_in: no list named 'journalists'", "define it under [lists]"),
        1,
        id="unknown-author-list",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'words = ["x"]', 'time = ["lunch"]', 'tags = ["t"]'),
        (4, 1, "'time' must name windows", "business_hours, outside_business_hours"),
        1,
        id="bad-time-window",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'words = ["x"]', "time = []", 'tags = ["t"]'),
        (4, 1, "'time' must name windows", "business_hours"),
        1,
        id="empty-time-window",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', ' words = ["x", "de*"]', 'tags = ["t"]'),
        (3, 2, "the prefix 'de*' is too short", "3+ letters"),
        1,
        id="prefix-too-short",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'words = ["déneig*ment"]', 'tags = ["t"]'),
        (3, 1, "'*' is only allowed at the end of a word", "ending in *"),
        1,
        id="star-inside-a-word",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'words = ["*neige"]', 'tags = ["t"]'),
        (3, 1, "'*' is only allowed at the end of a word", "ending in *"),
        1,
        id="star-at-the-start",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'words = ["!!!"]', 'tags = ["t"]'),
        (3, 1, "has no letters or digits", "a word, a phrase"),
        1,
        id="word-without-letters",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'words = ["x"]', '  platform = "myspace"', 'tags = ["t"]'),
        (4, 3, "platforms: unknown value 'myspace'", "one of mastodon, bluesky"),
        1,
        id="unknown-platform-via-alias",
    ),
    pytest.param(
        _r("[[rule]]", 'name = "a"', 'words = ["x"]', 'any = [{ kind = "tweet" }]', 'tags = ["t"]'),
        (4, 10, "kinds: unknown value 'tweet'", "one of mention, reply"),
        1,
        id="unknown-kind-nested",
    ),
]


@pytest.mark.parametrize(("text", "first", "count"), ERRORS)
def test_rules_check_errors(text: str, first: tuple[int, int, str, str], count: int) -> None:
    with pytest.raises(RulesError) as caught:
        parse_rules(text, "bad.toml", K)
    problems = caught.value.problems
    line, column, message, hint = first
    assert (problems[0].line, problems[0].column) == (line, column), problems
    assert message in problems[0].message
    assert hint in problems[0].hint
    assert problems[0].hint
    assert len(problems) == count, problems
    assert str(caught.value).startswith(f"bad.toml:{line}:{column}: ")
    assert str(problems[0]).startswith(f"line {line}, column {column}: ")


@pytest.mark.parametrize(
    "action",
    ['assign = "zoe"', 'assign = { team = "nowhere" }', 'assign = { person = "zoe" }'],
)
def test_names_are_not_checked_without_known(action: str) -> None:
    ruleset = parse_rules(one_rule('words = ["x"]', action), "t.toml", None)
    assert ruleset.rules[0].assign is not None


def test_every_problem_is_reported_and_nothing_is_loaded() -> None:
    text = _r(
        "[[rule]]",  # 1
        'name = "good"',
        'words = ["x"]',
        'tags = ["t"]',
        "",
        "[[rule]]",  # 6
        'name = "a"',
        'words = ["x"]',
        'category = "nope"',  # 9
        "",
        "[[rule]]",  # 11
        'name = "b"',
        "regex = '('",  # 13
        'words = ["y", "de*"]',  # 14
        'tags = ["t"]',
        "",
        "[[rule]]",  # 17
        'name = "c"',
        'words = ["y"]',
        "",
        "[[rule]]",  # 21
        'name = "good"',  # 22
        'words = ["z"]',
        'assign = "zoe"',  # 24
    )
    with pytest.raises(RulesError) as caught:
        parse_rules(text, "many.toml", K)
    found = [(p.line, p.column, p.message) for p in caught.value.problems]
    assert [(line, column) for line, column, _ in found] == [
        (9, 1),
        (13, 1),
        (14, 1),
        (17, 1),
        (24, 1),
    ]
    assert "rule #2 (a): unknown category 'nope'" in found[0][2]
    assert "rule #3 (b): regex '(' is not valid" in found[1][2]
    assert "'de*' is too short" in found[2][2]
    assert "rule #4 (c): has no action" in found[3][2]
    assert "rule #5 (good): assign: 'zoe' is not a staff member" in found[4][2]
    assert "(and 4 more problem(s))" in str(caught.value)
    assert all(p.hint for p in caught.value.problems)


def test_a_duplicate_is_reported_even_when_both_rules_are_fine() -> None:
    text = one_rule('words = ["x"]', name="same") + one_rule('words = ["y"]', name="same")
    with pytest.raises(RulesError) as caught:
        parse_rules(text, "dup.toml")
    assert [(p.line, "twice" in p.message) for p in caught.value.problems] == [(6, True)]


# ---------------------------------------------------------------------------- default pack


def test_default_pack_parses_with_and_without_known() -> None:
    pack = default_rules()
    names = [r.name for r in pack.rules]
    assert len(names) == len(set(names)) >= 20
    assert {"spam-gambling-crypto", "rumour-fr", "complaint-en", "question-mark"} <= set(names)
    assert pack.surge.threshold > 0
    assert all(r.description.get("fr") and r.description.get("en") for r in pack.rules)
    with_known = default_rules(Known(staff=frozenset({"a"}), teams=frozenset({"t"})))
    assert [r.name for r in with_known.rules] == names


PACK = default_rules(Known(lists={"journalists": frozenset({"reporter@mastodon.example"})}))


@pytest.mark.parametrize(
    ("text", "language", "author", "at", "expected"),
    [
        (
            "Avis d'ébullition : faut-il faire bouillir l'eau?",
            "fr",
            "",
            WED_10,
            {"category": "question", "priority": 2, "water": True},
        ),
        (
            "Free spins at our casino! https://x.example",
            "en",
            "",
            WED_10,
            {"category": "spam", "spam": True, "priority": 0},
        ),
        (
            "Il paraît que l'eau est contaminée, est-ce vrai?",
            "fr",
            "",
            WED_10,
            {"category": "rumour", "priority": 3, "needs_approval": True},
        ),
        ("Merci pour le déneigement rapide, bravo!", "fr", "", WED_10, {"category": "praise"}),
        (
            "Still no snow removal on my street, unacceptable",
            "en",
            "",
            WED_10,
            {"category": "complaint"},
        ),
        ("Fire on Main street!", "en", "", WED_18, {"priority": 3, "on_call": True}),
        ("Fire on Main street!", "en", "", WED_10, {"priority": 3, "on_call": False}),
        (
            "Bonjour",
            "fr",
            "@Reporter@Mastodon.Example",
            WED_10,
            {"priority": 2, "needs_approval": True},
        ),
        ("le bateau est beau", "fr", "", WED_10, {"category": "other", "priority": 1}),
    ],
)
def test_default_pack_decisions(
    text: str, language: str, author: str, at: datetime, expected: dict[str, object]
) -> None:
    decision = decide(PACK, text, language=language, author=author, at=at)
    for key, value in expected.items():
        if key == "water":
            assert ("water" in decision.tags) is value
        elif key == "on_call":
            assert (decision.assign == Assign(on_call=True)) is value
        else:
            assert getattr(decision, key) == value, (key, decision.detail())
