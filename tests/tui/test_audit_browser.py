"""The audit browser: action and date filters combined with person and mention, shown in the
header and cleared with one key; paging under a filter; the timeline of a mention from the
audit screen and from the detail screen (h); hostile text in both stays literal."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label, OptionList, Static

from desk.tui.app import DeskApp
from desk.tui.dialogs.date_prompt import DatePrompt
from desk.tui.dialogs.picker import PickerScreen
from desk.tui.screens.audit import AuditScreen
from desk.tui.screens.detail import DetailScreen
from desk.tui.screens.timeline import TimelineScreen
from tests.helpers.tui import (
    HOSTILE_TEXTS,
    DeskEnv,
    controls_on_screen,
    goto,
    ingest,
    links_on_screen,
    mention,
    screen_lines,
    settle,
)

BAD = ("\x1b", "\u202e", "\x07", "\x9b")


def column(app: DeskApp, index: int) -> list[str]:
    table = app.screen.query_one(DataTable)
    return [str(table.get_row_at(i)[index]) for i in range(table.row_count)]


def header(app: DeskApp) -> str:
    return str(app.screen.query_one("#audit-header", Static).render())


def assert_clean(app: DeskApp) -> str:
    """What the screen shows has no control or bidi character: no escape (OSC 52, CSI 2J,
    OSC 0...) reaches the terminal, and no text became a hyperlink."""
    text = "\n".join(screen_lines(app))
    assert not any(ch in text for ch in BAD), [ch for ch in BAD if ch in text]
    assert controls_on_screen(app) == []
    assert links_on_screen(app) == set()
    return text


async def open_audit(pilot: Pilot[Any], app: DeskApp) -> AuditScreen:
    await settle(pilot)
    await pilot.press("A")
    await settle(pilot)
    assert isinstance(app.screen, AuditScreen)
    return app.screen


async def pick(pilot: Pilot[Any], app: DeskApp, value: str) -> None:
    """Choose ``value`` in the open picker with the arrow keys."""
    assert isinstance(app.screen, PickerScreen)
    options = app.screen.query_one(OptionList)
    target = next(
        i for i in range(options.option_count) if options.get_option_at_index(i).id == value
    )
    await pilot.press("home", *["down"] * target, "enter")
    await settle(pilot)


async def type_day(pilot: Pilot[Any], app: DeskApp, text: str) -> None:
    """Replace the date prompt's field with ``text`` and press Enter."""
    assert isinstance(app.screen, DatePrompt)
    field = app.screen.query_one(Input)
    await pilot.press(*["backspace"] * len(field.value), *text, "enter")
    await settle(pilot)


