"""The whole triage of one incoming mention: language, rules, surge, routing -> Decision.

``Triage`` holds what outlives one mention (rules, router loads and turns, recent tags for surge
detection). It does no I/O: the ingest service gives it the state read from the database and
saves what changed in the same transaction as the mentions.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from desk.calendar import TimeFacts
from desk.config import DeskConfig
from desk.gcpause import paused
from desk.triage.arbitration import Scored, arbitrate, contested_word, overrule
from desk.triage.batch import evaluate_many
from desk.triage.conditions import Facts, normalise_handle
from desk.triage.engine import Decision, evaluate
from desk.triage.fallback import Fallback, LaterGuess, for_rules
from desk.triage.language import KNOWN, Detected, detect, detect_many
from desk.triage.lifts import lifts
from desk.triage.routing import Router
from desk.triage.rules import RuleSet, Surge
from desk.triage.words import fold
from desk.vocabulary import PRIORITY_NAMES

URGENT = 3
DETECTING_PLATFORMS = frozenset({"x"})  # their language field is their own detection
"""``Platform.detects_language``, named here: triage does not load the platforms' payload
parsers (tests/platforms/test_registry.py checks that the two agree)."""
# Detected is frozen: the declared languages are shared, not made anew for every mention
_DECLARED = {code: Detected(code, "declared") for code in (*KNOWN, "other")}
_UNKNOWN = Detected("other", "unknown")
_INSTANT = timedelta(microseconds=1)
_TRAINING_AT = datetime(2026, 1, 7, 15, 0, tzinfo=UTC)  # a Wednesday afternoon: business hours


def _training_moment(at: datetime) -> TimeFacts:
    return TimeFacts(at, business_hours=True, weekend=False, holiday=False)


_TRAINED: dict[tuple[str, tuple[tuple[str, str], ...]], Fallback] = {}
_TRAINED_KEPT = 4  # models kept for rule texts read again (a reload, a test, a retriage)


def fallback_model(ruleset: RuleSet) -> Fallback:
    """The fallback model of ``ruleset``, trained on its examples (read when the rule file
    loaded) the first time it is asked for, then kept with the rules: one training per rule
    set (~0.15 s for the bundled examples), not one per Triage, import or explanation. A rule
    set read again from the same text with the same examples (``RuleSet.fingerprint``: the
    rule file reloaded unchanged, another desk opened in the process) takes the model already
    trained: the same rules and examples train the same model. Its priors are the categories of
    the examples no rule gives one, as in real use; the rules are read as on a weekday
    afternoon in business hours (their time windows matter little)."""
    if ruleset.model is None:
        options = ruleset.fallback
        examples = options.texts if options is not None else ()
        key = (ruleset.fingerprint, examples)
        kept = _TRAINED.get(key) if ruleset.fingerprint else None
        if kept is not None:
            object.__setattr__(ruleset, "model", kept)
            return kept
        model = for_rules(examples, uncategorised(examples, ruleset))
        object.__setattr__(ruleset, "model", model)
        if ruleset.fingerprint:
            while len(_TRAINED) >= _TRAINED_KEPT:
                _TRAINED.pop(next(iter(_TRAINED)))  # the oldest first
            _TRAINED[key] = model
    assert ruleset.model is not None
    return ruleset.model


@paused()  # the examples' facts and decisions live until all are read (desk.gcpause)
def uncategorised(examples: tuple[tuple[str, str], ...], ruleset: RuleSet) -> list[bool]:
    """For each example, whether no rule of ``ruleset`` gives it a category: the rules run over
    the examples a page at a time (desk.triage.batch.evaluate_many, the same decisions as
    ``evaluate`` one at a time), as on a weekday afternoon in business hours."""
    facts = [
        Facts(
            text,
            fold(text),
            {},
            "other",
            "x",
            "",
            "mention",
            "",
            _TRAINING_AT,
            _training_moment,
        )
        for text, _ in examples
    ]
    return [decision.category_rule is None for decision in evaluate_many(facts, ruleset)]


@dataclass(slots=True)
class Incoming:
    """What triage looks at in a mention (plain values; no database row)."""

    text: str
    created_at: datetime
    platform: str = "x"
    language: str | None = None  # as declared by the platform
    channel: str = ""
    kind: str = "mention"
    author: str = ""
    title: str | None = None
    author_name: str = ""  # the display name: rules may check it claims an official account

    def rule_text(self) -> str:
        """The text rules read: the title (news) and the body."""
        if self.title and self.title not in self.text:
            return f"{self.title}\n{self.text}"
        return self.text


class SurgeWatch:
    """Counts recent mentions per watched tag; a count at the threshold raises priority."""

    def __init__(
        self, surge: Surge, history: Iterable[tuple[datetime, Iterable[str]]] = ()
    ) -> None:
        self.surge = surge
        self.window = timedelta(minutes=surge.window_minutes)
        self.times: dict[str, list[datetime]] = {}
        for at, tags in history:
            self._add(at, tags)

    def _add(self, at: datetime, tags: Iterable[str]) -> None:
        for tag in tags:
            if not self.surge.tags or tag in self.surge.tags:
                insort(self.times.setdefault(tag, []), at)

    def observe(self, decision: Decision, at: datetime) -> None:
        """Record this mention's tags and raise its priority if one of them is surging."""
        if self.surge.threshold <= 0 or not decision.tags:
            return
        self._add(at, decision.tags)
        for tag in decision.tags:
            times = self.times.get(tag)
            if not times:
                continue
            count = bisect_left(times, at + _INSTANT) - bisect_left(times, at - self.window)
            if count >= self.surge.threshold:
                raised = min(URGENT, decision.priority + 1)
                decision.notes.append(
                    {
                        "key": "surge",
                        "tag": tag,
                        "count": count,
                        "minutes": self.surge.window_minutes,
                        "priority": PRIORITY_NAMES[raised],
                    }
                )
                decision.priority = raised
                return


