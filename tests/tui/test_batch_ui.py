"""One approved correction to many in the terminal interface: ``b`` on marked mentions picks a
library answer and prepares a batch; the approval screen (V) shows the batch as one item,
``y`` approves every reply of it at once, and follows it while it posts (``p`` pauses, ``r``
resumes)."""

from __future__ import annotations

from desk.answers.ranking import AnswerView
from desk.crisis.batch import prepare
from desk.tui.app import DeskApp
from desk.tui.batch_reply import answer_titles
from desk.tui.dialogs.picker import PickerScreen
from tests.cli.test_crisis import LIBRARY
from tests.helpers.tui import DeskEnv, colleague, goto, notes, screen_lines, settle
from tests.unit.replies.test_outbox import FakePlatform, live


async def test_mark_prepare_then_approve_a_batch_as_one_item(env: DeskEnv) -> None:
    env.desk.answers.import_text(LIBRARY, "library.toml")
    targets = [env.ids["en1"], env.ids["fr1"]]
    bruno = colleague(env, "bruno")
    try:
        app = DeskApp(bruno)
        async with app.run_test(size=(150, 40)) as pilot:
            await settle(pilot)
            for mid in targets:
                await goto(pilot, bruno, mid)
                await pilot.press("space")
            await pilot.press("b")
            await settle(pilot)
            assert isinstance(app.screen, PickerScreen)
            await pilot.press("enter")  # the only answer: "water"
            await settle(pilot, 8)
            assert "Lot 1 préparé : en attente d'approbation : 2" in notes(app)
    finally:
        bruno.close()
    for mid in targets:
        (reply,) = env.desk.queries.detail(mid).replies
        assert (reply.status, reply.approval_reasons[0]) == ("pending_approval", "batch")

    app = DeskApp(env.desk)  # amelie, a supervisor
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await pilot.press("V")
        await settle(pilot)
        text = "\n".join(screen_lines(app))
        assert "lot 1 · ×2" in text  # one row for the batch, not one per reply
        assert "réponse groupée" in text
        await pilot.press("e")  # a batch is approved as prepared
        await settle(pilot)
        assert "s'approuve tel qu'il a été préparé" in notes(app)
        await pilot.press("y")
        await settle(pilot, 8)
        assert "Lot 1 approuvé : réponses qui partent au rythme du lot : 2." in notes(app)
    statuses = [env.desk.queries.detail(mid).replies[0].status for mid in targets]
    assert statuses == ["sent_offline", "sent_offline"]


async def test_a_posting_batch_is_followed_paused_and_resumed_from_the_approval_screen(
    env: DeskEnv,
) -> None:
    env.desk.answers.import_text(LIBRARY, "library.toml")
    bruno = colleague(env, "bruno")
    try:
        batch = prepare(bruno.crisis, bruno.batches, [env.ids["en1"], env.ids["fr1"]], "water")
    finally:
        bruno.close()
    assert batch.batch_id is not None
    live(env.desk, FakePlatform())  # a live channel: approved replies wait for their turn
    assert env.desk.batches.approve(batch.batch_id).progress.counts == {"queued": 2}

    app = DeskApp(env.desk)  # amelie, a supervisor
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("V")
        await settle(pilot)
        text = "\n".join(screen_lines(app))
        assert "lot 1 · 0/2" in text  # after the waiting items, with its progress
        assert "en cours d'envoi" in text
        assert "? Aide" in text  # the footer still fits at 80 columns
        assert "0 sur 2 envoyées, 2 à venir" in text
        await pilot.press("y")  # approved already: said, nothing done
        await settle(pilot)
        assert "Le lot 1 est déjà approuvé" in notes(app)
        await pilot.press("p")
        await settle(pilot, 8)
        assert "Lot 1 en pause : ses réponses attendent" in notes(app)
        assert env.desk.batches.progress(batch.batch_id).status == "paused"
        assert "en pause avec 0 sur 2 envoyées" in "\n".join(screen_lines(app))
        await pilot.press("r")
        await settle(pilot, 8)
        assert "Lot 1 repris" in notes(app)
    progress = env.desk.batches.progress(batch.batch_id)
    assert (progress.status, progress.counts) == ("approved", {"queued": 2})


def test_the_answer_picker_titles_answers_in_the_interface_language() -> None:
    def answer(name: str, language: str, title: str) -> AnswerView:
        return AnswerView(
            id=0, name=name, language=language, title=title, body="", source_url=None,
            version=1, expires_on=None, tags=(), categories=(), pre_approved=False,
            source_changed=False,
        )  # fmt: skip

    answers = [
        answer("arenas", "en", "Arenas and rinks"),
        answer("arenas", "fr", "Arénas et patinoires"),
        answer("permits", "en", "Building permits"),  # no French version: its own title
    ]
    assert answer_titles(answers, "fr") == [
        ("arenas", "Arénas et patinoires"),
        ("permits", "Building permits"),
    ]
    assert answer_titles(answers, "en")[0] == ("arenas", "Arenas and rinks")
