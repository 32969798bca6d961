"""Helpers shared by the TUI tests: the test desk (config, rules, mentions, hostile texts),
Pilot helpers, and ways to read what the terminal would really show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.pilot import Pilot

from desk.config import Settings
from desk.connectors.base import ParsedMention, ParseResult
from desk.services import Desk, open_desk

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


def mention(remote_id: str, text: str, *, minutes_ago: int = 10, **kw: object) -> ParsedMention:
    """A Mastodon mention with sensible defaults."""
    values: dict[str, object] = {
        "platform": "mastodon",
        "remote_id": remote_id,
        "author_handle": f"@user{remote_id}@mastodon.example",
        "author_name": f"User {remote_id}",
        "text": text,
        "created_at": datetime.now(UTC) - timedelta(minutes=minutes_ago),
        "language": "fr",
        "url": f"https://mastodon.example/@user/{remote_id}",
    }
    values.update(kw)
    return ParsedMention(**values)  # type: ignore[arg-type]


def ingest(desk: Desk, platform: str, items: list[ParsedMention]) -> list[int]:
    """Store items through the real ingest path; the new ids, in order."""
    return desk.ingest.ingest_parsed(ParseResult(platform=platform, items=items), "test").new_ids


def open_test_desk(tmp_path: Path) -> Desk:
    """desk.toml + rules in ``tmp_path`` and a fresh database, opened as amelie."""
    (tmp_path / "desk.toml").write_text(DESK_TOML, encoding="utf-8")
    (tmp_path / "rules.toml").write_text(RULES_TOML, encoding="utf-8")
    settings = Settings(db=str(tmp_path / "t.db"), config=tmp_path / "desk.toml")
    return open_desk(settings, as_name="amelie")


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
        created_at=datetime.now(UTC) - timedelta(hours=5),
        kind="news",
        language="fr",
        url="https://journal.example/pont",
    )
    ids["news1"] = ingest(desk, "rss", [news])[0]
    return ids


async def settle(pilot: Pilot[object], rounds: int = 4) -> None:
    """Let workers finish and their messages be handled (workers can start more workers)."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def screen_lines(app: object) -> list[str]:
    """The text of every cell of the current screen, line by line (what the terminal shows)."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)  # type: ignore[attr-defined]
    lines = []
    for line in update.strips:
        strips = [line] if hasattr(line, "_segments") else line
        lines.append("".join(segment.text for strip in strips for segment in strip))
    return lines


def terminal_output(app: object) -> str:
    """The bytes a real terminal would receive for a full repaint of the current screen."""
    import io

    from rich.console import Console

    console = Console(
        file=io.StringIO(), force_terminal=True, color_system="truecolor", width=app.size.width
    )  # type: ignore[attr-defined]
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)  # type: ignore[attr-defined]
    return update.render_segments(console)


def open_ids(desk: Desk, view: str = "open", limit: int = 500) -> list[int]:
    """The ids of a view in queue order, read back through the core."""
    from desk.store import QueueFilter

    return [row.id for row in desk.queries.page(QueueFilter(view=view, me=desk.me.name), 0, limit)]


async def goto(pilot: Pilot[object], desk: Desk, mention_id: int, view: str = "open") -> None:
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
