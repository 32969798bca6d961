"""Routing: who takes a mention, given schedules, absences, holidays, loads, teams and on-call.

The desk is in America/Toronto (UTC-5 in winter, UTC-4 in summer); every moment below is a fixed
UTC datetime with its local time in a comment. The on-call rotation starts Monday 2026-11-02 with
weekly turns: eric (Nov 2), amelie (Nov 9), bruno (Nov 16), eric (Nov 23)...; chloe has an
explicit turn from 24 to 27 December.
"""

from __future__ import annotations

import copy
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from desk.config import DeskConfig
from desk.triage.engine import Decision
from desk.triage.pipeline import Incoming, Triage
from desk.triage.routing import Router
from desk.triage.rules import Assign, parse_rules

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")

BASE: dict[str, Any] = {
    "hours": {
        "timezone": "America/Toronto",
        "business": {day: "08:30-16:30" for day in WEEKDAYS},
        "holidays": ["2026-12-25"],
    },
    "staff": [
        # desk hours (no schedule of her own)
        {"name": "amelie", "display_name": "Amélie", "initials": "AB", "languages": ["fr", "en"]},
        {
            "name": "bruno",
            "display_name": "Bruno",
            "initials": "BG",
            "languages": ["fr"],
            "schedule": {day: "07:00-15:00" for day in WEEKDAYS},
            "topics": ["water"],
        },
        {
            "name": "chloe",
            "display_name": "Chloe",
            "initials": "CM",
            "languages": ["en"],
            "topics": ["roads"],
        },
        {
            "name": "dina",
            "display_name": "Dina",
            "initials": "DK",
            "languages": ["fr", "en"],
            "absences": [{"from": "2026-11-17", "to": "2026-11-19", "note": "formation"}],
        },
        {  # nights, Monday to Friday (Friday's shift ends Saturday 06:00)
            "name": "eric",
            "display_name": "Éric",
            "initials": "EL",
            "languages": ["fr", "en"],
            "schedule": {day: "22:00-06:00" for day in WEEKDAYS},
        },
    ],
    "team": [
        {"name": "desk", "members": ["amelie", "bruno", "chloe"]},
        {"name": "frteam", "members": ["bruno", "amelie"], "strategy": "least-loaded"},
        {"name": "anglos", "members": ["chloe"]},
        {"name": "withdina", "members": ["amelie", "dina", "bruno"]},
    ],
    "oncall": {
        "rotation": ["eric", "amelie", "bruno"],
        "start": "2026-11-02",
        "period_days": 7,
        "turns": [{"staff": "chloe", "from": "2026-12-24", "to": "2026-12-27"}],
    },
}


def make_config(*, staff: dict[str, dict[str, Any]] | None = None, **top: Any) -> DeskConfig:
    """BASE with some staff fields and some top-level tables replaced."""
    raw = copy.deepcopy(BASE)
    for person in raw["staff"]:
        person.update((staff or {}).get(person["name"], {}))
    raw.update(top)
    return DeskConfig.model_validate(raw)


CONFIG = make_config()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


WED_0730 = utc(2026, 11, 11, 12, 30)  # Wed 11 Nov 07:30 local; amelie on call
WED_10 = utc(2026, 11, 11, 15, 0)  # Wed 11 Nov 10:00 local
WED_1530 = utc(2026, 11, 11, 20, 30)  # Wed 11 Nov 15:30 local
WED_20 = utc(2026, 11, 12, 1, 0)  # Wed 11 Nov 20:00 local (Thursday in UTC)
WED_23 = utc(2026, 11, 12, 4, 0)  # Wed 11 Nov 23:00 local
SAT_02 = utc(2026, 11, 14, 7, 0)  # Sat 14 Nov 02:00 local (Friday's night shift)
SAT_10 = utc(2026, 11, 14, 15, 0)  # Sat 14 Nov 10:00 local
MON_02 = utc(2026, 11, 16, 7, 0)  # Mon 16 Nov 02:00 local (Sunday night: no shift)
TUE_02 = utc(2026, 11, 17, 7, 0)  # Tue 17 Nov 02:00 local (Monday's night shift)
MON16_10 = utc(2026, 11, 16, 15, 0)  # Mon 16 Nov 10:00 local; bruno on call
MON16_23 = utc(2026, 11, 17, 4, 0)  # Mon 16 Nov 23:00 local (Tuesday in UTC)
TUE17_10 = utc(2026, 11, 17, 15, 0)
WED18_0730 = utc(2026, 11, 18, 12, 30)  # Wed 18 Nov 07:30 local
WED18_10 = utc(2026, 11, 18, 15, 0)
THU19_10 = utc(2026, 11, 19, 15, 0)
THU19_23 = utc(2026, 11, 20, 4, 0)  # Thu 19 Nov 23:00 local (Friday in UTC)
FRI20_10 = utc(2026, 11, 20, 15, 0)
DEC24_10 = utc(2026, 12, 24, 15, 0)  # Thu 24 Dec 10:00 local; chloe on call (explicit turn)
XMAS_10 = utc(2026, 12, 25, 15, 0)  # Fri 25 Dec 10:00 local: holiday
XMAS_22 = utc(2026, 12, 26, 3, 0)  # Fri 25 Dec 22:00 local: holiday night
DST_MON_0900 = utc(2026, 3, 9, 13, 0)  # Mon 9 Mar 09:00 EDT (UTC-4); no rotation yet
STD_FRI_0800 = utc(2026, 3, 6, 13, 0)  # Fri 6 Mar 08:00 EST (UTC-5)


