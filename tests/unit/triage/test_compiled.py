"""The compiled engine (desk.triage.compiled, issue 16) decides exactly as the reference one.

``desk.triage.reference.evaluate_reference`` applies the rules one condition object at a time,
as the engine did before it was compiled. Both run here over the evaluation set and the sample
feeds (every text under several languages, platforms, kinds, authors and moments), with the
bundled pack and with a pack of generated rules of every shape (nested any/all/not, regexes with
and without required text, contains, authors, links, time windows, stop, negation, harmless
phrases), and must give the same category, priority, tags, fired rules, matched words, effects
and notes; the whole pipeline must give the same assignee and stored detail. Then the pieces the
speed comes from: the spaced and marked texts, the text a regex needs, the explanation and the
fallback's nearest examples built only when asked, and the router's remembered stretches.
"""

from __future__ import annotations

import json
import random
import string
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from desk.config import DeskConfig
from desk.triage import words
from desk.triage.conditions import Facts, normalise_handle, required_text
from desk.triage.engine import Decision, evaluate
from desk.triage.fallback import Fallback
from desk.triage.pipeline import Incoming, Triage
from desk.triage.reference import evaluate_reference
from desk.triage.routing import Router
from desk.triage.rules import DEFAULT_PACK, Assign, default_rules, parse_rules
from desk.triage.words import fold
from tests.helpers.paths import DATA, SAMPLE_FEEDS

CONFIG = DeskConfig.model_validate(
    {
        "hours": {"timezone": "America/Toronto", "holidays": ["2026-12-25"]},
        "staff": [
            {
                "name": "a",
                "display_name": "A",
                "initials": "A",
                "languages": ["fr", "en"],
                "topics": ["water"],
            },
            {
                "name": "b",
                "display_name": "B",
                "initials": "B",
                "languages": ["fr"],
                "schedule": {"mon": "22:00-06:00", "sat": "10:15-14:45"},
            },
            {
                "name": "c",
                "display_name": "C",
                "initials": "C",
                "languages": ["en", "fr"],
                "absences": [{"from": "2026-11-16", "to": "2026-11-18"}],
                "schedule": {"tue": "07:05-11:55, 13:00-19:30", "wed": "09:00-17:00"},
            },
        ],
        "team": [{"name": "comms", "members": ["a", "b", "c"]}],
        "oncall": {"rotation": ["a", "b", "c"], "start": "2026-10-05"},
        "routing": {"fr": "comms", "en": "comms", "other": "a"},
    }
)
START = datetime(2026, 11, 13, 12, 0, tzinfo=UTC)


