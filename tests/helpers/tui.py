"""Helpers shared by the TUI tests: the test desk (config, rules, mentions, hostile texts),
Pilot helpers, and ways to read what the terminal would really show.

The TUI's desk runs on a ``RunningClock`` from ``T0``: seconds really pass (undo windows, claims
renewed while typing), but the day is always the same, whatever the machine's date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from textual._compositor import LayoutUpdate
from textual.app import App
from textual.pilot import Pilot

from desk.bootstrap import Desk
from desk.clock import Clock
from desk.config import Settings
from desk.platforms.parsed import ParsedMention, ParseResult
from tests.helpers.clock import T0, RunningClock
from tests.helpers.desks import open_test_desk, write_config

DESK_TOML = """\
[desk]
organisation = "Ville de Saint-Test"
language = "fr"
signature_format = "—{initials}"
rules = "rules.toml"

[hours]  # always open: the tests do not depend on the time of day
timezone = "UTC"
business = { mon = "00:00-24:00", tue = "00:00-24:00", wed = "00:00-24:00", thu = "00:00-24:00", fri = "00:00-24:00", sat = "00:00-24:00", sun = "00:00-24:00" }

[[staff]]
name = "amelie"
display_name = "Amélie Bouchard"
initials = "AB"
role = "supervisor"

[[staff]]
name = "bruno"
display_name = "Bruno Gagnon"
initials = "BG"
role = "agent"

[[staff]]
name = "chloe"
display_name = "Chloé Martin"
initials = "CM"
role = "agent"

[routing]
fr = "bruno"
en = "chloe"
"""

RULES_TOML = """\
[[rule]]
name = "flood"
category = "complaint"
priority = "urgent"
words = ["inondation", "flood"]

[[rule]]
name = "casino"
category = "spam"
priority = "low"
words = ["casino"]

[[rule]]
name = "question"
category = "question"
words = ["quand", "when"]
"""

HOSTILE_TEXTS = {
    "h-markup": "[bold]x[/",
    "h-close": "[/]",
    "h-click": "[@click=app.quit()]clic[/]",
    "h-link": "[link=http://evil]x[/link]",
    "h-osc52": "\x1b]52;c;SGVsbG8=\x07 clipboard",
    "h-clear": "\x1b[2J screen",
    "h-bidi": "\u202eevil",
    "h-long": ("très long message " * 800)[:12_000],
}
HOSTILE_NAME = "[red]boss[/red]\x1b[31m"


@dataclass
class DeskEnv:
    """The desk plus the ids of the mentions the tests talk about, by remote id."""

    desk: Desk
    ids: dict[str, int]
    path: Path
    clock: Clock

    @property
    def settings(self) -> Settings:
        """The settings the desk was opened with (its database and desk.toml)."""
        return Settings(db=str(self.path / "desk.db"), config=self.path / "desk.toml")

    def open_as(self, name: str) -> Desk:
        """A second desk on the same database and clock, as another person (a second
        terminal); the caller closes it."""
        return open_test_desk(self.settings, name, clock=self.clock)


def mention(remote_id: str, text: str, *, minutes_ago: int = 10, **kw: object) -> ParsedMention:
    """A Mastodon mention with sensible defaults."""
    values: dict[str, object] = {
        "platform": "mastodon",
        "remote_id": remote_id,
        "author_handle": f"@user{remote_id}@mastodon.example",
        "author_name": f"User {remote_id}",
        "text": text,
        "created_at": T0 - timedelta(minutes=minutes_ago),
        "language": "fr",
        "url": f"https://mastodon.example/@user/{remote_id}",
    }
    values.update(kw)
    return ParsedMention(**values)  # type: ignore[arg-type]


def ingest(desk: Desk, platform: str, items: list[ParsedMention]) -> list[int]:
    """Store items through the real ingest path; the new ids, in order."""
    return desk.ingest.ingest_parsed(ParseResult(platform=platform, items=items), "test").new_ids


def tui_settings(folder: Path, text: str = DESK_TOML) -> Settings:
    """The TUI tests' desk.toml (``text``) and rules.toml in ``folder``, a database beside."""
    return write_config(folder, text, rules=RULES_TOML)


