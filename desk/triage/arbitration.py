"""Where a rule stands on one word, a very sure model may overrule it (``[fallback] overrule``).

The rules stay the policy. One case is left to the learned model (desk.triage.fallback): a
category given by a single word or phrase of a single rule — "encore" making a complaint, a
lone "?" making a question — when no other rule proposes another category, the mention is not
closed as spam, and the model, weighing the words alone (without the lean towards what the
rules leave uncategorised), is at least ``overrule_confidence`` sure of another category. The
category then is the model's; the rule's priority, tags, approval and assignment stay. The
explanation names the rule, its word, the model's confidence and its nearest examples.

Measured by cross-validation on the bundled examples (each part scored by a model trained
without it, ``benchmarks/bench_fallback_cv.py``): the mean macro-F1 of the training part, the
development part and the written posts is 0.892 without it, 0.899 at 0.99 (0.892 at 0.95,
0.899 at 0.98 and 0.995, 0.894 at 0.999), and 0.99 raises each of the three.
"""

from __future__ import annotations

from desk.triage.decision import Decision
from desk.triage.fallback import Fallback, LaterGuess

Scored = tuple[str, float] | None


def arbitrate(decision: Decision, model: Fallback, folded: str, threshold: float) -> None:
    """Let ``model`` overrule the category of ``decision`` if a single word of a single rule
    gave it and the model is at least ``threshold`` sure of another (see the module)."""
    if contested(decision):
        overrule(decision, model, folded, threshold, model.score(folded, flat=True))


def contested(decision: Decision) -> bool:
    """Whether the model may overrule the decision's category, its own answer aside: a rule
    gave it, the mention is not spam and no other rule proposes another category (read from
    the compact fired rules when the engine left them)."""
    if decision.spam or decision.category_rule is None:
        return False
    found = decision.found
    if found is not None:
        proposed = found.categories()
    else:
        proposed = {f.effects["category"] for f in decision.fired if "category" in f.effects}
    return proposed == {decision.category}


def overrule(
    decision: Decision, model: Fallback, folded: str, threshold: float, scored: Scored
) -> None:
    """The model's category for a ``contested`` decision, given its flat ``scored`` guess
    (``model.score(folded, flat=True)``, or desk.triage.lifts for a chunk), if it is at least
    ``threshold`` sure of another category and the rule's category came from a single word."""
    if scored is None:
        return
    category, confidence = scored
    if category == decision.category or confidence < threshold:
        return
    rule = decision.category_rule
    assert rule is not None
    found = decision.found
    if found is not None:
        matched = found.matched_of(rule)
    else:
        winner = next((f for f in decision.fired if f.rule == rule), None)
        matched = winner.matched if winner is not None else None
    if matched is None or len(matched) != 1:
        return
    overruled = {"rule": rule, "category": decision.category, "word": matched[0]}
    decision.guessed = LaterGuess(model, folded, category, confidence, threshold, overruled)
    decision.category = category
