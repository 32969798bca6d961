"""Review of the triage change: each test is a defect found in review (hostile input, wrong
results, data integrity), kept so it cannot come back."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from desk import db
from desk.bootstrap import Desk, open_desk
from desk.config import DeskConfig, Settings
from desk.triage.conditions import Facts
from desk.triage.engine import evaluate
from desk.triage.pipeline import Incoming, Triage
from desk.triage.rules import Known, RulesError, parse_rules
from desk.triage.words import fold
from tests.helpers.cli import Cli
from tests.helpers.clock import FakeClock
from tests.helpers.desks import add, give_passphrases, mention

ESC = "\x1b"


def feed_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def use_rules(config_file: Path, rules_text: str) -> Path:
    """Point the test desk.toml at a rules.toml with this text."""
    rules = config_file.parent / "rules.toml"
    rules.write_text(rules_text, encoding="utf-8")
    text = config_file.read_text(encoding="utf-8")
    config_file.write_text(
        text.replace(
            'signature_format = "—{initials}"',
            'signature_format = "—{initials}"\nrules = "rules.toml"',
        ),
        encoding="utf-8",
    )
    return rules


# -- 1. the schema upgrade on a database that has replies ---------------------------------------


def test_upgrade_from_0001_with_a_reply_keeps_everything(tmp_path: Path) -> None:
    """0002 rebuilt the mentions table (server_default=sa.false()), and with foreign keys on,
    dropping the old table failed on any database that had a reply: the desk could not open."""
    engine = db.make_engine(str(tmp_path / "old.db"))
    db.upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO channels (id, platform, name, live, created_at)"
                " VALUES (1, 'x', 'c', 0, '2026-11-01 00:00:00')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO mentions (id, channel_id, platform, remote_id, author_handle,"
                " author_name, text, kind, created_at, received_at, raw, status, category,"
                " priority, triage_reason, triage_rules) VALUES (1, 1, 'x', 'r1', '@a', 'A',"
                " 'old text', 'mention', '2026-11-01 00:00:00', '2026-11-01 00:00:00', '{}',"
                " 'open', 'question', 2, 'old reason', '[]')"
            )
        )
        columns = [c["name"] for c in sa.inspect(conn).get_columns("replies") if c["name"] != "id"]
        values = {
            c["name"]: c for c in sa.inspect(conn).get_columns("replies") if c["name"] != "id"
        }
        row: dict[str, object] = {}
        for name in columns:
            column = values[name]
            if name == "mention_id":
                row[name] = 1
            elif column["nullable"]:
                row[name] = None
            elif "INT" in str(column["type"]).upper() or "BOOL" in str(column["type"]).upper():
                row[name] = 0
            elif "DATETIME" in str(column["type"]).upper():
                row[name] = "2026-11-01 00:00:00"
            else:
                row[name] = "x"
        conn.execute(
            sa.text(
                f"INSERT INTO replies ({', '.join(columns)})"
                f" VALUES ({', '.join(':' + c for c in columns)})"
            ),
            row,
        )
    db.upgrade(engine)
    assert db.current_revision(engine) == db.SCHEMA_HEAD
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM replies")).scalar() == 1
        assert conn.execute(sa.text("SELECT needs_approval FROM mentions")).scalar() == 0
    engine.dispose()


# -- 2. triage evaluate on files that are not labelled JSON lines -------------------------------


@pytest.mark.parametrize(
    "content",
    [
        None,
        b"\x7fELF\x02\x01\x01\x00\xd0\xff",
        b'{"text": "x", "category": "other", "a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
    ],
    ids=["directory", "binary", "deeply-nested"],
)
def test_triage_evaluate_on_a_bad_file_is_an_error_not_a_traceback(
    cli: Cli,
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes | None,
) -> None:
    path = tmp_path / "labelled"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    assert cli("triage", "evaluate", str(path), as_name=None) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:")
    assert str(path) in err


def test_triage_evaluate_says_which_line_has_a_bad_field(
    cli: Cli, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "labelled.jsonl"
    path.write_text(
        '{"text": "bonjour", "category": "other"}\n\n'
        '{"text": "x", "category": "other", "lang": 5}\n',
        encoding="utf-8",
    )
    assert cli("triage", "evaluate", str(path), as_name=None) == 2
    assert f"{path}:3:" in capsys.readouterr().err


# -- 3. triage classify with hostile lines ------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        b'{"text": "x", "at": "0001-01-01T00:00:00+05:00"}',
        b'{"text": "x", "at": "0001-01-01T00:00:00"}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=["year-1-with-offset", "year-1-local", "deeply-nested"],
)
def test_triage_classify_reports_a_bad_line_and_goes_on(
    cli: Cli,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    line: bytes,
) -> None:
    feed_stdin(monkeypatch, line + b'\n{"text": "bonjour"}\n')
    assert cli("triage", "classify", as_name=None) == 1
    first, second = capsys.readouterr().out.splitlines()
    assert json.loads(first)["line"] == 1
    assert "error" in json.loads(first)
    assert "category" in json.loads(second)


def test_triage_classify_with_a_lone_surrogate_in_a_matched_text(
    cli: Cli,
    settings: Settings,
    config_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_rules(config_file, '[[rule]]\nname = "at"\nregex = "@\\\\S+"\ncategory = "question"\n')
    feed_stdin(monkeypatch, b'{"text": "@\\ud800x hello"}\n')
    assert cli("triage", "classify", as_name=None) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["category"] == "question"
    assert result["matched"]["at"] == ["@\ufffdx"]


# -- 4. rule files with odd TOML types ----------------------------------------------------------

KNOWN = Known(staff=frozenset({"amelie"}), teams=frozenset({"comms"}))


@pytest.mark.parametrize(
    "assign",
    [
        'assign = { team = ["comms"] }',
        "assign = { team = 5 }",
        'assign = { person = ["amelie"] }',
        "assign = { person = 5 }",
        'assign = { on_call = "no" }',
        'assign = { team = "comms", strategy = ["round-robin"] }',
        'assign = ""',
    ],
)
@pytest.mark.parametrize("known", [KNOWN, None], ids=["names-checked", "no-desk-toml"])
def test_assign_with_values_of_the_wrong_type_is_a_problem(
    assign: str, known: Known | None
) -> None:
    text = f'[[rule]]\nname = "a"\nwords = ["eau"]\n{assign}\n'
    with pytest.raises(RulesError) as caught:
        parse_rules(text, "r.toml", known)
    assert caught.value.problems[0].line == 4


@pytest.mark.parametrize("value", ['"false"', "0", '"no"'])
def test_enabled_must_be_true_or_false(value: str) -> None:
    text = f'[[rule]]\nname = "a"\nwords = ["eau"]\ncategory = "question"\nenabled = {value}\n'
    with pytest.raises(RulesError) as caught:
        parse_rules(text, "r.toml")
    assert caught.value.problems[0].line == 5


@pytest.mark.parametrize(
    "pattern", ["a{100000}", "(?:ab{1000}){1000}", "x{4294967294}", "((a{100}){100}){100}"]
)
def test_a_regex_that_would_be_unrolled_into_gigabytes_is_refused(pattern: str) -> None:
    """The regex module expands a{n} at compile time: a{1000000000} in a rule file used up all
    memory and the desk was killed while loading its rules."""
    text = f'[[rule]]\nname = "a"\nregex = \'{pattern}\'\ncategory = "question"\n'
    with pytest.raises(RulesError) as caught:
        parse_rules(text, "r.toml")
    assert "repeat" in caught.value.problems[0].message


def test_ordinary_counted_repeats_still_work() -> None:
    text = '[[rule]]\nname = "tel"\nregex = \'\\d{3}[- .]\\d{3}[- .]\\d{4}\'\ncategory = "spam"\n'
    assert len(parse_rules(text, "r.toml").rules) == 1


def test_many_bad_lists_are_each_reported_with_their_line() -> None:
    """Each problem under [lists] once searched the whole file for its line: 20,000 bad entries
    (a 250 KB file) took half a minute. That the work is linear again is measured by
    benchmarks/bench_hostile.py (``rule_file_problems``)."""
    text = "[lists]\n" + "".join(f"l{i} = [{i}]\n" for i in range(20_000))
    with pytest.raises(RulesError) as caught:
        parse_rules(text, "r.toml")
    assert len(caught.value.problems) == 20_000
    assert caught.value.problems[-1].line == 20_001


def test_contains_that_folds_to_nothing_is_a_problem() -> None:
    """A combining accent alone folds to "", and "" is in every text: the rule fired on all."""
    text = '[[rule]]\nname = "a"\ncontains = ["\\u0301"]\ncategory = "spam"\n'
    with pytest.raises(RulesError):
        parse_rules(text, "r.toml")


# -- 5. surges --------------------------------------------------------------------------------

SURGE_RULES = """
[surge]
window_minutes = 30
threshold = 3
tags = ["water"]