def open_tui_desk(
    folder: Path, as_name: str = "amelie", *, clock: Clock | None = None, text: str = DESK_TOML
) -> Desk:
    """The TUI tests' desk in ``folder`` (written if missing), opened as ``as_name`` on ``clock``
    (a RunningClock from T0 if None)."""
    settings = (
        tui_settings(folder, text)
        if not (folder / "desk.toml").exists()
        else Settings(db=str(folder / "desk.db"), config=folder / "desk.toml")
    )
    return open_test_desk(settings, as_name, clock=clock or RunningClock())


def feed(desk: Desk) -> dict[str, int]:
    """Ordinary, threaded, news and hostile mentions; their ids by remote id."""
    items = [
        mention("fr1", "Bonjour! Quand la collecte des ordures reprend-elle?", minutes_ago=5),
        mention(
            "en1", "When does the outdoor pool open this summer?", language="en", minutes_ago=90
        ),
        mention("flood", "Inondation rue Principale, l'eau monte!", minutes_ago=30),
        mention("root", "Le déneigement de ma rue est oublié.", minutes_ago=300),
        mention(
            "r2",
            "Même chose sur la 5e avenue.",
            in_reply_to_remote_id="root",
            thread_root_remote_id="root",
            minutes_ago=200,
        ),
        mention(
            "r3",
            "Merci de signaler, on regarde.",
            in_reply_to_remote_id="r2",
            thread_root_remote_id="root",
            minutes_ago=100,
        ),
        mention("casino", "Gagnez au casino en ligne!!!", minutes_ago=3000),
    ]
    items += [
        mention(key, text, minutes_ago=60 + i)
        for i, (key, text) in enumerate(HOSTILE_TEXTS.items())
    ]
    items.append(
        mention(
            "h-name",
            "un message normal",
            author_name=HOSTILE_NAME,
            author_handle="@boss\x1b[0m",
            minutes_ago=61,
        )
    )
    ids = dict(zip([i.remote_id for i in items], ingest(desk, "mastodon", items), strict=True))
    news = ParsedMention(
        platform="rss",
        remote_id="news1",
        author_handle="journal-local",
        author_name="Le Journal local",
        text="La Ville annonce la fermeture du pont Champlain pour travaux.",
        title="Fermeture du pont",
        created_at=T0 - timedelta(hours=5),
        kind="news",
        language="fr",
        url="https://journal.example/pont",
    )
    ids["news1"] = ingest(desk, "rss", [news])[0]
    return ids


async def settle(pilot: Pilot[Any], rounds: int = 4) -> None:
    """Let workers finish and their messages be handled (workers can start more workers)."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def full_update(app: App[Any]) -> LayoutUpdate:
    """A full repaint of the current screen, as textual's compositor renders it (private API)."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    assert isinstance(update, LayoutUpdate)  # what a full render_update returns
    return update


def screen_lines(app: App[Any]) -> list[str]:
    """The text of every cell of the current screen, line by line (what the terminal shows)."""
    update = full_update(app)
    lines = []
    for line in update.strips:
        strips = [line] if hasattr(line, "_segments") else line
        lines.append("".join(segment.text for strip in strips for segment in strip))
    return lines


def terminal_output(app: App[Any]) -> str:
    """The bytes a real terminal would receive for a full repaint of the current screen."""
    import io

    from rich.console import Console

    console = Console(
        file=io.StringIO(), force_terminal=True, color_system="truecolor", width=app.size.width
    )
    return full_update(app).render_segments(console)


def open_ids(desk: Desk, view: str = "open", limit: int = 500) -> list[int]:
    """The ids of a view in queue order, read back through the core."""
    from desk.db.store import QueueFilter

    return [row.id for row in desk.queries.page(QueueFilter(view=view, me=desk.me.name), 0, limit)]


async def goto(pilot: Pilot[Any], desk: Desk, mention_id: int, view: str = "open") -> None:
    """Move the queue cursor onto a mention with the j key."""
    from desk.tui.widgets.queue_list import QueueList

    queue = pilot.app.screen.query_one(QueueList)
    target = open_ids(desk, view).index(mention_id)
    await pilot.press("g")
    for _ in range(target):
        await pilot.press("j")
    await settle(pilot)
    assert queue.current is not None
    assert queue.current.id == mention_id