async def test_filter_by_action_then_family_then_clear(env: DeskEnv) -> None:
    desk = env.desk
    desk.inbox.claim(env.ids["fr1"])
    desk.inbox.close(env.ids["en1"])
    app = DeskApp(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_audit(pilot, app)
        everything = len(desk.queries.audit_log(limit=5000))
        assert screen.query_one(DataTable).row_count == everything
        assert "tout le journal" in header(app)

        await pilot.press("a")
        await settle(pilot)
        picker = app.screen  # mypy keeps isinstance(app.screen, ...) after the screen changes
        assert isinstance(picker, PickerScreen)
        offered = picker.query_one(OptionList)
        ids = [offered.get_option_at_index(i).id for i in range(offered.option_count)]
        # everything, then each family before its actions (one of a single action: just it)
        assert ids[:3] == ["*", "approval.policy_set", "mention.*"]
        assert {"mention.claimed", "mention.closed", "mention.ingested", "staff.added"} <= set(ids)
        await pick(pilot, app, "mention.claimed")
        assert app.screen is screen
        assert column(app, 3) == ["mention.claimed"]
        assert column(app, 4) == [f"#{env.ids['fr1']}"]
        assert "action\u00a0: mention.claimed" in header(app)
        assert "c\u00a0: effacer les filtres" in header(app)

        await pilot.press("a")
        await settle(pilot)
        await pick(pilot, app, "mention.*")
        assert column(app, 3) == [
            e.action for e in desk.queries.audit_log(limit=5000) if e.action.startswith("mention.")
        ]
        assert {"mention.claimed", "mention.closed", "mention.ingested"} <= set(column(app, 3))

        await pilot.press("p")  # combined with a person: amelie did the claim and the close
        await settle(pilot)
        await pick(pilot, app, "amelie")
        assert "personne\u00a0: amelie · action\u00a0: mention.*" in header(app)
        assert sorted(column(app, 3)) == sorted(
            e.action
            for e in desk.queries.audit_log(actor="amelie", limit=5000)
            if e.action.startswith("mention.")
        )
        await pilot.press("i")
        await settle(pilot)
        await pilot.press(*str(env.ids["en1"]), "enter")
        await settle(pilot)
        assert column(app, 3) == ["mention.closed", "mention.ingested"]
        assert f"mention nº {env.ids['en1']}" in header(app)

        await pilot.press("c")
        await settle(pilot)
        assert screen.query_one(DataTable).row_count == everything
        assert "tout le journal" in header(app)
        assert "effacer" not in header(app)


async def test_filter_by_days_in_the_screen(env: DeskEnv) -> None:
    desk = env.desk
    today = env.clock().date()  # the test desk's time zone is UTC
    tomorrow, yesterday = today + timedelta(days=1), today - timedelta(days=1)
    app = DeskApp(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_audit(pilot, app)
        table = screen.query_one(DataTable)
        everything = table.row_count

        await pilot.press("d")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, DatePrompt)
        await type_day(pilot, app, "2026-13-45")  # no such day: said in place, prompt stays
        prompt = app.screen
        assert isinstance(prompt, DatePrompt)
        error = str(prompt.query_one("#date-prompt-error", Label).render())
        assert "n'est pas une date comme 2026-11-21" in error
        await type_day(pilot, app, tomorrow.isoformat())
        prompt = app.screen
        assert isinstance(prompt, DatePrompt)  # then the end of the period
        await type_day(pilot, app, "")
        assert app.screen is screen
        assert table.row_count == 0
        assert f"depuis le {tomorrow.isoformat()}" in header(app)

        await pilot.press("d")
        await settle(pilot)
        assert app.screen.query_one(Input).value == tomorrow.isoformat()  # the current bound
        await type_day(pilot, app, today.isoformat())
        await type_day(pilot, app, yesterday.isoformat())  # ends before it starts: refused
        assert app.screen is screen
        assert f"depuis le {tomorrow.isoformat()}" in header(app)  # unchanged
        assert table.row_count == 0

        await pilot.press("d")
        await settle(pilot)
        await type_day(pilot, app, today.isoformat())
        await type_day(pilot, app, today.isoformat())
        assert table.row_count == everything
        assert f"· le {today} ·" in header(app)  # one day: said once

        await pilot.press("d")
        await settle(pilot)
        await type_day(pilot, app, "")
        await type_day(pilot, app, yesterday.isoformat())
        assert table.row_count == 0
        await pilot.press("a")  # combined with an action, then everything cleared
        await settle(pilot)
        await pick(pilot, app, "mention.ingested")
        assert table.row_count == 0
        assert f"action\u00a0: mention.ingested · jusqu'au {yesterday}" in header(app)
        await pilot.press("c")
        await settle(pilot)
        assert table.row_count == everything


async def test_filtered_pages_of_500(env: DeskEnv) -> None:
    ingest(env.desk, "mastodon", [mention(f"p{i}", f"texte {i}") for i in range(600)])
    env.desk.inbox.claim(env.ids["fr1"])
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_audit(pilot, app)
        await pilot.press("a")
        await settle(pilot)
        await pick(pilot, app, "mention.ingested")
        table = screen.query_one(DataTable)
        assert table.row_count == 500
        assert "n\u00a0: charger plus" in header(app)
        await pilot.press("n")
        await settle(pilot)
        ingested = [
            e for e in env.desk.queries.audit_log(limit=5000) if e.action == "mention.ingested"
        ]
        assert table.row_count == len(ingested)
        assert column(app, 0) == [str(e.seq) for e in ingested]  # newest first, no gap or repeat
        assert "charger plus" not in header(app)


async def test_timeline_from_the_audit_screen(env: DeskEnv) -> None:
    desk, target = env.desk, env.ids["fr1"]
    desk.inbox.assign(target, "chloe")
    desk.replies.send(target, "La collecte reprend lundi.")
    app = DeskApp(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_audit(pilot, app)
        assert column(app, 3)[0] == "reply.sent"  # the newest event, highlighted
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen)
        text = "\n".join(screen_lines(app))
        assert f"Chronologie · mention nº {target}" in text
        assert "Bonjour! Quand la collecte des ordures reprend-elle?" in text
        for words in (
            "Publiée sur mastodon par @userfr1@mastodon.example",
            "Arrivée dans desk (source : test)",
            "Attribuée à Chloé Martin (avant : Bruno Gagnon)",  # display names
            "Réponse d'Amélie Bouchard publiée (envoyée hors ligne) ; la mention est fermée",
            "Texte : La collecte reprend lundi.",
            "—AB",
            "première réponse",
            "Heures de UTC",
        ):
            assert words in text, words
        lines = screen_lines(app)
        order = [
            next(i for i, line in enumerate(lines) if w in line)
            for w in ("Publiée", "Arrivée", "Attribuée à Chloé Martin", "publiée (envoyée")
        ]
        assert order == sorted(order)  # oldest first

        await pilot.press("L")  # the timeline follows the language switch
        await settle(pilot)
        text = "\n".join(screen_lines(app))
        assert "Reply by Amélie Bouchard posted (sent offline); the mention is closed" in text
        assert "first reply" in text
        await pilot.press("L")
        await settle(pilot)

        await pilot.press("l")  # its raw events, from the timeline
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        assert set(column(app, 4)) == {f"#{target}"}
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert app.screen is screen

        await pilot.press("ctrl+end")  # the oldest event is a staff one: no mention, no timeline
        await settle(pilot)
        table = screen.query_one(DataTable)
        assert screen.events[table.cursor_row].action == "staff.added"
        await pilot.press("t")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("ctrl+home", "enter")  # Enter opens the mention's timeline too
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen)
        assert app.screen.mention_id == target


