"""The crisis on every desk (issue 14): a surge shows in the queue's banner, a crisis declared in
another terminal appears there with no key pressed (the change signal), at 80x24 in French,
hostile text made harmless; ``!`` opens the surge's mentions, ``K`` the crisis report; a
mention's screen keeps the crisis line."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta

from desk.crisis.surge import SurgeView
from desk.i18n import Catalog
from desk.search import parse
from desk.tui.app import DeskApp
from desk.tui.screens.crisis_report import CrisisReportScreen
from desk.tui.screens.detail import DetailScreen
from desk.tui.screens.queue import QueueScreen
from desk.tui.widgets.crisis_banner import CrisisBanner, filter_line
from desk.tui.widgets.queue_list import QueueList
from tests.helpers.clock import T0
from tests.helpers.tui import DeskEnv, controls_on_screen, ingest, mention, screen_lines, settle

SMALL = (80, 24)


def _text(app: DeskApp) -> str:
    return "\n".join(screen_lines(app))


async def test_a_crisis_declared_elsewhere_shows_at_once_with_the_surge(env: DeskEnv) -> None:
    # a surge: 20 posts on the flooding in 10 minutes, tagged by the team
    burst = ingest(
        env.desk,
        "mastodon",
        [
            mention(f"b{i}", f"Inondation rue du Port, photo {i}", minutes_ago=20 - i // 2)
            for i in range(20)
        ],
    )
    env.desk.inbox.bulk("tag", burst, "inondation")
    other = env.open_as("amelie")  # another terminal
    try:
        app = DeskApp(env.desk)
        async with app.run_test(size=SMALL) as pilot:
            await settle(pilot)
            for _ in range(30):  # the surges are counted a second after the first paint
                await pilot.pause(0.1)
                if app.screen.query(CrisisBanner):
                    break
            await settle(pilot)
            banner = app.screen.query_one(CrisisBanner)
            assert banner.display
            assert screen_lines(app)[1].startswith(" ⚠ ")  # under the header
            text = _text(app)
            assert "Pic en cours" in text
            assert "tag:inondation : 20 (d'habitude 0.4) depuis 13:40" in text
            assert "(! ses mentions)" in text
            assert "CRISE" not in text

            other.crisis_state.start("Inondation\x1b[2J rue du Port\u202e, quartier sud")
            for _ in range(30):  # no key pressed: the change signal (~0.2 s) brings it
                await pilot.pause(0.1)
                if "CRISE depuis" in _text(app):
                    break
            lines = screen_lines(app)
            (line,) = [li for li in lines if "CRISE depuis" in li]
            assert line.strip().startswith(f"⚠ CRISE depuis {T0:%H:%M} : Inondation")
            assert len(line) == SMALL[0]  # one line of the 80 columns, never wrapped
            assert controls_on_screen(app) == []
            assert "tag:inondation" in _text(app)  # the surge stays under the crisis line
            assert banner.has_class("-declared")

            await pilot.press("exclamation_mark")  # the surge's mentions
            await settle(pilot)
            assert isinstance(app.screen, QueueScreen)
            assert app.screen.query_one(QueueList).total == 20
            assert "Filtre : ~t inondation" in screen_lines(app)[0]

            await pilot.press("K")  # the crisis report
            await settle(pilot, 6)
            assert isinstance(app.screen, CrisisReportScreen)
            report = _text(app)
            assert "Rapport de crise" in report
            assert "Crise : Inondation" in report
            assert "Premier signal : " in report
            assert "Première correction : aucune envoyée" in report
            assert controls_on_screen(app) == []
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("enter")  # a mention: the crisis line stays in view, no surges
            await settle(pilot)
            assert isinstance(app.screen, DetailScreen)
            detail = _text(app)
            assert "⚠ CRISE depuis" in detail
            assert "tag:inondation" not in detail
            await pilot.press("escape")
            await settle(pilot)

            other.crisis_state.stop()
            for _ in range(30):
                await pilot.pause(0.1)
                if "CRISE depuis" not in _text(app):
                    break
            assert "CRISE depuis" not in _text(app)
            assert not banner.has_class("-declared")
    finally:
        other.close()


def test_the_surge_key_filters_by_its_tag_or_since_it_began() -> None:
    start = T0 - timedelta(minutes=20)
    tagged = SurgeView("tag:eau", start, T0, T0, 9, start, 0.2, 20, 0.8, 1e-9, (9, 11))
    assert filter_line(tagged, T0) == "~t eau"
    for topic in ("rule:eau-fr", "all", 'tag:"x ~d'):
        line = filter_line(replace(tagged, topic=topic), T0 + timedelta(seconds=30))
        assert line == "~d <21m"
        fields = parse(line, now=T0, tz=UTC, catalogs=[Catalog("fr")]).filter_fields()
        assert fields["since"] == T0 - timedelta(minutes=21)