def ask(
    assign: Assign | None,
    language: str = "other",
    tags: tuple[str, ...] = (),
    rule: str | None = "r",
) -> Decision:
    return Decision(
        assign=assign,
        assign_rule=rule if assign else None,
        language=language,
        tags=tags,
    )


def route(router: Router, at: datetime, assign: Assign | None, **kw: Any) -> Decision:
    decision = ask(assign, **kw)
    router.route(decision, at)
    return decision


def picks(router: Router, at: datetime, assign: Assign | None, n: int, **kw: Any) -> list:
    return [route(router, at, assign, **kw).assignee for _ in range(n)]


def note_keys(decision: Decision) -> list[str]:
    return [n["key"] for n in decision.route["notes"]]


# --------------------------------------------------------------------------------- on call


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (utc(2026, 11, 1, 17, 0), None),  # before the rotation starts
        (utc(2026, 11, 2, 4, 30), None),  # Nov 2 in UTC, still Nov 1 23:30 local
        (utc(2026, 11, 2, 15, 0), "eric"),
        (utc(2026, 11, 8, 15, 0), "eric"),
        (utc(2026, 11, 9, 4, 0), "eric"),  # Nov 9 in UTC, Nov 8 23:00 local
        (utc(2026, 11, 9, 6, 0), "amelie"),  # Nov 9 01:00 local
        (WED_10, "amelie"),
        (WED_20, "amelie"),
        (MON16_10, "bruno"),
        (utc(2026, 11, 23, 15, 0), "eric"),  # the rotation wraps around
        (utc(2026, 11, 30, 15, 0), "amelie"),
        (utc(2026, 12, 7, 15, 0), "bruno"),
        (utc(2026, 12, 23, 15, 0), "amelie"),
        # the explicit turn overrides the rotation, both days included
        (DEC24_10, "chloe"),
        (XMAS_10, "chloe"),
        (utc(2026, 12, 27, 15, 0), "chloe"),
        (utc(2026, 12, 28, 4, 0), "chloe"),  # Dec 28 in UTC, Dec 27 23:00 local
        (utc(2026, 12, 28, 15, 0), "bruno"),  # 56 days after the start: turn 8, bruno
        (utc(2027, 3, 1, 15, 0), "bruno"),  # 119 days: turn 17, 17 % 3 = 2
    ],
)
def test_on_call_rotation_and_turns(at: datetime, expected: str | None) -> None:
    assert Router(CONFIG).on_call(at) == expected


