"""The default pack on a new author's text: leave one author set out; prints JSON.

The labelled material comes in author sets, each written by someone else at another time:
``train`` (tests/data/triage/train.jsonl: the rules were written from it, so its figure flatters
them), ``dev`` (tests/data/triage_eval/dev.jsonl), ``holdout``, ``holdout_b`` and ``holdout_c``
(tests/data/triage/: held out for four rounds, development material since the fifth), and the
posts written for the model in the third and fourth rounds (``written_r3``, ``written_r4``: the
``from`` field of desk/triage/examples.jsonl), and the posts of two writers who never read the
rules, the examples or the other sets, written blind during the fifth round (``written_r5_e``,
``written_r5_f``: 300 posts each, 50 per category), and ``holdout_d`` (written blind during the
fifth round by a third such helper, scored once after it, development material since the sixth).
A new author's phrasing is what the pack meets in
use, and what the blind sets measure; so each set is decided by the pack whose fallback model is
trained on every bundled example except that set's (its ``from`` and its texts), through
``Triage.decide`` itself, as desk decides a mention on arrival.

For each set, with the baseline of the same run: ``rules_only`` (the pack without its fallback:
what no rule categorises stays "other"), ``with_fallback`` (the model fills in where no rule
gives a category; ``overrule_confidence`` left out) and ``with_overrule`` (the pack as it ships,
the model also overruling a category one word of one rule gave when it is that sure,
desk.triage.arbitration): per-category F1 and macro-F1. ``summary`` gives, per pack, each set's
macro-F1, their mean and the worst set, the mean without ``train``, the mean over the seven
sets measured before the two blind writers' (``mean_first_sets``: like for like), the mean over
the nine sets of the fifth round's end (``mean_nine_sets``), and the mean
F1 of each category; ``grid`` the mean and worst macro-F1 at other ``min_confidence`` and
``overrule_confidence`` values. The held-out parts of tests/data/triage_eval are not read here
(``bench_triage_quality.py`` measures them).
Run: ``.venv/bin/python benchmarks/bench_fallback_cv.py``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desk.config import DeskConfig  # noqa: E402
from desk.triage.evaluation import read_labelled, score  # noqa: E402
from desk.triage.fallback import EXAMPLES, Fallback, for_rules  # noqa: E402
from desk.triage.pipeline import Triage  # noqa: E402
from desk.triage.quality import labelled_incoming  # noqa: E402
from desk.triage.rules import RuleSet, default_rules  # noqa: E402
from desk.vocabulary import CATEGORIES  # noqa: E402

DATA = ROOT / "tests" / "data"
# author set -> the origin its examples carry in ``from`` (before any "#id"), and its file
# (None: the set is its examples)
AUTHORS: dict[str, tuple[str, Path | None]] = {
    "train": ("tests/data/triage/train.jsonl", DATA / "triage" / "train.jsonl"),
    "dev": ("tests/data/triage_eval/dev.jsonl", DATA / "triage_eval" / "dev.jsonl"),
    "holdout": ("tests/data/triage/holdout.jsonl", DATA / "triage" / "holdout.jsonl"),
    "holdout_b": ("tests/data/triage/holdout_b.jsonl", DATA / "triage" / "holdout_b.jsonl"),
    "holdout_c": ("tests/data/triage/holdout_c.jsonl", DATA / "triage" / "holdout_c.jsonl"),
    "written_r3": ("written for the fallback, 2026-12-07", None),
    "written_r4": ("written for the fallback, round 4, 2026-12-07", None),
    "written_r5_e": ("written for the fallback, round 5, writer E, 2026-12-07", None),
    "written_r5_f": ("written for the fallback, round 5, writer F, 2026-12-07", None),
    "holdout_d": ("tests/data/triage/holdout_d.jsonl", DATA / "triage" / "holdout_d.jsonl"),
}
# the sets of the fifth round's first measure: their mean is compared like for like
FIRST_SETS = ("train", "dev", "holdout", "holdout_b", "holdout_c", "written_r3", "written_r4")
# the sets at the end of the fifth round: their mean is compared like for like in the sixth
NINE_SETS = (*FIRST_SETS, "written_r5_e", "written_r5_f")
PACKS = ("rules_only", "with_fallback", "with_overrule")
MIN_GRID = (0.5, 0.55, 0.6, 0.65, 0.7)  # min_confidence values tried
OVERRULE_GRID = (0.95, 0.98, 0.99, 0.995, 0.999)  # overrule_confidence values tried

Items = list[dict[str, Any]]


def origin(line: dict[str, Any]) -> str:
    """Where a bundled example comes from: its ``from`` without the item id."""
    return str(line.get("from", "")).split("#", 1)[0]


def author_sets(lines: list[dict[str, Any]]) -> dict[str, tuple[Items, set[int]]]:
    """Each author set's labelled items and the indices of the bundled examples to leave out
    when scoring it (those of its origin, and any holding one of its texts)."""
    sets: dict[str, tuple[Items, set[int]]] = {}
    for name, (source, path) in AUTHORS.items():
        own = {i for i, line in enumerate(lines) if origin(line) == source}
        items = read_labelled(path) if path is not None else [dict(lines[i]) for i in sorted(own)]
        texts = {str(item["text"]) for item in items}
        sets[name] = (items, own | {i for i, line in enumerate(lines) if line["text"] in texts})
    return sets


def figures(items: Items, classify: Callable[[dict[str, Any]], str]) -> dict[str, Any]:
    """Macro-F1 and per-category F1 of ``classify`` on ``items``."""
    report = score(items, classify).to_json()
    return {
        "items": report["total"],
        "macro_f1": report["macro_f1"],
        "f1": {c: s["f1"] for c, s in report["per_category"].items()},
    }


def summary(per_set: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Each set's macro-F1, their mean, the worst set, the mean without ``train`` (the rules
    were written from it), the means over ``FIRST_SETS`` and ``NINE_SETS`` and each category's
    mean F1."""
    macro = {name: f["macro_f1"] for name, f in per_set.items()}
    others = [m for name, m in macro.items() if name != "train"]
    worst = min(macro, key=macro.__getitem__)
    return {
        "macro_f1": macro,
        "mean": round(sum(macro.values()) / len(macro), 4),
        "worst": {"set": worst, "macro_f1": macro[worst]},
        "mean_without_train": round(sum(others) / len(others), 4),
        "mean_first_sets": round(sum(macro[name] for name in FIRST_SETS) / len(FIRST_SETS), 4),
        "mean_nine_sets": round(sum(macro[name] for name in NINE_SETS) / len(NINE_SETS), 4),
        "category_mean": {
            c: round(sum(f["f1"][c] for f in per_set.values()) / len(per_set), 4)
            for c in CATEGORIES
        },
    }


