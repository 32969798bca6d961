"""The scriptable command line: JSON listings, actions, refusals with hints, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from desk.bootstrap import Desk
from desk.config import Settings
from tests.helpers.cli import Cli, desk_argv, start_desk
from tests.helpers.desks import add, log_in_as, mention


def test_queue_json_fields_and_filters(
    cli: Cli, settings: Settings, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    add(
        desk,
        mention("1", "Bonjour", language="fr"),
        mention("2", "Hello", language="en"),
        mention("3", "Casino!!", language="en"),
    )
    assert cli("queue", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2  # the casino post was closed as spam by the default rules
    assert cli("queue", "--json", "--view", "done") == 0
    assert [r["category"] for r in json.loads(capsys.readouterr().out)] == ["spam"]
    assert {
        "id",
        "platform",
        "remote_id",
        "author",
        "text",
        "created_at",
        "category",
        "priority",
        "assignee",
        "status",
    } <= set(rows[0])
    assert cli("queue", "--json", "--assignee", "bruno") == 0
    assert [r["text"] for r in json.loads(capsys.readouterr().out)] == ["Bonjour"]
    assert cli("close", str(rows[0]["id"])) == 0
    capsys.readouterr()
    assert cli("queue", "--json", "--status", "closed") == 0
    closed = [r["id"] for r in json.loads(capsys.readouterr().out)]
    assert rows[0]["id"] in closed
    assert len(closed) == 2


def test_actions_and_show(
    cli: Cli, settings: Settings, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    (mid,) = add(desk, mention("1", "Quand passe la collecte?"))
    assert cli("assign", str(mid), "chloe") == 0
    assert cli("claim", str(mid), as_name="chloe") == 2  # already hers: refused, exit 2
    err = capsys.readouterr().err
    assert "already yours" in err
    assert cli("reply", str(mid), "--text", "Le mardi.", as_name="chloe") == 0
    assert "—CM" in capsys.readouterr().out
    assert cli("show", str(mid), "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["replies"][0]["text"] == "Le mardi.\n—CM"
    assert [e["action"] for e in shown["history"]] == [
        "mention.ingested",
        "mention.assigned",
        "reply.sent",
    ]
    assert shown["history"][1]["actor"] == "amelie"
    assert shown["history"][2]["actor"] == "chloe"

    # The history a person reads says what happened in words of their language; codes stay in
    # --json (above) for scripts.
    assert cli("show", str(mid), lang="fr") == 0
    history = capsys.readouterr().out.split("historique\u00a0:")[1]
    assert "arrivée" in history
    assert "attribuée" in history
    assert "réponse envoyée" in history
    assert "reply.sent" not in history
    assert "mention." not in history
    assert cli("show", str(mid), lang="en") == 0
    history = capsys.readouterr().out.split("history:")[1]
    assert "arrived" in history
    assert "reply sent" in history
    assert "reply.sent" not in history
    assert cli("audit", "log", "--mention", str(mid), lang="fr") == 0
    out = capsys.readouterr().out
    assert "réponse envoyée" in out
    assert "reply.sent" not in out


def test_reply_too_long_refused_with_hint(
    cli: Cli, settings: Settings, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    (mid,) = add(desk, mention("1", "hi", platform="bluesky", language="en"), platform="bluesky")
    assert cli("reply", str(mid), "--text", "é" * 299) == 2
    err = capsys.readouterr().err
    assert "over the bluesky limit of 300" in err
    assert "hint:" in err
    assert "Traceback" not in err


def test_unknown_staff_and_missing_config(
    cli: Cli, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("queue", as_name="zoe") == 2
    assert "no staff member named 'zoe'" in capsys.readouterr().err
    assert (
        cli.raw(["--db", str(settings.db), "--config", str(tmp_path / "nope.toml"), "queue"]) == 2
    )
    err = capsys.readouterr().err
    assert "config file not found" in err
    assert "desk init" in err


def test_bad_config_names_the_key(
    cli: Cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "desk.toml"
    cfg.write_text('[[staff]]\nname = "a"\ndisplay_name = "A"\ninitials = "A"\nrole = "boss"\n')
    assert (
        cli.raw(["--db", str(tmp_path / "d.db"), "--config", str(cfg), "--as", "a", "queue"]) == 2
    )
    assert "staff.0.role" in capsys.readouterr().err


def test_os_user_mapping(
    cli: Cli,
    config_file: Path,
    make_desk: Callable[..., Desk],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without --as, who you are is the staff record whose logins include the real uid's."""
    config_file.write_text(
        config_file.read_text().replace(
            'role = "agent"\nlanguages = ["fr"]',
            'role = "agent"\nlanguages = ["fr"]\nos_users = ["bgagnon"]',
        )
    )
    desk = make_desk("amelie")  # the first opening records desk.toml's people and logins
    log_in_as(monkeypatch, "bgagnon")
    monkeypatch.setenv("LOGNAME", "amelie")  # the environment names nobody
    monkeypatch.setenv("USER", "amelie")
    (mid,) = add(desk, mention("1", "x", language="de"))  # no routing for "de": unassigned
    assert cli("claim", str(mid), as_name=None) == 0
    assert "assigned to bruno" in capsys.readouterr().out


