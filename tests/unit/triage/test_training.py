"""Training the fallback model in bulk (desk.triage.fallback.Fallback, desk.triage.pipeline
.uncategorised) gives, to the bit, the model of the plain way, one example and one feature at
a time (tests/helpers/training.py): the same priors, log-probabilities, lifts and nearest-example
index, so the same guesses and explanations."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from desk.triage.fallback import Fallback, examples_of
from desk.triage.pipeline import fallback_model, uncategorised
from desk.triage.rules import default_rules
from desk.triage.words import fold
from tests.helpers.training import PlainFallback, plain_model, plain_uncategorised

SMALL = [
    ("the crew did a lovely job on the park!", "praise"),
    ("lovely flowers downtown, nice job 😂", "praise"),
    ("the park is a mess and smells", "complaint"),
    ("the sidewalk is a mess again?", "complaint"),
    ("Déneigée, DÉNEIGÉE! la rue", "complaint"),
    ("sunset over the river tonight", "other"),
]
TRAINED = (
    "categories log_p unseen log_prior _base _flat lift vocabulary texts sets postings".split()
)


def bits(value: Any) -> Any:
    """``value`` with each float as its exact bits (0.0 and -0.0 differ, as do NaNs)."""
    if isinstance(value, float):
        return value.hex()
    if isinstance(value, dict):
        return {key: bits(item) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return tuple(bits(item) for item in value)
    return value


def assert_same_model(model: Fallback, plain: Fallback) -> None:
    assert set(vars(model)) == set(TRAINED)  # a table added to one way only is noticed
    for name in TRAINED:
        assert bits(getattr(model, name)) == bits(getattr(plain, name)), name


def test_the_rules_read_the_examples_a_page_at_a_time_as_one_at_a_time() -> None:
    examples = examples_of()
    ruleset = default_rules()
    found = uncategorised(examples, ruleset)
    assert found == plain_uncategorised(examples, ruleset)
    assert 0 < found.count(True) < len(examples)  # some examples a rule categorises, some not


def test_the_bundled_model_is_the_plain_ways_to_the_bit() -> None:
    examples = examples_of()
    ruleset = default_rules()
    model = fallback_model(ruleset)
    plain = plain_model(examples, ruleset)
    assert_same_model(model, plain)
    assert len(model.lift) > 10_000  # the whole table, not a few words of it
    text = fold("Bravo pour le déneigement de la rue, super travail !")
    assert model.guess(text) == plain.guess(text)


@pytest.mark.parametrize("priors", [None, Counter({"other": 3, "praise": 1})])
def test_a_small_model_is_the_plain_ways_to_the_bit(priors: Counter[str] | None) -> None:
    """Categories without examples are left out; the features hold stems, pairs and signs."""
    model = Fallback(SMALL, priors)
    assert_same_model(model, PlainFallback(SMALL, priors))
    assert model.categories == ("complaint", "praise", "other")
    assert {"denei~", "!", "?", "😂", "lovely_job"} <= model.vocabulary
    assert model.sets[4] == frozenset({"deneigee", "la", "rue"})


def test_no_examples_train_an_empty_model() -> None:
    model = Fallback([])
    assert_same_model(model, PlainFallback([]))
    assert model.score("anything") is None