@pytest.mark.parametrize(
    ("oncall", "at", "expected"),
    [
        # daily turns
        ({"rotation": ["a", "b", "c"], "start": "2026-11-02", "period_days": 1}, WED_10, "a"),
        (
            {"rotation": ["a", "b", "c"], "start": "2026-11-02", "period_days": 1},
            utc(2026, 11, 12, 15, 0),
            "b",
        ),
        # fortnightly turns
        ({"rotation": ["a", "b"], "start": "2026-11-02", "period_days": 14}, MON16_10, "b"),
        ({"rotation": ["a", "b"], "start": "2026-11-02", "period_days": 14}, WED_10, "a"),
        (
            {"rotation": ["a", "b"], "start": "2026-11-02", "period_days": 14},
            utc(2026, 11, 30, 15, 0),
            "a",
        ),
        # turns only
        ({"turns": [{"staff": "x", "from": "2026-11-10", "to": "2026-11-11"}]}, WED_10, "x"),
        ({"turns": [{"staff": "x", "from": "2026-11-10", "to": "2026-11-11"}]}, WED_23, "x"),
        (
            {"turns": [{"staff": "x", "from": "2026-11-10", "to": "2026-11-11"}]},
            utc(2026, 11, 12, 15, 0),
            None,
        ),
        # nobody
        ({}, WED_10, None),
        ({"rotation": ["a"]}, WED_10, None),  # a rotation without a start never applies
    ],
)
def test_on_call_arithmetic(oncall: dict[str, Any], at: datetime, expected: str | None) -> None:
    assert Router(make_config(oncall=oncall)).on_call(at) == expected


# ------------------------------------------------------------------------------ availability


@pytest.mark.parametrize(
    ("name", "at", "expected"),
    [
        ("amelie", WED_10, None),
        # own schedule, not the desk's hours
        ("bruno", WED_1530, {"key": "off_duty", "who": "bruno"}),
        ("bruno", WED_0730, None),
        ("amelie", WED18_0730, {"key": "off_duty", "who": "amelie"}),
        # the on-call person is available outside their schedule, the others are not
        ("amelie", WED_0730, None),
        ("amelie", WED_20, None),
        ("amelie", SAT_10, None),
        ("bruno", WED_20, {"key": "off_duty", "who": "bruno"}),
        ("chloe", WED_20, {"key": "off_duty", "who": "chloe"}),
        ("chloe", SAT_10, {"key": "off_duty", "who": "chloe"}),
        # overnight shifts
        ("eric", WED_23, None),
        ("eric", WED_20, {"key": "off_duty", "who": "eric"}),
        ("eric", SAT_02, None),
        ("eric", MON_02, {"key": "off_duty", "who": "eric"}),
        ("eric", TUE_02, None),
        # absences, both days included, in local dates
        ("dina", MON16_10, None),
        ("dina", MON16_23, {"key": "off_duty", "who": "dina"}),
        ("dina", TUE17_10, {"key": "absent", "who": "dina", "until": "2026-11-19"}),
        ("dina", THU19_10, {"key": "absent", "who": "dina", "until": "2026-11-19"}),
        ("dina", THU19_23, {"key": "absent", "who": "dina", "until": "2026-11-19"}),
        ("dina", FRI20_10, None),
        # holidays: nobody on duty but the on-call person, day and night
        ("amelie", XMAS_10, {"key": "off_duty", "who": "amelie"}),
        ("bruno", XMAS_10, {"key": "off_duty", "who": "bruno"}),
        ("chloe", XMAS_10, None),
        ("chloe", XMAS_22, None),
        ("chloe", DEC24_10, None),
        # daylight saving time: 13:00 UTC is 09:00 in summer time, 08:00 in winter time
        ("amelie", DST_MON_0900, None),
        ("amelie", STD_FRI_0800, {"key": "off_duty", "who": "amelie"}),
        ("zoe", WED_10, {"key": "unknown_person", "who": "zoe"}),
    ],
)
def test_unavailable(name: str, at: datetime, expected: dict[str, Any] | None) -> None:
    assert Router(CONFIG).unavailable(name, at) == expected


def test_absent_wins_over_on_call() -> None:
    config = make_config(
        staff={"amelie": {"absences": [{"from": "2026-11-09", "to": "2026-11-10"}]}}
    )
    router = Router(config)
    assert router.on_call(utc(2026, 11, 10, 1, 0)) == "amelie"  # Nov 9 20:00 local
    assert router.unavailable("amelie", utc(2026, 11, 10, 1, 0)) == {
        "key": "absent",
        "who": "amelie",
        "until": "2026-11-10",
    }
    assert router.unavailable("amelie", WED_20) is None


@pytest.mark.parametrize(
    ("load", "expected"),
    [
        (0, None),
        (1, None),
        (2, {"key": "full", "who": "chloe", "max_open": 2}),
        (7, {"key": "full", "who": "chloe", "max_open": 2}),
    ],
)
def test_max_open(load: int, expected: dict[str, Any] | None) -> None:
    router = Router(make_config(staff={"chloe": {"max_open": 2}}), loads={"chloe": load})
    assert router.unavailable("chloe", WED_10) == expected


