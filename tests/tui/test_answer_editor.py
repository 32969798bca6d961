"""The answer library screen (B): a supervisor creates and edits answers in the form and uses them
with ctrl+o; a refused field keeps what was typed; agents read but cannot edit; hostile answer
text stays literal."""

from __future__ import annotations

from datetime import date
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static, TextArea

from desk.db import transaction
from desk.db.tables import Answer
from desk.tui.app import DeskApp
from desk.tui.dialogs.answer_form import AnswerForm
from desk.tui.dialogs.picker import PickerScreen
from desk.tui.screens.answers import AnswersScreen
from tests.helpers.tui import (
    DeskEnv,
    controls_on_screen,
    notes,
    open_composer,
    screen_lines,
    settle,
)


def text(app: DeskApp) -> str:
    return "\n".join(screen_lines(app))


async def open_library(pilot: Pilot[Any]) -> AnswersScreen:
    await settle(pilot)
    await pilot.press("B")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, AnswersScreen)
    return screen


async def type_into(pilot: Pilot[Any], selector: str, value: str) -> None:
    await pilot.click(selector)
    await pilot.press(*value)


async def test_supervisor_creates_and_edits_an_answer_then_inserts_it(env: DeskEnv) -> None:
    target = env.ids["en1"]  # "When does the outdoor pool open this summer?" (question)
    author = env.desk.queries.detail(target).author_handle
    app = DeskApp(env.desk)
    async with app.run_test(size=(130, 42)) as pilot:
        library = await open_library(pilot)
        assert "Bibliothèque de réponses types · 0" in text(app)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, AnswerForm)
        await pilot.press(*"pool-hours")  # the name field has the focus
        await pilot.click("#answer-language")
        await settle(pilot)
        await pilot.press("down", "enter")  # français -> English
        await type_into(pilot, "#answer-title", "Outdoor pool")
        await type_into(pilot, "#answer-body", "Hello {author}, the pool opens on June 20: {link}")
        await type_into(pilot, "#answer-source", "https://ville.example/pool")
        await type_into(pilot, "#answer-tags", "pool, summer")
        await pilot.click("#answer-cat-question")
        await pilot.click("#answer-pre-approved")
        await pilot.press("ctrl+s")
        await settle(pilot)
        shown = app.screen  # mypy keeps `app.screen is x` after the screen changes
        assert shown is library
        assert "Réponse type pool-hours (en) créée (v1)." in notes(app)
        created = env.desk.answers.named("pool-hours", "en")
        assert (created.title, created.body) == (
            "Outdoor pool",
            "Hello {author}, the pool opens on June 20: {link}",
        )
        assert (created.tags, created.categories, created.pre_approved) == (
            ("pool", "summer"),
            ("question",),
            True,
        )
        assert "pool-hours" in text(app)

        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, AnswerForm)
        assert form.query_one("#answer-name", Input).disabled  # names do not change
        assert "v1 → v2" in text(app)
        body = form.query_one("#answer-body", TextArea)
        assert body.text == created.body
        await pilot.click("#answer-body")
        body.move_cursor(body.document.end)
        await pilot.press(*" Welcome!")
        await pilot.press("ctrl+s")
        await settle(pilot)
        shown = app.screen
        assert shown is library
        assert "Réponse type pool-hours (en) enregistrée (v2)." in notes(app)
        edited = env.desk.answers.named("pool-hours", "en")
        assert (edited.version, edited.body) == (2, created.body + " Welcome!")
        table = library.query_one(DataTable)
        assert "v2" in str(table.get_row_at(table.cursor_row)[2])

        await pilot.press("escape")
        composer = await open_composer(pilot, env, "en1")
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        assert "Outdoor pool (v2) — pré-approuvée" in text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert composer.body == (
            f"Hello {author}, the pool opens on June 20: https://ville.example/pool Welcome!"
        )
    updated = [e for e in env.desk.queries.audit_log(limit=50) if e.action == "answer.updated"]
    assert updated[0].data["changes"]["body"]["before"] == created.body


