"""The triage commands from the command line: rules check/explain/export, triage classify/rerun/
evaluate, handover."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from desk.bootstrap import Desk
from desk.config import Settings
from desk.triage.rules import DEFAULT_PACK
from tests.helpers.cli import Cli
from tests.helpers.desks import add, mention


def feed_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


BAD_RULES = """\
[[rule]]
name = "ok"
words = ["eau"]
category = "question"

[[rule]]
name = "typo"
wrods = ["feu"]
category = "gossip"
"""


def test_a_command_stops_on_an_unusable_rule_file_before_running(
    desk: Desk, cli: Cli, config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The desk reads its rules on first use (issue 16), but a command still reads them as it
    opens the desk: a broken file stops it with where and what, before anything is done."""
    assert cli("queue", "--json") == 0
    capsys.readouterr()
    (tmp_path / "bad.toml").write_text(BAD_RULES, encoding="utf-8")
    text = config_file.read_text(encoding="utf-8")
    config_file.write_text(text.replace("[desk]\n", '[desk]\nrules = "bad.toml"\n', 1))
    assert cli("queue", "--json") != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "bad.toml:8:1" in captured.err
    assert "wrods" in captured.err


def test_rules_check_ok_and_every_problem_with_line_and_column(
    cli: Cli, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("rules", "check") == 0
    out = capsys.readouterr().out
    assert "default_rules.toml: OK" in out
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD_RULES, encoding="utf-8")
    assert cli("rules", "check", str(bad)) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert f"{bad}:8:1: rule #2 (typo): unknown key 'wrods'" in lines
    assert "  hint: did you mean 'words'?" in lines
    assert any(
        line.startswith(f"{bad}:9:1: rule #2 (typo): unknown category 'gossip'") for line in lines
    )
    assert "the file was not loaded" in captured.err
    assert cli("rules", "check", str(bad), "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert {(p["line"], p["column"]) for p in report["problems"]} >= {(8, 1), (9, 1)}


def test_rules_check_and_a_refused_rule_file_speak_french(
    cli: Cli,
    config_file: Path,
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 11: each problem of a rule file, its hint and the error that stops a command are
    worded by the catalog in the reader's language; --json keeps the English words and adds
    the code and values that word them."""
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD_RULES, encoding="utf-8")
    assert cli("--lang", "fr", "rules", "check", str(bad)) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert f"{bad}:8:1: règle nº\u00a02 (typo)\u00a0: clé inconnue «\u00a0wrods\u00a0»" in lines
    assert "  conseil\u00a0: vouliez-vous dire «\u00a0words\u00a0»\u00a0?" in lines
    assert any(
        line.startswith(f"{bad}:9:1: règle nº\u00a02 (typo)\u00a0: valeur inconnue pour category")
        and "«\u00a0gossip\u00a0»" in line
        for line in lines
    )
    assert not any("unknown" in line or "rule #" in line for line in lines)
    assert cli("--lang", "fr", "rules", "check", str(bad), "--json") == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert problems[0]["message"] == "rule #2 (typo): unknown key 'wrods'"  # --json: English
    assert (problems[0]["code"], problems[0]["params"]) == (
        "unknown_key",
        {"close": "words", "field": "wrods"},
    )
    assert problems[0]["hint_code"] == "did_you_mean"
    # a command that opens the desk stops on the file, said in French, the count too
    text = config_file.read_text(encoding="utf-8")
    config_file.write_text(text.replace("[desk]\n", '[desk]\nrules = "bad.toml"\n', 1))
    (config_file.parent / "bad.toml").write_text(BAD_RULES, encoding="utf-8")
    assert cli("--lang", "fr", "queue") != 0
    err = capsys.readouterr().err
    assert "bad.toml:8:1: règle nº\u00a02 (typo)\u00a0: clé inconnue «\u00a0wrods\u00a0»" in err
    assert "(et 2 autres problèmes)" in err
    assert "vouliez-vous dire" in err
    assert cli("--lang", "en", "queue") != 0
    err = capsys.readouterr().err
    assert "bad.toml:8:1: rule #2 (typo): unknown key 'wrods' (and 2 more problem(s))" in err


def test_rules_check_broken_toml_points_at_the_spot(
    cli: Cli, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text('[[rule]]\nname = "a"\nwords = ["eau"\n', encoding="utf-8")
    assert cli("rules", "check", str(bad)) == 1
    assert f"{bad}:3:15: not valid TOML: Unclosed array" in capsys.readouterr().out


def test_rules_check_reads_the_fallback_examples(
    cli: Cli, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "r.toml"
    rules.write_text('[fallback]\nexamples = "fixes.jsonl"\n', encoding="utf-8")
    (tmp_path / "fixes.jsonl").write_text('{"text": "x"\n', encoding="utf-8")
    assert cli("rules", "check", str(rules)) == 1
    out = capsys.readouterr().out
    assert f"{rules}:2:1: [fallback] examples: {tmp_path / 'fixes.jsonl'}:1: not valid JSON" in out


def test_rules_check_names_are_checked_against_desk_toml(
    cli: Cli, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "r.toml"
    rules.write_text('[[rule]]\nname = "a"\nwords = ["eau"]\nassign = "zoe"\n', encoding="utf-8")
    assert cli("rules", "check", str(rules)) == 1
    out = capsys.readouterr().out
    assert ":4:1: rule #1 (a): assign: 'zoe' is not a staff member" in out
    assert "staff in desk.toml: amelie, bruno, chloe" in out
    missing = tmp_path / "nowhere.toml"
    assert cli("rules", "check", str(rules), as_name=None, config=missing) == 0
    assert "names were not checked" in capsys.readouterr().out


def test_rules_export_markdown_in_both_languages_and_toml(
    cli: Cli, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("rules", "export", as_name=None) == 0
    doc = capsys.readouterr().out
    assert doc.startswith("# Politique de tri des messages — Ville de Test")
    assert "# How we sort messages — Ville de Test" in doc
    assert doc.index("### Indésirables") < doc.index("### Rumeurs") < doc.index("### Plaintes")
    assert "«\u00a0il paraît\u00a0»" in doc
    assert "Service hours (UTC)" in doc
    assert cli("rules", "export", "--doc-lang", "en", as_name=None) == 0
    assert "Politique" not in capsys.readouterr().out
    assert cli("rules", "export", "--format", "toml", as_name=None) == 0
    assert capsys.readouterr().out == DEFAULT_PACK.read_text(encoding="utf-8")


def test_triage_classify_reads_json_lines(
    cli: Cli,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    lines = [
        {"text": "Est-ce vrai que l'eau du robinet est contaminée?", "lang": "fr"},
        {"text": "Thanks so much for clearing our street this morning!", "platform": "mastodon"},
        {"text": "Gagnez des tours gratuits au casino", "author": "@promo"},
        {
            "text": "Coupure d'eau demain, détails : bit.ly/eau",
            "author": "@mairie_officielle",
            "author_name": "Mairie officielle",
        },
    ]
    data = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\nnot json\n{}\n"
    feed_stdin(monkeypatch, data.encode())
    assert cli("triage", "classify", as_name=None) == 1
    captured = capsys.readouterr()
    out = [json.loads(x) for x in captured.out.splitlines()]
    assert len(out) == 6
    rumour, praise, spam, impostor, bad_json, no_text = out
    assert (rumour["category"], rumour["priority"], rumour["language"]) == (
        "rumour",
        "urgent",
        "fr",
    )
    assert {"rumour-fr", "safety-urgent"} <= set(rumour["rules"])
    assert rumour["needs_approval"] is True
    assert (praise["category"], praise["language"]) == ("praise", "en")
    assert praise["assignee"] == "chloe"  # routing.en, the test desk is always open
    assert (spam["category"], spam["spam"], spam["assignee"]) == ("spam", True, None)
    assert (impostor["category"], impostor["rules"]) == ("rumour", ["impersonation"])
    assert bad_json == {"line": 5, "error": bad_json["error"]}
    assert bad_json["error"].startswith("not valid JSON")
    assert no_text == {"line": 6, "error": '"text" (a string) is required'}
    assert "2 line(s) could not be classified" in captured.err


def test_triage_classify_refuses_oversized_lines_and_continues(
    cli: Cli,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    huge = b'{"text": "' + b"a" * 1_200_000 + b'"}\n'
    feed_stdin(monkeypatch, huge + b'{"text": "merci!", "lang": "fr"}\n')
    assert cli("triage", "classify", as_name=None) == 1
    first, second = (json.loads(x) for x in capsys.readouterr().out.splitlines())
    assert first["line"] == 1
    assert "over 1,000,000 bytes" in first["error"]
    assert second["category"] == "praise"


def test_triage_evaluate_prints_scores(
    cli: Cli, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labelled = tmp_path / "set.jsonl"
    items = [
        {"text": "Merci beaucoup pour votre aide", "lang": "fr", "category": "praise"},
        {"text": "Quand passe la collecte des feuilles?", "lang": "fr", "category": "question"},
        {"text": "Bonne fête à tous", "lang": "fr", "category": "question"},  # a deliberate miss
    ]
    labelled.write_text("\n".join(json.dumps(i) for i in items), encoding="utf-8")
    assert cli("triage", "evaluate", str(labelled), "--json", as_name=None) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["total"] == 3
    assert report["per_category"]["praise"]["f1"] == 1.0
    assert report["per_category"]["question"]["recall"] == 0.5
    assert report["confusion"]["question"]["other"] == 1
    assert "urgent" not in report  # the lines do not say
    flagged: list[dict[str, object]] = [
        {"text": "Il y a le feu au garage!", "category": "other", "urgent": True},
        {"text": "Le feu de circulation est réparé", "category": "other", "urgent": False},
        # over since yesterday: a false alarm
        {"text": "L'accident d'hier, on en parle encore", "category": "other", "urgent": False},
    ]
    labelled.write_text("\n".join(json.dumps(i) for i in flagged), encoding="utf-8")
    assert cli("--lang", "fr", "triage", "evaluate", str(labelled), as_name=None) == 0
    out = capsys.readouterr().out
    assert "urgence\u00a0: précision 0.500 · rappel 1.000" in out
    assert "mises en urgence\u00a0: 2 · étiquetées urgentes\u00a0: 1" in out
    labelled.write_text('{"text": "x", "category": "gossip"}\n', encoding="utf-8")
    assert cli("triage", "evaluate", str(labelled), as_name=None) == 2
    assert f"{labelled}:1:" in capsys.readouterr().err


def test_rules_explain_rerun_and_handover(
    cli: Cli, settings: Settings, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    (mid,) = add(desk, mention("1", "Il paraît que la piscine ferme", language="fr"))
    assert cli("--lang", "en", "rules", "explain", str(mid)) == 0
    out = capsys.readouterr().out
    assert "Decision when it arrived:" in out
    assert "Rule rumour-fr matched «\u00a0il paraît\u00a0»" in out
    assert "The current rules decide the same." in out
    assert cli("rules", "explain", str(mid), "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["stored"]["category"] == data["current_rules"]["category"] == "rumour"
    assert cli("triage", "rerun", "--json") == 0
    assert json.loads(capsys.readouterr().out) == {"seen": 1, "changed": 0}
    assert cli("handover", "bruno", "chloe") == 0
    assert "1 open mention(s) moved from bruno to chloe" in capsys.readouterr().out
    assert desk.queries.detail(mid).assignee == "chloe"
    assert cli("handover", "chloe", "bruno", as_name="bruno") == 2
    assert "only a supervisor, or chloe" in capsys.readouterr().err
