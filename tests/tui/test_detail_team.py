"""Issue 13 on the mention's detail, the composer and the audit trail: every time in the desk's
zone (whatever the machine's), the history and the audit lines in words (no JSON, no hashes),
a composer that never loses or replaces typed text and never turns typing into commands, and
more than one line of the message at 80×24 in French."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta, tzinfo
from pathlib import Path

import pytest
from textual.widgets import DataTable

from desk.audit.timeline import local_time
from desk.i18n import Catalog
from desk.tui.app import DeskApp
from desk.tui.dialogs.picker import PickerScreen
from desk.tui.labels import age, elide, plural
from desk.tui.screens.audit import AuditScreen
from desk.tui.screens.detail import DetailScreen
from desk.tui.screens.staff import StaffScreen
from desk.tui.widgets.composer import Composer
from desk.tui.widgets.mention_view import data_words, event_words
from desk.views import AuditView
from tests.helpers.clock import T0, RunningClock
from tests.helpers.tui import (
    DESK_TOML,
    DeskEnv,
    feed,
    goto,
    open_composer,
    open_tui_desk,
    screen_lines,
    settle,
)
from tests.tui.test_answers_ui import LIBRARY

NBSP = "\u00a0"
DIGEST = re.compile(r"\b[0-9a-f]{32,}\b")


@pytest.fixture
def tokyo_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's zone is not the desk's: Tokyo (UTC+9) against Montréal (UTC-5 in
    November)."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def montreal(tmp_path: Path, tokyo_machine: None) -> Iterator[DeskEnv]:
    """The test desk in America/Toronto's zone, on a machine set to Tokyo."""
    clock = RunningClock()
    text = DESK_TOML.replace('timezone = "UTC"', 'timezone = "America/Toronto"')
    desk = open_tui_desk(tmp_path, clock=clock, text=text)
    env = DeskEnv(desk, feed(desk), tmp_path, clock)
    yield env
    desk.close()


def _text(app: DeskApp) -> str:
    return "\n".join(screen_lines(app))


# -- 1. two time zones -> one: the desk's --------------------------------------------------
async def test_detail_times_are_the_desks_zone_named_once(montreal: DeskEnv) -> None:
    env = montreal
    detail = env.desk.queries.detail(env.ids["fr1"])  # posted at T0 - 5 min: 08:55 in Montréal
    assert detail.created_at == T0 - timedelta(minutes=5)
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await goto(pilot, env.desk, env.ids["fr1"])
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        shown = _text(app)
        assert "2026-11-12 08:55 EST (il y a 5" in shown  # the card names the zone once
        assert shown.count(" EST") == 1
        assert "22:55" not in shown  # never the machine's (Tokyo) time
        received = env.desk.queries.detail(env.ids["fr1"]).received_at
        assert f"Reçue         {local_time(received, detail_tz(env))[:16]}" in shown
        # the history, in the same zone
        assert f"{local_time(received, detail_tz(env))[:16]}  amelie  Arrivée dans desk" in shown


def detail_tz(env: DeskEnv) -> tzinfo:
    return env.desk.config.hours.calendar().tz


async def test_audit_times_are_the_desks_zone(montreal: DeskEnv) -> None:
    env = montreal
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        shown = _text(app)
        assert "Heure (EST)" in shown
        newest = app.screen.events[0]
        assert local_time(newest.at, detail_tz(env)) in shown
        assert "(America/Toronto)" in shown  # the highlighted event's panel


# -- 2. words, never JSON, never hashes -----------------------------------------------------
def test_data_words_leave_hashes_out_and_say_values_in_words() -> None:
    fr = Catalog("fr")
    data = {
        "content": "a" * 64,
        "raw_sha256": "b" * 64,
        "name": "bruno",
        "os_users": ["bruno", "bgagnon"],
        "active": True,
        "note": None,
    }
    words = data_words(data, fr)
    assert words == [
        f"personne{NBSP}: bruno",
        f"sessions de l'ordinateur{NBSP}: bruno, bgagnon",
        f"active{NBSP}: oui",
    ]
    assert not any("{" in w or DIGEST.search(w) for w in words)


