"""The quality floor of the default pack on the labelled parts of tests/data/triage.

``holdout.jsonl`` was written (and committed) before any rule of issue 14 was changed, and no
rule or example was written from it; scored after the first round of changes: macro-F1 0.861
(0.776 before), urgent precision 0.74 (0.39 before), recall 0.82 (0.88 before). ``holdout_b``
was written after that score and before the second round (more training examples, more rules
from them), and scored once, at the end: macro-F1 0.717 (0.590 before), urgent precision 0.86
(0.45) and recall 1.0 (0.75). With the final pack ``holdout`` gives macro-F1 0.863, its "other"
down to 0.75. A third round (2026-12-07: 1,400 examples written for the fallback, which now reads
single words and their stems, and a few rule words changed, all from the training part, the
development part of triage_eval and the written examples) gives 0.867 on ``holdout`` (lowest
"other" 0.78) and 0.787 on ``holdout_b`` (lowest "complaint" 0.755); the urgent flag unchanged.
A fourth round (2026-12-07: the model may overrule a category one word of one rule gave, when it
is 99 % sure, four rule words that misfired were dropped, 100 more written examples and
``min_confidence`` 0.6, all chosen by cross-validation on the same material) gives 0.874 on
``holdout`` ("other" 0.75, midway 0.742) and 0.886 on ``holdout_b`` (lowest "complaint" 0.80). The floors sit just under the latest figures, so a change that loses quality fails here. ``benchmarks/bench_triage_quality.py`` prints every figure with the previous pack's.

In the fifth round ``holdout``, ``holdout_b`` and ``holdout_c`` (scored 0.874, 0.886 and 0.861
for the record) became development material: the fallback model trains on them, so their
figures here (0.989, 1.0, 0.957) are those of text it has seen, and their floors are regression
checks, not measures of a new author's text; that measure is ``benchmarks/bench_fallback_cv.py``
(each author set decided by a model trained without it) and the blind set the lead scores. The
urgent flag comes from the rules alone (no urgent rule word changed in that round): its floors
on the three parts still say how the rules read posts they were not written from.

``holdout_d.jsonl`` was written blind during the fifth round (by a helper who never read the
rules, the examples or the other sets), merged after the round and scored once with its final
pack: macro-F1 0.888 (0.665 with the pack before issue 14); question 0.940, rumour 0.959,
complaint 0.816, praise 0.869, spam 0.915, other 0.830; urgent precision 0.78, recall 0.62
(0.56 / 0.53 before). In the sixth round it became development material and examples too
(0.993 here since); its urgent floors, from the rules alone, still sit under those figures.

``holdout_e``, ``holdout_f`` and ``holdout_g`` (300 posts each) were written blind during the
sixth round by three helpers who never read the rules, the examples or the other sets, each in
six new made-up places, and scored once, with the round's final pack: macro-F1 0.934, 0.934 and
0.927 (0.690, 0.673 and 0.684 with the pack before issue 14); every category at least 0.862;
urgent precision 0.68 / 0.59 / 0.79, recall 0.78 / 0.71 / 0.87. They are held out: never
trained on, never used to choose anything. Their floors are issue 14's target itself.
"""

from __future__ import annotations

from functools import cache

import pytest

from desk.config import DeskConfig
from desk.triage.evaluation import read_labelled
from desk.triage.pipeline import Triage
from desk.triage.quality import Quality, measure
from desk.triage.rules import default_rules
from tests.helpers.paths import DATA

SETS = DATA / "triage"
BLIND = ("holdout_e", "holdout_f", "holdout_g")  # held out: written blind, scored once


@cache
def quality(name: str) -> Quality:
    triage = Triage(default_rules(), DeskConfig(), detect_language=False)
    return measure(read_labelled(SETS / f"{name}.jsonl"), triage)


@pytest.mark.parametrize(
    ("name", "macro", "each"),
    [
        ("holdout", 0.97, 0.95),
        ("holdout_b", 0.97, 0.95),
        ("holdout_c", 0.94, 0.88),
        ("holdout_d", 0.96, 0.94),
    ],
)
def test_spent_holdouts_meet_their_floor(name: str, macro: float, each: float) -> None:
    # trained on since the fifth (d: sixth) round: a regression check, not a measure (see the module)
    report = quality(name).categories
    assert report.total >= 130
    assert report.macro_f1 >= macro, report.to_json()
    low = {c: round(s.f1, 3) for c, s in report.per_category.items() if s.f1 < each}
    assert not low, report.to_json()


@pytest.mark.parametrize(
    ("name", "precision", "recall"),
    [
        ("holdout", 0.70, 0.80),
        ("holdout_b", 0.80, 0.95),
        ("holdout_c", 0.80, 0.80),
        ("holdout_d", 0.75, 0.60),
    ],
)
def test_urgent_flag_meets_the_floor_on_posts_the_rules_were_not_written_from(
    name: str, precision: float, recall: float
) -> None:
    urgent = quality(name).urgent
    assert urgent.labelled >= 12
    assert urgent.precision >= precision, urgent.to_json()
    assert urgent.recall >= recall, urgent.to_json()


@pytest.mark.parametrize(
    ("name", "precision", "recall"),
    [("holdout_e", 0.65, 0.75), ("holdout_f", 0.55, 0.70), ("holdout_g", 0.75, 0.85)],
)
def test_the_blind_sets_of_the_sixth_round_meet_the_target(
    name: str, precision: float, recall: float
) -> None:
    # held out: never trained on, never used to choose anything (see the module)
    report = quality(name)
    assert report.categories.total == 300
    assert report.categories.macro_f1 >= 0.92, report.categories.to_json()
    low = {c: round(s.f1, 3) for c, s in report.categories.per_category.items() if s.f1 < 0.80}
    assert not low, report.categories.to_json()
    assert report.urgent.precision >= precision, report.urgent.to_json()
    assert report.urgent.recall >= recall, report.urgent.to_json()


def test_training_part_meets_its_floor() -> None:
    # the rules and the fallback were written from it: a regression check, not a measure
    report = quality("train")
    assert report.categories.macro_f1 >= 0.92, report.to_json()
    assert report.urgent.precision >= 0.9
    assert report.urgent.recall >= 0.95


def test_the_sets_are_bilingual_labelled_and_separate() -> None:
    train = read_labelled(SETS / "train.jsonl")
    holdout = [
        item
        for name in ("holdout", "holdout_b", "holdout_c", "holdout_d", *BLIND)
        for item in read_labelled(SETS / f"{name}.jsonl")
    ]
    for items in (train, holdout):
        assert {i["lang"] for i in items} == {"fr", "en"}
        assert all(isinstance(i["urgent"], bool) for i in items)
        assert {i["category"] for i in items} == {
            "spam", "rumour", "complaint", "question", "praise", "other"
        }  # fmt: skip
    assert len(train) + len(holdout) >= 500
    assert {i["text"] for i in train}.isdisjoint(i["text"] for i in holdout)
    texts = [i["text"].casefold() for i in holdout]
    assert len(set(texts)) == len(texts)  # no post in two sets, nor twice in one
