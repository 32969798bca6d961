"""The staff screen (W): everyone sees the team; an admin changes a role, deactivates someone
(and hands their open mentions over), adds a person; a non-admin is told they need an admin;
names from desk.toml are shown literally, never as markup or terminal controls."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from desk.config import load_config
from desk.tui.app import DeskApp
from desk.tui.dialogs.picker import PickerScreen
from desk.tui.dialogs.staff_form import StaffForm
from desk.tui.screens.staff import StaffLoaded, StaffScreen
from tests.helpers.clock import RunningClock
from tests.helpers.tui import (
    DESK_TOML,
    DeskEnv,
    controls_on_screen,
    feed,
    notes,
    open_tui_desk,
    screen_lines,
    settle,
)

HOSTILE = "[red]Chloé[/red] [@click=app.quit()]x[/]"
STAFF_TOML = DESK_TOML.replace(
    'role = "supervisor"', 'role = "admin"  # manages the staff'
).replace(
    'display_name = "Chloé Martin"',
    # TOML escapes: ESC ] 0 ; ... BEL would retitle the terminal window if it reached it
    'display_name = "' + HOSTILE + ' \\u001b]0;pwned\\u0007"',
)


@pytest.fixture
def staff_env(tmp_path: Path) -> Iterator[DeskEnv]:
    """A fed desk whose desk.toml makes amelie the admin and gives chloe a hostile name."""
    clock = RunningClock()
    desk = open_tui_desk(tmp_path, clock=clock, text=STAFF_TOML)
    ids = feed(desk)
    yield DeskEnv(desk, ids, tmp_path, clock)
    desk.close()


async def open_staff(pilot: Pilot[Any]) -> StaffScreen:
    await settle(pilot)
    await pilot.press("W")
    await settle(pilot)
    assert isinstance(pilot.app.screen, StaffScreen)
    return pilot.app.screen


def text_of(app: DeskApp) -> str:
    return "\n".join(screen_lines(app))


async def test_an_admin_changes_a_role(staff_env: DeskEnv) -> None:
    app = DeskApp(staff_env.desk)
    async with app.run_test(size=(140, 36)) as pilot:
        await open_staff(pilot)
        shown = text_of(app)
        assert "Équipe · 3 personnes" in shown
        assert "Vous êtes admin" in shown
        assert "Bruno Gagnon" in shown
        await pilot.press("down", "r")  # bruno
        await settle(pilot)
        picker = app.screen  # mypy keeps isinstance(app.screen, ...) after the screen changes
        assert isinstance(picker, PickerScreen)
        assert "Rôle de Bruno Gagnon" in text_of(app)
        await pilot.press("down", "enter")  # agent·e -> superviseur·e
        await settle(pilot, 8)
        assert isinstance(app.screen, StaffScreen)
        assert "Bruno Gagnon : rôle superviseur·e." in notes(app)
        bruno_line = next(line for line in screen_lines(app) if "Bruno Gagnon" in line)
        assert "superviseur·e" in bruno_line
        await pilot.press("L")  # English: titles, roles and notes follow
        await settle(pilot)
        shown = text_of(app)
        assert "Staff · 3 people" in shown
        assert "You are an admin" in shown
        assert "Languages" in shown
        assert "supervisor" in next(line for line in screen_lines(app) if "Bruno Gagnon" in line)
    bruno = load_config(staff_env.path / "desk.toml").staff_named("bruno")
    assert bruno is not None
    assert bruno.role == "supervisor"
    event = staff_env.desk.queries.audit_log(limit=1)[0]
    assert (event.action, event.actor, event.data["to"]) == (
        "staff.role_changed",
        "amelie",
        "supervisor",
    )


async def test_a_longer_role_is_drawn_whole_at_once(staff_env: DeskEnv) -> None:
    """The flaky cause of the test above: a paint between the list arriving and the table
    measuring its new cells (when idle) cut "superviseur·e" at the old width ("supervi"), and the
    cut row stayed cached. Here the list is handled and the screen painted before any idle."""
    app = DeskApp(staff_env.desk)
    async with app.run_test(size=(140, 36)) as pilot:
        screen = await open_staff(pilot)
        people = [replace(p, role="supervisor") if p.name == "bruno" else p for p in screen.people]
        screen.on_staff_loaded(StaffLoaded(people))  # as the worker's message would, then
        shown = screen_lines(app)  # a paint before the table's idle measure
        assert "superviseur·e" in next(line for line in shown if "Bruno" in line)
        await settle(pilot)
        assert "superviseur·e" in next(line for line in screen_lines(app) if "Bruno" in line)


async def test_a_non_admin_sees_the_list_and_is_refused(staff_env: DeskEnv) -> None:
    bruno = staff_env.open_as("bruno")
    before = (staff_env.path / "desk.toml").read_text(encoding="utf-8")
    try:
        app = DeskApp(bruno)
        async with app.run_test(size=(140, 36)) as pilot:
            await open_staff(pilot)
            shown = text_of(app)
            assert "Consultation seulement : modifier l'équipe demande un admin (amelie)." in shown
            assert "Amélie Bouchard" in shown
            for key in ("r", "d", "a"):
                await pilot.press(key)
                await settle(pilot)
                assert isinstance(app.screen, StaffScreen)  # no picker, no form
            assert notes(app).count("seul un admin peut gérer l'équipe") == 3
            await pilot.press("down", "p")  # his own passphrase is his to set
            await settle(pilot)
            assert isinstance(app.screen, StaffForm)
    finally:
        bruno.close()
    assert (staff_env.path / "desk.toml").read_text(encoding="utf-8") == before


async def test_names_are_shown_literally(staff_env: DeskEnv) -> None:
    app = DeskApp(staff_env.desk)
    async with app.run_test(size=(160, 36)) as pilot:
        await open_staff(pilot)
        await pilot.press("down", "down")  # chloe, whose display name is hostile
        await settle(pilot)
        shown = text_of(app)
        assert HOSTILE in shown  # the detail pane, as typed
        assert "[red]Chloé[/red] [@click=app.quit()]x[/…" in shown  # the table's cut cell
        assert controls_on_screen(app) == []  # ESC ] 0 would retitle the window
        assert "␛]0;pwned␇" in shown  # the control characters made visible
        await pilot.press("d")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        assert f"Désactiver {HOSTILE}" in text_of(app)
        await pilot.press("escape")
        await settle(pilot)
        assert app.is_running
        assert isinstance(app.screen, StaffScreen)


async def test_deactivate_then_hand_over_the_open_mentions(staff_env: DeskEnv) -> None:
    desk = staff_env.desk
    open_before = [p.open_mentions for p in desk.staff.list_staff() if p.name == "bruno"][0]
    assert open_before > 0  # [routing] fr = "bruno"
    app = DeskApp(desk)
    async with app.run_test(size=(140, 36)) as pilot:
        await open_staff(pilot)
        await pilot.press("down", "d")
        await settle(pilot)
        assert "Désactiver Bruno Gagnon ?" in text_of(app)
        await pilot.press("enter")  # the highlighted choice is "Annuler"
        await settle(pilot)
        bruno = load_config(staff_env.path / "desk.toml").staff_named("bruno")
        assert bruno is not None
        assert bruno.active
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("up", "enter")  # "Oui, désactiver Bruno Gagnon"
        await settle(pilot, 8)
        assert f"{open_before} mentions ouvertes lui restent" in notes(app)  # a plural form
        picker = app.screen
        assert isinstance(picker, PickerScreen)  # whom to give them to
        shown = text_of(app)
        assert f"{open_before} mentions ouvertes de Bruno Gagnon : les donner à…" in shown
        assert "bruno" not in [line.rsplit("— ", 1)[-1].strip() for line in screen_lines(app)]
        await pilot.press("enter")  # the first active colleague
        await settle(pilot, 8)
        assert isinstance(app.screen, StaffScreen)
        bruno_line = next(line for line in screen_lines(app) if "Bruno Gagnon" in line)
        assert "désactivé·e" in bruno_line
        assert bruno_line.split()[-1] == "0"  # no open load left
    bruno = load_config(staff_env.path / "desk.toml").staff_named("bruno")
    assert bruno is not None
    assert not bruno.active
    assert [p.open_mentions for p in desk.staff.list_staff() if p.name == "bruno"] == [0]


async def test_an_admin_adds_a_person_and_a_refusal_keeps_the_form(staff_env: DeskEnv) -> None:
    app = DeskApp(staff_env.desk)
    async with app.run_test(size=(140, 36)) as pilot:
        await open_staff(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, StaffForm)
        await pilot.press(*"Dora L", "tab", *"Dora Laporte", "tab", *"DL")
        await pilot.press("ctrl+s")
        await settle(pilot, 8)
        assert "ne peut pas servir d'identifiant" in notes(app)
        form = app.screen
        assert isinstance(form, StaffForm)  # back, with what was typed
        assert form.values()["display_name"] == "Dora Laporte"
        form.query_one("#field-name").value = "dora"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot, 8)
        assert isinstance(app.screen, StaffScreen)
        assert "Dora Laporte ajouté·e à l'équipe (agent·e)." in notes(app)
        assert "Équipe · 4 personnes" in text_of(app)
    dora = load_config(staff_env.path / "desk.toml").staff_named("dora")
    assert dora is not None
    assert (dora.initials, dora.languages, dora.role) == ("DL", ["fr", "en"], "agent")
