"""Records that prove themselves (issue 12), from the command line: `show` prints a refusal's
note, `export` refuses to overwrite and neutralises spreadsheet formulas, `audit verify-extract`
finds edits and cuts and says what it is relative to."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
from pathlib import Path

import pytest

from desk.bootstrap import Desk
from desk.config import Settings
from tests.helpers.cli import Cli, run_desk
from tests.helpers.desks import DESK_TOML, add, mention, open_test_desk

PERIOD = ("--since", "2026-11-10", "--until", "2026-11-12")


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")[:-1]


def _write(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _seeded(desk: Desk) -> list[int]:
    ids = add(desk, mention("1", "Quand passe la collecte ?"), mention("2", "Bonjour"))
    desk.replies.send(ids[0], "La collecte passe mardi.")
    return ids


def _export(cli: Cli, out: Path, *extra: str) -> int:
    return cli("export", *PERIOD, "--out", str(out), *extra)


# -- 9. `show` prints a refusal's note ----------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "word"), [("en", "reviewed by amelie"), ("fr", "révisée par amelie")]
)
def test_show_prints_the_note_of_a_refused_reply(
    cli: Cli, settings: Settings, capsys: pytest.CaptureFixture[str], lang: str, word: str
) -> None:
    assert settings.config is not None
    settings.config.write_text(DESK_TOML + "\n[approval]\ncrisis = true\n", encoding="utf-8")
    chloe = open_test_desk(settings, "chloe", clock=cli.clock)
    (mid,) = add(chloe, mention("1", "Hello, is the pool open?", language="en"))
    waiting = chloe.replies.send(mid, "Yes, it is.")
    chloe.close()
    assert cli("reject", str(waiting.id), "--note", "Cite the pool's opening hours.") == 0
    capsys.readouterr()
    assert cli("show", str(mid), lang=lang) == 0
    out = capsys.readouterr().out
    assert word in out
    assert "Cite the pool's opening hours." in out


# -- 11. verify-extract finds edits and cuts, and says what it is relative to ---------------------


def test_a_changed_reply_record_is_found(
    cli: Cli, desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _seeded(desk)
    out = tmp_path / "x.jsonl"
    assert _export(cli, out) == 0
    lines = _lines(out)
    index = next(i for i, line in enumerate(lines) if '"type": "reply"' in line)
    lines[index] = lines[index].replace("mardi", "jeudi")
    _write(out, lines)
    capsys.readouterr()
    assert cli("audit", "verify-extract", str(out), as_name=None) == 1
    captured = capsys.readouterr()
    assert "reply #" in captured.out + captured.err


@pytest.mark.parametrize("which", ["middle", "last"])
def test_a_cut_event_is_found(
    cli: Cli, desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str], which: str
) -> None:
    _seeded(desk)
    out = tmp_path / "x.jsonl"
    assert _export(cli, out) == 0
    lines = _lines(out)
    events = [i for i, line in enumerate(lines) if '"type": "audit_event"' in line]
    assert len(events) > 3
    del lines[events[len(events) // 2] if which == "middle" else events[-1]]
    _write(out, lines)
    capsys.readouterr()
    assert cli("audit", "verify-extract", str(out), as_name=None) == 1


def test_verify_extract_says_what_it_is_relative_to(
    cli: Cli, desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _seeded(desk)
    out = tmp_path / "x.jsonl"
    assert _export(cli, out) == 0
    head = json.loads(_lines(out)[-1])
    assert head["action"] == "export.created"
    assert head["hash"] in capsys.readouterr().out  # the export prints the head it ends with
    assert cli("audit", "verify-extract", str(out), as_name=None) == 0
    said = capsys.readouterr().out
    assert f"relative to head seq {head['seq']} hash {head['hash']}" in said
    assert "compare it with the head the organisation published" in said
    assert cli("audit", "verify-extract", str(out), "--head", head["hash"][:16], as_name=None) == 0
    capsys.readouterr()
    assert cli("audit", "verify-extract", str(out), "--head", "ab" * 32, as_name=None) == 1


def test_a_recipient_verifies_with_no_desk_toml_and_no_database(
    cli: Cli, desk: Desk, tmp_path: Path
) -> None:
    """The recipient has only the extract: no desk.toml, no `desk init`, no DESK_* variables."""
    _seeded(desk)
    out = tmp_path / "x.jsonl"
    assert _export(cli, out) == 0
    recipient = tmp_path / "recipient"
    recipient.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
    env.update(HOME=str(recipient), XDG_CONFIG_HOME=str(recipient / ".config"))
    done = run_desk("audit", "verify-extract", str(out), env=env, cwd=recipient)
    assert done.returncode == 0, done.stderr
    assert json.loads(_lines(out)[-1])["hash"] in done.stdout  # intact relative to its head
    assert done.stderr == ""
    assert sorted(p.name for p in recipient.iterdir()) == []  # nothing created


# -- 12. U+2028 in a mention -----------------------------------------------------------------------


def test_a_line_separator_in_a_mention_keeps_the_extract_verifiable(
    cli: Cli, desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add(desk, mention("1", "Première ligne\u2028deuxième\u2029troisième\x85fin"))
    out = tmp_path / "x.jsonl"
    assert _export(cli, out) == 0
    assert cli("audit", "verify-extract", str(out), as_name=None) == 0
    records = [json.loads(line) for line in _lines(out)]
    assert any("\u2028" in r.get("text", "") for r in records)


# -- 14. exports never overwrite; CSV is a folder, neutralised, with a BOM ------------------------


def test_export_refuses_an_existing_path(
    cli: Cli, desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _seeded(desk)
    out = tmp_path / "x.jsonl"
    out.write_text("precious", encoding="utf-8")
    capsys.readouterr()
    assert _export(cli, out) == 2
    err = capsys.readouterr().err
    assert "--force" in err
    assert out.read_text(encoding="utf-8") == "precious"
    assert _export(cli, out, "--force") == 2  # --force replaces only an earlier extract
    assert "not a desk extract" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "precious"
    out.unlink()
    assert _export(cli, out) == 0
    assert _export(cli, out, "--force") == 0
    assert cli("audit", "verify-extract", str(out), as_name=None) == 0


@pytest.mark.sqlite_only("the database is a file whose bytes the test compares")
@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_export_never_touches_the_database(
    cli: Cli, settings: Settings, desk: Desk, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    _seeded(desk)
    target = Path(f"{settings.db}{suffix}")
    capsys.readouterr()
    assert _export(cli, target) == 2
    assert "database" in capsys.readouterr().err
    assert _export(cli, target, "--force") == 2  # not even with --force
    assert "database" in capsys.readouterr().err
    conn = sqlite3.connect(str(settings.db))
    assert conn.execute("SELECT count(*) FROM mentions").fetchone() == (2,)
    conn.close()
    assert cli("audit", "verify") == 0


def test_csv_is_a_folder_named_as_such(
    cli: Cli, desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _seeded(desk)
    capsys.readouterr()
    assert _export(cli, tmp_path / "extract.csv", "--format", "csv") == 0
    said = capsys.readouterr().out
    folder = tmp_path / "extract"
    assert folder.is_dir()
    assert not (tmp_path / "extract.csv").exists()
    assert str(folder) in said
    assert "folder" in said
    assert sorted(p.name for p in folder.iterdir()) == [
        "audit_events.csv",
        "manifest.json",
        "mentions.csv",
        "replies.csv",
    ]
    assert cli("audit", "verify-extract", str(folder), as_name=None) == 0


FORMULAS = [
    '=HYPERLINK("http://x")',
    "+33 1 23 45",
    "-5 degrés",
    "@maire",
    "\tdébut",
    "\rretour",
    "'déjà",
]


def test_csv_cells_are_neutralised_and_jsonl_keeps_the_text(
    cli: Cli, desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add(desk, *(mention(str(i), text) for i, text in enumerate(FORMULAS, start=1)))
    assert _export(cli, tmp_path / "x", "--format", "csv") == 0
    raw = (tmp_path / "x" / "mentions.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel shows the accents
    with (tmp_path / "x" / "mentions.csv").open(encoding="utf-8-sig", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    assert texts == ["'" + t for t in FORMULAS]
    assert cli("audit", "verify-extract", str(tmp_path / "x"), as_name=None) == 0
    assert _export(cli, tmp_path / "x.jsonl") == 0
    records = [json.loads(line) for line in _lines(tmp_path / "x.jsonl")]
    assert [r["text"] for r in records if r["type"] == "mention"] == FORMULAS


@pytest.mark.parametrize("kind", ["nested", "dev_zero", "fifo"])
def test_a_malformed_extract_is_a_clear_error_never_a_hang(tmp_path: Path, kind: str) -> None:
    # issue 12 #17: verify-extract of hostile files, by a recipient (no desk.toml, no database)
    if kind == "nested":
        path = tmp_path / "extract.jsonl"
        path.write_text("[" * 100_000 + "\n", encoding="utf-8")
    elif kind == "dev_zero":
        path = Path("/dev/zero")
    else:
        path = tmp_path / "extract.jsonl"
        os.mkfifo(path)
    done = run_desk("--lang", "en", "audit", "verify-extract", str(path), timeout=30)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert str(path) in done.stderr
