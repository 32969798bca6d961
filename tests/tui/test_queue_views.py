"""Saved views in the queue (issue 13): ``v`` picks one with its count at 80x24 in French, the
header names it, ``+`` saves the filter line as one's own, another desk's change updates the
counts."""

from __future__ import annotations

from desk.db.store import QueueFilter
from desk.tui.app import DeskApp
from desk.tui.dialogs.line_prompt import LinePrompt
from desk.tui.dialogs.picker import PickerScreen
from desk.tui.screens.queue import QueueScreen
from desk.tui.widgets.queue_list import QueueList
from tests.helpers.tui import DeskEnv, colleague, screen_lines, settle


def _urgent(env: DeskEnv) -> int:
    return env.desk.queries.count(QueueFilter(view="open", me="amelie", min_priority=3))


async def test_views_with_counts_chosen_saved_and_kept_up_to_date(env: DeskEnv) -> None:
    app = DeskApp(env.desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        text = "\n".join(screen_lines(app))
        urgent = _urgent(env)
        assert f"urgentes ({urgent})" in text
        assert "à approuver (0)" in text
        await pilot.press("down", "down", "enter")  # none, les miennes, urgentes
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        queue = app.screen.query_one(QueueList)
        assert queue.total == urgent
        header = screen_lines(app)[0]
        assert f"Vue : urgentes  ·  {urgent} mention" in header
        assert len(header.rstrip()) <= 80
        # another desk takes an urgent mention off the view: the counts follow (change signal)
        target = env.desk.queries.page(app.screen.queue_filter(), 0, 1)[0].id
        colleague(env).inbox.close(target)
        app.inbox_changed.publish(None)
        await settle(pilot)
        assert queue.total == urgent - 1
        await pilot.press("v")
        await settle(pilot)
        assert f"urgentes ({urgent - 1})" in "\n".join(screen_lines(app))
        await pilot.press("escape")
        await settle(pilot)
        # + saves the current line (here a typed one) as one's own view
        await pilot.press("slash")
        await settle(pilot)
        await pilot.press(*["backspace"] * 20, *"~l en", "enter")
        await settle(pilot)
        await pilot.press("plus")
        await settle(pilot)
        assert isinstance(app.screen, LinePrompt)
        await pilot.press(*"anglais", "enter")
        await settle(pilot, 8)
        assert [v.name for v in env.desk.saved_views.views() if v.source == "personal"] == [
            "anglais"
        ]
        assert "Vue : anglais" in screen_lines(app)[0]
