"""Audit filters (action, family, days in the desk's time zone, with person and mention), paging
by key, the actions present, a mention's timeline, and the ``audit log`` / ``audit timeline``
commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from desk.audit.timeline import Subject, build, sentence, text_lines
from desk.bootstrap import Desk
from desk.config import Settings
from desk.db import store
from desk.db.store import AuditFilter
from desk.errors import InputError, NotFound
from desk.i18n import Catalog
from desk.queries import day_bounds, parse_day
from desk.views import AuditView
from tests.helpers.cli import Cli
from tests.helpers.clock import FakeClock
from tests.helpers.desks import add, mention

TORONTO = ZoneInfo("America/Toronto")


@pytest.fixture
def toronto(config_file: Path, make_desk: Callable[..., Desk]) -> Callable[[str], Desk]:
    """Desks whose day starts at midnight in Toronto (05:00 UTC in November)."""
    text = config_file.read_text(encoding="utf-8").replace(
        'timezone = "UTC"', 'timezone = "America/Toronto"'
    )
    config_file.write_text(text + '\n[approval]\ncategories = ["rumour"]\n', encoding="utf-8")
    return make_desk


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A UTC instant in November 2026."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def actions(desk: Desk, flt: AuditFilter, limit: int = 500) -> list[tuple[str, int | None]]:
    return [(e.action, e.mention_id) for e in desk.queries.audit_log(flt=flt, limit=limit)]


@pytest.fixture
def trail(clock: FakeClock, toronto: Callable[[str], Desk]) -> tuple[Desk, list[int]]:
    """Three mentions handled over three local days (Toronto):

    - 10 Nov 14:00 UTC (09:00 local): the mentions arrive (routed to bruno);
    - 12 Nov 04:30 UTC (11 Nov, 23:30 local): amelie gives #1 to chloe;
    - 12 Nov 05:20-05:40 UTC (12 Nov, just after midnight local): bruno releases #2, chloe
      takes it, amelie closes #3;
    - 13 Nov 15:00 UTC: chloe replies to #1 (sent).

    The staff were added (``staff.added``) when the desk was first opened, on 12 Nov 14:00 UTC:
    after the mentions in time, before them in the chain.
    """
    amelie, bruno, chloe = toronto("amelie"), toronto("bruno"), toronto("chloe")
    clock.now = at(10, 14)
    ids = add(amelie, mention("1", "Bonjour"), mention("2", "Allo"), mention("3", "Salut"))
    clock.now = at(12, 4, 30)
    amelie.inbox.assign(ids[0], "chloe")
    clock.now = at(12, 5, 20)
    bruno.inbox.release(ids[1])
    clock.now = at(12, 5, 30)
    chloe.inbox.claim(ids[1])
    clock.now = at(12, 5, 40)
    amelie.inbox.close(ids[2])
    clock.now = at(13, 15)
    chloe.replies.send(ids[0], "Bonjour! Voici la réponse.")
    return amelie, ids


def test_filter_by_action_and_by_family(trail: tuple[Desk, list[int]]) -> None:
    desk, (one, two, three) = trail
    assert actions(desk, AuditFilter(actions=("mention.assigned",))) == [("mention.assigned", one)]
    assert actions(desk, AuditFilter(actions=("mention.claimed", "mention.closed"))) == [
        ("mention.closed", three),
        ("mention.claimed", two),
    ]
    assert actions(desk, AuditFilter(actions=("reply.*",))) == [("reply.sent", one)]
    ingested = actions(desk, AuditFilter(actions=("mention.*",)))
    assert {a for a, _ in ingested} == {
        "mention.ingested",
        "mention.assigned",
        "mention.claimed",
        "mention.closed",
        "mention.released",
    }
    # a family is a prefix up to the dot: "mention.*" is not "mentions" nor "mention_x"
    assert actions(desk, AuditFilter(actions=("staff.*",))) == [
        (a, None) for a in ["staff.added"] * 3
    ]
    assert actions(desk, AuditFilter(actions=("nothing.like.this",))) == []


def test_filters_combine(trail: tuple[Desk, list[int]]) -> None:
    desk, (one, two, _three) = trail
    assert actions(desk, AuditFilter(actor="chloe")) == [
        ("reply.sent", one),
        ("mention.claimed", two),
    ]
    assert actions(desk, AuditFilter(actor="chloe", actions=("mention.*",))) == [
        ("mention.claimed", two)
    ]
    assert actions(desk, AuditFilter(mention_id=one, actions=("mention.*",))) == [
        ("mention.assigned", one),
        ("mention.ingested", one),
    ]
    since, until = day_bounds(TORONTO, date(2026, 11, 12), date(2026, 11, 12))
    assert actions(desk, AuditFilter(actor="amelie", since=since, until=until)) == [
        ("mention.closed", _three)
    ]
    assert actions(
        desk, AuditFilter(mention_id=one, actor="chloe", actions=("reply.sent",), since=since)
    ) == [("reply.sent", one)]


def test_days_are_read_in_the_desks_time_zone(trail: tuple[Desk, list[int]]) -> None:
    desk, (one, two, three) = trail
    # 12 Nov 04:30 UTC is still 11 Nov in Toronto: the assignment belongs to the 11th
    eleventh = day_bounds(TORONTO, date(2026, 11, 11), date(2026, 11, 11))
    assert eleventh == (at(11, 5), at(12, 5))
    assert actions(desk, AuditFilter(since=eleventh[0], until=eleventh[1])) == [
        ("mention.assigned", one)
    ]
    twelfth = day_bounds(TORONTO, date(2026, 11, 12), date(2026, 11, 12))
    assert actions(desk, AuditFilter(since=twelfth[0], until=twelfth[1])) == [
        ("mention.closed", three),
        ("mention.claimed", two),
        ("mention.released", two),
        ("approval.policy_set", None),  # by their time, although first in the chain
        *[("staff.added", None)] * 3,
    ]
    since_13, _ = day_bounds(TORONTO, date(2026, 11, 13), None)
    assert actions(desk, AuditFilter(since=since_13)) == [("reply.sent", one)]
    _, until_10 = day_bounds(TORONTO, None, date(2026, 11, 10))
    assert actions(desk, AuditFilter(until=until_10)) == [
        ("mention.ingested", three),
        ("mention.ingested", two),
        ("mention.ingested", one),
    ]
    assert day_bounds(TORONTO, None, None) == (None, None)


def test_day_parsing_and_reversed_periods() -> None:
    assert parse_day(" 2026-11-21 ") == date(2026, 11, 21)
    assert parse_day("") is None
    with pytest.raises(InputError, match="not a date like"):
        parse_day("21/11/2026")
    with pytest.raises(InputError, match="starts .* after it ends"):
        day_bounds(TORONTO, date(2026, 11, 21), date(2026, 11, 20))
    message, hint = InputError.from_catalog("bad_day", text="demain").localized(Catalog("fr").t)
    assert message == "'demain' n'est pas une date comme 2026-11-21"
    assert hint


def test_pages_by_key_match_pages_by_offset(desk: Desk) -> None:
    add(desk, *[mention(str(i), f"message {i}") for i in range(1, 40)])
    everything = desk.queries.audit_log(limit=1000)
    flt = AuditFilter(actions=("mention.ingested",))
    pages, before = [], None
    while True:
        page = desk.queries.audit_log(flt=flt, before_seq=before, limit=7)
        pages += page
        if len(page) < 7:
            break
        before = page[-1].seq
    assert [e.seq for e in pages] == [e.seq for e in everything if e.action == "mention.ingested"]
    assert [e.seq for e in desk.queries.audit_log(flt=flt, offset=7, limit=7)] == [
        e.seq for e in pages[7:14]
    ]


@pytest.mark.sqlite_only("SQLite's planner (the unary + that keeps it off an index)")
@pytest.mark.parametrize(
    ("first", "last", "walk_cost", "walks"),
    [
        (1, 30, 4, True),  # the whole month: nothing newer, walk down the seq index
        (10, 10, 4, True),  # 3 events inside, 8 newer: still cheaper to walk
        (10, 10, 1, False),  # if skipping cost as much as sorting: through the at index
        (11, 11, 4, False),  # 1 event inside, 7 newer
        (20, 30, 4, False),  # nothing inside: the at index says so at once
    ],
)
def test_a_period_is_read_the_cheaper_way_with_the_same_result(
    trail: tuple[Desk, list[int]],
    monkeypatch: pytest.MonkeyPatch,
    first: int,
    last: int,
    walk_cost: int,
    walks: bool,
) -> None:
    desk, _ids = trail
    since, until = day_bounds(TORONTO, date(2026, 11, first), date(2026, 11, last))
    assert since is not None
    assert until is not None
    expected = [
        (e.action, e.mention_id)
        for e in desk.queries.audit_log(limit=1000)
        if since <= e.at < until
    ]
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    monkeypatch.setattr(store, "_WALK_COST", walk_cost)
    sa.event.listen(desk.engine, "before_cursor_execute", seen)
    try:
        got = actions(desk, AuditFilter(since=since, until=until))
    finally:
        sa.event.remove(desk.engine, "before_cursor_execute", seen)
    assert got == expected
    assert any("(+ audit_events.at) >=" in s for s in statements) is walks


def test_the_actions_present(trail: tuple[Desk, list[int]]) -> None:
    desk, _ids = trail
    assert desk.queries.audit_actions() == [
        "approval.policy_set",
        "mention.assigned",
        "mention.claimed",
        "mention.closed",
        "mention.ingested",
        "mention.released",
        "reply.sent",
        "staff.added",
    ]


# -- timeline ------------------------------------------------------------------------------


@pytest.fixture
def approved_story(clock: FakeClock, toronto: Callable[[str], Desk]) -> tuple[Desk, int]:
    """A rumour: assigned to bruno, his reply waits, amelie approves it 7 minutes later, sent."""
    amelie, bruno = toronto("amelie"), toronto("bruno")
    clock.now = at(12, 14)
    (mid,) = add(amelie, mention("1", "Il paraît que l'eau est contaminée?"))
    amelie.inbox.assign(mid, "chloe")
    clock.now = at(12, 14, 5)
    amelie.inbox.assign(mid, "bruno")
    clock.now = at(12, 14, 30)
    waiting = bruno.replies.send(mid, "Non, l'eau est potable.")
    assert waiting.status == "pending_approval"
    clock.now = at(12, 14, 37)
    sent = amelie.approvals.approve(waiting.id, note="Bien, merci.")
    assert sent.status == "sent_offline"
    return amelie, mid


def test_timeline_of_an_approved_reply(approved_story: tuple[Desk, int]) -> None:
    desk, mid = approved_story
    timeline = desk.queries.timeline(mid)
    steps = [(s.kind, s.actor) for s in timeline.steps]
    assert steps == [
        ("published", "@user1"),
        ("received", "amelie"),
        ("triaged", "amelie"),
        ("routed", "amelie"),
        ("assigned_from", "amelie"),
        ("assigned_from", "amelie"),
        ("submitted", "bruno"),
        ("approved", "amelie"),
        ("sent", "amelie"),
    ]
    en, fr = Catalog("en"), Catalog("fr")
    words = [sentence(s, en) for s in timeline.steps]
    assert words[0] == "Posted on mastodon by @user1"
    assert words[2].startswith("Triaged: rumour, ")
    assert words[3].startswith("Assigned to bruno by [routing]")
    assert words[4:6] == ["Assigned to chloe (was bruno)", "Assigned to bruno (was chloe)"]
    assert words[6] == "Reply by bruno submitted for approval (a triage rule, category rumour)"
    assert words[7] == "Reply by bruno approved, 7 min after it was submitted"
    assert words[8] == "Reply by bruno posted (sent offline); the mention is closed"
    assert (
        sentence(timeline.steps[7], fr) == "Réponse de bruno approuvée, 7 min après sa soumission"
    )
    approved, posted = timeline.steps[7], timeline.steps[8]
    assert approved.note == "Bien, merci."
    assert posted.text == "Non, l'eau est potable.\n—BG"  # exactly what went out, signed
    # the test clock adds a second per reading: durations are right to a few seconds
    assert timeline.steps[6].since_previous == pytest.approx(25 * 60, abs=5)
    assert posted.since_arrival == pytest.approx(37 * 60, abs=5)
    assert {m.key: m.seconds for m in timeline.milestones} == {
        "assigned": 0,
        "first_reply": posted.since_arrival,
        "closed": posted.since_arrival,
    }
    lines = text_lines(timeline, fr, TORONTO)
    assert "première réponse 37 min après l'arrivée" in lines[2]
    assert any(line.startswith("2026-11-12 09:37:0") for line in lines)  # Toronto time
    assert not any("timeline." in line for line in lines)  # every sentence is in the catalog


def test_timeline_of_a_refusal_and_of_other_steps(toronto: Callable[[str], Desk]) -> None:
    amelie, bruno = toronto("amelie"), toronto("bruno")
    (mid,) = add(amelie, mention("1", "Il paraît que l'aréna ferme"))
    waiting = bruno.replies.send(mid, "Oui, elle ferme.")
    amelie.approvals.reject(waiting.id, "Pas confirmé : attendons le communiqué.")
    amelie.claims.start(mid)
    bruno.claims.take_over(mid)
    amelie.inbox.categorise(mid, "question")
    amelie.inbox.close(mid, "réglé au téléphone")
    amelie.inbox.reopen(mid)
    amelie.inbox.claim(mid)
    amelie.inbox.release(mid)
    amelie.inbox.mark_spam(mid)
    timeline = amelie.queries.timeline(mid)
    kinds = [s.kind for s in timeline.steps[4:]]
    assert kinds == [
        "submitted",
        "rejected",
        "taken_over",
        "categorised",
        "closed_because",
        "reopened",
        "claimed_from",
        "released",
        "marked_spam",
    ]
    rejected = timeline.steps[5]
    assert rejected.note == "Pas confirmé : attendons le communiqué."
    assert rejected.text is None  # a refused reply was not posted
    for catalog in (Catalog("en"), Catalog("fr")):
        words = [sentence(s, catalog) for s in timeline.steps]
        assert not any(w.startswith("timeline.") for w in words), words
    en = [sentence(s, Catalog("en")) for s in timeline.steps[4:]]
    assert en[2] == "Took the reply over from amelie"
    assert en[3] == "Category changed: rumour → question"
    assert en[4] == "Closed: réglé au téléphone"
    assert [m.key for m in timeline.milestones] == ["assigned", "closed"]  # no reply went out


def test_timeline_without_its_arrival_event() -> None:
    """A purged trail may have lost the arrival: the mention row still says when it came."""
    received = at(12, 14)
    subject = Subject(
        id=7,
        platform="x",
        channel="x:ville",
        author_handle="@a",
        author_name="A",
        text="?",
        created_at=received - timedelta(minutes=3),
        received_at=received,
        status="open",
        category="question",
        assignee=None,
    )
    events = [
        AuditView(9, received + timedelta(hours=2), "amelie", "mention.claimed", 7, None, {}, "h"),
        AuditView(8, received + timedelta(hours=1), "amelie", "custom.thing", 7, None, {}, "h"),
        AuditView(10, received, "amelie", "mention.claimed", 8, None, {}, "h"),  # another one
    ]
    timeline = build(subject, events)
    assert [s.kind for s in timeline.steps] == ["published", "received_plain", "other", "claimed"]
    assert timeline.steps[1].since_previous == 180
    assert sentence(timeline.steps[2], Catalog("en")) == "Event custom.thing"
    assert [(m.key, m.seconds) for m in timeline.milestones] == [("assigned", 7200)]


def test_timeline_of_an_unknown_mention(desk: Desk) -> None:
    with pytest.raises(NotFound):
        desk.queries.timeline(999)


# -- command line --------------------------------------------------------------------------


def test_audit_log_command_filters(
    cli: Cli, settings: Settings, trail: tuple[Desk, list[int]], capsys: pytest.CaptureFixture[str]
) -> None:
    _desk, (one, two, three) = trail
    assert cli("audit", "log", "--json", "--action", "mention.claimed") == 0
    assert [e["mention_id"] for e in json.loads(capsys.readouterr().out)] == [two]
    args = ["audit", "log", "--json", "--action", "mention.closed", "--action", "reply.*"]
    assert cli(*args) == 0
    assert [e["action"] for e in json.loads(capsys.readouterr().out)] == [
        "reply.sent",
        "mention.closed",
    ]
    assert cli("audit", "log", "--json", "--since", "2026-11-11", "--until", "2026-11-11") == 0
    assert [e["action"] for e in json.loads(capsys.readouterr().out)] == ["mention.assigned"]
    args = ["audit", "log", "--json", "--staff", "amelie", "--since", "2026-11-12"]
    assert cli(*args, "--mention", str(three)) == 0
    assert [e["action"] for e in json.loads(capsys.readouterr().out)] == ["mention.closed"]
    assert cli("audit", "log", "--action", "reply.sent") == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1
    assert "reply sent" in out[0]  # in words for a person; --json keeps the code (above)
    assert f"#{one}" in out[0]
    assert cli("audit", "log", "--since", "2026-11-12", "--until", "2026-11-11") == 2
    assert "after it ends" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        cli("audit", "log", "--since", "12/11/2026")
    assert exit_info.value.code == 2
    assert "is not a date like" in capsys.readouterr().err


def test_audit_timeline_command(
    cli: Cli,
    settings: Settings,
    approved_story: tuple[Desk, int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _desk, mid = approved_story
    assert cli("--lang", "en", "audit", "timeline", str(mid)) == 0
    out = capsys.readouterr().out
    assert "In short: assigned 0 s after arrival · first reply 37 min after arrival" in out
    # people by their display name in the sentences (the login stays in the "who" column)
    assert "Reply by Bruno Gagnon approved, 7 min after it was submitted" in out
    assert "Note: Bien, merci." in out
    assert "Text: Non, l'eau est potable." in out
    assert "—BG" in out
    assert cli("audit", "timeline", str(mid), "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mention"]["id"] == mid
    sent = data["steps"][-1]
    assert (sent["kind"], sent["action"], sent["text"]) == (
        "sent",
        "reply.sent",
        "Non, l'eau est potable.\n—BG",
    )
    assert sent["values"]["author"] == "bruno"  # the record keeps the login
    assert sent["sentence"].startswith("Reply by Bruno Gagnon posted")  # said with the name
    assert round(data["milestones"]["first_reply"]["seconds"] / 60) == 37
    assert cli("audit", "timeline", "999") == 2
    assert "999" in capsys.readouterr().err


def test_audit_timeline_output_is_sanitised(
    cli: Cli, settings: Settings, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    (mid,) = add(
        desk,
        mention(
            "1",
            "evil \x1b]52;c;SGVsbG8=\x07 \x1b[2J \u202eabc [bold]x[/\nsecond line",
            author_handle="@boss\x1b[31m",
        ),
    )
    desk.replies.send(mid, "ok \x1b]0;title\x07 [/]")
    assert cli("audit", "timeline", str(mid)) == 0
    out = capsys.readouterr().out
    for control in ("\x1b", "\x07", "\u202e"):
        assert control not in out
    for literal in ("[bold]x[/", "second line", "ok ␛]0;title␇ [/]", "@boss␛[31m"):
        assert literal in out
    assert cli("audit", "log", "--mention", str(mid)) == 0
    assert "\x1b" not in capsys.readouterr().out


def test_timeline_milestones_count_what_a_retriage_did() -> None:
    """A re-triage that routes an unassigned mention, or closes it as spam, is when it was
    assigned or closed: the milestones must not skip it (nor wait for a later step)."""
    received = at(12, 14)
    subject = Subject(
        id=7,
        platform="x",
        channel="x:ville",
        author_handle="@a",
        author_name="A",
        text="?",
        created_at=received,
        received_at=received,
        status="closed",
        category="spam",
        assignee="bruno",
    )
    ingested = {"category": "other", "status": "open", "route": {}}
    routed = {"changes": {"assignee": {"from": None, "to": "bruno"}}, "source": "rules.toml"}
    spam = {"changes": {"status": {"from": "open", "to": "closed"}}, "source": "rules.toml"}
    minute = timedelta(minutes=1)
    events = [
        AuditView(1, received, "system", "mention.ingested", 7, None, ingested, "h"),
        AuditView(2, received + 10 * minute, "amelie", "mention.retriaged", 7, None, routed, "h"),
        AuditView(3, received + 25 * minute, "amelie", "mention.claimed", 7, None, {}, "h"),
        AuditView(4, received + 40 * minute, "amelie", "mention.retriaged", 7, None, spam, "h"),
    ]
    timeline = build(subject, events)
    assert [(m.key, m.seconds) for m in timeline.milestones] == [
        ("assigned", 600),
        ("closed", 2400),
    ]
