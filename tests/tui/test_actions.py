"""Actions on a mention from the queue and the detail screen change the database and the audit."""

from __future__ import annotations

from textual.widgets import DataTable

from desk.db.store import QueueFilter
from desk.tui.app import DeskApp
from desk.tui.dialogs.picker import PickerScreen
from desk.tui.screens.audit import AuditScreen
from desk.tui.screens.detail import DetailScreen
from desk.tui.screens.timeline import TimelineScreen
from desk.tui.widgets.queue_list import QueueList
from tests.helpers.tui import DeskEnv, goto, notifications, screen_lines, settle


def actions_of(env: DeskEnv, mention_id: int) -> list[str]:
    return [e.action for e in reversed(env.desk.queries.audit_log(mention_id=mention_id))]


async def test_assign_claim_close_reopen_from_the_queue(env: DeskEnv) -> None:
    desk, target = env.desk, env.ids["fr1"]
    assert desk.queries.detail(target).assignee == "bruno"  # routed by language
    app = DeskApp(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueList)
        await goto(pilot, desk, target)

        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        await pilot.press("down", "down", "enter")  # amelie, bruno, chloe
        await settle(pilot)
        assert desk.queries.detail(target).assignee == "chloe"

        await pilot.press("m")
        await settle(pilot)
        assert desk.queries.detail(target).assignee == "amelie"
        assert queue.current is not None
        assert queue.current.assignee == "amelie"

        total = queue.total
        await pilot.press("x")
        await settle(pilot)
        assert desk.queries.detail(target).status == "closed"
        assert queue.total == total - 1  # gone from the open view
        assert queue.current is not None
        assert queue.current.id != target

        await pilot.press("4")  # done view
        await settle(pilot)
        await goto(pilot, desk, target, view="done")
        await pilot.press("o")
        await settle(pilot)
        assert desk.queries.detail(target).status == "open"

        assert actions_of(env, target) == [
            "mention.ingested",
            "mention.assigned",
            "mention.claimed",
            "mention.closed",
            "mention.reopened",
        ]
        assert queue.total == 0  # the done view is empty again
        await pilot.press("1")
        await settle(pilot)
        await goto(pilot, desk, target)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen)
        assert "Rouverte" in "\n".join(screen_lines(app))  # the readable history
        await pilot.press("l")  # its raw audit events
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        table = app.screen.query_one(DataTable)
        shown = [str(table.get_row_at(i)[3]) for i in range(table.row_count)]
        assert shown == [
            "mention.reopened",
            "mention.closed",
            "mention.claimed",
            "mention.assigned",
            "mention.ingested",
        ]


async def test_actions_from_the_detail_screen(env: DeskEnv) -> None:
    desk, target = env.desk, env.ids["en1"]
    app = DeskApp(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await goto(pilot, desk, target)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)

        await pilot.press("u")
        await settle(pilot)
        assert desk.queries.detail(target).assignee is None
        assert "personne" in "\n".join(screen_lines(app))  # the detail was re-read

        await pilot.press("C")
        await settle(pilot)
        await pilot.press("down", "enter")  # question (current), rumour
        await settle(pilot)
        assert desk.queries.detail(target).category == "rumour"

        await pilot.press("s")
        await settle(pilot)
        detail = desk.queries.detail(target)
        assert (detail.category, detail.status) == ("spam", "closed")
        # the history section, in words
        assert "Marquée comme indésirable et fermée" in "\n".join(screen_lines(app))

        await pilot.press("escape")
        await settle(pilot)
        queue = app.screen.query_one(QueueList)
        assert queue.total == desk.queries.count(QueueFilter(view="open", me="amelie"))


async def test_a_refused_action_is_shown_and_changes_nothing(env: DeskEnv) -> None:
    desk, target = env.desk, env.ids["fr1"]
    app = DeskApp(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await goto(pilot, desk, target)
        await pilot.press("o")  # already open
        await settle(pilot)
        messages = [n.message for n in notifications(app)]
        assert any(
            f"la mention nº {target} est déjà ouverte" in m for m in messages
        )  # in the interface language
        assert actions_of(env, target) == ["mention.ingested"]
        assert app.is_running


async def test_quick_successive_actions_all_apply(env: DeskEnv) -> None:
    desk, target = env.desk, env.ids["fr1"]
    app = DeskApp(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await goto(pilot, desk, target)
        await pilot.press("m", "x")  # no wait between the two keys
        await settle(pilot)
        detail = desk.queries.detail(target)
        assert (detail.assignee, detail.status) == ("amelie", "closed")
        assert actions_of(env, target)[-2:] == ["mention.claimed", "mention.closed"]