class Triage:
    """Decides category, priority, tags and assignee for each incoming mention."""

    def __init__(
        self,
        ruleset: RuleSet,
        config: DeskConfig,
        *,
        router: Router | None = None,
        surge_history: Iterable[tuple[datetime, Iterable[str]]] = (),
        detect_language: bool = True,
        evaluator: Callable[[Facts, RuleSet], Decision] = evaluate,
    ) -> None:
        self.ruleset = ruleset
        self.evaluate = evaluator  # desk.triage.reference's, to hold the engine to it
        self.router = router or Router(config)
        self.calendar = self.router.calendar
        self.surge = SurgeWatch(ruleset.surge, surge_history)
        self.detect_language = detect_language

    def _fill_in(self, decision: Decision, folded: str) -> None:
        """No rule gave a category: the learned model's guess, kept if it is sure enough for
        its category (its nearest examples are looked for when the decision's detail is asked
        for)."""
        self._guessed(decision, folded, self.model().score(folded))

    def _guessed(self, decision: Decision, folded: str, scored: Scored) -> None:
        """The model's ``scored`` guess for a mention no rule gave a category."""
        options = self.ruleset.fallback
        assert options is not None
        if scored is None:
            return
        category, confidence = scored
        guess = LaterGuess(self.model(), folded, category, confidence, options.minimum(category))
        decision.guessed = guess
        if guess.used:
            decision.category = guess.category

    def _judge_many(self, decisions: list[Decision], folded: list[str]) -> None:
        """The fallback's guesses and overrules of a chunk (as ``_finish`` makes them one at
        a time), the model asked about all the mentions that need it at once
        (desk.triage.lifts)."""
        options = self.ruleset.fallback
        if options is None:
            return
        # a guess compares with its category's threshold: near any of them, worked out exactly
        guessing = (options.min_confidence, *(m for _, m in options.by_category))
        threshold = options.overrule
        todo: list[int] = []
        flat: list[bool] = []
        limits: list[tuple[float, ...]] = []
        words: dict[int, tuple[str, ...]] = {}  # what the contested rules matched
        for index, decision in enumerate(decisions):
            if decision.category_rule is None:
                todo.append(index)
                flat.append(False)
                limits.append(guessing)
            elif threshold is not None:
                word = contested_word(decision)
                if word is not None:
                    words[index] = word
                    todo.append(index)
                    flat.append(True)
                    limits.append((threshold, *guessing[1:]))
        model = self.model()
        scores = lifts(model).score_many([folded[i] for i in todo], flat, limits)
        for index, overruling, scored in zip(todo, flat, scores, strict=True):
            if overruling:
                assert threshold is not None
                overrule(
                    decisions[index],
                    model,
                    folded[index],
                    threshold,
                    scored,
                    options.by_category,
                    words[index],
                )
            else:
                self._guessed(decisions[index], folded[index], scored)

    def model(self) -> Fallback:
        """The fallback model for these rules (``fallback_model``)."""
        return fallback_model(self.ruleset)

    def language_of(self, item: Incoming, text: str) -> Detected:
        """The mention's language: detected, or as declared when detection is off or needless."""
        declared = self._declared(item)
        if declared is not None:
            return declared
        return detect(text, item.language)

    def _declared(self, item: Incoming) -> Detected | None:
        """The declared language when no detection is needed: detection is off, or the platform
        detected it itself (X's ``lang`` is X's own detection, not the poster's setting)."""
        code = (item.language or "").lower()[:2]
        if self.detect_language and not (item.platform in DETECTING_PLATFORMS and code in KNOWN):
            return None
        if not code:
            return _UNKNOWN
        return _DECLARED.get(code, _DECLARED["other"])

    def languages(self, items: list[Incoming]) -> list[Detected]:
        """The languages of many mentions, detected in one parallel pass where needed.

        Pure and slow-ish (lingua): the ingest service calls it before taking the write lock.
        """
        known = [self._declared(item) for item in items]
        todo = [i for i, found in enumerate(known) if found is None]
        detected = detect_many([(items[i].rule_text(), items[i].language) for i in todo])
        for index, found in zip(todo, detected, strict=True):
            known[index] = found
        return [k if k is not None else Detected("other", "unknown") for k in known]

    @paused()  # the page's facts and decisions live on: no collector walks over them
    def decide_many(
        self,
        items: list[Incoming],
        languages: list[Detected | None] | None = None,
        *,
        route: bool = True,
        route_at: datetime | None = None,
    ) -> list[Decision]:
        """Triage mentions oldest first (a feed lists the newest first, and a surge counts the
        mentions before each one); the decisions come back in the order of ``items``. Languages
        not given are detected first, in one pass; the rules then run over them a page at a
        time (desk.triage.batch), and the learned model over all those that need it at once
        (desk.triage.lifts): the same decisions as one at a time. ``route=False`` leaves the
        assignee to the caller, as ``decide`` does."""
        given = languages or [None] * len(items)
        unknown = [item for item, lang in zip(items, given, strict=True) if lang is None]
        detected = iter(self.languages(unknown))
        filled = [lang if lang is not None else next(detected) for lang in given]
        facts = [self._facts(item, lang) for item, lang in zip(items, filled, strict=True)]
        if self.evaluate is evaluate:  # the compiled rules: a page of mentions at a time
            decided = evaluate_many(facts, self.ruleset)
        else:
            decided = [self.evaluate(one, self.ruleset) for one in facts]
        folded = [one.folded for one in facts]
        self._judge_many(decided, folded)
        for index in sorted(range(len(items)), key=lambda i: items[i].created_at):
            one = decided[index]
            self._finish(one, folded[index], items[index], filled[index], route, route_at, True)
        return decided

    def decide(
        self,
        item: Incoming,
        *,
        route: bool = True,
        language: Detected | None = None,
        route_at: datetime | None = None,
    ) -> Decision:
        """Triage one mention (``route=False``: leave the assignee to the caller; ``route_at``:
        who is there at that moment takes it, default when it was posted)."""
        language = language or self.language_of(item, item.rule_text())
        facts = self._facts(item, language)
        decision = self.evaluate(facts, self.ruleset)
        return self._finish(decision, facts.folded, item, language, route, route_at)

    def _facts(self, item: Incoming, language: Detected) -> Facts:
        """What the rules look at in a mention."""
        text = item.rule_text()
        return Facts(  # text, folded, hits, language, platform, channel, kind, author, at, when
            text,
            fold(text),
            {},
            language.code,
            item.platform,
            item.channel.casefold(),
            item.kind,
            normalise_handle(item.author),
            item.created_at,
            self.calendar.facts,
            author_name=item.author_name,
        )

    def _finish(
        self,
        decision: Decision,
        folded: str,
        item: Incoming,
        language: Detected,
        route: bool,
        route_at: datetime | None,
        judged: bool = False,
    ) -> Decision:
        """The rules' decision completed: the fallback's category (``judged``: already done,
        by ``_judge_many``), the language, a surge, the assignee (mentions are finished oldest
        first: a surge counts those before)."""
        options = None if judged else self.ruleset.fallback
        if options is not None and decision.category_rule is None:
            self._fill_in(decision, folded)
        elif options is not None and options.overrule is not None:
            arbitrate(decision, self.model(), folded, options.overrule, options.by_category)
        decision.language = language.code
        decision.language_source = language.source
        self.surge.observe(decision, item.created_at)
        if route and not decision.spam:  # spam is closed on arrival: nobody's work
            self.router.route(decision, route_at or item.created_at)
        return decision
