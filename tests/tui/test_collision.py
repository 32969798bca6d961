"""The collision guard in the composer: entering it claims the mention, a colleague's claim is
shown and blocks sending until ctrl+t takes over, and a conversation that changed stops the send
with what changed (ctrl+s again then sends)."""

from __future__ import annotations

from desk.tui.app import DeskApp
from desk.tui.screens.queue import QueueScreen
from desk.tui.widgets.queue_list import QueueList
from tests.helpers.tui import (
    DeskEnv,
    colleague,
    notes,
    open_composer,
    open_ids,
    screen_lines,
    settle,
)


async def test_entering_the_composer_claims_the_mention(env: DeskEnv) -> None:
    target = env.ids["en1"]
    other = colleague(env)
    try:
        app = DeskApp(env.desk)
        async with app.run_test(size=(160, 45)) as pilot:
            await open_composer(pilot, env, "en1")
            await settle(pilot)
            seen = other.claims.start(target)
            assert (seen.mine, seen.holder) == (False, "amelie")
            await pilot.press("escape")  # leaving gives the claim back
            await settle(pilot, 8)
        assert other.claims.start(target).mine
    finally:
        other.close()


async def test_a_colleague_claim_blocks_until_taken_over(env: DeskEnv) -> None:
    target = env.ids["en1"]
    other = colleague(env)
    try:
        other.claims.start(target)
        app = DeskApp(env.desk)
        async with app.run_test(size=(160, 45)) as pilot:
            composer = await open_composer(pilot, env, "en1")
            await settle(pilot)
            assert "bruno répond déjà à cette mention" in notes(app)
            assert "ctrl+t pour prendre la main" in notes(app)
            composer.text_area.text = "La piscine ouvre le 20 juin."
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert env.desk.queries.detail(target).replies == []
            assert "bruno répond à la mention" in notes(app)
            assert composer.body == "La piscine ouvre le 20 juin."  # nothing lost
            await pilot.press("ctrl+t")
            await settle(pilot)
            assert "Vous avez pris la main" in notes(app)
            await pilot.press("ctrl+s")
            await settle(pilot)
        replies = env.desk.queries.detail(target).replies
        assert [(r.author, r.status) for r in replies] == [("amelie", "sent_offline")]
        history = [e.action for e in env.desk.queries.detail(target).history]
        assert "mention.reply_taken_over" in history
    finally:
        other.close()


async def test_a_changed_conversation_stops_the_send_once(env: DeskEnv) -> None:
    target = env.ids["en1"]
    other = colleague(env)
    try:
        app = DeskApp(env.desk)
        async with app.run_test(size=(160, 45)) as pilot:
            composer = await open_composer(pilot, env, "en1")
            await settle(pilot)
            other.claims.take_over(target)
            other.replies.send(target, "Opens June 20.")
            composer.text_area.text = "La piscine ouvre le 20 juin."
            await pilot.press("ctrl+s")
            await settle(pilot, 8)
            assert "La conversation a changé : bruno a envoyé une réponse" in notes(app)
            assert "l'état est passé de ouverte à fermée" in notes(app)
            authors = [r.author for r in env.desk.queries.detail(target).replies]
            assert authors == ["bruno"]
            assert composer.body == "La piscine ouvre le 20 juin."
            await pilot.press("ctrl+s")  # seen: sending again is a decision
            await settle(pilot, 8)
        authors = [r.author for r in env.desk.queries.detail(target).replies]
        assert authors == ["bruno", "amelie"]
    finally:
        other.close()


async def test_the_queue_shows_a_colleague_replying_without_a_keypress(env: DeskEnv) -> None:
    # The queue's own timer refreshes every 15 s; the change signal (desk.db.changes) makes a
    # colleague's claim show at once, the cursor staying on its row.
    assert QueueScreen.REFRESH_SECONDS >= 15
    other = colleague(env)
    try:
        app = DeskApp(env.desk)
        async with app.run_test(size=(160, 45)) as pilot:
            await settle(pilot)
            await pilot.press("j", "j")
            await settle(pilot)
            row = app.screen.query_one(QueueList).cursor
            assert row == 2
            assert "✎ bruno" not in "\n".join(screen_lines(app))
            other.claims.start(env.ids["en1"])  # in another terminal
            for _ in range(30):
                await pilot.pause(0.1)
                if "✎ bruno" in "\n".join(screen_lines(app)):
                    break
            assert "✎ bruno" in "\n".join(screen_lines(app))
            assert app.screen.query_one(QueueList).cursor == row
    finally:
        other.close()


