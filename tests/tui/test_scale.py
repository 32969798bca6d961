"""The queue stays paged: thousands of mentions, a handful of pages in memory, End loads on demand."""

from __future__ import annotations

from datetime import timedelta

from desk.db.store import QueueFilter
from desk.tui.app import DeskApp
from desk.tui.widgets.queue_list import QueueList
from tests.helpers.tui import DeskEnv, ingest, mention, settle


async def test_five_thousand_mentions_are_paged(env: DeskEnv) -> None:
    now = env.clock()
    items = [
        mention(
            f"bulk{i}",
            f"Message numéro {i}",
            created_at=now - timedelta(seconds=i),
            language="fr" if i % 2 else "en",
        )
        for i in range(5000)
    ]
    ingest(env.desk, "mastodon", items)
    flt = QueueFilter(view="open", me="amelie")
    total = env.desk.queries.count(flt)
    assert total > 5000

    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueList)
        assert queue.total == total
        assert 0 < queue.loaded_rows <= queue.PAGE_SIZE * queue.MAX_PAGES < total

        await pilot.press("end")
        assert queue.cursor == total - 1
        await settle(pilot)
        last = env.desk.queries.page(flt, total - 1, 1)[0]
        assert queue.current is not None
        assert queue.current.id == last.id
        assert queue.loaded_rows <= queue.PAGE_SIZE * queue.MAX_PAGES

        for _ in range(12):  # page through the middle: old pages are evicted
            await pilot.press("pageup")
            await pilot.pause()
        await pilot.press("home")
        await settle(pilot)
        for _ in range(40):
            await pilot.press("pagedown")
        await settle(pilot)
        assert queue.loaded_rows <= queue.PAGE_SIZE * queue.MAX_PAGES
        row = env.desk.queries.page(flt, queue.cursor, 1)[0]
        assert queue.current is not None
        assert queue.current.id == row.id
