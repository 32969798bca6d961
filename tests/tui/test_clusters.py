"""The cluster view (``D``, issue 14): the groups of open mentions saying the same thing, at
80x24 in French, the highlighted group's words and authors, hostile text made harmless; Enter
shows the group's mentions in the queue."""

from __future__ import annotations

from desk.tui.app import DeskApp
from desk.tui.screens.clusters import ClustersScreen
from desk.tui.screens.queue import QueueScreen
from desk.tui.widgets.queue_list import QueueList
from tests.helpers.tui import DeskEnv, controls_on_screen, ingest, mention, screen_lines, settle

SMALL = (80, 24)
RUMOUR = "Il paraît que l'usine de filtration ferme demain, l'eau sera coupée\x1b[2J {n}"


async def test_clusters_listed_and_enter_shows_a_groups_mentions(env: DeskEnv) -> None:
    same = ingest(
        env.desk,
        "mastodon",
        [mention(f"usine{i}", RUMOUR.format(n=i), minutes_ago=30 - i) for i in range(6)],
    )
    ingest(
        env.desk,
        "x",
        [
            mention("q1", "Quand passe la collecte des feuilles rue Notre-Dame?", minutes_ago=5),
            mention("q2", "Bravo aux cols bleus pour le déneigement ce matin", minutes_ago=4),
        ],
    )
    app = DeskApp(env.desk)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("D")
        await settle(pilot, 6)
        assert isinstance(app.screen, ClustersScreen)
        for _ in range(30):  # grouped in a worker
            if app.screen.clusters:
                break
            await pilot.pause(0.1)
        [group] = app.screen.clusters  # the rumour; the two others say different things
        assert sorted(group.mention_ids) == sorted(same)
        assert group.size == 6
        text = "\n".join(screen_lines(app))
        assert "Groupes de mentions ouvertes · 1" in text
        assert "Le plus répété : Il paraît que l'usine de filtration" in text
        assert "Mots :" in text
        assert controls_on_screen(app) == []
        assert all(len(line) <= SMALL[0] for line in screen_lines(app))

        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.query_one(QueueList).total == group.size
        assert sorted(app.screen.filter_fields["ids"]) == sorted(same)
