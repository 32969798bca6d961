"""Triage you can trust on the bad day (issue 14): harmless phrases, negation, impersonation.

The first table holds the false alarms the default pack raised before (each was URGENT, or the
fake "Mairie officielle" post was ``other``); the second holds real emergencies that must stay
urgent. Then the matcher itself (``WordIndex``), the new rule fields, and the explanations.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType
from typing import Any

import pytest

from desk.config import DeskConfig
from desk.i18n import Catalog
from desk.triage import words
from desk.triage.engine import Decision
from desk.triage.explain import explain_lines
from desk.triage.pipeline import URGENT, Incoming, Triage
from desk.triage.rules import Known, RulesError, default_rules, parse_rules
from desk.triage.words import Skipped, WordIndex, fold

AT = datetime(2026, 11, 12, 15, 0, tzinfo=UTC)  # Thursday 10:00 in Toronto: business hours
PACK = Triage(default_rules(), DeskConfig(), detect_language=False)


def decide(
    text: str, lang: str = "fr", author: str = "", name: str = "", triage: Triage = PACK
) -> Decision:
    item = Incoming(
        text=text, created_at=AT, language=lang, author=author, author_name=name, platform="x"
    )
    return triage.decide(item, route=False)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Le feu de circulation au coin de King et Principale reste bloqué au rouge", "fr"),
        ("Les feux de circulation de la rue King sont enfin réinstallés", "fr"),
        ("Fire station sale this Saturday: old gear, t-shirts and a bake sale", "en"),
        ("Thank you for the help at the library today!", "en"),
        ("Aucune contamination détectée dans les derniers tests d'eau", "fr"),
        ("No contamination found in the latest water tests", "en"),
        ("Pas de danger selon les pompiers, c'était un exercice", "fr"),
        ("Not a fire, just the fire department testing a siren", "en"),
        ("What's the number for non-emergency police?", "en"),
        ("Le conseil a donné le feu vert au projet de skatepark", "fr"),
        ("Feux d'artifice ce soir au parc riverain", "fr"),
    ],
)
def test_harmless_mentions_are_not_urgent(text: str, lang: str) -> None:
    decision = decide(text, lang)
    assert decision.priority < URGENT, decision.detail()
    assert "safety" not in decision.tags


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Il y a le feu dans l'immeuble de la rue des Pins!", "fr"),
        ("Fire on Elm street, flames coming out of the roof", "en"),
        ("L'eau est contaminée, des enfants sont malades", "fr"),
        ("Gas leak on Ridge Road, the whole street smells", "en"),
        ("Incendie au dépanneur, il n'y a personne sur place", "fr"),  # "personne" is no negator
        ("There's smoke everywhere and no one is answering 911", "en"),
        ("The fire station is on fire!", "en"),  # the phrase is harmless, "on fire" is not
        ("Someone was stabbed outside the bar on Main St", "en"),
        # a negator in the sentence before does not reach across . ! ? ; : or a new line
        ("Is anyone coming? No! Fire spreading to our house on Elm St", "en"),
        ("Appelé le 311, pas de réponse. Incendie rue King", "fr"),
        ("No. Gas leak on Main street", "en"),
        ("Personne ne répond ; pas\nFeu au 12 rue des Pins", "fr"),
    ],
)
def test_real_emergencies_stay_urgent(text: str, lang: str) -> None:
    assert decide(text, lang).priority == URGENT


def test_a_fake_city_account_with_a_link_is_a_rumour_with_its_reason() -> None:
    decision = decide(
        "MAIRIE OFFICIELLE : coupure d'eau générale demain, inscrivez-vous : bit.ly/eau-sa",
        author="@mairie_officielle_sa",
        name="Mairie officielle de Saint-Aubin ✅",
    )
    assert decision.category == "rumour"
    assert decision.category_rule == "impersonation"
    assert "impersonation" in decision.tags
    assert decision.needs_approval
    assert "mairie (author)" in decision.matched["impersonation"]
    assert "officielle (author)" in decision.matched["impersonation"]


def test_a_fake_emergency_from_a_fake_account_is_not_urgent() -> None:
    decision = decide(
        "URGENT: evacuate the east end now, shelters here https://pineford-evac.example",
        "en",
        author="@pinefordfire_alerts",
        name="Pineford Fire Dept OFFICIAL",
    )
    assert (decision.category, decision.priority) == ("rumour", 2)
    assert decision.rules == ("impersonation",)  # stop: the safety rules are not read


def test_the_genuine_city_account_is_not_an_impostor() -> None:
    known = Known(lists={"official": frozenset({"mairie_saint_aubin"})})
    genuine = Triage(default_rules(known), DeskConfig(), detect_language=False)
    decision = decide(
        "Collecte reportée à mardi, détails : https://saint-aubin.example/collectes",
        author="@Mairie_Saint_Aubin",
        name="Mairie de Saint-Aubin",
        triage=genuine,
    )
    assert "impersonation" not in decision.rules
    assert "impersonation" in decide("x https://a.example", name="Mairie", triage=PACK).rules


def test_a_claim_without_a_link_is_not_impersonation() -> None:
    decision = decide("Bonne fête à tous!", author="@ville_de_quelquepart", name="Ville de X")
    assert "impersonation" not in decision.rules


def test_a_text_calling_itself_official_with_a_link_is_a_rumour() -> None:
    decision = decide("OFFICIAL CITY NOTICE: register your well here pineford-wells.info", "en")
    assert (decision.category, decision.category_rule) == ("rumour", "impersonation-text")


# --- the matcher ------------------------------------------------------------------------------

INDEX = WordIndex(
    {0: ("feu", "fire", "flood*"), 1: ("feu",), 2: ("fire station",)},
    harmless=("feu de circulation", "fire station", "floodplain"),
    negatable=frozenset({0}),
    negators=("aucun", "pas", "no"),
    window=2,
)


@pytest.mark.parametrize(
    ("text", "hits", "skipped"),
    [
        ("il y a le feu", {0: ["feu"], 1: ["feu"]}, []),
        ("le feu de circulation", {}, [Skipped("feu", "phrase", "feu de circulation", (0, 1))]),
        ("pas de feu", {1: ["feu"]}, [Skipped("feu", "negated", "pas", (0,))]),
        ("pas vraiment de feu", {0: ["feu"], 1: ["feu"]}, []),  # 3 words before: out of window
        ("fire station sale", {2: ["fire station"]}, [Skipped("fire", "phrase", "fire station", (0,))]),
        ("the floodplain map", {}, [Skipped("flood*", "phrase", "floodplain", (0,))]),
        ("flooded, no fire", {0: ["flood*"]}, [Skipped("fire", "negated", "no", (0,))]),
        ("feu de circulation en feu", {0: ["feu"], 1: ["feu"]}, [Skipped("feu", "phrase", "feu de circulation", (0, 1))]),
        ("no. fire", {0: ["fire"]}, []),  # the negation window ends at a sentence's end
        ("pas ! feu", {0: ["feu"], 1: ["feu"]}, []),
        ("pas;feu", {0: ["feu"], 1: ["feu"]}, []),
        ("aucun:\nfeu", {0: ["feu"], 1: ["feu"]}, []),
        ("pas, de feu", {1: ["feu"]}, [Skipped("feu", "negated", "pas", (0,))]),  # a comma does
        ("pas. no fire", {}, [Skipped("fire", "negated", "no", (0,))]),
    ],
)  # fmt: skip
def test_word_index_leaves_out_harmless_phrases_and_negated_words(
    text: str, hits: dict[int, list[str]], skipped: list[Skipped]
) -> None:
    seen: list[Skipped] = []
    assert INDEX.find(fold(text), seen) == hits
    assert seen == skipped


def lines_run(call: Callable[[], object], where: str) -> int:
    """Python lines executed in the module file ``where`` during ``call``: a count of work
    that does not depend on the machine's speed."""
    count = 0

    def local(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal count
        count += event == "line"
        return local

    def calls(frame: FrameType, event: str, arg: object) -> Any:
        return local if frame.f_code.co_filename == where else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        call()
    finally:
        sys.settrace(previous)
    return count


def test_a_word_repeated_inside_many_harmless_phrases_costs_linear_work() -> None:
    """Each occurrence is checked against the phrases that could hold it, not all of them: a
    text twice as long takes twice the work (it took four times, and a second per 100 kB)."""

    def work(n: int) -> int:
        text = fold("feu " * (5 * n) + "feu rouge " * (2 * n))
        return lines_run(lambda: PACK.ruleset.index.find(text, []), words.__file__)

    small, large = work(100), work(200)
    assert large < 2.2 * small, (small, large)


def test_without_phrases_or_negation_the_index_matches_as_before() -> None:
    plain = WordIndex({0: ("feu", "pas de feu")})
    assert plain.find(fold("pas de feu")) == {0: ["feu", "pas de feu"]}


def test_negation_of_a_phrase_with_an_inner_prefix() -> None:
    index = WordIndex({0: ("eau* contamin*",)}, negatable=frozenset({0}), negators=("aucune",))
    assert index.find(fold("aucune eaux contaminées")) == {}
    assert index.find(fold("les eaux contaminées")) == {0: ["eau* contamin*"]}
    assert index.find(fold("aucune ! eaux contaminées")) == {0: ["eau* contamin*"]}
    assert index.find(fold("aucune, eaux contaminées")) == {}


# --- the rule file ----------------------------------------------------------------------------

RULE = '[[rule]]\nname = "r"\nwords = ["feu"]\npriority = "urgent"\n'


def test_negation_and_compounds_are_read_from_the_file() -> None:
    text = (
        '[compounds]\nharmless = ["feu rouge"]\n[negation]\nwords = ["jamais"]\nwindow = 1\n'
        + RULE
        + "ignore_negated = true\n"
    )
    triage = Triage(parse_rules(text, "t.toml"), DeskConfig(), detect_language=False)
    assert decide("jamais feu", triage=triage).priority == 1
    assert decide("jamais vu de feu", triage=triage).priority == URGENT  # window 1
    assert decide("pas de feu", triage=triage).priority == URGENT  # "pas" not listed here
    assert decide("le feu rouge", triage=triage).priority == 1


def test_without_ignore_negated_a_negated_word_still_counts() -> None:
    triage = Triage(parse_rules(RULE, "t.toml"), DeskConfig(), detect_language=False)
    assert decide("aucun feu", triage=triage).priority == URGENT


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[negation]\nwindow = 0\n" + RULE, "window must be a whole number from 1 to 10"),
        ("[negation]\nwords = 3\n" + RULE, "[negation]: words must be a list of words"),
        ("[negation]\nwordz = []\n" + RULE, "[negation]: unknown key 'wordz'"),
        ('[compounds]\nharmless = ["feu*"]\n' + RULE, "'feu*' must be plain words"),
        ("[compounds]\nharmless = 1\n" + RULE, "harmless must be a list of phrases"),
        (
            '[[rule]]\nname = "r"\nregex = "x"\nignore_negated = true\ncategory = "spam"\n',
            "ignore_negated needs words",
        ),
        (
            '[[rule]]\nname = "r"\nauthor_claims = "mairie"\ncategory = "rumour"\n',
            "'author_claims' must be a non-empty list of words",
        ),
    ],
)
def test_bad_new_fields_are_refused_with_their_place(text: str, message: str) -> None:
    with pytest.raises(RulesError) as caught:
        parse_rules(text, "t.toml")
    assert any(message in p.message for p in caught.value.problems), caught.value.problems