async def test_an_answered_mention_needs_a_second_ctrl_s(env: DeskEnv) -> None:
    target = env.ids["en1"]
    other = colleague(env)
    try:
        other.replies.send(target, "Opens June 20.")  # before this desk opened the mention
        other.inbox.reopen(target)  # the citizen asks again: back in the open queue
        app = DeskApp(env.desk)
        async with app.run_test(size=(160, 45)) as pilot:
            composer = await open_composer(pilot, env, "en1")
            await settle(pilot)
            composer.text_area.text = "La piscine ouvre le 20 juin."
            await pilot.press("ctrl+s")
            await settle(pilot, 8)
            assert "a déjà une réponse" in notes(app)
            assert "ctrl+s de nouveau envoie quand même" in notes(app)
            assert "--again" not in notes(app)  # the interface's keys, not a command line
            assert [r.author for r in env.desk.queries.detail(target).replies] == ["bruno"]
            await pilot.press("ctrl+s")
            await settle(pilot, 8)
        replies = env.desk.queries.detail(target).replies
        assert [r.author for r in replies] == ["bruno", "amelie"]
        sent = [e for e in env.desk.queries.detail(target).history if e.action == "reply.sent"]
        assert any(e.data.get("again") == 1 for e in sent)
    finally:
        other.close()


async def test_a_displaced_drafter_is_told_at_once(env: DeskEnv) -> None:
    target = env.ids["en1"]
    other = colleague(env)
    try:
        app = DeskApp(env.desk)
        async with app.run_test(size=(160, 45)) as pilot:
            composer = await open_composer(pilot, env, "en1")
            await settle(pilot)
            composer.text_area.text = "La piscine ouvre le 20 juin."
            other.claims.take_over(target)  # in another terminal, no key pressed here
            for _ in range(30):
                await pilot.pause(0.1)
                if "bruno a pris la main sur cette réponse" in notes(app):
                    break
            assert "bruno a pris la main sur cette réponse" in notes(app)
            assert composer.body == "La piscine ouvre le 20 juin."  # nothing lost
    finally:
        other.close()


async def test_the_cursor_stays_on_its_mention_when_a_colleague_closes_one_above(
    env: DeskEnv,
) -> None:
    # Keeping the cursor where it was means on the mention one was reading: the rows below a
    # mention a colleague closed move up, and the cursor with its own; when its own mention is
    # the one closed, the cursor stays on the row, now the next mention.
    other = colleague(env)
    try:
        app = DeskApp(env.desk)
        async with app.run_test(size=(120, 35)) as pilot:
            await settle(pilot)
            queue = app.screen.query_one(QueueList)
            ids = open_ids(env.desk)
            await pilot.press("j", "j")
            await settle(pilot)
            assert queue.current is not None
            assert queue.current.id == ids[2]
            other.inbox.close(ids[0])  # in another terminal
            for _ in range(30):
                await pilot.pause(0.1)
                if queue.row_at(0) is not None and queue.row_at(0).id == ids[1]:  # type: ignore[union-attr]
                    break
            await settle(pilot)
            assert queue.current is not None
            assert queue.current.id == ids[2]
            assert queue.cursor == 1
            assert f"#{ids[2]} " in "\n".join(screen_lines(app))  # the preview: still it
            other.inbox.close(ids[2])  # now the mention under the cursor itself
            for _ in range(30):
                await pilot.pause(0.1)
                if queue.current is not None and queue.current.id != ids[2]:
                    break
            assert queue.current is not None
            assert queue.current.id == ids[3]
            assert queue.cursor == 1
    finally:
        other.close()
