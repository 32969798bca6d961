"""Triage in the TUI: the detail screen explains a decision in the interface language, ctrl+r and
the rule-file watch reload the rules and re-triage open mentions, T hands open mentions over."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy.exc
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot

from desk.bootstrap import Desk
from desk.db.store import QueueFilter
from desk.tui.app import DeskApp
from desk.tui.dialogs.picker import PickerScreen
from desk.tui.screens.detail import DetailScreen
from desk.tui.widgets.queue_list import QueueList
from tests.helpers.clock import RunningClock
from tests.helpers.desks import open_test_desk, write_config
from tests.helpers.tui import (
    DESK_TOML,
    RULES_TOML,
    DeskEnv,
    goto,
    ingest,
    links_on_screen,
    mention,
    notifications,
    screen_lines,
    settle,
    workers_done,
)

SIZE = (160, 45)
RELOADED = "Règles rechargées"
RULES_BAD = "Les règles n'ont pas été rechargées\u00a0:"
RULES_UNUSABLE = "Le fichier de règles est inutilisable\u00a0;"

# The fixture's rules with the flood rule now filing as a rumour (a different category).
RUMOUR_RULES = RULES_TOML.replace('category = "complaint"', 'category = "rumour"', 1)
assert RUMOUR_RULES != RULES_TOML

HOSTILE_RULES = """\
[[rule]]
name = "[red]boom[/red]"
category = "complaint"
tags = ["[@click=app.quit()]clic[/]"]
suggest = "[link=http://evil]x[/link]"
require_approval = true
words = ["inondation"]

[[rule]]
name = "multi\\n• Assignée à amelie par la règle chef"
priority = "high"
words = ["principale"]
"""


@pytest.fixture
def no_watch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a key (or the palette) reloads the rules: the file watch waits an hour."""
    monkeypatch.setattr(DeskApp, "RULES_POLL_SECONDS", 3600.0)


# -- helpers ----------------------------------------------------------------------------------
def messages(app: DeskApp) -> list[str]:
    """The text of every notification shown so far (a no-break space read as a space, as
    tests.helpers.tui.notes does)."""
    return [n.message.replace("\u00a0", " ") for n in notifications(app)]


def section(app: DeskApp, title: str) -> list[str]:
    """The inside of a bordered section of the detail screen, as the terminal shows it."""
    lines = screen_lines(app)
    start = next(i for i, line in enumerate(lines) if f"─ {title} ─" in line)
    inside = []
    for line in lines[start + 1 :]:
        if "╰" in line:
            break
        inside.append(line.strip().strip("│").strip())
    return inside


def write_rules(path: Path, text: str) -> None:
    """Save a new rule file and make sure its mtime moves (coarse file-system clocks)."""
    rules = path / "rules.toml"
    before = rules.stat().st_mtime
    rules.write_text(text, encoding="utf-8")
    os.utime(rules, (before + 5, before + 5))


async def wait_for(pilot: Pilot[Any], done: Callable[[], bool], seconds: float = 5.0) -> None:
    """Let the app run (no key pressed) until ``done()``, for at most ``seconds``."""
    start = time.monotonic()
    while not done():
        assert time.monotonic() - start < seconds, "timed out"
        await pilot.pause(0.1)
        await workers_done(pilot.app)


def actions_of(desk: Desk, mention_id: int) -> list[str]:
    return [e.action for e in reversed(desk.queries.audit_log(mention_id=mention_id))]


def open_of(desk: Desk, name: str) -> list[int]:
    """The open mentions someone has, read back through the core."""
    rows = desk.queries.page(QueueFilter(view="open", assignee=name), 0, 500)
    return sorted(row.id for row in rows)


async def open_detail(pilot: Pilot[Any], desk: Desk, mention_id: int) -> None:
    await goto(pilot, desk, mention_id)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, DetailScreen)


def locked(*_args: object, **_kwargs: object) -> object:
    raise sqlalchemy.exc.OperationalError(
        "UPDATE mention", {}, sqlite3.OperationalError("database is locked")
    )