def test_audit_log_filters(
    cli: Cli, settings: Settings, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = add(desk, mention("1", "a"), mention("2", "b"))
    cli("close", str(ids[0]), as_name="bruno")
    capsys.readouterr()
    assert cli("audit", "log", "--json", "--staff", "bruno") == 0
    events = json.loads(capsys.readouterr().out)
    assert [(e["action"], e["mention_id"]) for e in events] == [("mention.closed", ids[0])]
    assert cli("audit", "log", "--json", "--mention", str(ids[1])) == 0
    assert [e["action"] for e in json.loads(capsys.readouterr().out)] == ["mention.ingested"]


def test_hostile_text_is_sanitised_in_human_output(
    cli: Cli, settings: Settings, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    (mid,) = add(
        desk,
        mention(
            "1",
            "evil \x1b]52;c;SGVsbG8=\x07 \x1b[2J \u202eabc [bold]x[/",
            author_name="\x1b]0;pwned\x07",
        ),
    )
    assert cli("show", str(mid)) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "\u202e" not in out
    assert "[bold]x[/" in out
    assert cli("queue") == 0
    assert "\x1b" not in capsys.readouterr().out


def test_init_writes_starter_config_and_db(
    cli: Cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "conf" / "desk.toml"
    db = tmp_path / "x.db"
    assert cli.raw(["--db", str(db), "--config", str(cfg), "init"]) == 0
    out = capsys.readouterr().out
    assert "starter config" in out
    assert "created" in out
    assert cfg.exists()
    # the starter desk.toml says language = "fr": from now on the desk speaks French
    assert cli.raw(["--db", str(db), "--config", str(cfg), "init"]) == 0
    assert "déjà à jour" in capsys.readouterr().out
    assert cli.raw(["--lang", "en", "--db", str(db), "--config", str(cfg), "init"]) == 0
    assert "up to date" in capsys.readouterr().out
    from desk.config import load_config

    config = load_config(cfg)
    assert config.staff[0].role == "admin"  # the first person can manage staff
    assert config.rules_path() == cfg.parent / "rules.toml"  # the team's own copy of the pack
    from desk.triage.service import load_configured_rules

    assert len(load_configured_rules(config).rules) >= 20


def test_output_into_a_closed_pipe_is_quiet(settings: Settings, desk: Desk) -> None:
    add(desk, *[mention(str(i), f"message {i}") for i in range(1, 2000)])
    proc = start_desk(*desk_argv(settings, "queue", "--limit", "2000"))
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    _out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err
    assert proc.returncode in (0, 141)


def test_errors_in_french_with_a_french_locale(
    cli: Cli,
    settings: Settings,
    desk: Desk,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (mid,) = add(desk, mention("1", "x"))
    config = settings.config
    assert config is not None
    config.write_text(config.read_text().replace('language = "en"\n', ""))  # the locale decides
    monkeypatch.setenv("LANG", "fr_CA.UTF-8")
    assert cli("reopen", str(mid)) == 2
    assert "la mention nº 1 est déjà ouverte" in capsys.readouterr().err
    assert (
        cli.raw(
            [
                "--lang",
                "en",
                "--db",
                str(settings.db),
                "--config",
                str(settings.config),
                "--as",
                "amelie",
                "reopen",
                str(mid),
            ]
        )
        == 2
    )
    assert "mention 1 is already open" in capsys.readouterr().err


def test_expected_errors_have_no_traceback(
    cli: Cli, settings: Settings, desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("hello, this is not a database\n" * 100)
    assert (
        cli.raw(
            ["--db", str(not_a_db), "--config", str(settings.config), "--as", "amelie", "queue"]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "the database cannot be used" in err
    assert "Traceback" not in err
    with pytest.raises(SystemExit) as exit_info:
        cli("audit", "log", "--limit", "-1")
    assert exit_info.value.code == 2
    assert "must be 0 or more" in capsys.readouterr().err