def test_max_open_fills_up_as_mentions_are_routed() -> None:
    router = Router(make_config(staff={"chloe": {"max_open": 2}}), loads={"chloe": 1})
    first = route(router, WED_10, Assign(person="chloe"), language="en")
    second = route(router, WED_10, Assign(person="chloe"), language="en")
    assert (first.assignee, note_keys(first)) == ("chloe", [])
    assert second.assignee == "amelie"
    assert second.route["notes"] == [
        {"key": "full", "who": "chloe", "max_open": 2},
        {"key": "fallback_oncall", "who": "amelie"},
    ]
    assert router.loads == {"chloe": 2, "amelie": 1}


# ------------------------------------------------------------------------- a named person


@pytest.mark.parametrize(
    ("person", "at", "language", "assignee", "notes"),
    [
        ("amelie", WED_10, "fr", "amelie", []),
        ("bruno", WED_0730, "fr", "bruno", []),
        ("amelie", DST_MON_0900, "other", "amelie", []),
        # absent: the on-call person (bruno that week) takes it
        (
            "dina",
            WED18_10,
            "fr",
            "bruno",
            [
                {"key": "absent", "who": "dina", "until": "2026-11-19"},
                {"key": "fallback_oncall", "who": "bruno"},
            ],
        ),
        # ... unless the on-call person does not speak the language: anyone who does
        (
            "dina",
            WED18_10,
            "en",
            "amelie",
            [
                {"key": "absent", "who": "dina", "until": "2026-11-19"},
                {"key": "fallback_any", "who": "amelie"},
            ],
        ),
        # off duty (bruno stops at 15:00; amelie is on call)
        (
            "bruno",
            WED_1530,
            "fr",
            "amelie",
            [{"key": "off_duty", "who": "bruno"}, {"key": "fallback_oncall", "who": "amelie"}],
        ),
        # before the desk opens in winter time, with nobody on call yet: whoever is on duty
        (
            "amelie",
            STD_FRI_0800,
            "fr",
            "bruno",
            [{"key": "off_duty", "who": "amelie"}, {"key": "fallback_any", "who": "bruno"}],
        ),
        # a holiday: the explicit on-call turn (chloe) takes it
        (
            "amelie",
            XMAS_10,
            "en",
            "chloe",
            [{"key": "off_duty", "who": "amelie"}, {"key": "fallback_oncall", "who": "chloe"}],
        ),
        # a holiday and a French mention: chloe does not speak French, nobody else works
        (
            "amelie",
            XMAS_10,
            "fr",
            None,
            [{"key": "off_duty", "who": "amelie"}, {"key": "nobody"}],
        ),
    ],
)
def test_named_person(
    person: str, at: datetime, language: str, assignee: str | None, notes: list[dict[str, Any]]
) -> None:
    router = Router(CONFIG)
    decision = route(router, at, Assign(person=person), language=language)
    assert decision.assignee == assignee
    assert decision.route == {
        "via": "rule",
        "rule": "r",
        "notes": notes,
        "target": person,
        "assignee": assignee,
    }
    assert router.loads == ({assignee: 1} if assignee else {})


@pytest.mark.parametrize(
    ("config", "at", "assignee", "notes"),
    [
        (CONFIG, WED_20, "amelie", []),
        (CONFIG, SAT_02, "amelie", []),
        (CONFIG, XMAS_22, "chloe", []),
        (CONFIG, MON_02, "bruno", []),
        # on-call person absent: anyone available
        (
            make_config(
                staff={"amelie": {"absences": [{"from": "2026-11-09", "to": "2026-11-15"}]}}
            ),
            WED_10,
            "bruno",
            [
                {"key": "absent", "who": "amelie", "until": "2026-11-15"},
                {"key": "fallback_any", "who": "bruno"},
            ],
        ),
        # no on-call at all
        (
            make_config(oncall={}),
            WED_10,
            "amelie",
            [{"key": "no_oncall"}, {"key": "fallback_any", "who": "amelie"}],
        ),
        (make_config(oncall={}), SAT_10, None, [{"key": "no_oncall"}, {"key": "nobody"}]),
    ],
)
def test_on_call_request(
    config: DeskConfig, at: datetime, assignee: str | None, notes: list[dict[str, Any]]
) -> None:
    decision = route(Router(config), at, Assign(on_call=True))
    assert decision.assignee == assignee
    assert decision.route["notes"] == notes
    assert decision.route["target"] == "on-call"