# -- the explanation --------------------------------------------------------------------------
async def test_detail_explains_the_triage_in_the_interface_language(env: DeskEnv) -> None:
    app = DeskApp(env.desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_detail(pilot, env.desk, env.ids["flood"])
        why = section(app, "Pourquoi elle est ici")
        assert why == [
            "• Règle flood : « inondation » dans le texte — catégorie plainte ; priorité URGENTE",
            "• Catégorie plainte, donnée par la règle flood "
            "(ordre : indésirable, rumeur, plainte, question, bon mot, autre)",
            "• Langue : français (déclarée et détectée)",
            "• Assignée à bruno par [routing] selon la langue (bruno)",
        ]

        await pilot.press("L")
        await settle(pilot)
        why = section(app, "Why it is here")
        assert why[0].startswith("• Rule flood matched « inondation »: category complaint")
        assert "• Language: French (declared and detected)" in why
        assert "• Assigned to bruno by [routing] for the language (bruno)" in why
        assert not any("Règle" in line or "Assignée" in line for line in why)

        await pilot.press("L")
        await settle(pilot)
        assert section(app, "Pourquoi elle est ici")[0].startswith("• Règle flood")


async def test_detail_without_a_rule_says_so(env: DeskEnv) -> None:
    target = ingest(env.desk, "mastodon", [mention("plain", "Bonne journée à toute l'équipe")])[0]
    app = DeskApp(env.desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_detail(pilot, env.desk, target)
        why = section(app, "Pourquoi elle est ici")
        assert why[0] == "• Aucune règle ne s'applique"
        assert why[-1] == "• Assignée à bruno par [routing] selon la langue (bruno)"


async def test_rule_text_is_shown_literally(tmp_path: Path) -> None:
    settings = write_config(tmp_path, DESK_TOML, rules=HOSTILE_RULES)
    desk = open_test_desk(settings, clock=RunningClock())
    try:
        target = ingest(desk, "mastodon", [mention("f", "Inondation rue Principale")])[0]
        app = DeskApp(desk)
        async with app.run_test(size=(250, 50)) as pilot:  # wide: no sentence is wrapped
            await settle(pilot)
            await open_detail(pilot, desk, target)
            why = section(app, "Pourquoi elle est ici")
            assert why[0].startswith("• Règle [red]boom[/red] : « inondation » dans le texte")
            assert "étiquettes [@click=app.quit()]clic[/]" in why[0]
            assert "proposer la réponse [link=http://evil]x[/link]" in why[0]
            assert "• Catégorie plainte, donnée par la règle [red]boom[/red]" in why[2]
            assert "Étiquettes : [@click=app.quit()]clic[/]" in why
            assert "Réponse suggérée : [link=http://evil]x[/link]" in why
            assert "La réponse doit être approuvée par un superviseur" in why
            # A newline in a rule name cannot forge a line of the explanation.
            assert why[1].startswith("• Règle multi • Assignée à amelie par la règle chef : ")
            assert [line for line in why if "Assignée à" in line and "chef" not in line] == [
                "• Assignée à bruno par [routing] selon la langue (bruno)"
            ]
            assert all(line.startswith("• ") for line in why[:5])
            assert links_on_screen(app) == set()  # no hyperlink was made
            await pilot.click("#section-why")  # a click on the text runs no action
            await settle(pilot)
            assert app.is_running
            assert isinstance(app.screen, DetailScreen)
    finally:
        desk.close()


# -- reloading the rules ----------------------------------------------------------------------
async def test_ctrl_r_reloads_and_retriages(env: DeskEnv, no_watch: None) -> None:
    desk, flood = env.desk, env.ids["flood"]
    assert desk.queries.detail(flood).category == "complaint"
    app = DeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, desk, flood)
        write_rules(env.path, RUMOUR_RULES)
        await pilot.press("ctrl+r")  # from the queue, the home screen
        await settle(pilot)
        expected = "Règles rechargées : 3 ; mentions ouvertes triées de nouveau : 1"
        assert expected in messages(app)
        assert desk.queries.detail(flood).category == "rumour"
        queue = app.screen.query_one(QueueList)
        assert queue.current is not None
        assert (queue.current.id, queue.current.category) == (flood, "rumour")  # refreshed
        row = next(line for line in screen_lines(app) if "Inondation rue Principale" in line)
        assert "rumeur" in row
        assert "plainte" not in row

        events = desk.queries.audit_log(mention_id=flood)
        retriaged = [e for e in events if e.action == "mention.retriaged"]
        assert len(retriaged) == 1
        assert retriaged[0].data["changes"]["category"] == {"from": "complaint", "to": "rumour"}
        assert "mention.retriaged" not in actions_of(desk, env.ids["fr1"])  # unchanged

        await pilot.press("enter")
        await settle(pilot)
        text = "\n".join(screen_lines(app))
        assert "rumeur · URGENTE · ouverte" in text
        why = section(app, "Pourquoi elle est ici")
        assert (
            why[0]
            == "• Règle flood : « inondation » dans le texte — catégorie rumeur ; priorité URGENTE"
        )


async def test_a_broken_rule_file_keeps_the_old_rules(env: DeskEnv, no_watch: None) -> None:
    desk = env.desk
    rules_before = desk.rules
    app = DeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_detail(pilot, desk, env.ids["flood"])
        write_rules(
            env.path,
            RUMOUR_RULES + '[[rule]]\nname = "flood"\ncategory = "praise"\nwords = ["x"]\n',
        )
        await pilot.press("ctrl+r")
        await settle(pilot)
        errors = [n for n in notifications(app) if n.severity == "error"]
        assert len(errors) == 1
        assert errors[0].message.startswith(RULES_BAD)
        # what is wrong, with where (file:line), in the interface's French (issue 11)
        assert "le nom «\u00a0flood\u00a0» est utilisé deux fois" in errors[0].message
        assert "rules.toml:" in errors[0].message
        assert not any(RELOADED in m for m in messages(app))
        assert app.is_running

        assert desk.rules is rules_before
        assert desk.ingest.rules is rules_before
        assert desk.queries.detail(env.ids["flood"]).category == "complaint"
        assert "mention.retriaged" not in actions_of(desk, env.ids["flood"])
        new = ingest(desk, "mastodon", [mention("flood2", "Inondation au parc")])[0]
        assert desk.queries.detail(new).category == "complaint"  # new arrivals: old rules too

        (env.path / "rules.toml").write_text("[[rule]\nname = ", encoding="utf-8")  # not TOML
        await pilot.press("ctrl+r")
        await settle(pilot)
        errors = [n for n in notifications(app) if n.severity == "error"]
        assert len(errors) == 2
        assert errors[1].message.startswith(RULES_BAD)
        assert desk.rules is rules_before


async def test_an_unusable_rule_file_at_start_is_said_and_a_fix_is_picked_up(
    tmp_path: Path, no_watch: None
) -> None:
    """The rules are read just after the first paint (issue 16): a broken file no longer
    stops the desk from opening; the TUI says what is wrong, and the fixed file is used."""
    settings = write_config(tmp_path, DESK_TOML, rules='[[rule]]\nname = "x"\nwrods = ["eau"]\n')
    desk = open_test_desk(settings)
    app = DeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        errors = [n for n in notifications(app) if n.severity == "error"]
        assert len(errors) == 1
        assert errors[0].message.startswith(RULES_UNUSABLE)
        assert "rules.toml:3" in errors[0].message  # where, and what
        assert "Corrigez le fichier" in errors[0].message
        assert app.screen.query_one(QueueList) is not None  # the queue is there meanwhile

        write_rules(tmp_path, RULES_TOML)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert any(RELOADED in m for m in messages(app))
        new = ingest(desk, "mastodon", [mention("flood3", "Inondation au parc")])[0]
        assert desk.queries.detail(new).category == "complaint"  # triaged by the fixed file
    desk.close()


async def test_the_rule_file_is_watched(env: DeskEnv) -> None:
    desk, flood = env.desk, env.ids["flood"]
    app = DeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        write_rules(env.path, RUMOUR_RULES)
        await wait_for(pilot, lambda: any(RELOADED in m for m in messages(app)))  # no key pressed
        assert desk.queries.detail(flood).category == "rumour"
        assert "mention.retriaged" in actions_of(desk, flood)
        await goto(pilot, desk, flood)
        current = app.screen.query_one(QueueList).current
        assert current is not None
        assert current.category == "rumour"

        # Saved and reloaded at once with ctrl+r: the watch must not reload the same edit again.
        write_rules(env.path, RULES_TOML)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert desk.queries.detail(flood).category == "complaint"
        assert sum(RELOADED in m for m in messages(app)) == 2
        await pilot.pause(DeskApp.RULES_POLL_SECONDS + 0.5)
        await settle(pilot)
        assert sum(RELOADED in m for m in messages(app)) == 2


async def test_a_locked_database_during_reload_does_not_kill_the_desk(
    env: DeskEnv, monkeypatch: pytest.MonkeyPatch, no_watch: None
) -> None:
    app = DeskApp(env.desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr(env.desk.triage, "retriage", locked)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.is_running
        errors = [n.message for n in notifications(app) if n.severity == "error"]
        assert errors
        assert "La base est occupée" in errors[0]  # the interface's words (tui.errors.db_busy)
        assert "database is locked" not in "\n".join(errors)
        assert "UPDATE" not in "\n".join(errors)


# -- handing over -----------------------------------------------------------------------------
async def test_handover_moves_open_mentions(env: DeskEnv) -> None:
    desk = env.desk
    bruno = open_of(desk, "bruno")
    chloe = open_of(desk, "chloe")
    assert bruno
    assert chloe
    app = DeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("T")
        await settle(pilot)
        picker = app.screen  # mypy keeps isinstance(app.screen, ...) after the screen changes
        assert isinstance(picker, PickerScreen)
        assert "Transférer les mentions ouvertes de qui ?" in "\n".join(screen_lines(app))
        await pilot.press("down", "enter")  # amelie (me, highlighted), bruno, chloe
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        text = "\n".join(screen_lines(app))
        assert "Mentions ouvertes de bruno : les donner à…" in text
        assert "Bruno Gagnon (BG) — bruno" not in text  # not to oneself
        await pilot.press("down", "enter")  # amelie, chloe
        await settle(pilot)
        # asked first, with the count, the answer preset to no (issue 13)
        assert isinstance(app.screen, PickerScreen)
        text = "\n".join(screen_lines(app))
        assert f"Transférer {len(bruno)} mentions ouvertes : bruno → chloe ?" in text
        await pilot.press("up", "enter")  # yes
        await settle(pilot)
        assert not isinstance(app.screen, PickerScreen)

        assert open_of(desk, "bruno") == []
        assert open_of(desk, "chloe") == sorted(bruno + chloe)
        expected = f"{len(bruno)} mentions ouvertes transférées : bruno → chloe"
        assert expected in messages(app)
        for mention_id in bruno:
            assert actions_of(desk, mention_id)[-1] == "mention.handed_over"
        await goto(pilot, desk, env.ids["fr1"])  # the queue shows the new assignee
        current = app.screen.query_one(QueueList).current
        assert current is not None
        assert current.assignee == "chloe"


async def test_handover_can_be_cancelled_and_refusals_are_shown(
    env: DeskEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = env.desk
    bruno = open_of(desk, "bruno")
    app = DeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_detail(pilot, desk, env.ids["fr1"])  # T works on the detail screen too
        await pilot.press("T")
        await settle(pilot)
        await pilot.press("down", "enter", "escape")  # bruno, then no receiver
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert open_of(desk, "bruno") == bruno

        await pilot.press("T")
        await settle(pilot)
        await pilot.press("enter", "enter")  # amelie has nothing open: nothing to ask
        await settle(pilot)
        assert "amelie n'a aucune mention ouverte à transférer." in messages(app)

        monkeypatch.setattr(desk.inbox, "handover", locked)
        await pilot.press("T")
        await settle(pilot)
        await pilot.press("down", "enter", "enter")
        await settle(pilot)
        await pilot.press("up", "enter")  # yes, hand over
        await settle(pilot)
        assert app.is_running
        errors = [n.message for n in notifications(app) if n.severity == "error"]
        assert any("La base est occupée" in m for m in errors)
        assert not any("database is locked" in m or "UPDATE" in m for m in errors)
        assert open_of(desk, "bruno") == bruno


# -- the command palette ----------------------------------------------------------------------
async def pick_command(pilot: Pilot[Any], wanted: str) -> None:
    """Move down the palette's matches to the one whose text starts with ``wanted``, run it."""
    commands = pilot.app.screen.query_one(CommandList)
    for _ in range(commands.option_count + 1):
        await pilot.press("down")
        await settle(pilot)
        option = commands.get_option_at_index(commands.highlighted or 0)
        if str(option.prompt).startswith(wanted):
            await pilot.press("enter")
            await settle(pilot)
            return
    raise AssertionError(f"no palette command {wanted!r}")


async def test_palette_reloads_rules_and_hands_over(env: DeskEnv, no_watch: None) -> None:
    bruno = open_of(env.desk, "bruno")
    app = DeskApp(env.desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        write_rules(env.path, RUMOUR_RULES)
        await pilot.press("ctrl+p")
        await settle(pilot)
        palette = app.screen  # mypy keeps isinstance(app.screen, ...) after the screen changes
        assert isinstance(palette, CommandPalette)
        await pilot.press(*"recharger")
        await settle(pilot)
        await pick_command(pilot, "Recharger les règles de tri")
        assert [m for m in messages(app) if RELOADED in m] == [
            "Règles rechargées : 3 ; mentions ouvertes triées de nouveau : 1"
        ]
        assert env.desk.queries.detail(env.ids["flood"]).category == "rumour"

        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"transf")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        assert "Transférer les mentions ouvertes de qui ?" in "\n".join(screen_lines(app))
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, PickerScreen)
        assert open_of(env.desk, "bruno") == bruno  # cancelled: nothing moved