async def test_history_and_audit_show_words_not_json(env: DeskEnv) -> None:
    target = env.ids["fr1"]
    env.desk.inbox.claim(target)
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await goto(pilot, env.desk, target)
        await pilot.press("enter")
        await settle(pilot)
        shown = _text(app)
        assert "Arrivée dans desk" in shown
        assert "Prise en charge" in shown
        for raw in ("{", "source=", "rules=", '"'):
            assert raw not in shown.split("Historique")[1]
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        shown = _text(app)
        assert "Prise en charge" in shown
        assert "{" not in shown
        assert not DIGEST.search(shown)
        # every line of the table, not only those on screen
        table = screen.query_one(DataTable)
        for row in range(table.row_count):
            details = str(table.get_row_at(row)[-1])
            assert "{" not in details, details
            assert not DIGEST.search(details), details


# -- 3. the composer -------------------------------------------------------------------------
async def test_escape_with_unsent_text_asks_and_keeps_the_draft(env: DeskEnv) -> None:
    target = env.ids["fr1"]
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        composer = await open_composer(pilot, env, "fr1")
        await pilot.press(*"Bonjour")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)  # asked, not gone
        assert "Quitter la mention" in _text(app)
        await pilot.press("enter")  # the default: stay
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert composer.body == "Bonjour"
        assert composer.text_area.has_focus
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("up", "enter")  # leave
        await settle(pilot)
        assert not isinstance(app.screen, (DetailScreen, PickerScreen))
        assert app.drafts[target] == "Bonjour"  # kept for when the person comes back
        await pilot.press("r")
        await settle(pilot)
        assert app.screen.query_one(Composer).body == "Bonjour"
        # an empty composer leaves at once
        app.screen.query_one(Composer).text_area.text = ""
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, (DetailScreen, PickerScreen))


async def test_a_library_answer_never_replaces_typed_text_unasked(env: DeskEnv) -> None:
    target = env.ids["en1"]
    language = env.desk.queries.detail(target).language or "en"
    path = env.path / "answers.toml"
    path.write_text(LIBRARY.replace("{lang}", language), encoding="utf-8")
    env.desk.answers.import_file(path)
    app = DeskApp(env.desk)
    async with app.run_test(size=(150, 40)) as pilot:
        composer = await open_composer(pilot, env, "en1")
        await pilot.press(*"Merci. ")
        await settle(pilot)
        await pilot.press("ctrl+o")
        await settle(pilot)
        await pilot.press("enter")  # the answer
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)  # asked what to do with my text
        assert "L'éditeur contient déjà du texte" in _text(app)
        await pilot.press("enter")  # the default: at the cursor
        await settle(pilot)
        assert composer.body.startswith("Merci. Bonjour ")
        assert composer.body.endswith("https://ville.example/heures")
        # replace, then ctrl+z brings my text back
        await pilot.press("ctrl+o")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("down", "enter")  # replace
        await settle(pilot)
        assert composer.body.startswith("Bonjour ")
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert composer.body.startswith("Merci. Bonjour ")
        # cancel keeps the text as it is
        before = composer.body
        await pilot.press("ctrl+o")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert composer.body == before


async def test_ctrl_z_undoes_typing_in_the_composer(env: DeskEnv) -> None:
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        composer = await open_composer(pilot, env, "fr1")
        await pilot.press(*"abc")
        await settle(pilot)
        assert composer.body == "abc"
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert composer.body == ""  # the text's own undo, not "nothing to undo"
        assert "Aucune réponse n'attend de partir" not in _text(app)


