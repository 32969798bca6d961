"""Hostile input is refused or cut short quickly; prints JSON figures.

Each figure is the time desk takes on a hostile input beside a baseline from the same run: a
benign input of the same size through the same code. The tests check *what* desk does with these
inputs (a timeout note, a refusal, a problem per bad entry); this script measures *how fast*:

- ``regex``: a catastrophic rule regex ``(a+)+$`` on 5,000 characters (the rule engine's regex
  timeout cuts it short) vs the same rule on ordinary text of that length;
- ``length``: reply length on texts that make twitter-text's URL regex backtrack, per platform,
  vs ordinary text of the same length;
- ``entities``: an RSS feed with an entity blow-up (refused) vs a plain feed of the same size;
- ``phrases``: a 100,000-character mention repeating a word ("feu ") and a harmless phrase
  holding it ("feu rouge ") with the default pack — each occurrence is checked against the
  phrases around it, not against every phrase in the text — vs ordinary text of that length;
- ``rule_file_problems``: a rule file with 20,000 bad ``[lists]`` entries vs one with 2,000 —
  linear work gives a ratio near 10, quadratic near 100;
- ``email_nesting``: an e-mail of 10,000 nested multiparts through desk's parser (the nesting
  pre-check reads its header only) vs an ordinary mail of the same size, and vs the standard
  library's parser alone on the nested mail (what desk paid before the pre-check).

    python benchmarks/bench_hostile.py
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email import message_from_bytes, policy
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from the repository root

from desk.config import DeskConfig  # noqa: E402
from desk.errors import InputError  # noqa: E402
from desk.platforms.detect import parse_payload  # noqa: E402
from desk.platforms.email.payload import parse_message, too_nested  # noqa: E402
from desk.platforms.registry import PLATFORMS  # noqa: E402
from desk.triage.pipeline import Incoming, Triage  # noqa: E402
from desk.triage.rules import RulesError, default_rules, parse_rules  # noqa: E402

WHEN = datetime(2026, 11, 11, 15, 0, tzinfo=UTC)
ORDINARY = "Bonjour, quand passe la collecte des ordures dans le secteur Nord? Merci. "


def seconds(call: Callable[[], Any], runs: int = 3) -> float:
    """The best of ``runs`` timings of ``call`` (exceptions are part of the work)."""
    best = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        try:
            call()
        except (InputError, RulesError):
            pass
        best = min(best, time.perf_counter() - began)
    return round(best, 4)


def ordinary(length: int) -> str:
    """Benign French text of exactly ``length`` characters."""
    return (ORDINARY * (length // len(ORDINARY) + 1))[:length]


def regex_figures() -> dict[str, float]:
    rules = parse_rules(
        '[[rule]]\nname = "evil"\nregex = \'(a+)+$\'\ncategory = "spam"\n', "b.toml"
    )
    triage = Triage(rules, DeskConfig(), detect_language=False)
    hostile = "a" * 5000 + "b"
    return {
        "hostile_s": seconds(lambda: triage.decide(Incoming(hostile, WHEN), route=False)),
        "baseline_s": seconds(
            lambda: triage.decide(Incoming(ordinary(len(hostile)), WHEN), route=False)
        ),
    }


HOSTILE_TEXTS = {
    "dotted": "voir " + "a." * 5000,
    "hyphens": "https://" + "a-" * 5000,
    "underscores": "https://" + "a_" * 5000,
    "protocols": "https://" * 1200,
    "parens": "https://a.com/" + "(" * 5000,
}


def length_figures() -> dict[str, dict[str, float]]:
    out = {}
    for name, text in HOSTILE_TEXTS.items():
        benign = ordinary(len(text))
        for platform in ("mastodon", "bluesky", "x"):
            out[f"{name}/{platform}"] = {
                "hostile_s": seconds(partial(PLATFORMS[platform].reply_length, text)),
                "baseline_s": seconds(partial(PLATFORMS[platform].reply_length, benign)),
            }
    return out


def entity_figures() -> dict[str, float]:
    refs = "&big;" * 10_000
    hostile = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "{"A" * 40_000}">]><rss version="2.0">'
        f"<channel><title>t</title><item><title>x</title><description>{refs}</description>"
        "</item></channel></rss>"
    ).encode()
    plain = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>x</title>'
        f"<description>{ordinary(len(hostile) - 120)}</description></item></channel></rss>"
    ).encode()
    return {
        "hostile_s": seconds(lambda: parse_payload(hostile, "laughs.xml")),
        "baseline_s": seconds(lambda: parse_payload(plain, "plain.xml")),
        "bytes": len(hostile),
    }


def phrase_figures() -> dict[str, float]:
    triage = Triage(default_rules(), DeskConfig(), detect_language=False)
    hostile = "feu " * 12_500 + "feu rouge " * 5_000
    benign = ordinary(len(hostile))
    return {
        "hostile_s": seconds(lambda: triage.decide(Incoming(hostile, WHEN), route=False)),
        "baseline_s": seconds(lambda: triage.decide(Incoming(benign, WHEN), route=False)),
        "chars": len(hostile),
    }


def rule_file_figures() -> dict[str, float]:
    def bad_lists(n: int) -> str:
        return "[lists]\n" + "".join(f"l{i} = [{i}]\n" for i in range(n))

    small, large = bad_lists(2_000), bad_lists(20_000)
    small_s = seconds(lambda: parse_rules(small, "r.toml"))
    large_s = seconds(lambda: parse_rules(large, "r.toml"))
    return {
        "problems_20000_s": large_s,
        "baseline_problems_2000_s": small_s,
        "ratio": round(large_s / small_s, 1) if small_s else 0.0,
    }


def email_nesting_figures() -> dict[str, float]:
    head = (
        "From: Jeanne <jeanne@example.org>\r\nDate: Thu, 12 Nov 2026 09:00:00 +0100\r\n"
        "Message-ID: <deep@example.org>\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
    )
    body = "--c10000\r\nContent-Type: text/plain\r\n\r\nx\r\n--c10000--\r\n"
    for i in range(9_999, -1, -1):
        body = (
            f"--c{i}\r\nContent-Type: multipart/mixed; boundary=c{i + 1}\r\n\r\n{body}--c{i}--\r\n"
        )
    hostile = (head + "Content-Type: multipart/mixed; boundary=c0\r\n\r\n" + body).encode()
    plain = (head + "Content-Type: text/plain\r\n\r\n" + ordinary(len(body))).encode()

    def stdlib_alone() -> None:
        try:
            message_from_bytes(hostile, policy=policy.default).get_body()
        except RecursionError:
            pass

    big = (head + "Content-Type: text/plain\r\n\r\n" + ordinary(25 * 1024 * 1024)).encode()
    return {
        "hostile_s": seconds(lambda: parse_message(hostile)),
        "baseline_same_size_s": seconds(lambda: parse_message(plain)),
        "stdlib_parser_alone_s": seconds(stdlib_alone, runs=1),
        "bytes": len(hostile),
        # what the pre-check adds to every mail, at the largest a channel reads by default
        "precheck_25mb_ordinary_s": seconds(lambda: too_nested(big)),
        "parse_25mb_ordinary_s": seconds(lambda: parse_message(big), runs=1),
    }


def main() -> None:
    print(
        json.dumps(
            {
                "regex": regex_figures(),
                "length": length_figures(),
                "entities": entity_figures(),
                "phrases": phrase_figures(),
                "rule_file_problems": rule_file_figures(),
                "email_nesting": email_nesting_figures(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