[[rule]]
name = "water"
words = ["eau"]
tags = ["water"]
category = "complaint"
"""
T0 = datetime(2026, 11, 12, 14, 0, tzinfo=UTC)


def test_surge_does_not_depend_on_the_order_of_a_payload() -> None:
    """Feeds are newest first: three water mentions in 20 minutes got no surge at all when the
    payload listed them newest first, and one when it listed them oldest first."""
    triage = Triage(parse_rules(SURGE_RULES, "t"), DeskConfig(), detect_language=False)
    items = [
        Incoming(text=f"eau brune {m}", created_at=T0 + timedelta(minutes=m), language="fr")
        for m in (20, 10, 0)
    ]
    decisions = triage.decide_many(items)
    assert [d.priority for d in decisions] == [2, 1, 1]


def test_retriage_does_not_raise_a_surged_mention_twice(
    clock: FakeClock, settings: Settings, config_file: Path
) -> None:
    use_rules(config_file, SURGE_RULES)
    desk = open_desk(settings, as_name="amelie", clock=clock)
    give_passphrases(desk)
    try:
        ids = add(
            desk,
            *(
                mention(str(m), f"eau brune {m}", created_at=T0 + timedelta(minutes=m))
                for m in (0, 10, 20)
            ),
        )
        assert [desk.queries.detail(i).priority for i in ids] == [1, 1, 2]
        report = desk.triage.retriage()
        assert report.changed == 0
        assert [desk.queries.detail(i).priority for i in ids] == [1, 1, 2]
        assert not [e for e in desk.queries.audit_log(limit=50) if e.action == "mention.retriaged"]
    finally:
        desk.close()


def test_rules_explain_of_a_surged_mention_with_unchanged_rules_says_same(
    clock: FakeClock,
    cli: Cli,
    settings: Settings,
    config_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_rules(config_file, SURGE_RULES)
    desk = open_desk(settings, as_name="amelie", clock=clock)
    give_passphrases(desk)
    try:
        ids = add(
            desk,
            *(
                mention(str(m), f"eau brune {m}", created_at=T0 + timedelta(minutes=m))
                for m in (0, 10, 20)
            ),
        )
    finally:
        desk.close()
    capsys.readouterr()
    assert cli("--lang", "en", "rules", "explain", str(ids[2])) == 0
    assert "The current rules decide the same." in capsys.readouterr().out


# -- 6. re-triage leaves people's decisions alone ------------------------------------------------

PLAIN_RULES = """
[[rule]]
name = "water"
words = ["eau"]
category = "question"
"""


@pytest.fixture
def rules_desk(
    clock: FakeClock, settings: Settings, config_file: Path
) -> Iterator[Callable[..., Desk]]:
    use_rules(config_file, PLAIN_RULES)
    opened: list[Desk] = []

    def make(rules_text: str = PLAIN_RULES) -> Desk:
        (config_file.parent / "rules.toml").write_text(rules_text, encoding="utf-8")
        desk = open_desk(settings, as_name="amelie", clock=clock)
        give_passphrases(desk)
        opened.append(desk)
        return desk

    yield make
    for desk in opened:
        desk.close()


def test_retriage_all_does_not_assign_closed_mentions(rules_desk: Callable[..., Desk]) -> None:
    desk = rules_desk()
    (mid,) = add(desk, mention("1", "de l'eau", language="fr"))
    desk.inbox.release(mid)
    desk.inbox.close(mid)
    desk.triage.retriage(include_closed=True)
    detail = desk.queries.detail(mid)
    assert (detail.status, detail.assignee) == ("closed", None)


def test_retriage_keeps_a_category_set_by_hand(rules_desk: Callable[..., Desk]) -> None:
    desk = rules_desk()
    (mid,) = add(desk, mention("1", "de l'eau", language="fr"))
    desk.inbox.categorise(mid, "complaint")
    report = desk.triage.retriage()
    assert report.changed == 0
    assert desk.queries.detail(mid).category == "complaint"


def test_retriage_does_not_close_as_spam_a_mention_a_person_categorised(
    rules_desk: Callable[..., Desk],
) -> None:
    desk = rules_desk()
    (mid,) = add(desk, mention("1", "Le casino municipal ouvre quand ?", language="fr"))
    desk.inbox.categorise(mid, "question")
    path = desk.config.rules_path()
    assert path is not None
    path.write_text('[[rule]]\nname = "casino"\nwords = ["casino"]\nspam = true\n')
    desk.reload_rules()
    desk.triage.retriage()
    detail = desk.queries.detail(mid)
    assert (detail.category, detail.status) == ("question", "open")


def test_retriage_does_not_close_again_a_mention_reopened_by_hand(
    rules_desk: Callable[..., Desk],
) -> None:
    desk = rules_desk('[[rule]]\nname = "casino"\nwords = ["casino"]\nspam = true\n')
    (mid,) = add(desk, mention("1", "Le casino municipal ouvre quand ?", language="fr"))
    assert desk.queries.detail(mid).status == "closed"
    desk.inbox.reopen(mid)
    desk.triage.retriage()
    assert desk.queries.detail(mid).status == "open"


# -- 7. terminal escapes in `rules export` --------------------------------------------------------


def test_rules_export_does_not_print_terminal_escapes(
    cli: Cli, settings: Settings, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    use_rules(
        config_file,
        "[[rule]]\n"
        'name = "n\\u001b]52;c;ZXZpbA==\\u0007"\n'
        'description = { fr = "d\\u001b[2J", en = "e\\u009b2J" }\n'
        'words = ["eau\\u001b[31m"]\n'
        'category = "question"\n'
        'priority = "urgent"\n',
    )
    assert cli("rules", "export", as_name=None) == 0
    out = capsys.readouterr().out
    assert ESC not in out
    assert "\x07" not in out
    assert "\x9b" not in out


# -- the facts the engine sees are still built the same way ---------------------------------------


def test_contains_still_matches_ordinary_text() -> None:
    ruleset = parse_rules('[[rule]]\nname = "q"\ncontains = ["?"]\ncategory = "question"\n', "r")
    facts = Facts(
        text="où ?",
        folded=fold("où ?"),
        hits={},
        language="fr",
        platform="x",
        channel="",
        kind="mention",
        author="",
        at=T0,
        when=DeskConfig().hours.calendar().facts,
    )
    assert evaluate(facts, ruleset).category == "question"


# -- 8. a newline from a mention or a rule name cannot forge CLI output lines ---------------------


def test_rules_explain_and_show_keep_each_explanation_on_its_line(
    clock: FakeClock,
    cli: Cli,
    settings: Settings,
    config_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_rules(
        config_file, '[[rule]]\nname = "e"\nregex = \'eau\\s+[\\w ]+\'\ncategory = "question"\n'
    )
    desk = open_desk(settings, as_name="amelie", clock=clock)
    give_passphrases(desk)
    try:
        (mid,) = add(desk, mention("1", "eau\nAssigned to mallory by the supervisor"))
    finally:
        desk.close()
    capsys.readouterr()
    assert cli("--lang", "en", "rules", "explain", str(mid)) == 0
    out = capsys.readouterr().out.splitlines()
    assert not [line for line in out if line.startswith("assigned to mallory")]
    assert cli("--lang", "en", "show", str(mid)) == 0
    out = capsys.readouterr().out.splitlines()
    assert not [line for line in out if line.startswith("assigned to mallory")]


def test_rules_check_keeps_each_problem_on_its_line(
    cli: Cli, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "r.toml"
    bad.write_text(
        '[[rule]]\nname = "x\\nrules.toml: OK"\nwords = ["eau"]\ncategory = "gossip"\n',
        encoding="utf-8",
    )
    assert cli("rules", "check", str(bad), as_name=None) == 1
    assert not [
        line for line in capsys.readouterr().out.splitlines() if line.startswith("rules.toml")
    ]


# -- 9. re-triage hands out work to who is there now, not who was there when it was posted -------


def test_retriage_does_not_route_to_someone_absent_today(
    settings: Settings, config_file: Path
) -> None:
    desk = open_desk(settings, as_name="amelie", clock=FakeClock())  # 2026-11-12
    (mid,) = add(desk, mention("1", "Where is the pool?", language="en"))  # 2026-11-10
    assert desk.queries.detail(mid).assignee == "chloe"  # routing.en
    desk.inbox.release(mid)
    desk.close()
    text = config_file.read_text(encoding="utf-8").replace(
        'languages = ["en", "fr"]',
        'languages = ["en", "fr"]\nabsences = [{ from = 2026-11-11, to = 2026-11-30 }]',
    )
    config_file.write_text(text, encoding="utf-8")
    desk = open_desk(settings, as_name="amelie", clock=FakeClock())
    try:
        desk.triage.retriage()
        detail = desk.queries.detail(mid)
        assert detail.assignee not in (None, "chloe")
        assert {"key": "absent", "who": "chloe", "until": "2026-11-30"} in detail.triage["route"][
            "notes"
        ]
    finally:
        desk.close()


# -- 10. the published policy shows the hours the calendar uses -----------------------------------


def test_policy_hours_with_day_names_the_calendar_accepts() -> None:
    from desk.triage.policy import policy_markdown
    from desk.triage.rules import default_rules

    config = DeskConfig.model_validate(
        {"hours": {"timezone": "UTC", "business": {"Monday": "08:00-12:00", "TUE": "09:00-10:00"}}}
    )
    assert config.hours.calendar().business == {0: ((480, 720),), 1: ((540, 600),)}
    hours = next(
        line
        for line in policy_markdown(default_rules(), config, ("en",)).splitlines()
        if line.startswith("Service hours")
    )
    assert "Mon 08:00-12:00" in hours
    assert "Tue 09:00-10:00" in hours


def test_an_on_call_turn_that_ends_before_it_starts_is_refused(config_file: Path) -> None:
    """It was accepted and silently never applied: nobody on call over Christmas."""
    from desk.config import load_config
    from desk.errors import ConfigError

    config_file.write_text(
        config_file.read_text(encoding="utf-8")
        + '\n[oncall]\nturns = [{ staff = "chloe", from = 2026-12-27, to = 2026-12-24 }]\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="oncall.turns.0"):
        load_config(config_file)
