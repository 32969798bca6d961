"""Rule files that are hostile or careless: a pipe, a device, TOML nested 100,000 deep, and
regexes that are slow on long texts (``slow_patterns``, what ``desk rules check`` warns about).
Each is refused or reported at once, with where and what to do; nothing hangs or crashes."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from desk.errors import ConfigError
from desk.triage.rules import (
    DEFAULT_PACK,
    RulesError,
    default_rules,
    load_rules,
    parse_rules,
    slow_patterns,
)

QUICK = 2.0  # seconds; each refusal takes milliseconds, this only catches a hang


def test_a_fifo_rule_file_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "rules.toml"
    os.mkfifo(fifo)
    began = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        load_rules(fifo)
    assert time.monotonic() - began < QUICK
    assert "named pipe" in str(caught.value)


def test_a_device_as_the_rule_file_is_refused_before_reading(tmp_path: Path) -> None:
    began = time.monotonic()
    with pytest.raises(ConfigError, match="is a device"):
        load_rules(Path("/dev/zero"))
    assert time.monotonic() - began < QUICK


DEEP = {
    "arrays": "words = " + "[" * 100_000,
    "combinators": "any = [{ " * 20_000,
    "dotted key": ".".join(["k"] * 100_000) + " = 1",
}


@pytest.mark.parametrize("case", list(DEEP))
def test_deeply_nested_rules_are_one_problem_with_line_and_column(case: str) -> None:
    text = '[[rule]]\nname = "deep"\ncategory = "question"\n' + DEEP[case]
    began = time.monotonic()
    with pytest.raises(RulesError) as caught:
        parse_rules(text, "deep.toml")
    assert time.monotonic() - began < QUICK
    (problem,) = caught.value.problems
    assert problem.line == 4
    assert problem.column >= 1
    assert "nested more than" in problem.message or "dotted parts" in problem.message


SLOW = """\
[[rule]]
name = "fast"
regex = 'colis|livraison'
category = "question"

[[rule]]
name = "nested"
any = [{ words = ["eau"] }, { regex = '(\\w+\\s?)+$' }]
category = "complaint"

[[rule]]
name = "polynomial"
regex = 'a.*a.*a.*z'
category = "praise"

[[rule]]
name = "shout"
regex = '(\\w)\\1{5}'
category = "spam"
"""


def test_slow_patterns_names_each_slow_regex_with_its_place() -> None:
    ruleset = parse_rules(SLOW, "slow.toml")
    found = slow_patterns(ruleset, SLOW)
    lines = SLOW.splitlines()
    assert [(w.line, w.column) for w in found] == [  # where each regex is written
        (8, lines[7].index("(\\w") + 1),
        (13, lines[12].index("a.*") + 1),
        (18, 10),
    ]
    nested, polynomial, shout = found
    assert "rule #2 (nested)" in nested.message
    assert "(\\w+\\s?)+$" in nested.message
    assert "repeat inside a repeat" in nested.message
    assert "rule #3 (polynomial)" in polynomial.message
    assert "is slow on long texts" in polynomial.message
    # a backreference: quick on the texts tried, yet a shape that can backtrack for long
    assert "rule #4 (shout)" in shout.message
    assert "may be slow on some texts" in shout.message
    assert all(w.hint for w in found)


def test_the_bundled_pack_has_no_slow_regex() -> None:
    assert slow_patterns(default_rules(), DEFAULT_PACK.read_text(encoding="utf-8")) == []