async def test_typing_beside_an_unsent_reply_goes_into_it_never_to_commands(env: DeskEnv) -> None:
    target = env.ids["fr1"]
    before = env.desk.queries.detail(target)
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        composer = await open_composer(pilot, env, "fr1")
        await pilot.press(*"Bonjour")
        await settle(pilot)
        app.screen.query_one("#detail-body").focus()
        await settle(pilot)
        assert not composer.text_area.has_focus
        # The footer and help offer no key that would be typed: "r Répondre" typed an "r".
        offered = set(app.screen.active_bindings)
        assert not offered & {"m", "x", "s", "r", "A", "question_mark"}, offered
        assert {"escape", "f1", "ctrl+o"} <= offered
        await pilot.press("m", "x", "s")  # take, close, spam: none of them
        await settle(pilot)
        after = env.desk.queries.detail(target)
        assert (after.assignee, after.status) == (before.assignee, before.status)
        assert composer.body == "Bonjourmxs"
        assert composer.text_area.has_focus
        assert isinstance(app.screen, DetailScreen)
        composer.text_area.clear()  # an empty composer without focus: the keys act again
        app.screen.query_one("#detail-body").focus()
        await settle(pilot)
        assert {"m", "x", "r", "question_mark"} <= set(app.screen.active_bindings)


# -- 4. 80×24 in French ---------------------------------------------------------------------
async def test_80x24_french_shows_several_lines_of_the_message(env: DeskEnv) -> None:
    app = DeskApp(env.desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await goto(pilot, env.desk, env.ids["h-long"])
        await pilot.press("enter")
        await settle(pilot)
        lines = screen_lines(app)
        assert sum("très long message" in line for line in lines) >= 5
        # the footer is cut at the right on a narrow screen: help, then the way back, come first
        assert lines[-1].startswith("? Aide esc Retour"), lines[-1]
        for keys, screen in ((["A"], AuditScreen), (["escape", "escape", "W"], StaffScreen)):
            await pilot.press(*keys)
            await settle(pilot)
            assert isinstance(app.screen, screen)
            assert screen_lines(app)[-1].startswith("? Aide esc Retour"), screen_lines(app)[-1]


def test_french_ages_plurals_and_elision() -> None:
    fr, en = Catalog("fr"), Catalog("en")
    assert age(T0 - timedelta(days=22), T0, fr) == f"22{NBSP}j"
    assert age(T0 - timedelta(minutes=5), T0, fr) == f"5{NBSP}min"
    assert age(T0 - timedelta(days=22), T0, en) == "22 d"
    assert age(T0 - timedelta(days=22), T0) == "22d"  # the compact form stays for the queue
    assert plural(fr, "tui.card.more_lines", 1) == "… (suite plus bas, 1 ligne)"
    assert plural(fr, "tui.card.more_lines", 2) == "… (suite plus bas, 2 lignes)"
    assert plural(en, "tui.card.more_lines", 0) == "… (more below, 0 lines)"
    assert elide(fr, "Réponse de Amélie publiée") == "Réponse d'Amélie publiée"
    assert elide(en, "Reply de Amélie") == "Reply de Amélie"


def test_french_strings_of_these_views_use_non_breaking_spaces() -> None:
    fr = Catalog("fr")
    for key in (
        "tui.detail.tags",
        "tui.detail.suggested",
        "tui.audit.header",
        "tui.audit.broken",
        "tui.composer.no_channel",
        "tui.leave.ask",
        "tui.insert.ask",
        "tui.msg.displaced",
    ):
        text = fr.t(key)
        assert not re.search(r" [:;!?»]|« ", text), (key, text)


def test_audit_view_without_mention_is_worded(env: DeskEnv) -> None:
    fr = Catalog("fr")
    event = AuditView(
        seq=1,
        at=T0,
        actor="amelie",
        action="staff.updated",
        mention_id=None,
        reply_id=None,
        data={"name": "bruno", "os_users": "bruno", "content": "f" * 64},
        hash="0" * 64,
    )
    assert (
        event_words(event, fr) == f"personne{NBSP}: bruno · sessions de l'ordinateur{NBSP}: bruno"
    )
