"""Every problem of a rule file is worded by the catalogs (issue 11): desk.triage.rules notes a
problem as a code of ``[rule_problem]`` (its hint a code of ``[rule_hint]``), never as an English
sentence; each code has words in French and English, French with its typography."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import desk.triage.rules
import desk.triage.words
from desk.i18n import Catalog, load_strings
from desk.triage.ruleset import Problem, RulesError

CODE = re.compile(r"[a-z][a-z0-9_]*")
SOURCES = [Path(desk.triage.rules.__file__), Path(desk.triage.words.__file__)]


def _calls() -> list[tuple[str, ast.Call]]:
    """Every ``self.problem(...)`` and ``Problem(...)`` in the rule reader, with its place."""
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in {"problem", "Problem"}:
                    found.append((f"{path.name}:{node.lineno}", node))
    return found


def _codes() -> tuple[set[str], set[str], list[str]]:
    """The problem codes and hint codes written as literals, and any call whose words are a
    sentence or an f-string instead of a code."""
    codes: set[str] = set()
    hints: set[str] = set()
    sentences: list[str] = []
    for where, call in _calls():
        name = call.func.attr if isinstance(call.func, ast.Attribute) else "Problem"
        first = 0 if name == "problem" else 2  # Problem(line, column, code, params, hint, ...)
        hint_at = 2 if name == "problem" else 4
        spots = [(call.args[i], i == hint_at) for i in (first, hint_at) if i < len(call.args)]
        spots += [(k.value, True) for k in call.keywords if k.arg in ("hint", "hint_code")]
        spots += [(k.value, False) for k in call.keywords if k.arg in ("message", "code")]
        for node, is_hint in spots:
            if isinstance(node, ast.IfExp):  # "said" if exc.hint else ""
                spots += [(node.body, is_hint), (node.orelse, is_hint)]
            elif isinstance(node, ast.JoinedStr):
                sentences.append(f"{where}: {ast.unparse(node)[:60]}")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value and not CODE.fullmatch(node.value):
                    sentences.append(f"{where}: {node.value[:60]}")
                elif node.value:
                    (hints if is_hint else codes).add(node.value)
    # codes not written as a call's literal: entry_problem's, slow_patterns', _suggest_key's...
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'return "(entry_[a-z_]+)"', text))
        codes |= set(re.findall(r'code, ms = "([a-z_]+)"', text))
        hints |= set(re.findall(r'"hint": "([a-z_]+)"', text))
        for line in text.splitlines():  # hint = "a" if ... else "b"; {"hint": "a" if ... else "b"}
            if "hint" in line:
                hints |= {a or b for a, b in re.findall(r'"([a-z_]+)" if |else "([a-z_]+)"', line)}
        hints |= set(re.findall(r'hint = "([a-z_]+)"', text))
    codes |= {f"regex_slow{over}{risky}" for over in ("", "_over") for risky in ("", "_risky")}
    return codes, hints, sentences


def test_no_rule_problem_is_an_english_sentence_written_in_the_code() -> None:
    codes, hints, sentences = _codes()
    assert len(codes) > 60  # the walk finds them (73 and 34 today)
    assert len(hints) > 25
    assert sentences == [], "note a code of [rule_problem] / [rule_hint], worded in fr/ and en/"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_rule_problem_code_has_words(language: str) -> None:
    strings = load_strings(language)
    codes, hints, _ = _codes()
    missing = sorted(f"rule_problem.{c}" for c in codes if f"rule_problem.{c}" not in strings)
    missing += sorted(f"rule_hint.{h}" for h in hints if f"rule_hint.{h}" not in strings)
    assert missing == []


def test_french_rule_problems_keep_french_typography() -> None:
    strings = load_strings("fr")
    wrong = [
        key
        for key, text in strings.items()
        if key.startswith(("rule_problem.", "rule_hint.", "errors.rule_file.", "item_problem."))
        and (re.search(r"[^\u00a0][:;!?](\s|$)", re.sub(r"\{[^}]*\}", "", text)) or "« " in text)
        and not key.endswith(("invalid", "check_every"))  # file:line:column stays parsable
    ]
    assert wrong == []


def test_a_rules_error_is_said_in_each_language_with_its_count() -> None:
    problems = [
        Problem(3, 1, "unknown_key", {"field": "wrods", "close": "words"}, "did_you_mean", 2, "x"),
        Problem(4, 1, "no_action", hint_code="add_action", rule=2, rule_name="x"),
    ]
    error = RulesError("r.toml", problems)
    message, hint = error.localized(Catalog("fr").t)
    assert message == (
        "r.toml:3:1: règle nº\u00a02 (x)\u00a0: clé inconnue «\u00a0wrods\u00a0»"
        " (et 1 autre problème)"
    )
    assert hint == "vouliez-vous dire «\u00a0words\u00a0»\u00a0?"
    assert error.message == "r.toml:3:1: rule #2 (x): unknown key 'wrods' (and 1 more problem(s))"
    assert error.hint == "did you mean 'words'?"
    alone = RulesError("r.toml", problems[1:])
    assert alone.localized(Catalog("fr").t)[0].endswith("n'a aucune action")
    assert problems[1].render(Catalog("fr").t)[1] == "ajoutez category, priority, tags, assign..."


def _item_codes() -> tuple[set[str], list[str]]:
    """The codes of every ``ItemProblem(...)`` in desk's platforms, and any call whose first
    argument is a sentence (or an f-string other than ``object_expected_<json type>``)."""
    codes: set[str] = set()
    sentences: list[str] = []
    root = Path(desk.triage.rules.__file__).parents[1] / "platforms"
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "ItemProblem"):
                continue
            first = node.args[0] if node.args else None
            where = f"{path.name}:{node.lineno}"
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                if CODE.fullmatch(first.value):
                    codes.add(first.value)
                else:
                    sentences.append(f"{where}: {first.value[:60]}")
            elif not (
                isinstance(first, ast.JoinedStr) and "object_expected_" in ast.unparse(first)
            ):
                sentences.append(f"{where}: {ast.unparse(first) if first else ''}"[:80])
    kinds = ("list", "text", "flag", "null", "number")  # desk.platforms.fields._json_type
    return codes | {f"object_expected_{kind}" for kind in kinds}, sentences


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_item_problem_has_words_and_none_is_a_sentence(language: str) -> None:
    codes, sentences = _item_codes()
    assert sentences == []
    assert len(codes) > 15  # 20 today
    strings = load_strings(language)
    assert sorted(c for c in codes if f"item_problem.{c}" not in strings) == []
