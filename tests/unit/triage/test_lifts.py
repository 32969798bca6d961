"""The fallback's scores for a chunk at once (desk.triage.lifts) are ``Fallback.score``'s, text
by text: same category (ties included), same confidence (within 1e-9, and exactly where a
decision compares it with a threshold), over every labelled set, the bundled examples and the
sample feeds, with and without the priors."""

from __future__ import annotations

from collections import Counter

import pytest

from desk.triage.fallback import EXAMPLES, Fallback, examples_of
from desk.triage.lifts import lifts
from desk.triage.pipeline import fallback_model
from desk.triage.rules import default_rules
from desk.triage.words import fold
from tests.unit.triage.test_compiled import TEXTS

Scored = tuple[str, float] | None


def same(many: Scored, one: Scored) -> bool:
    """The same category, and confidences within 1e-9 (numpy's exp may round otherwise)."""
    if many is None or one is None:
        return many is one
    return many[0] == one[0] and abs(many[1] - one[1]) <= 1e-9


LABELLED = [fold(text) for text in TEXTS + [text for text, _ in examples_of(EXAMPLES)]]


@pytest.mark.parametrize("flat", [False, True])
def test_a_chunk_scores_as_one_text_at_a_time_on_every_labelled_set(flat: bool) -> None:
    model = fallback_model(default_rules())
    wanted = [model.score(text, flat=flat) for text in LABELLED]
    got = lifts(model).score_many(LABELLED, [flat] * len(LABELLED))
    scored = 0
    for text, one, many in zip(LABELLED, wanted, got, strict=True):
        assert same(many, one), text
        scored += one is not None
    assert scored > len(LABELLED) * 0.9  # the comparison is not of empty answers
    assert len({one[0] for one in wanted if one is not None}) >= 4


def test_flat_and_prior_texts_mix_in_one_chunk() -> None:
    model = fallback_model(default_rules())
    texts = LABELLED[:600]
    flat = [i % 3 == 0 for i in range(len(texts))]
    got = lifts(model).score_many(texts, flat)
    for text, f, many in zip(texts, flat, got, strict=True):
        one = model.score(text, flat=f)
        assert same(many, one), text
    flats = lifts(model).score_many(texts, [True] * len(texts))
    assert sum(a != b for a, b in zip(got, flats, strict=True)) > 100  # the priors did weigh


def test_near_a_threshold_the_confidence_is_exactly_fallback_score() -> None:
    """A decision compares the confidence with min_confidence or overrule_confidence: given
    those, it is the very float ``Fallback.score`` gives, whatever numpy's ``exp`` rounds."""
    model = fallback_model(default_rules())
    wanted = [model.score(text, flat=True) for text in LABELLED]
    limits = [(0.25, one[1] if one is not None else 0.5) for one in wanted]
    got = lifts(model).score_many(LABELLED, [True] * len(LABELLED), limits)
    assert got == wanted


def test_equal_scores_go_to_the_first_category_and_unknown_words_to_none() -> None:
    model = Fallback(
        [("sidewalk broken", "complaint"), ("sidewalk broken", "praise"), ("sunset", "other")],
        Counter({"complaint": 2, "praise": 2}),
    )
    texts = ["sidewalk", "broken sidewalk", "sunset sidewalk", "", "nothing known", "sunset"]
    for flat in (False, True):
        wanted = [model.score(text, flat=flat) for text in texts]
        assert wanted[0] is not None
        assert wanted[0][0] == "complaint"  # a tie: the first
        assert wanted[3:5] == [None, None]
        got = lifts(model).score_many(texts, [flat] * len(texts))
        assert all(same(*pair) for pair in zip(got, wanted, strict=True))
    assert lifts(Fallback([])).score_many(texts, [False] * len(texts)) == [None] * len(texts)
