"""The queue screen: rows, cursor keys, opening a mention, views and the category filter."""

from __future__ import annotations

from desk.db.store import QueueFilter
from desk.tui.app import DeskApp
from desk.tui.screens.detail import DetailScreen
from desk.tui.screens.queue import QueueScreen
from desk.tui.widgets.queue_list import QueueList
from tests.helpers.tui import DeskEnv, open_ids, screen_lines, settle


async def test_rows_cursor_and_enter_opens_the_right_mention(env: DeskEnv) -> None:
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueList)
        ids = open_ids(env.desk)
        assert (
            queue.total == len(ids) == env.desk.queries.count(QueueFilter(view="open", me="amelie"))
        )
        assert queue.current is not None
        assert queue.current.id == ids[0]
        text = "\n".join(screen_lines(app))
        assert "Inondation rue Principale" in text
        assert "17 mentions" in text

        await pilot.press("j")
        assert queue.current.id == ids[1]
        await pilot.press("down", "down")
        assert queue.current.id == ids[3]
        await pilot.press("k")
        assert queue.current.id == ids[2]
        await pilot.press("G")
        assert queue.current.id == ids[-1]
        await pilot.press("g")
        assert queue.current.id == ids[0]
        await pilot.press("end")
        assert queue.cursor == len(ids) - 1
        await pilot.press("home", "j", "j")

        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.detail is not None
        assert app.screen.detail.id == ids[2]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert queue.current.id == ids[2]


async def test_views_and_category_filter(env: DeskEnv) -> None:
    desk = env.desk
    desk.inbox.close(env.ids["casino"])
    desk.inbox.claim(env.ids["fr1"])
    app = DeskApp(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueList)
        for key, view in (
            ("4", "done"),
            ("2", "mine"),
            ("3", "unassigned"),
            ("5", "all"),
            ("1", "open"),
        ):
            await pilot.press(key)
            await settle(pilot)
            assert queue.total == desk.queries.count(QueueFilter(view=view, me="amelie")), view
        await pilot.press("4")
        await settle(pilot)
        assert queue.total == 1
        assert queue.current is not None
        assert queue.current.id == env.ids["casino"]
        await pilot.press("2")
        await settle(pilot)
        assert queue.total == 1
        assert queue.current.id == env.ids["fr1"]
        assert "Vue : Les miennes" in screen_lines(app)[0]

        await pilot.press("1", "c")
        await settle(pilot)
        await pilot.press("down", "enter")  # first choice is "all categories", then question
        await settle(pilot)
        expected = desk.queries.count(QueueFilter(view="open", category="question"))
        assert expected == 2
        assert queue.total == expected
        assert "question" in screen_lines(app)[0]


async def test_a_desk_closed_before_its_background_starts_does_not_start_it(
    env: DeskEnv,
) -> None:
    # The background (other desks' changes, live channels, crises) starts once the first frame
    # is drawn (call_after_refresh). A desk closed in that moment (a browser tab shut at once)
    # ran it on a stopped app: a SignalError on the way out, and threads left behind.
    app = DeskApp(env.desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
    listener = app._listener
    app._start_background()  # the callback, run after the app stopped
    assert app._listener is listener
