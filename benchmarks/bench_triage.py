"""Triage throughput with a 200-rule pack on one core; prints JSON figures.

The pack is the bundled default pack plus generated rules in the same style (word lists with
phrases and prefixes, some regexes, all/any/not, language and platform filters) up to 200 rules.
The mentions are the texts of sample_feeds/ and of the evaluation set, cycled: nothing is kept
from one mention to the next by text (the rules are compiled once; the router remembers who is
on duty per stretch of a day, by time), so the repeated texts do not flatter the figures.

Each figure has its baseline from the same run, measured in alternating chunks so that a busy
machine slows both alike:

- ``rules_per_s``: the compiled rules (``evaluate``: fold, one automaton pass, mask tests);
  ``rules_reference_per_s``: the same facts through desk.triage.reference, the rules applied one
  condition object at a time as before issue 16 (it shares the faster word scan);
- ``rules_batch_per_s``: the compiled rules a page of mentions at a time
  (desk.triage.batch.evaluate_many: one automaton pass per page, each rule one set of mask
  operations over the whole page), the same decisions as ``evaluate`` (checked below); it
  keeps a chunk's decisions alive and so runs with the cyclic collector paused
  (desk.gcpause), as ingest does;
- ``triage_per_s``: the whole decision without language detection (rules, fallback model,
  surge, routing to a team with schedules), one mention at a time (``Triage.decide``) — the
  language is given, as platforms declare it; ``triage_reference_per_s``: the same pipeline
  with the reference evaluator;
- ``triage_batch_per_s``: the same whole decision for a chunk of mentions at once
  (``Triage.decide_many``, what ingest calls): the rules in pages (a rule that runs per
  mention only on the mentions its masks, ``contains`` pieces and safe regexes' required text
  leave it), then the fallback for the whole chunk at once, surge and routing oldest first;
- ``triage_explained_per_s``: ``triage_per_s`` plus ``Decision.detail()``, the explanation
  ingest stores with every mention (built lazily: this is its cost when it is asked for);
- ``fallback_batch_per_s``: the learned fallback model alone over every mention's folded text,
  a chunk at once as ``decide_many`` asks it (desk.triage.lifts: the lift table as a numpy
  matrix; the features of the whole chunk found at once, ``Lifts.rows_many``: one pass over
  the texts joined, what each distinct word is to the model kept by word, the ordering and
  the repeats dropped with numpy; the same rows as ``features`` text by text, tested on
  hostile text); its baseline ``fallback_per_s`` is
  ``Fallback.score`` one text at a time, in the same run, on the same texts, half with the
  priors and half without (the overrule's flat guess); the answers are checked to agree;
- ``detect_per_s``: language detection alone (lingua), for the cost of undeclared languages.

Target: 100,000 mentions/s on one core for the whole triage (triage_batch_per_s is the path
ingest takes). Last figures (2-core machine shared with other sessions, two runs at --n 50000):
``triage_batch_per_s`` 16.4k and 16.8k, 1.62x and 1.60x ``triage_per_s`` of the same run (the
code before, run beside them: 13.8k and 16.4k, 1.52x and 1.38x); ``fallback_batch_per_s`` 56k
and 55k, 2.2x ``fallback_per_s`` (before: 1.2x and 1.3x). Not met: README "Benchmarks" says
where the time goes.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desk.config import DeskConfig  # noqa: E402
from desk.gcpause import paused  # noqa: E402
from desk.triage.batch import evaluate_many  # noqa: E402
from desk.triage.conditions import Facts  # noqa: E402
from desk.triage.engine import evaluate  # noqa: E402
from desk.triage.language import detect  # noqa: E402
from desk.triage.lifts import lifts  # noqa: E402
from desk.triage.pipeline import Incoming, Triage  # noqa: E402
from desk.triage.reference import evaluate_reference  # noqa: E402
from desk.triage.rules import DEFAULT_PACK, RuleSet, parse_rules  # noqa: E402
from desk.triage.words import fold  # noqa: E402

RULES = 200
CATEGORIES = ["question", "rumour", "complaint", "praise", "spam", "other"]
WORDS = (
    "eau aqueduc égout trottoir déneigement chaussée parc piscine aréna bibliothèque permis taxe "
    "collecte recyclage compost bac conteneur lampadaire feu circulation autobus stationnement "
    "amende constat chantier travaux bruit chien chat animal pont rue boulevard avenue école "
    "garderie hôpital clinique vaccin élection conseil maire mairesse budget subvention festival "
    "concert marché patinoire glace neige sel sable inondation crue barrage digue tempête panne "
    "water sewer sidewalk snow road park pool arena library permit tax garbage recycling compost "
    "bin streetlight traffic bus parking fine ticket construction noise dog cat bridge street "
    "school daycare hospital clinic vaccine election council mayor budget grant festival concert "
    "market rink ice salt sand flood dam storm outage"
).split()


def corpus() -> list[str]:
    texts: list[str] = []
    for path in sorted((ROOT / "sample_feeds").glob("*.json")):
        raw = path.read_text(encoding="utf-8")
        for chunk in raw.split('"text": ')[1:] + raw.split('"content": ')[1:]:
            if chunk.startswith('"'):
                texts.append(json.loads(chunk[: chunk.index('",') + 1] if '",' in chunk else '""'))
    for name in ("dev.jsonl", "holdout.jsonl"):
        path = ROOT / "tests" / "data" / "triage_eval" / name
        texts += [
            json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()
        ]
    return [t for t in texts if t]


PLACES = (
    "ormes érables cartier wellington principale laurier riverside oak elm maple dufferin "
    "saint-joseph sainte-anne champlain frontenac jacques-cartier montcalm papineau viger "
    "nord sud est ouest centre-ville vieux-port plateau rosemont verdun lachine"
).split()
THINGS = (
    "collecte de feuilles|sapins de noël|encombrants|résidus verts|écocentre|compteur d'eau|"
    "borne-fontaine|piste cyclable|vélo en libre-service|navette|traverse piétonne|dos d'âne|"
    "jardin communautaire|camp de jour|bain libre|patin libre|cours de natation|carte citoyenne|"
    "licence de chien|permis de rénovation|dérogation mineure|abri d'auto|clôture|piscine hors terre|"
    "feux d'artifice|fête nationale|marché de noël|festival de jazz|course à pied|budget participatif|"
    "leaf collection|christmas tree|bulky items|yard waste|water meter|fire hydrant|bike lane|"
    "bike share|shuttle|crosswalk|speed bump|community garden|day camp|public swim|public skate|"
    "swimming lessons|citizen card|dog licence|renovation permit|minor variance|carport|fence|"
    "pool permit|fireworks|canada day|christmas market|jazz festival|fun run|participatory budget"
).split("|")


def generated_rules(count: int, rng: random.Random) -> str:
    """Rules in the style a municipality adds over time: one per service, place or event.

    Each has a few general topic words (eau, parc, permit...) and specific phrases (a service
    or event named with a place), so most of them are tried on a mention and few fire, as in a
    real 200-rule pack; the figures report how many fire per mention.
    """
    out = []
    for n in range(count):
        thing = rng.choice(THINGS)
        words = [f"{thing} {place}" for place in rng.sample(PLACES, 4)]
        words += [thing, f"{rng.choice(WORDS)} {rng.choice(PLACES)}"]
        words += [w[:5] + "*" for w in rng.sample(WORDS, 1) if len(w) >= 6]
        lines = [
            "[[rule]]",
            f'name = "gen-{n}"',
            f"words = {json.dumps(words, ensure_ascii=False)}",
        ]
        kind = n % 10
        if kind == 0:
            lines.append(f'regex = "\\\\b{rng.choice(WORDS)}s?\\\\b"')
        elif kind == 1:
            lines.append(
                f"not = {{ words = {json.dumps(rng.sample(WORDS, 3), ensure_ascii=False)} }}"
            )
        elif kind == 2:
            lines.append('any = [{ languages = ["fr"] }, { platforms = ["x", "bluesky"] }]')
        elif kind == 3:
            lines.append('time = ["business_hours"]')
        elif kind == 4:
            lines.append(
                f'all = [{{ words = ["{rng.choice(WORDS)}"] }}, {{ words = ["{rng.choice(WORDS)}"] }}]'
            )
        lines.append(f'category = "{rng.choice(CATEGORIES)}"')
        lines.append(f'priority = "{rng.choice(["low", "normal", "high"])}"')
        lines.append(f'tags = ["t{n % 17}"]')
        out.append("\n".join(lines))
    return "\n\n".join(out)


CONFIG = DeskConfig.model_validate(
    {
        "staff": [
            {"name": "a", "display_name": "A", "initials": "A", "languages": ["fr", "en"]},
            {"name": "b", "display_name": "B", "initials": "B", "languages": ["fr"]},
            {
                "name": "c",
                "display_name": "C",
                "initials": "C",
                "languages": ["en", "fr"],
                "absences": [{"from": "2026-11-16", "to": "2026-11-20"}],
            },
        ],
        "team": [{"name": "comms", "members": ["a", "b", "c"]}],
        "oncall": {"rotation": ["a", "b", "c"], "start": "2026-10-05"},
        "routing": {"fr": "comms", "en": "comms", "other": "a"},
    }
)


CHUNKS = 8


def timed(
    items: list[Incoming], runs: dict[str, Callable[[list[Incoming]], int]]
) -> dict[str, tuple[float, int]]:
    """Seconds each run takes over all ``items`` and the sum of what it returns, the runs
    taking turns chunk by chunk (each run sees every item once, in order)."""
    size = -(-len(items) // CHUNKS)
    totals = {name: (0.0, 0) for name in runs}
    for start in range(0, len(items), size):
        chunk = items[start : start + size]
        for name, run in runs.items():
            began = time.perf_counter()
            count = run(chunk)
            seconds, counted = totals[name]
            totals[name] = (seconds + time.perf_counter() - began, counted + count)
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="mentions (default 200,000)")
    n = parser.parse_args().n
    rng = random.Random(7)
    base = DEFAULT_PACK.read_text(encoding="utf-8")
    default_count = base.count("[[rule]]")
    text = base + "\n\n" + generated_rules(RULES - default_count, rng)
    ruleset = parse_rules(text, "bench")
    assert len(ruleset.rules) == RULES, len(ruleset.rules)
    texts = corpus()
    start = datetime(2026, 11, 9, tzinfo=UTC)
    items = [
        Incoming(
            text=texts[i % len(texts)],
            created_at=start + timedelta(seconds=37 * i),
            platform=("x", "mastodon", "bluesky")[i % 3],
            language=("fr", "en")[i % 2],
            author=f"@user{i % 500}",
        )
        for i in range(n)
    ]
    calendar = CONFIG.hours.calendar()

    def facts_of(item: Incoming) -> Facts:
        return Facts(
            item.text,
            fold(item.text),
            {},
            item.language or "other",
            item.platform,
            "",
            item.kind,
            item.author,
            item.created_at,
            calendar.facts,
        )

    def rules_run(evaluator: Callable[[Facts, RuleSet], Any]) -> Callable[[list[Incoming]], int]:
        def run(chunk: list[Incoming]) -> int:
            fired = 0
            for item in chunk:
                fired += len(evaluator(facts_of(item), ruleset).rules)
            return fired

        return run

    def batch_run(chunk: list[Incoming]) -> int:
        with paused():  # the facts of the chunk live on, as the decisions do
            facts = [facts_of(i) for i in chunk]
            return sum(len(d.rules) for d in evaluate_many(facts, ruleset))

    def many_run(triage: Triage) -> Callable[[list[Incoming]], int]:
        def run(chunk: list[Incoming]) -> int:
            return sum(d.assignee is not None for d in triage.decide_many(chunk))

        return run

    def triage_run(triage: Triage, explain: bool = False) -> Callable[[list[Incoming]], int]:
        def run(chunk: list[Incoming]) -> int:
            assigned = 0
            for item in chunk:
                decision = triage.decide(item)
                assigned += decision.assignee is not None
                if explain:
                    decision.detail()
            return assigned

        return run

    fast = Triage(ruleset, CONFIG, detect_language=False)
    lifts(fast.model())  # trained once per rule set, its matrix once per model: not in the rate
    rules = timed(
        items,
        {
            "new": rules_run(evaluate),
            "reference": rules_run(evaluate_reference),
            "batch": batch_run,
        },
    )
    triage = timed(
        items,
        {
            "new": triage_run(fast),
            "reference": triage_run(
                Triage(ruleset, CONFIG, detect_language=False, evaluator=evaluate_reference)
            ),
            "explained": triage_run(Triage(ruleset, CONFIG, detect_language=False), True),
            "batch": many_run(Triage(ruleset, CONFIG, detect_language=False)),
        },
    )
    model = fast.model()
    matrix = lifts(model)  # built once per model, with it: not part of the rate

    def fallback_one(chunk: list[Incoming]) -> int:
        other = 0
        for i, item in enumerate(chunk):
            one = model.score(fold(item.text), flat=bool(i % 2))
            other += one is not None and one[0] == "other"
        return other

    def fallback_many(chunk: list[Incoming]) -> int:
        flat = [bool(i % 2) for i in range(len(chunk))]
        scored = matrix.score_many([fold(item.text) for item in chunk], flat)
        return sum(one is not None and one[0] == "other" for one in scored)

    fallback = timed(items, {"one": fallback_one, "many": fallback_many})
    # the batch paths decide as the one-at-a-time ones: same rules fired, same assignees
    assert fallback["one"][1] == fallback["many"][1], (fallback["one"][1], fallback["many"][1])
    assert rules["batch"][1] == rules["new"][1], (rules["batch"][1], rules["new"][1])
    assert triage["batch"][1] == triage["new"][1], (triage["batch"][1], triage["new"][1])
    fired = rules["new"][1]
    assigned = triage["new"][1]

    sample = texts * 3
    detect(sample[0])  # load the models first
    t0 = time.perf_counter()
    for t in sample:
        detect(t)
    detect_s = time.perf_counter() - t0

    print(
        json.dumps(
            {
                "rules": len(ruleset.rules),
                "word_entries": sum(len(v) for v in ruleset.word_lists.values()),
                "mentions": n,
                "distinct_texts": len(texts),
                "rules_fired_per_mention": round(fired / n, 2),
                "assigned_share": round(assigned / n, 3),
                "rules_per_s": round(n / rules["new"][0]),
                "rules_reference_per_s": round(n / rules["reference"][0]),
                "rules_speedup": round(rules["reference"][0] / rules["new"][0], 2),
                "rules_batch_per_s": round(n / rules["batch"][0]),
                "triage_per_s": round(n / triage["new"][0]),
                "triage_reference_per_s": round(n / triage["reference"][0]),
                "triage_speedup": round(triage["reference"][0] / triage["new"][0], 2),
                "triage_batch_per_s": round(n / triage["batch"][0]),
                "triage_batch_speedup": round(triage["new"][0] / triage["batch"][0], 2),
                "triage_explained_per_s": round(n / triage["explained"][0]),
                "fallback_per_s": round(n / fallback["one"][0]),
                "fallback_batch_per_s": round(n / fallback["many"][0]),
                "fallback_batch_speedup": round(fallback["one"][0] / fallback["many"][0], 2),
                "detect_per_s": round(len(sample) / detect_s),
                "target_triage_per_s": 100_000,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