async def test_history_key_of_the_detail_screen_opens_the_timeline(env: DeskEnv) -> None:
    desk, target = env.desk, env.ids["en1"]
    app = DeskApp(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await goto(pilot, desk, target)
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, DetailScreen)
        await pilot.press("h")
        await settle(pilot)
        timeline = app.screen
        assert isinstance(timeline, TimelineScreen)
        assert "Triée : question" in "\n".join(screen_lines(app))

        await pilot.press("escape")
        await settle(pilot)
        back = app.screen
        assert isinstance(back, DetailScreen)
        await pilot.press("x")  # closed from the detail: an open timeline would follow
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen)
        assert app.screen is not timeline
        text = "\n".join(screen_lines(app))
        assert "Fermée" in text  # the step
        assert "après l'arrivée · fermée " in text  # and the milestone


async def test_hostile_text_in_the_timeline_and_the_audit_screen(env: DeskEnv) -> None:
    desk = env.desk
    evil_reply = "ok [/] [@click=app.quit()]x[/] \x1b]52;c;SGVsbG8=\x07 \x1b[2J \u202efin"
    desk.replies.send(env.ids["h-name"], evil_reply)
    app = DeskApp(desk)
    exits: list[object] = []
    async with app.run_test(size=(160, 45)) as pilot:
        app.exit = lambda *a, **k: exits.append(a)  # type: ignore[method-assign]
        await settle(pilot)
        for key in HOSTILE_TEXTS:  # from the queue, with h
            await goto(pilot, desk, env.ids[key])
            await pilot.press("h")
            await settle(pilot)
            assert isinstance(app.screen, TimelineScreen)
            text = assert_clean(app)
            if key == "h-markup":
                assert "[bold]x[/" in text
            if key == "h-click":
                assert "[@click=app.quit()]clic[/]" in text
            await pilot.press("escape")
            await settle(pilot)
        # the hostile name's mention, closed by the reply: from the audit screen
        await pilot.press("A")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        await pilot.press(*str(env.ids["h-name"]), "enter")
        await settle(pilot)
        assert column(app, 3)[0] == "reply.sent"
        assert_clean(app)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen)
        text = assert_clean(app)
        assert "@boss␛[0m" in text  # the handle, as the author of the post
        assert "ok [/] [@click=app.quit()]x[/] ␛]52;c;SGVsbG8=␇ ␛[2J \ufffdfin" in text
        assert exits == []
