"""The fallback's scores for a chunk at once (desk.triage.lifts) are ``Fallback.score``'s, text
by text: same category (ties included), same confidence (within 1e-9, and exactly where a
decision compares it with a threshold), over every labelled set, the bundled examples and the
sample feeds, with and without the priors."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from desk.triage import lifts as lifts_module
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


@pytest.mark.parametrize("tail", [-1, lifts_module.TAIL, 10**9])
def test_near_a_threshold_the_confidence_is_exactly_fallback_score(
    tail: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A decision compares the confidence with min_confidence or overrule_confidence: given
    those, it is the very float ``Fallback.score`` gives, whatever numpy's ``exp`` rounds;
    the sums are the same floats whether the texts are summed a feature at a time for all, or
    one by one (``TAIL``: the few longest, or every one)."""
    monkeypatch.setattr(lifts_module, "TAIL", tail)
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


HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b le parc",
    "foo_bar foo bar baz",
    "foo bar_baz x_y_z x y_z x_y z",
    "_ __ a__b a_ _b __init__",
    "cafe\u0301 e\u0301te\u0301 le\u0301gume",  # combining accents left in
    "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 \u202eevil\u202c",  # RTL
    "great 🙄😂 job!!! 👍🏽 ?? $$ % @city #tag",
    "cœur œuvre straße ßß ǅ ﬁn Ⅻ ٣٤ 二〇二六",
    "nbsp\u00a0here\u2009thin\u3000wide\x1cfs\x1dgs\x85nel",
    "ctrl \x01\x02\x7f\x1b[31m red",
    "l'eau d'ici -- c'est: (correct) \"oui\" / non, 3.5",
    "x" * 70_000 + " le parc " + "é" * 30_000 + " foo_bar " + "🙄" * 1000,
    "pas fort pas fort pas fort ? ? !",
    "\ud800 lone surrogate",
]


def _flat(texts: list[str], model: Fallback) -> list[list[int]]:
    rows, sizes = lifts(model).rows_many(texts)
    out, at = [], 0
    for size in sizes.tolist():
        out.append(rows[at : at + size].tolist())
        at += size
    return out


def test_a_page_finds_the_rows_of_one_text_at_a_time_on_hostile_text() -> None:
    """The page-level word, stem, pair and sign finding (``rows_many``) against ``rows`` of
    each text alone: empty, huge, NUL, "_" (a word and a pair may be one feature), combining
    accents, right-to-left, emoji, wide word characters, odd spaces and controls; in one page
    and shuffled among the labelled texts."""
    trained = Fallback(
        [
            ("foo_bar baz x_y_z a__b __init__ _b", "complaint"),
            ("foo bar_baz x y_z x_y z cœur 🙄 ! ? œ", "praise"),  # "œ" a word: never a sign
            ("straße ﬁn le parc pas fort \u05e9\u05dc\u05d5\u05dd", "question"),
        ]
    )
    for model in (fallback_model(default_rules()), trained):
        for texts in (HOSTILE, LABELLED[:300] + HOSTILE + LABELLED[300:600], HOSTILE[::-1]):
            got = _flat(texts, model)
            wanted = [lifts(model).rows(text) for text in texts]
            assert got == wanted
        assert any(_flat(HOSTILE, trained))  # the features were known
        assert lifts(trained).pair_codes.size  # pairs of words with "_" were looked up


@pytest.mark.parametrize(("chars", "kept"), [(lifts_module.PAGE_CHARS, 10**6), (40, 3), (1, 0)])
def test_a_page_of_random_texts_finds_the_rows_of_one_text_at_a_time(
    chars: int, kept: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Also in pages of a few characters (a long chunk is cut in pages) and with a memo of
    words that is emptied on every page or never filled."""
    monkeypatch.setattr(lifts_module, "PAGE_CHARS", chars)
    monkeypatch.setattr(lifts_module, "KEPT_WORDS", kept)
    rng = random.Random(16)
    alphabet = list("ab_ \x00?!.'-é\u0301œ🙄\u00a0\n") + ["foo", "bar", "le", "parc", "pas", "fort"]
    model = Fallback([("foo_bar a_b ab a b ! ?", "complaint"), ("le parc pas_fort 🙄 œ", "praise")])
    for _ in range(40):
        texts = ["".join(rng.choices(alphabet, k=rng.randrange(0, 30))) for _ in range(25)]
        assert _flat(texts, model) == [lifts(model).rows(text) for text in texts]
    assert _flat([], model) == []