def test_nobody_available() -> None:
    router = Router(make_config(oncall={}), loads={"amelie": 1})
    decision = route(router, SAT_10, Assign(team="desk"))
    assert decision.assignee is None
    assert decision.route["assignee"] is None
    assert decision.route["notes"] == [
        {"key": "off_duty", "who": "amelie"},
        {"key": "off_duty", "who": "bruno"},
        {"key": "off_duty", "who": "chloe"},
        {"key": "nobody"},
    ]
    assert router.loads == {"amelie": 1}
    assert router.turns == {}


def test_unknown_team_falls_back() -> None:
    decision = route(Router(CONFIG), WED_10, Assign(team="ghosts"))
    assert decision.route["notes"] == [
        {"key": "unknown_team", "team": "ghosts"},
        {"key": "fallback_oncall", "who": "amelie"},
    ]
    assert decision.assignee == "amelie"


# ------------------------------------------------------------------------------ round-robin


def test_round_robin_is_fair() -> None:
    router = Router(CONFIG)
    chosen = picks(router, WED_10, Assign(team="desk"), 30)
    assert chosen[:6] == ["amelie", "bruno", "chloe", "amelie", "bruno", "chloe"]
    assert Counter(chosen) == {"amelie": 10, "bruno": 10, "chloe": 10}
    assert router.loads == {"amelie": 10, "bruno": 10, "chloe": 10}
    assert router.turns == {"desk": "chloe"}


@pytest.mark.parametrize(
    ("saved", "expected"),
    [
        ({}, ["amelie", "bruno", "chloe", "amelie"]),
        ({"desk": "amelie"}, ["bruno", "chloe", "amelie", "bruno"]),
        ({"desk": "chloe"}, ["amelie", "bruno", "chloe", "amelie"]),
        ({"desk": "bruno", "frteam": "bruno"}, ["chloe", "amelie", "bruno", "chloe"]),
        ({"desk": "someone-who-left"}, ["amelie", "bruno", "chloe", "amelie"]),
    ],
)
def test_round_robin_turn_is_kept_between_routers(
    saved: dict[str, str], expected: list[str]
) -> None:
    router = Router(CONFIG, turns=saved)
    assert picks(router, WED_10, Assign(team="desk"), 4) == expected
    assert router.turns["desk"] == expected[-1]


def test_round_robin_continues_where_the_saved_turn_left_off() -> None:
    first = Router(CONFIG)
    assert picks(first, WED_10, Assign(team="desk"), 4) == ["amelie", "bruno", "chloe", "amelie"]
    second = Router(CONFIG, loads=first.loads, turns=first.turns)
    assert picks(second, WED_10, Assign(team="desk"), 2) == ["bruno", "chloe"]
    assert second.loads == {"amelie": 2, "bruno": 2, "chloe": 2}
    # without the saved turn, a new router would start over
    assert picks(Router(CONFIG), WED_10, Assign(team="desk"), 1) == ["amelie"]


@pytest.mark.parametrize(
    ("at", "saved", "expected"),
    [
        # dina is absent on Wednesday 18: her turns are skipped
        (WED18_10, {}, ["amelie", "bruno", "amelie", "bruno"]),
        (WED18_10, {"withdina": "amelie"}, ["bruno", "amelie", "bruno", "amelie"]),
        # back on Friday 20: everyone takes turns again
        (FRI20_10, {}, ["amelie", "dina", "bruno", "amelie"]),
        (FRI20_10, {"withdina": "amelie"}, ["dina", "bruno", "amelie", "dina"]),
    ],
)
def test_round_robin_skips_who_is_away(
    at: datetime, saved: dict[str, str], expected: list[str]
) -> None:
    router = Router(CONFIG, turns=saved)
    decisions = [route(router, at, Assign(team="withdina")) for _ in expected]
    assert [d.assignee for d in decisions] == expected
    absent = {"key": "absent", "who": "dina", "until": "2026-11-19"}
    assert all((absent in d.route["notes"]) is (at == WED18_10) for d in decisions)
    assert "dina" not in router.loads or at == FRI20_10


