"""Where one word of one rule gives the category, a very sure model may overrule it
(desk.triage.arbitration, ``[fallback] overrule_confidence``); everywhere else the rules stand."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desk.config import DeskConfig
from desk.i18n import Catalog
from desk.triage.explain import explain_lines, fallback_lines, summary
from desk.triage.pipeline import Incoming, Triage
from desk.triage.policy import policy_markdown
from desk.triage.rules import RulesError, default_rules, parse_rules

AT = datetime(2026, 11, 12, 15, 0, tzinfo=UTC)
EXAMPLES = [
    ("again a gorgeous sunset over the river tonight", "other"),
    ("gorgeous sunset over the river, what a sky", "other"),
    ("sunset over the river with the kids tonight", "other"),
    ("the sidewalk is broken again and nobody fixes it", "complaint"),
    ("broken streetlight again, third week", "complaint"),
]
RULES = """
[fallback]
min_confidence = 0.6
{overrule}
examples = "examples.jsonl"

[[rule]]
name = "again"
words = ["again", "still"]
category = "complaint"
priority = "high"
tags = ["grumble"]

[[rule]]
name = "sale"
words = ["cheap watches"]
category = "spam"
spam = true

[[rule]]
name = "praise"
words = ["gorgeous"]
category = "praise"
"""


def pack(tmp_path: Path, overrule: str = "overrule_confidence = 0.9") -> Triage:
    (tmp_path / "examples.jsonl").write_text(
        "".join(json.dumps({"text": t, "category": c}) + "\n" for t, c in EXAMPLES),
        encoding="utf-8",
    )
    rules = parse_rules(RULES.format(overrule=overrule), str(tmp_path / "rules.toml"))
    return Triage(rules, DeskConfig(), detect_language=False)


def decide(triage: Triage, text: str) -> dict[str, object]:
    item = Incoming(text=text, created_at=AT, language="en", platform="x")
    return triage.decide(item, route=False).detail()


def test_a_sure_model_overrules_a_category_one_word_gave_and_says_so(tmp_path: Path) -> None:
    detail = decide(pack(tmp_path), "sunset over the river again tonight")
    assert detail["category"] == "other"
    assert detail["category_rule"] == "again"  # the rule fired; its other effects stay
    assert (detail["priority"], detail["tags"]) == ("high", ["grumble"])
    fallback = detail["fallback"]
    assert isinstance(fallback, dict)
    assert fallback["overruled"] == {"rule": "again", "category": "complaint", "word": "again"}
    assert fallback["confidence"] >= fallback["min_confidence"] == 0.9
    assert fallback["nearest"][0]["category"] == "other"
    english = "\n".join(explain_lines(detail, Catalog("en")))
    french = "\n".join(explain_lines(detail, Catalog("fr")))
    assert "Rule again gave complaint on a single word («\u00a0again\u00a0»)" in english
    assert "% needed to overrule a rule) prevails: other" in english
    assert "Category other, from rule" not in english  # the rule no longer gives it
    assert "La règle again donnait plainte sur un seul mot («\u00a0again\u00a0»)\u00a0;" in french
    assert "pour passer outre) l'emporte\u00a0: autre" in french
    assert "nearest example:" in english
    assert summary(detail).startswith("other via model over again;")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("sunset over the river, still broken again", id="two words of the rule"),
        pytest.param("cheap watches sunset over the river tonight", id="spam stays spam"),
        pytest.param("the sidewalk is broken again", id="the model agrees"),
        pytest.param("sunset river again", id="too few words it knows"),
    ],
)
def test_the_rules_stand_everywhere_else(tmp_path: Path, text: str) -> None:
    detail = decide(pack(tmp_path), text)
    assert "fallback" not in detail
    assert detail["category"] != "other"


def test_where_rules_disagree_a_sure_model_settles_what_the_category_order_would(
    tmp_path: Path,
) -> None:
    """The word "again" (complaint) outranks "gorgeous" (praise) in the order of the categories; the
    model, sure from the words that this is a post about a sunset, overrules the one word."""
    detail = decide(pack(tmp_path), "gorgeous sunset over the river again")
    fired = detail["fired"]
    assert isinstance(fired, list)
    assert {f["rule"]: f["effects"].get("category") for f in fired} == {
        "again": "complaint",
        "praise": "praise",
    }
    assert detail["category"] == "other"
    fallback = detail["fallback"]
    assert isinstance(fallback, dict)
    assert fallback["overruled"] == {"rule": "again", "category": "complaint", "word": "again"}


def test_without_overrule_confidence_the_rule_always_stands(tmp_path: Path) -> None:
    detail = decide(pack(tmp_path, overrule=""), "sunset over the river again tonight")
    assert (detail["category"], "fallback" in detail) == ("complaint", False)


def test_a_category_the_model_must_be_surer_of_asks_as_much_to_overrule(tmp_path: Path) -> None:
    """``min_confidence_by_category`` asks more of the model for "other" than the overrule does:
    it cannot then overrule a rule to "other" at a confidence it could not fill it in at."""
    text = "sunset over the river again tonight"
    assert decide(pack(tmp_path), text)["category"] == "other"  # 0.9 is enough to overrule
    stricter = "overrule_confidence = 0.9\nmin_confidence_by_category = { other = 1.0 }"
    detail = decide(pack(tmp_path, overrule=stricter), text)
    assert (detail["category"], "fallback" in detail) == ("complaint", False)


def test_an_unsure_model_does_not_overrule(tmp_path: Path) -> None:
    triage = pack(tmp_path, overrule="overrule_confidence = 1.0")
    detail = decide(triage, "sunset over the river again tonight")
    assert (detail["category"], "fallback" in detail) == ("complaint", False)


@pytest.mark.parametrize("value", ["0.3", "true", "'high'", "1.5"])
def test_a_bad_overrule_confidence_is_refused(value: str) -> None:
    with pytest.raises(RulesError) as caught:
        parse_rules(f"[fallback]\noverrule_confidence = {value}\n", "t.toml")
    [problem] = caught.value.problems
    assert "overrule_confidence must be a number above 0.5, at most 1" in problem.message
    assert problem.line == 2


def test_the_default_pack_overrules_at_99_and_publishes_it() -> None:
    rules = default_rules()
    assert rules.fallback is not None
    assert rules.fallback.overrule == 0.99
    triage = Triage(rules, DeskConfig(), detect_language=False)
    item = Incoming(
        text="Encore un magnifique coucher de soleil sur la rivière ce soir",
        created_at=AT,
        language="fr",
        platform="mastodon",
    )
    detail = triage.decide(item, route=False).detail()
    assert detail["category"] == "other"  # "magnifique" alone no longer makes it praise
    assert detail["fallback"]["overruled"]["rule"] == "praise-fr"
    both = policy_markdown(rules, DeskConfig(), ("fr", "en"))
    assert "passer outre s'il est sûr à au moins 99\u00a0% d'une autre catégorie" in both
    assert "overrule it if it is at least 99% sure of another category" in both
    assert "dans un message d'au moins 6\u00a0mots qu'il connaît" in both
    assert "in a message of at least 6 words it knows" in both


@pytest.mark.parametrize("text", ["Quelqu'un sait?", "Le parc Lafontaine est fermé?"])
def test_the_default_pack_leaves_a_short_question_a_question(text: str) -> None:
    """The bundled model is over 99 % sure these are a rumour and a complaint, from three and
    five words: too few to overrule the question mark."""
    triage = Triage(default_rules(), DeskConfig(), detect_language=False)
    item = Incoming(text=text, created_at=AT, language="fr", platform="mastodon")
    detail = triage.decide(item, route=False).detail()
    assert (detail["category"], detail["category_rule"]) == ("question", "question-mark")
    assert "fallback" not in detail


@pytest.mark.parametrize(
    ("confidence", "shown"), [(0.9999, "99"), (0.996, "99"), (0.899, "89"), (0.5, "50")]
)
def test_the_confidence_shown_is_never_rounded_up(confidence: float, shown: str) -> None:
    """Naive Bayes is overconfident: "100 % sure" would overstate it, and a guess under the
    threshold must never read as reaching it."""
    fallback = {"category": "other", "confidence": confidence, "min_confidence": 0.9, "used": True}
    [line, *_] = fallback_lines(fallback, Catalog("en"))
    assert f"{shown}%" in line.replace("\u00a0", "").replace(" %", "%")
    assert "100" not in line
