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
0.899 at 0.98 and 0.995, 0.894 at 0.999), and 0.99 raises each of the three. Measured again
in the fifth round leaving one author set out (seven sets, each decided by a model trained on
the others): mean 0.882 without it, 0.911 at 0.99 (0.907 at 0.95 and 0.98, 0.909 at 0.995,
0.907 at 0.999). Letting the model also overrule a rule that matched several words, or one
whose category other rules contest, did no better on every set (0.912 and 0.914 means, but
lower on the development part and holdout_b) and would hand the policy to the model. The
model overrules only a post holding at least ``MIN_KNOWN_WORDS`` words it knows: no post of the
seven sets it overrules has fewer (the figures are the same with or without), but on a short
post ("Quelqu'un sait?") a few words make it sure of anything.
"""

from __future__ import annotations

from desk.triage.decision import Decision
from desk.triage.fallback import Fallback, LaterGuess
from desk.triage.words import tokens

# on a post of fewer words it knows, a few of them make the model sure of anything ("Quelqu'un
# sait?" 99.8 % rumour, "Le parc est fermé?" 99 % complaint): the rule stands
MIN_KNOWN_WORDS = 6


def arbitrate(decision: Decision, model: Fallback, folded: str, threshold: float) -> None:
    """Let ``model`` overrule the category of ``decision`` if a single word of a single rule
    gave it and the model is at least ``threshold`` sure of another, on a post of at least
    ``MIN_KNOWN_WORDS`` words it knows (see the module)."""
    if decision.spam or decision.category_rule is None:
        return
    scored = model.score(folded, flat=True)
    if scored is None:
        return
    category, confidence = scored
    if category == decision.category or confidence < threshold:
        return
    fired = decision.fired  # built only here: a sure, disagreeing model is rare
    proposed = {f.effects["category"] for f in fired if "category" in f.effects}
    winner = next((f for f in fired if f.rule == decision.category_rule), None)
    if winner is None or proposed != {decision.category} or len(winner.matched) != 1:
        return
    if len({word for word in tokens(folded) if word in model.vocabulary}) < MIN_KNOWN_WORDS:
        return
    overruled = {"rule": winner.rule, "category": decision.category, "word": winner.matched[0]}
    decision.guessed = LaterGuess(model, folded, category, confidence, threshold, overruled)
    decision.category = category