async def test_an_invalid_expiry_is_shown_and_nothing_typed_is_lost(env: DeskEnv) -> None:
    app = DeskApp(env.desk)
    async with app.run_test(size=(130, 42)) as pilot:
        await open_library(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, AnswerForm)
        form = app.screen  # typed AnswerForm, which `app.screen is form` below keeps
        await pilot.press(*"snow")
        await type_into(pilot, "#answer-title", "Déneigement")
        await type_into(pilot, "#answer-body", "Bonjour {author}, voyez {link}")
        await type_into(pilot, "#answer-expires", "2026-31-12")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # still open
        error = str(form.query_one("#answer-form-error", Static).render())
        assert "expires_on\u00a0: date attendue au format AAAA-MM-JJ" in error
        expires = form.query_one("#answer-expires", Input)
        assert expires.has_class("-invalid")
        assert expires.has_focus
        assert form.fields() == {
            "name": "snow",
            "language": "fr",
            "title": "Déneigement",
            "body": "Bonjour {author}, voyez {link}",
            "source_url": None,
            "expires_on": "2026-31-12",
            "tags": [],
            "categories": [],
            "pre_approved": False,
        }
        assert env.desk.answers.list() == []

        await pilot.press("escape")  # something was typed: the first Escape only warns
        await settle(pilot)
        assert app.screen is form
        assert "Modifications non enregistrées" in text(app)

        expires.value = ""
        await pilot.click("#answer-expires")
        await pilot.press(*"2026-12-31")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, AnswersScreen)
    saved = env.desk.answers.named("snow", "fr")
    assert (saved.expires_on, saved.body) == (date(2026, 12, 31), "Bonjour {author}, voyez {link}")


async def test_an_agent_reads_the_library_but_is_told_no(env: DeskEnv) -> None:
    env.desk.answers.create(
        {"name": "pool", "language": "fr", "title": "Piscine", "body": "Ouverte le 20 juin."}
    )
    bruno = env.open_as("bruno")
    try:
        app = DeskApp(bruno)
        async with app.run_test(size=(130, 42)) as pilot:
            library = await open_library(pilot)
            shown = text(app)
            assert "lecture seule" in shown
            assert "Ouverte le 20 juin." in shown  # the preview
            for key in ("e", "n", "d"):
                await pilot.press(key)
                await settle(pilot)
                assert app.screen is library  # no form, no confirmation
            assert notes(app).count("Seul un superviseur peut modifier la bibliothèque") == 3
    finally:
        bruno.close()
    pool = env.desk.answers.named("pool", "fr")
    assert (pool.version, pool.active) == (1, True)


async def test_markup_and_terminal_escapes_in_answers_are_shown_literally(env: DeskEnv) -> None:
    # Validation refuses control characters now; a row written before that (or by another
    # tool) must still be shown safely, in the table, the preview and the form.
    with transaction(env.desk.answers.write_factory) as session:
        session.add(
            Answer(
                name="hostile",
                language="fr",
                title="[bold]x[/] titre",
                body="Voir [bold]x[/] et [@click=app.quit()]clic[/] \x1b]52;c;SGVsbG8=\x07 \x1b[2J fin",
                tags='["[red]t[/red]"]',
                source_url="https://ville.example/[/]",
                updated_at=env.clock(),
            )
        )
    app = DeskApp(env.desk)
    async with app.run_test(size=(130, 42)) as pilot:
        await open_library(pilot)
        shown = text(app)
        assert "[bold]x[/] titre" in shown
        assert "Voir [bold]x[/] et [@click=app.quit()]clic[/] ␛]52;c;SGVsbG8=␇ ␛[2J fin" in shown
        assert "[red]t[/red]" in shown
        assert controls_on_screen(app) == []

        await pilot.press("L")  # in English, the columns still fit their content
        await settle(pilot)
        shown = text(app)
        assert "Answer library · 1" in shown
        assert "hostile  fr" in shown
        assert "Voir [bold]x[/] et [@click=app.quit()]clic[/] ␛]52;c;SGVsbG8=␇ ␛[2J fin" in shown

        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, AnswerForm)
        assert "\x1b" not in form.query_one("#answer-body", TextArea).text
        assert "[bold]x[/] titre" in text(app)
        assert controls_on_screen(app) == []
