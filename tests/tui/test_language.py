"""Language: catalogs match, and L flips every visible label, footer keys included."""

from __future__ import annotations

from textual.command import CommandPalette

from desk.i18n import load_strings
from desk.tui.app import DeskApp
from desk.tui.commands import ENTRIES, DeskCommands
from desk.tui.screens.queue import QueueScreen
from tests.helpers.tui import DeskEnv, goto, screen_lines, settle


def footer(app: DeskApp) -> list[str]:
    """What the footer shows: the shown keys' descriptions and the titles of their groups
    (read from the screen's active bindings, which the Footer draws)."""
    shown = [active.binding for active in app.screen.active_bindings.values()]
    keys = [b.description for b in shown if b.show and b.description]
    return keys + [b.group.description for b in shown if b.show and b.group is not None]


def test_catalogs_have_the_same_tui_keys() -> None:
    en, fr = load_strings("en"), load_strings("fr")
    assert {k for k in en if k.startswith("tui.")} == {k for k in fr if k.startswith("tui.")}
    for _action, key in ENTRIES:  # every palette entry is labelled in both languages
        assert key in en
        assert en[key] != fr[key]


async def test_l_switches_labels_everywhere(env: DeskEnv) -> None:
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert "Vue : Ouvertes" in screen_lines(app)[0]
        assert "Priorité" in screen_lines(app)[1]
        assert {
            "Attribuer",
            "Prendre",
            "Fermer",
            "Indésirable",
            "Répondre",
            "Historique",
            "Vues",
        } <= set(footer(app))

        await pilot.press("L")
        await settle(pilot)
        assert app.catalog.language == "en"
        assert "View: Open" in screen_lines(app)[0]
        assert "Priority" in screen_lines(app)[1]
        assert {"Assign", "Take", "Close", "Spam", "Reply", "History", "Views", "Quit"} <= set(
            footer(app)
        )
        assert "Attribuer" not in footer(app)

        await goto(pilot, env.desk, env.ids["fr1"])
        await pilot.press("enter")
        await settle(pilot)
        text = "\n".join(screen_lines(app))
        assert "Why it is here" in text
        assert "Back" in footer(app)
        await pilot.press("L")
        await settle(pilot)
        text = "\n".join(screen_lines(app))
        assert "Pourquoi elle est ici" in text
        assert "Retour" in footer(app)
        await pilot.press("escape")
        await settle(pilot)
        assert "Vue : Ouvertes" in screen_lines(app)[0]  # the screen below followed too
        assert "Attribuer" in footer(app)


async def test_command_palette_lists_actions_in_the_current_language(env: DeskEnv) -> None:
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        provider = DeskCommands(app.screen)
        labels = [label for label, _ in provider.available()]
        assert "Attribuer la mention" in labels
        assert "Journal d'audit" in labels
        assert "Vue\u00a0: les miennes" in labels  # French typography
        await pilot.press("ctrl+p")
        await settle(pilot)
        palette = app.screen  # mypy keeps isinstance(app.screen, ...) after the screen changes
        assert isinstance(palette, CommandPalette)
        await pilot.press(*"miennes")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        assert queue.view == "mine"