# --- explanations -----------------------------------------------------------------------------


def test_the_published_policy_says_what_does_not_count_and_when_the_model_decides() -> None:
    from desk.triage.policy import policy_markdown

    text = policy_markdown(default_rules(), DeskConfig(), ("fr", "en"))
    assert "«\u00a0feux de circulation\u00a0»" in text
    assert "ignore a word right after a negation" in text
    assert "safety-urgent" in text.split("ignore a word right after a negation")[1][:300]
    assert "s'il en est sûr à au moins 65\u00a0%\u00a0; sinon" in text
    # French typography: a no-break space before every colon and semicolon, none plain
    french = text.split("# How we sort")[0]
    assert " :" not in french
    assert " ;" not in french
    assert "Taille de l'équipe\u00a0: " in french
    assert "(s)" not in french
    assert "if it is at least 65% sure" in text
    plain = policy_markdown(parse_rules(RULE, "t.toml"), DeskConfig(), ("en",))
    assert "negation" not in plain
    assert "small model" not in plain
    assert "overrule" not in plain


def test_a_word_that_did_not_count_is_explained_in_both_languages() -> None:
    detail = decide("Aucune contamination détectée, le feu de circulation est réparé").detail()
    notes = {n["key"]: n for n in detail["notes"]}
    assert notes["word_negated"]["word"] == "contamin*"
    assert notes["word_negated"]["by"] == "aucune"
    assert "safety-urgent" in notes["word_negated"]["rules"]
    assert notes["word_in_phrase"]["by"] == "feu de circulation"
    french = "\n".join(explain_lines(detail, Catalog("fr")))
    english = "\n".join(explain_lines(detail, Catalog("en")))
    assert "«\u00a0contamin*\u00a0» non compté pour safety-urgent" in french
    assert "nié par «\u00a0aucune\u00a0»" in french
    assert "“feu” not counted for safety-urgent" in english
    assert "part of the harmless phrase “feu de circulation”" in english