def leave_one_author_out(
    rules: RuleSet, lines: list[dict[str, Any]], grid: bool = True
) -> dict[str, Any]:
    """The figures of ``rules`` with each author set decided by a model trained without it."""
    assert rules.fallback is not None
    options = rules.fallback

    def pack(minimum: float, overrule: float | None) -> Triage:
        chosen = replace(options, min_confidence=minimum, overrule=overrule)
        return Triage(replace(rules, fallback=chosen), DeskConfig(), detect_language=False)

    plain = Triage(replace(rules, fallback=None), DeskConfig(), detect_language=False)
    examples = [(str(line["text"]), str(line["category"])) for line in lines]
    # as desk.triage.pipeline.fallback_model: which examples no rule gives a category
    by_rule = [
        plain.decide(labelled_incoming({"text": text}), route=False).category_rule is None
        for text, _ in examples
    ]

    def model(without: set[int]) -> Fallback:
        kept = [i for i in range(len(examples)) if i not in without]
        return for_rules(tuple(examples[i] for i in kept), [by_rule[i] for i in kept])

    def decided(triage: Triage, trained: Fallback) -> Callable[[dict[str, Any]], str]:
        """The category ``triage`` decides, its model the one trained without the set."""
        triage.model = lambda: trained  # type: ignore[method-assign]

        def classify(item: dict[str, Any]) -> str:
            return str(triage.decide(labelled_incoming(item), route=False).category)

        return classify

    sets = {name: (items, model(out)) for name, (items, out) in author_sets(lines).items()}
    packs = {
        "rules_only": None,
        "with_fallback": pack(options.min_confidence, None),
        "with_overrule": pack(options.min_confidence, options.overrule),
    }
    result: dict[str, Any] = {}
    for name, (items, trained) in sets.items():
        result[name] = {
            label: figures(
                items,
                decided(triage, trained)
                if triage is not None
                else lambda item: str(plain.decide(labelled_incoming(item), route=False).category),
            )
            for label, triage in packs.items()
        }
    result["summary"] = {
        label: summary({name: result[name][label] for name in sets}) for label in PACKS
    }
    if grid:

        def mean_and_worst(triage: Triage) -> dict[str, float]:
            macro = [score(items, decided(triage, m)).macro_f1 for items, m in sets.values()]
            return {"mean": round(sum(macro) / len(macro), 4), "worst": round(min(macro), 4)}

        result["grid"] = {
            "min_confidence": {str(m): mean_and_worst(pack(m, options.overrule)) for m in MIN_GRID},
            "overrule_confidence": {
                str(t): mean_and_worst(pack(options.min_confidence, t)) for t in OVERRULE_GRID
            },
        }
    return result


def main() -> None:
    rules = default_rules()
    assert rules.fallback is not None
    lines = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines()]
    result: dict[str, Any] = {
        "min_confidence": rules.fallback.min_confidence,
        "overrule_confidence": rules.fallback.overrule,
        "examples": len(lines),
    }
    result |= leave_one_author_out(rules, lines)
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
