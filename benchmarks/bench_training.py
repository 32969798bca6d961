"""Training the fallback model (desk.triage.pipeline.fallback_model) on the bundled examples:
seconds now beside the plain way it was trained before (tests/helpers/training.py: the rules
run over the examples one at a time with ``evaluate``, the tables built one example, one word
and one logarithm at a time), both measured in the same run; prints JSON.

Each figure is the median (and best) of ``--runs`` trainings, the two ways alternating, each on
a rule set parsed afresh before the timing (its compiled rules and page plan built within
it, as in a ``desk`` process that triages); ``--cpu``: CPU seconds instead of wall seconds (both ways), for
a busy machine. ``cold``: each training alone in a fresh ``python`` process
after its imports, as a spawned ``desk`` command trains (the collector's state, caches). The
two ways train the same model to the bit (tests/unit/triage/test_training.py checks it here as
well). Target: under 0.1 s.

    python benchmarks/bench_training.py [--runs 7] [--cold 5] [--cpu]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from the repository root

from desk.triage import pipeline  # noqa: E402
from desk.triage.fallback import examples_of  # noqa: E402
from desk.triage.rules import RuleSet, default_rules  # noqa: E402
from tests.helpers.training import plain_model  # noqa: E402

COLD = """
import sys, time
from desk.triage.fallback import examples_of
from desk.triage.pipeline import fallback_model
from desk.triage.rules import default_rules
from tests.helpers.training import plain_model
examples, ruleset = examples_of(), default_rules()
clock = time.process_time if sys.argv[2] == "cpu" else time.perf_counter
began = clock()
fallback_model(ruleset) if sys.argv[1] == "now" else plain_model(examples, ruleset)
print(clock() - began)
"""


def now(ruleset: RuleSet) -> object:
    pipeline._TRAINED.clear()  # no model kept from an earlier run
    return pipeline.fallback_model(ruleset)


def plain(ruleset: RuleSet) -> object:
    return plain_model(examples_of(), ruleset)


def summary(seconds: list[float]) -> dict[str, float]:
    return {"median_s": round(statistics.median(seconds), 4), "best_s": round(min(seconds), 4)}


def cold(way: str, runs: int, cpu: bool) -> list[float]:
    return [
        float(
            subprocess.run(
                [sys.executable, "-c", COLD, way, "cpu" if cpu else "wall"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for _ in range(runs)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cold", type=int, default=5, help="fresh processes per way (0: none)")
    parser.add_argument("--cpu", action="store_true", help="in process: CPU seconds, not wall")
    args = parser.parse_args()
    examples = examples_of()
    timings: dict[str, list[float]] = {"now": [], "plain": []}
    ways: dict[str, Callable[[RuleSet], object]] = {"now": now, "plain": plain}
    models: dict[str, list[object]] = {"now": [], "plain": []}  # freed after the timings
    for _ in range(args.runs):
        for name, train in ways.items():
            ruleset = default_rules()  # parsed afresh, outside the timing
            began = time.process_time() if args.cpu else time.perf_counter()
            models[name].append(train(ruleset))
            ended = time.process_time() if args.cpu else time.perf_counter()
            timings[name].append(ended - began)
    trained, before = models["now"][-1], models["plain"][-1]
    # repr: every float to the bit (-0.0 is not 0.0), every table in its order
    same = set(vars(trained)) == set(vars(before)) and all(
        repr(vars(trained)[k]) == repr(vars(before)[k]) for k in vars(before)
    )
    figures: dict[str, object] = {
        "examples": len(examples),
        "features": len(getattr(trained, "lift", {})),
        "same_model": same,
        "target_s": 0.1,
        "clock": "cpu" if args.cpu else "wall",
        "in_process": {name: summary(seconds) for name, seconds in timings.items()},
    }
    if args.cold:
        cold_now, cold_plain = [], []
        for _ in range(args.cold):  # alternating, so a busy moment weighs on both
            cold_now += cold("now", 1, args.cpu)
            cold_plain += cold("plain", 1, args.cpu)
        figures["cold_process"] = {"now": summary(cold_now), "plain": summary(cold_plain)}
    speedup = statistics.median(timings["plain"]) / statistics.median(timings["now"])
    figures["speedup_in_process"] = round(speedup, 2)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