def _strings(value: Any, found: list[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in {"text", "content"} and isinstance(item, str):
                found.append(item)
            else:
                _strings(item, found)
    elif isinstance(value, list):
        for item in value:
            _strings(item, found)


def corpus() -> list[str]:
    """The evaluation set, the labelled triage set and the sample feeds' texts, and a few
    texts made to reach the rare paths (negation, harmless phrases, links, long text)."""
    texts: list[str] = []
    for folder in ("triage_eval", "triage"):
        for path in sorted((DATA / folder).glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    texts.append(json.loads(line)["text"])
    for path in sorted(SAMPLE_FEEDS.glob("*.json")):
        _strings(json.loads(path.read_text(encoding="utf-8")), texts)
    texts += [
        "pas de feu ici",
        "aucune contamination de l'eau, mais pas. feu sur la rue",
        "le feu de circulation est brisé",
        "no. fire on elm! fire station sale",
        "OFFICIAL CITY NOTICE: register your well here pineford-wells.info",
        "Ⅻ PARCS et 30 ℃ — écoles? collecte! Acme ™ water",
        "x" * 2500 + " parc aqueduc " + "parc " * 50,
        "",
        "\x00 eau potable\x00. ?",
    ]
    return texts


WORDS = (
    "eau aqueduc egout trottoir deneigement parc piscine permis taxe collecte recyclage bac "
    "feu autobus stationnement amende chantier bruit chien pont rue ecole budget neige panne "
    "water sewer snow road park pool permit tax garbage bus parking fine noise dog bridge fire "
    "question merci bravo urgent vite help aide thanks great horrible"
).split()
CATEGORIES = ("question", "rumour", "complaint", "praise", "spam", "other")


def generated_pack(count: int = 120, seed: int = 16) -> str:
    """The bundled pack and ``count`` rules of every shape the engine compiles differently."""
    rng = random.Random(seed)

    def some(n: int) -> str:
        return json.dumps(rng.sample(WORDS, n))

    shapes = [
        lambda: f"words = {some(3)}",
        lambda: f'words = {some(2)}\nregex = "\\\\b{rng.choice(WORDS)}s?\\\\b"',
        lambda: f"words = {some(2)}\nnot = {{ words = {some(3)} }}",
        lambda: f'words = {some(2)}\nnot = [{{ words = {some(1)}, languages = ["fr"] }}]',
        lambda: f'words = {some(2)}\nany = [{{ languages = ["fr"] }}, {{ platforms = ["x"] }}]',
        lambda: f"all = [{{ words = {some(4)} }}, {{ words = {some(4)} }}]",
        lambda: f'any = [{{ words = {some(3)} }}, {{ regex = "(a|e)+u" }}]',
        lambda: f'words = {some(3)}\ntime = ["business_hours"]',
        lambda: f'words = {some(3)}\nkinds = ["reply", "news"]',
        lambda: 'contains = ["?", "!!"]\nlanguages = ["en"]',
        lambda: f'words = {some(2)}\nhas_link = true\nnot = {{ author_in = ["press"] }}',
        lambda: 'author_in = ["press"]',
        lambda: f'author_claims = ["mairie", "city"]\nwords = {some(3)}',
        lambda: (
            f"any = [{{ all = [{{ words = {some(3)} }}, {{ has_link = false }}] }}, "
            f'{{ contains = ["#"] }}]'
        ),
        lambda: f'words = {some(2)}\nregex = "\\\\d+ ?(\\\\$|%)"\ntime = ["weekend", "holiday"]',
        lambda: f'words = ["{rng.choice(WORDS)[:4]}*", "{rng.choice(WORDS)} {rng.choice(WORDS)}"]',
        lambda: f"words = {some(3)}\nignore_negated = true",
        lambda: (
            f'words = ["{rng.choice(WORDS)[:3]}* {rng.choice(WORDS)[:3]}*"]\nignore_negated = true'
        ),
        lambda: f'regex = "([a-z]+ )+!"\nwords = {some(4)}',  # may backtrack: keeps its timeout
        lambda: (
            f"not = [{{ words = {some(2)} }}, {{ all = [{{ words = {some(2)} }}, "
            f'{{ channels = ["general"] }}] }}]\nplatforms = ["mastodon"]'
        ),
    ]
    rules = []
    for n in range(count):
        lines = ["[[rule]]", f'name = "gen-{n}"', shapes[n % len(shapes)]()]
        lines.append(f'category = "{rng.choice(CATEGORIES)}"')
        lines.append(f'priority = "{rng.choice(["low", "normal", "high", "urgent"])}"')
        lines.append(f'tags = ["t{n % 7}", "u{n % 3}"]')
        if n % 9 == 0:
            lines.append(f'suggest = "answer-{n}"')
        if n % 11 == 0:
            lines.append('assign = "b"' if n % 2 else 'assign = { team = "comms" }')
        if n % 13 == 0:
            lines.append("require_approval = true")
        if n % 17 == 5:
            lines.append("spam = true")
        if n % 37 == 36:
            lines.append("stop = true")
        rules.append("\n".join(lines))
    base = DEFAULT_PACK.read_text(encoding="utf-8")
    base = base.replace("journalists = []", 'journalists = []\npress = ["@user3", "@ville_x"]')
    return base + "\n\n" + "\n\n".join(rules)


PACKS = {"bundled": default_rules(), "generated": parse_rules(generated_pack(), "gen.toml")}
TEXTS = corpus()


def moments(index: int) -> datetime:
    return START + timedelta(minutes=211 * index)  # weekdays, nights, weekends, a holiday


def incoming(index: int, text: str) -> Incoming:
    return Incoming(
        text=text,
        created_at=moments(index),
        platform=("x", "mastodon", "bluesky", "rss", "email")[index % 5],
        language=("fr", "en", None)[index % 3],
        channel=("General", "", "news")[index % 3],
        kind=("mention", "reply", "news", "quote")[index % 4],
        author=f"@user{index % 9}" if index % 7 else "@Ville_X",
        author_name="Mairie officielle" if index % 5 == 0 else "",
        title="Avis public" if index % 13 == 0 else None,
    )


def facts_of(item: Incoming) -> Facts:
    text = item.rule_text()
    return Facts(
        text=text,
        folded=fold(text),
        hits={},
        language=item.language or "other",
        platform=item.platform,
        channel=item.channel.casefold(),
        kind=item.kind,
        author=normalise_handle(item.author),
        at=item.created_at,
        when=CONFIG.hours.calendar().facts,
        author_name=item.author_name,
    )


def outcome(decision: Decision) -> tuple[Any, ...]:
    return (
        decision.category,
        decision.category_rule,
        decision.priority,
        decision.tags,
        decision.spam,
        decision.needs_approval,
        decision.suggest,
        decision.assign,
        decision.assign_rule,
        decision.rules,
        [f.to_json() for f in decision.fired],
        decision.notes,
    )


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_the_compiled_engine_decides_as_the_reference(pack: str) -> None:
    ruleset = PACKS[pack]
    fired = 0
    for index, text in enumerate(TEXTS * 2):
        item = incoming(index, text)
        compiled, reference = (
            evaluate(facts_of(item), ruleset),
            evaluate_reference(facts_of(item), ruleset),
        )
        assert outcome(compiled) == outcome(reference), (pack, index, text[:80])
        fired += len(reference.fired)
    assert fired > len(TEXTS)  # the packs do fire: the comparison is not of empty decisions


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_the_whole_triage_stores_the_same_decisions(pack: str) -> None:
    """Routing, surge and the learned fallback included: same assignee, same stored detail."""
    ruleset = PACKS[pack]
    fast = Triage(ruleset, CONFIG, detect_language=False)
    plain = Triage(ruleset, CONFIG, detect_language=False, evaluator=evaluate_reference)
    for index, text in enumerate(TEXTS):
        item = incoming(index, text)
        one, other = fast.decide(item), plain.decide(item)
        assert (one.assignee, one.detail()) == (other.assignee, other.detail()), (index, text)


def test_a_fired_rule_is_explained_only_when_asked() -> None:
    ruleset = PACKS["bundled"]
    decision = evaluate(
        facts_of(incoming(1, "Il y a une fuite d'eau sur la rue, c'est urgent")), ruleset
    )
    assert decision.found is not None
    assert decision._fired is None
    names = decision.rules
    assert names
    assert decision._fired is None
    assert [f.rule for f in decision.fired] == list(names)
    assert decision.found is None
    assert decision._fired is not None


def test_the_fallback_looks_for_its_nearest_examples_only_for_the_detail(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    nearest = Fallback.nearest

    def counted(self: Fallback, folded: str, category: str) -> tuple[tuple[str, str], ...]:
        calls.append(category)
        return nearest(self, folded, category)

    monkeypatch.setattr(Fallback, "nearest", counted)
    triage = Triage(PACKS["bundled"], CONFIG, detect_language=False)
    decision = triage.decide(incoming(1, "À quelle heure ouvre la bibliothèque le dimanche"))
    assert (decision.category_rule, decision.category) == (None, "question")  # the model's
    assert calls == []  # not yet: the decision does not need them
    detail = decision.detail()
    assert detail["fallback"]["used"] is True
    assert detail["fallback"]["nearest"]
    assert calls == ["question"]


def _random_texts(count: int) -> list[str]:
    rng = random.Random(16)
    alphabet = string.ascii_letters[:6] + " é.!?;:|\n\r,-'’\t_19«»\x00\x1fZⅫ🔥"
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(count)]


def test_the_spaced_and_marked_texts_are_those_of_the_regular_expressions() -> None:
    for text in [*_random_texts(20_000), *TEXTS[:200], "", " ", "!a!", "a. b"]:
        assert words.spaced_words(text) == " " + words._NON_WORD.sub(" ", text) + " "
        assert words._marked(text) == " " + words._NON_WORD.sub(words._mark_run, text) + " "


def test_a_long_run_of_punctuation_after_a_negator_is_read_in_one_pass() -> None:
    """The marked text is made without stepping back over a run (a pattern that did took
    minutes on 32,000 characters of "- "): a million characters are read like any text."""
    index = words.WordIndex({0: ("feu",)}, negatable=frozenset({0}), negators=("pas",))
    text = "pas feu " + "- " * 500_000 + "! " + "| " * 500_000 + "feu"
    skipped: list[words.Skipped] = []
    assert index.find(fold(text), skipped) == {0: ["feu"]}  # "!" ends the first sentence
    assert skipped == [words.Skipped("feu", "negated", "pas", (0,))]
    assert words._marked(text) == " pas feu|feu "
    assert required_text("{" * 100_000 + "x") == ""  # read as fuzzy syntax, in one pass


@pytest.mark.parametrize(
    ("source", "needed"),
    [
        (r"\bparcs?\b", "parc"),
        (r"e\.? ?coli", "coli"),
        (r"(?<!rendez)-(vous|on|il)\b", "-"),
        (r"(?i)ABC", "abc"),
        (r"(foo)bar", "foobar"),
        (r"ab|ac", "a"),
        (r"\d+ ?%", "%"),
        (r"(?:abc){e<=1}", ""),  # fuzzy matching: only the regex module reads it
        (r"[[:alpha:]]x", ""),  # a POSIX class, likewise
        (r"\p{L}+", ""),  # Python's parser cannot read it
        (r"(a|b)+", ""),
        (r"é+t", "t"),  # not ASCII: not relied on
    ],
)
def test_the_text_a_regex_cannot_match_without(source: str, needed: str) -> None:
    assert required_text(source) == needed


def test_a_regex_is_searched_when_its_text_is_there_in_capitals() -> None:
    """Folding leaves capitals from compatibility forms (``™`` -> ``TM``, ``℃`` -> ``°C``):
    the quick look for a regex's text is made in lower case, so these still match."""
    ruleset = parse_rules(
        '[[rule]]\nname = "r"\nregex = "\\\\btm\\\\b"\ncategory = "question"\n', "t.toml"
    )
    item = incoming(1, "Acme ™ offre")
    assert fold(item.text) == "acme TM offre"
    assert evaluate(facts_of(item), ruleset).category == "question"
    assert evaluate_reference(facts_of(item), ruleset).category == "question"


def test_the_router_remembers_stretches_without_changing_who_is_there() -> None:
    """Absences and duty hours kept per stretch of a day give, minute by minute across
    schedule edges, overnight shifts, an absence and a holiday, what a fresh router says."""
    shared = Router(CONFIG)
    at = datetime(2026, 11, 15, 4, 0, tzinfo=UTC)  # Saturday 23:00 in Toronto
    checked = 0
    while at < datetime(2026, 11, 19, 6, 0, tzinfo=UTC):
        for name in ("a", "b", "c", "nobody"):
            assert shared.unavailable(name, at) == Router(CONFIG).unavailable(name, at), (name, at)
            checked += 1
        at += timedelta(minutes=7)
    assert checked > 3000


def test_a_team_s_eligible_members_remembered_per_stretch_route_as_worked_out_each_time() -> None:
    """Without max_open the router remembers, per stretch of a day, who in a team may take a
    mention and the notes on the others; routing a stream both ways gives the same routes."""
    remembered, worked_out = Router(CONFIG), Router(CONFIG)
    worked_out._loads_matter = True  # as when someone has a max_open: no remembering
    requests = [
        None,
        Assign(team="comms"),
        Assign(team="comms", strategy="least-loaded", match_language=True),
        Assign(team="comms", match_topic=True),
        Assign(on_call=True),
        Assign(person="b"),
    ]
    assert not remembered._loads_matter
    for index in range(3000):
        at = START + timedelta(minutes=3 * index)  # many in each stretch: remembered
        one, other = (
            Decision(
                assign=requests[index % 6],
                language=("fr", "en", "other")[index // 6 % 3],
                tags=(("water",), (), ("fire", "roads"))[index // 18 % 3],
            )
            for _ in range(2)
        )
        remembered.route(one, at)
        worked_out.route(other, at)
        assert (one.assignee, one.route) == (other.assignee, other.route), (index, at)
    assert remembered._teams  # it did remember
