"""Files handed to the command line that are hostile or careless: a device or a pipe as desk.toml
or as the rule file, TOML nested 100,000 deep, regexes slow on long texts. Each gives a clear
message at once (what, where, what to do): never a hang, a traceback or gigabytes of memory.

A hang or a memory blow-up only shows in a real process: those run ``python -m desk`` with a
timeout and a cap on its memory."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from desk.bootstrap import Desk
from desk.config import Settings
from tests.helpers.cli import Cli, run_desk
from tests.helpers.desks import DESK_TOML

SLOW_RULES = """\
[[rule]]
name = "eau"
words = ["eau"]
category = "question"

[[rule]]
name = "echo"
regex = '(\\w+\\s?)+$'
category = "complaint"
"""


def test_rules_check_warns_of_a_slow_regex_with_its_place(
    cli: Cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "slow.toml"
    rules.write_text(SLOW_RULES, encoding="utf-8")
    assert cli("rules", "check", str(rules), as_name=None) == 0  # usable: a warning, no error
    out = capsys.readouterr().out
    assert f"{rules}: OK" in out
    assert f"{rules}:8:10: warning: rule #2 (echo): regex '(\\w+\\s?)+$' is slow" in out
    assert "hint: every mention is searched with it" in out
    assert cli("rules", "check", str(rules), "--json", as_name=None) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    ((warning),) = report["warnings"]
    assert (warning["line"], warning["column"]) == (8, 10)
    assert cli("--lang", "fr", "rules", "check", str(rules), as_name=None) == 0
    out = capsys.readouterr().out  # the warning itself is said in French too
    assert (
        f"{rules}:8:10\u00a0: avertissement\u00a0: règle nº\u00a02 (echo)\u00a0: "
        "l'expression régulière '(\\w+\\s?)+$' est lente sur les textes longs"
    ) in out
    assert "chaque mention est cherchée avec elle" in out
    assert warning["code"].startswith("regex_slow")
    assert warning["hint_code"] == "slow_regex"


def test_rules_check_of_a_file_nested_100000_deep_is_one_problem(
    cli: Cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "deep.toml"
    rules.write_text('[[rule]]\nname = "deep"\nwords = ' + "[" * 100_000, encoding="utf-8")
    assert cli("rules", "check", str(rules), as_name=None) == 1
    captured = capsys.readouterr()
    assert f"{rules}:3:" in captured.out
    assert "nested more than 40 levels deep" in captured.out
    assert "Traceback" not in captured.err


# -- in a real process: no hang, no blow-up ----------------------------------------------------

MEMORY_CAP = 2 * 1024**3  # bytes of address space for the child: a read of /dev/zero hits it
QUICK = 60  # seconds: each of these answers in about one; a hang is killed here


def run_capped(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """``python -m desk ARGS`` with its memory capped, killed after QUICK seconds."""
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config")}
    env["XDG_DATA_HOME"] = str(home / "data")
    try:
        return run_desk(*args, env=env, timeout=QUICK, memory_cap=MEMORY_CAP)
    except subprocess.TimeoutExpired:
        pytest.fail(f"desk {' '.join(args)} hung for {QUICK} s")


@pytest.mark.parametrize("command", [["rules", "check"], ["queue"]])
def test_dev_zero_as_desk_toml_is_a_clear_error_at_once(tmp_path: Path, command: list[str]) -> None:
    done = run_capped(
        "--db", str(tmp_path / "d.db"), "--config", "/dev/zero", *command, home=tmp_path
    )
    assert "Traceback" not in done.stderr
    assert "MemoryError" not in done.stderr
    if command == ["queue"]:
        assert done.returncode == 2
        assert "error: /dev/zero is a device, not a file" in done.stderr


def test_a_fifo_as_desk_toml_is_a_clear_error_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "desk.toml"
    os.mkfifo(fifo)
    done = run_capped("--db", str(tmp_path / "d.db"), "--config", str(fifo), "queue", home=tmp_path)
    assert done.returncode == 2
    assert "is a named pipe (FIFO), not a file" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_fifo_as_the_rule_file_is_a_clear_error_at_once(
    tmp_path: Path, settings: Settings
) -> None:
    os.mkfifo(tmp_path / "rules.toml")
    config = tmp_path / "desk.toml"
    config.write_text(
        DESK_TOML.replace('language = "en"', 'language = "en"\nrules = "rules.toml"'),
        encoding="utf-8",
    )
    for command in (["rules", "check"], ["--as", "amelie", "queue"]):
        done = run_capped(
            "--db", str(tmp_path / "d.db"), "--config", str(config), *command, home=tmp_path
        )
        assert done.returncode in (1, 2)
        assert "rules.toml is a named pipe (FIFO), not a file" in done.stderr + done.stdout
        assert "Traceback" not in done.stderr


def test_a_refused_payload_file_is_said_in_the_readers_language(
    cli: Cli, desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The refusal and its hint in French for a French reader; --json keeps the English text."""
    empty = tmp_path / "vide.json"
    empty.write_bytes(b"  \n")
    assert cli("ingest", str(empty), lang="fr") == 1
    err = capsys.readouterr().err
    assert f"{empty}\u00a0: le fichier est vide" in err
    assert "acceptés\u00a0: Mastodon GET /api/v1/notifications" in err
    assert "the file is empty" not in err
    assert cli("ingest", "--json", str(empty), lang="fr") == 1
    [report] = json.loads(capsys.readouterr().out)["files"]
    assert report["errors"][0].startswith(f"{empty}: the file is empty")


def test_an_imports_rejected_items_are_said_in_the_readers_language(
    cli: Cli, desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 11: each rejected item's line (where, what) comes from the catalog's
    [item_problem]; English and --json keep the words they had."""
    account = {"acct": "alice@example.social", "username": "alice", "display_name": "Alice"}
    status = {"id": "1", "created_at": "2024-05-01T10:00:00Z", "content": "<p>eau</p>"}
    good = {"id": "n1", "type": "mention", "account": account, "status": status}
    no_id = {**good, "id": "n2", "status": {k: v for k, v in status.items() if k != "id"}}
    payload = tmp_path / "mixte.json"
    payload.write_text(json.dumps([good, no_id, "oops"]), encoding="utf-8")
    assert cli("ingest", str(payload), lang="fr") == 1
    err = capsys.readouterr().err
    assert f"{payload}\u00a0: élément 1\u00a0: champ «\u00a0status.id\u00a0» absent" in err
    assert f"{payload}\u00a0: élément 2\u00a0: un objet était attendu, c'est du texte" in err
    assert "missing field" not in err
    assert cli("ingest", str(payload), lang="en") == 1
    err = capsys.readouterr().err
    assert f"{payload}: item 1: missing field 'status.id'" in err
    assert f"{payload}: item 2: expected an object, got text" in err
    assert cli("ingest", "--json", str(payload), lang="fr") == 1
    [report] = json.loads(capsys.readouterr().out)["files"]
    assert report["errors"] == [
        f"{payload}: item 1: missing field 'status.id'",
        f"{payload}: item 2: expected an object, got text",
    ]