# ---------------------------------------------------------------------------- least-loaded


@pytest.mark.parametrize(
    ("assign", "loads", "expected", "after"),
    [
        (
            Assign(team="frteam"),
            {"amelie": 3, "bruno": 1},
            ["bruno", "bruno", "bruno", "amelie"],
            {"amelie": 4, "bruno": 4},
        ),
        (Assign(team="frteam"), {}, ["bruno", "amelie", "bruno"], {"amelie": 1, "bruno": 2}),
        (
            Assign(team="frteam"),
            {"bruno": 5, "chloe": 0},
            ["amelie", "amelie"],
            {"amelie": 2, "bruno": 5, "chloe": 0},
        ),
        # a rule's strategy overrides the team's (desk is round-robin)
        (
            Assign(team="desk", strategy="least-loaded"),
            {"amelie": 2, "bruno": 0, "chloe": 1},
            ["bruno", "bruno", "chloe", "amelie"],
            {"amelie": 3, "bruno": 2, "chloe": 2},
        ),
        # ... and the other way round
        (
            Assign(team="frteam", strategy="round-robin"),
            {"amelie": 9},
            ["bruno", "amelie", "bruno"],
            {"amelie": 10, "bruno": 2},
        ),
    ],
)
def test_least_loaded(
    assign: Assign, loads: dict[str, int], expected: list[str], after: dict[str, int]
) -> None:
    router = Router(CONFIG, loads=loads)
    assert picks(router, WED_10, assign, len(expected)) == expected
    assert router.loads == after


def test_least_loaded_skips_who_is_full() -> None:
    config = make_config(staff={"bruno": {"max_open": 1}})
    router = Router(config, loads={"bruno": 0, "amelie": 5})
    first = route(router, WED_10, Assign(team="frteam"))
    second = route(router, WED_10, Assign(team="frteam"))
    assert (first.assignee, second.assignee) == ("bruno", "amelie")
    assert second.route["notes"] == [{"key": "full", "who": "bruno", "max_open": 1}]


# ---------------------------------------------------------------------- language and topic


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", ["amelie", "bruno", "amelie", "bruno", "amelie", "bruno"]),
        ("en", ["amelie", "chloe", "amelie", "chloe", "amelie", "chloe"]),
        ("other", ["amelie", "bruno", "chloe", "amelie", "bruno", "chloe"]),
    ],
)
def test_match_language(language: str, expected: list[str]) -> None:
    router = Router(CONFIG)
    decisions = [
        route(router, WED_10, Assign(team="desk", match_language=True), language=language)
        for _ in expected
    ]
    assert [d.assignee for d in decisions] == expected
    assert all(d.route["notes"] == [] for d in decisions)


@pytest.mark.parametrize(
    ("at", "assignee", "fallback"),
    [
        # amelie is on call and speaks French
        (WED_10, "amelie", {"key": "fallback_oncall", "who": "amelie"}),
        # chloe is on call and does not: anyone on duty who does
        (DEC24_10, "amelie", {"key": "fallback_any", "who": "amelie"}),
    ],
)
def test_match_language_without_a_speaker(
    at: datetime, assignee: str, fallback: dict[str, Any]
) -> None:
    decision = route(Router(CONFIG), at, Assign(team="anglos", match_language=True), language="fr")
    assert decision.assignee == assignee
    assert decision.route["notes"] == [
        {"key": "no_speaker", "team": "anglos", "language": "fr"},
        fallback,
    ]


def test_without_match_language_the_team_member_gets_it_anyway() -> None:
    decision = route(Router(CONFIG), WED_10, Assign(team="anglos"), language="fr")
    assert decision.assignee == "chloe"
    assert decision.route["notes"] == []


