"""The fallback model on text it was not trained on, from the training material only; prints JSON.

The bundled examples (desk/triage/examples.jsonl) are the training part of tests/data/triage,
the development part of tests/data/triage_eval and posts written for the model. Scoring one of
them with the bundled model would score it on its own training text, so here each is scored by
a model trained on the other examples:

- ``train`` and ``dev``: the default pack, its fallback trained on every example but that set's;
- ``written``: the written examples in five parts, each scored by a model trained on the rest
  (French and English versions of one post may sit in different parts: read it as an upper
  bound on text in the same style);

each with the baseline of the same run, ``rules_only``: the pack without its fallback (what no
rule categorises stays "other"), then ``with_fallback``: the model fills in where no rule gives
a category (``overrule_confidence`` left out), then ``with_overrule``: the pack as it ships,
the model also overruling a category one word of one rule gave when it is that sure
(desk.triage.arbitration), with ``overrule_grid``: the mean macro-F1 of the three sets at other
thresholds. Every figure goes through ``Triage.decide`` itself, its model swapped for the one
trained without the scored text. No held-out text is read: they are measured by
``bench_triage_quality.py``. Run: ``.venv/bin/python benchmarks/bench_fallback_cv.py``.
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
from desk.triage.rules import default_rules  # noqa: E402

DATA = ROOT / "tests" / "data"
SETS = {"train": DATA / "triage" / "train.jsonl", "dev": DATA / "triage_eval" / "dev.jsonl"}
PARTS = 5
GRID = (0.95, 0.98, 0.99, 0.995, 0.999)  # overrule thresholds tried


def main() -> None:
    rules = default_rules()
    assert rules.fallback is not None
    options = rules.fallback
    minimum = options.min_confidence

    def triage_with(overrule: float | None) -> Triage:
        """The default pack with this overrule threshold (None: the model only fills in)."""
        pack = replace(rules, fallback=replace(options, overrule=overrule))
        return Triage(pack, DeskConfig(), detect_language=False)

    plain = Triage(replace(rules, fallback=None), DeskConfig(), detect_language=False)

    def ruled(item: dict[str, Any]) -> str | None:
        """The category a rule gives, or None."""
        decision = plain.decide(labelled_incoming(item), route=False)
        return str(decision.category) if decision.category_rule is not None else None

    lines = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines()]
    examples = [(str(e["text"]), str(e["category"])) for e in lines]
    by_rule = [ruled({"text": text}) for text, _ in examples]

    def model(without: set[int]) -> Fallback:
        kept = [i for i in range(len(examples)) if i not in without]
        return for_rules(tuple(examples[i] for i in kept), [by_rule[i] is None for i in kept])

    def figures(items: list[dict[str, Any]], classify: Callable[[dict[str, Any]], str]) -> Any:
        report = score(items, classify).to_json()
        return {
            "items": report["total"],
            "macro_f1": report["macro_f1"],
            "f1": {c: s["f1"] for c, s in report["per_category"].items()},
        }

    def decided(triage: Triage, model_of: Callable[[str], Fallback]) -> Callable[..., str]:
        """The category ``triage`` decides, its model the one trained without the text."""

        def classify(item: dict[str, Any]) -> str:
            triage.model = lambda: model_of(item["text"])  # type: ignore[method-assign]
            return str(triage.decide(labelled_incoming(item), route=False).category)

        return classify

    packs = {"with_fallback": triage_with(None), "with_overrule": triage_with(options.overrule)}
    grid = {t: triage_with(t) for t in GRID}
    sets: dict[str, tuple[list[dict[str, Any]], Callable[[str], Fallback]]] = {}
    for name, path in SETS.items():
        items = read_labelled(path)
        texts = {item["text"] for item in items}
        trained = model({i for i, (t, _) in enumerate(examples) if t in texts})
        sets[name] = (items, dict.fromkeys(texts, trained).__getitem__)
    written = [i for i, e in enumerate(lines) if str(e.get("from", "")).startswith("written")]
    models: dict[str, Fallback] = {}
    for part in range(PARTS):
        held = written[part::PARTS]
        trained = model(set(held))
        models.update((examples[i][0], trained) for i in held)
    items = [{"text": examples[i][0], "category": examples[i][1]} for i in written]
    sets["written"] = (items, models.__getitem__)

    result: dict[str, Any] = {
        "min_confidence": minimum,
        "overrule_confidence": options.overrule,
        "examples": len(examples),
    }
    for name, (items, model_of) in sets.items():
        result[name] = {"rules_only": figures(items, lambda item: ruled(item) or "other")} | {
            pack: figures(items, decided(triage, model_of)) for pack, triage in packs.items()
        }
    result["overrule_grid"] = {
        str(t): round(
            sum(score(items, decided(triage, of)).macro_f1 for items, of in sets.values())
            / len(sets),
            4,
        )
        for t, triage in grid.items()
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