@pytest.mark.parametrize(
    ("tags", "language", "expected", "notes"),
    [
        (("water",), "other", ["bruno", "bruno", "bruno"], []),
        (("roads",), "other", ["chloe", "chloe"], []),
        (("roads", "water"), "other", ["bruno", "chloe", "bruno"], []),
        # nobody knows the topic: the whole team, with a note
        (
            ("parks",),
            "other",
            ["amelie", "bruno"],
            [{"key": "no_topic", "team": "desk", "tags": ["parks"]}],
        ),
        ((), "other", ["amelie", "bruno"], []),
        # language first: the roads expert does not speak French
        (
            ("roads",),
            "fr",
            ["amelie", "bruno"],
            [{"key": "no_topic", "team": "desk", "tags": ["roads"]}],
        ),
    ],
)
def test_match_topic(
    tags: tuple[str, ...], language: str, expected: list[str], notes: list[dict[str, Any]]
) -> None:
    router = Router(CONFIG)
    assign = Assign(team="desk", match_topic=True, match_language=True)
    decisions = [route(router, WED_10, assign, tags=tags, language=language) for _ in expected]
    assert [d.assignee for d in decisions] == expected
    assert all(d.route["notes"] == notes for d in decisions)


# ------------------------------------------------------------------------------ [routing]


@pytest.mark.parametrize(
    ("routing", "language", "at", "target", "expected"),
    [
        (
            {"fr": "desk", "en": "chloe", "other": "amelie"},
            "fr",
            WED_10,
            "team desk",
            ["amelie", "bruno", "amelie"],
        ),
        (
            {"fr": "desk", "en": "chloe", "other": "amelie"},
            "en",
            WED_10,
            "chloe",
            ["chloe", "chloe"],
        ),
        ({"fr": "desk", "en": "chloe", "other": "amelie"}, "other", WED_10, "amelie", ["amelie"]),
        # a team with its own strategy, still by language
        ({"fr": "frteam"}, "fr", WED_10, "team frteam", ["bruno", "amelie", "bruno"]),
        # no entry for the language: "other" is used
        ({"fr": "bruno", "other": "amelie"}, "en", WED_10, "amelie", ["amelie"]),
        # the routed person is off duty: the usual fallback
        ({"en": "chloe"}, "en", SAT_10, "chloe", ["amelie"]),
    ],
)
def test_routing_by_language(
    routing: dict[str, str], language: str, at: datetime, target: str, expected: list[str]
) -> None:
    router = Router(make_config(routing=routing))
    decisions = [route(router, at, None, language=language) for _ in expected]
    assert [d.assignee for d in decisions] == expected
    assert all(d.route["via"] == "routing" and d.route["rule"] is None for d in decisions)
    assert all(d.route["target"] == target for d in decisions)


def test_no_routing_and_no_rule_means_no_target() -> None:
    router = Router(make_config(routing={"fr": "bruno"}))
    decision = route(router, WED_10, None, language="en")
    assert decision.assignee is None
    assert decision.route == {"via": "routing", "rule": None, "notes": [{"key": "no_target"}]}
    assert router.loads == {}


def test_a_rule_assignment_wins_over_routing() -> None:
    router = Router(make_config(routing={"fr": "bruno"}))
    decision = route(router, WED_10, Assign(person="chloe"), language="fr", rule="to-chloe")
    assert decision.assignee == "chloe"
    assert decision.route["via"] == "rule"
    assert decision.route["rule"] == "to-chloe"


# ------------------------------------------------------------------- through the pipeline

RULES = """\
[[rule]]
name = "water-team"
words = ["eau", "water"]
tags = ["water"]
assign = { team = "desk", match_language = true, match_topic = true }

[[rule]]
name = "urgent-night"
words = ["feu", "fire"]
time = "outside_business_hours"
assign = "on-call"
"""


@pytest.mark.parametrize(
    ("text", "language", "at", "assignee", "rule"),
    [
        ("L'eau est brune", "fr", WED_10, "bruno", "water-team"),
        ("The water is brown", "en", WED_10, "amelie", "water-team"),
        ("Au feu!", "fr", WED_23, "amelie", "urgent-night"),
        ("Fire!", "en", SAT_02, "amelie", "urgent-night"),
        ("Bonjour", "fr", WED_10, "bruno", None),
    ],
)
def test_triage_routes_what_the_rules_ask(
    text: str, language: str, at: datetime, assignee: str, rule: str | None
) -> None:
    config = make_config(routing={"fr": "bruno", "en": "chloe"})
    ruleset = parse_rules(RULES, "rules.toml")
    triage = Triage(ruleset, config, router=Router(config), detect_language=False)
    decision = triage.decide(Incoming(text, at, language=language))
    assert decision.assignee == assignee
    assert decision.route["rule"] == rule
    assert triage.router.loads == {assignee: 1}
