"""Helpers shared by the TUI tests: the test desk (config, rules, mentions, hostile texts),
Pilot helpers, and ways to read what the terminal would really show (through public API only:
``App.export_screenshot``, a wrapped ``App.notify``).

The TUI's desk runs on a ``RunningClock`` from ``T0``: seconds really pass (undo windows, claims
renewed while typing), but the day is always the same, whatever the machine's date."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import pytest
from rich.cells import cell_len
from textual.app import App
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from desk.bootstrap import Desk
from desk.clock import Clock
from desk.config import Settings
from desk.db.store import QueueFilter
from desk.platforms.parsed import ParsedMention, ParseResult
from desk.tui.screens.detail import DetailScreen
from desk.tui.widgets.composer import Composer
from desk.tui.widgets.queue_list import QueueList
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
    db: str | None = None
    """The database when it is not the file beside desk.toml (PostgreSQL: DESK_TEST_DB)."""

    @property
    def settings(self) -> Settings:
        """The settings the desk was opened with (its database and desk.toml)."""
        return Settings(db=self.db or str(self.path / "desk.db"), config=self.path / "desk.toml")

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
    folder: Path,
    as_name: str = "amelie",
    *,
    clock: Clock | None = None,
    text: str = DESK_TOML,
    db: str | None = None,
) -> Desk:
    """The TUI tests' desk in ``folder`` (written if missing), opened as ``as_name`` on ``clock``
    (a RunningClock from T0 if None); its database ``db`` (a PostgreSQL URL) or a file beside."""
    settings = (
        tui_settings(folder, text)
        if not (folder / "desk.toml").exists()
        else Settings(db=str(folder / "desk.db"), config=folder / "desk.toml")
    )
    if db is not None:
        settings = Settings(db=db, config=folder / "desk.toml")
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


async def workers_done(app: App[Any]) -> None:
    """Wait for the app's workers. An exclusive worker cancelled because a newer one replaced
    it (a reload heard from the change signal while a count ran) is normal, not a failure:
    wait for the others."""
    for _ in range(50):
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            continue


async def settle(pilot: Pilot[Any], rounds: int = 4) -> None:
    """Let workers finish and their messages be handled (workers can start more workers)."""
    for _ in range(rounds):
        await pilot.pause()
        await workers_done(pilot.app)
    await pilot.pause()


# -- what the terminal shows, read through public API (App.export_screenshot) ---------------
# Each <text> element of the screenshot is one run of a line's cells: its clip-path names the
# line, its x says the first cell (rich's export_svg: x = cell * char width), spaces are &#160;.
_SVG_TEXT = re.compile(
    r'<text [^>]*?x="(?P<x>[\d.]+)" [^>]*?clip-path="url\(#[\w-]+-line-(?P<y>\d+)\)">'
    r"(?P<text>.*?)</text>"
)
_CHAR_WIDTH = 20 * 0.61  # rich.console.Console.export_svg: char_height * font_aspect_ratio


def screenshot(app: App[Any]) -> str:
    """The SVG screenshot of the current screen (``App.export_screenshot``)."""
    return app.export_screenshot()


def svg_lines(svg: str, width: int) -> list[str]:
    """The text of every line of an exported screenshot, each padded to ``width`` cells.

    A no-break space reads as a space: French typography (U+00A0 before ``:`` and inside « »)
    is the catalogs' and is tested there (tests/cli/test_language.py::test_french_typography);
    screen tests look for the words."""
    runs: dict[int, list[tuple[int, str]]] = {}
    for match in _SVG_TEXT.finditer(svg):
        text = html.unescape(match["text"].replace("&#160;", " ")).replace("\u00a0", " ")
        cell = round(float(match["x"]) / _CHAR_WIDTH)
        runs.setdefault(int(match["y"]), []).append((cell, text))
    lines = []
    for y in range(max(runs, default=-1) + 1):
        line = ""
        for cell, text in sorted(runs.get(y, [])):
            line += " " * (cell - cell_len(line)) + text
        lines.append(line + " " * (width - cell_len(line)))
    return lines


def screen_lines(app: App[Any]) -> list[str]:
    """The text of every cell of the current screen, line by line (what the terminal shows)."""
    return svg_lines(screenshot(app), app.size.width)


# Characters that must never reach the terminal from data: ESC and the other C0 controls but
# newline, DEL, the C1 controls (0x9b is a one-byte CSI), and the bidi overrides.
CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def controls_on_screen(app: App[Any]) -> list[str]:
    """Every control or bidi character in the text of a full repaint of the current screen.

    The screenshot is made of the very segments a full repaint writes to the terminal (only
    Textual's own cursor-moving control segments are left out); their text is copied as is,
    only XML-escaped. An ESC (OSC 52, CSI 2J...), a C1 control or a bidi override in any cell
    would be here; what ``desk.tui.safe`` makes visible (``␛``) is not."""
    texts = [html.unescape(m["text"]) for m in _SVG_TEXT.finditer(screenshot(app))]
    return sorted({ch for text in texts for ch in CONTROLS.findall(text)})


def links_on_screen(app: App[Any]) -> set[str]:
    """Every hyperlink (OSC 8) the text of the current screen carries: the style
    (``Screen.get_style_at``) of the first cell of each run of the screenshot, a run being
    cells of one style (a link would start its own)."""
    links = set()
    for match in _SVG_TEXT.finditer(screenshot(app)):
        cell = round(float(match["x"]) / _CHAR_WIDTH)
        link = app.screen.get_style_at(cell, int(match["y"])).link
        if link:
            links.add(link)
    return links


# -- notifications, recorded by wrapping the public App.notify (tests/tui/conftest.py) --------
@dataclass(frozen=True)
class Note:
    """One notification as the app was asked to show it."""

    message: str
    title: str
    severity: str


_NOTES: WeakKeyDictionary[App[Any], list[Note]] = WeakKeyDictionary()


def record_notes(app_class: type[App[Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    """Wrap ``app_class.notify`` so that every notification is also remembered per app."""
    original = app_class.notify

    def notify(self: App[Any], message: str, **kwargs: Any) -> None:
        _NOTES.setdefault(self, []).append(
            Note(
                str(message),
                str(kwargs.get("title", "")),
                str(kwargs.get("severity", "information")),
            )
        )
        original(self, message, **kwargs)

    monkeypatch.setattr(app_class, "notify", notify)


def notifications(app: App[Any]) -> list[Note]:
    """Every notification shown so far by ``app``, oldest first."""
    return list(_NOTES.get(app, []))


def notes(app: App[Any]) -> str:
    """The text of every notification shown so far, one a line (a no-break space read as a
    space, as in ``svg_lines``)."""
    return "\n".join(note.message for note in notifications(app)).replace("\u00a0", " ")


def colleague(env: DeskEnv, name: str = "bruno") -> Desk:
    """A second desk on the same database file, as another person (a second terminal)."""
    return env.open_as(name)


def open_ids(desk: Desk, view: str = "open", limit: int = 500) -> list[int]:
    """The ids of a view in queue order, read back through the core."""
    return [row.id for row in desk.queries.page(QueueFilter(view=view, me=desk.me.name), 0, limit)]


async def goto(pilot: Pilot[Any], desk: Desk, mention_id: int, view: str = "open") -> None:
    """Move the queue cursor onto a mention with the j key."""
    queue = pilot.app.screen.query_one(QueueList)
    target = open_ids(desk, view).index(mention_id)
    await pilot.press("g")
    for _ in range(target):
        await pilot.press("j")
    await settle(pilot)
    assert queue.current is not None
    assert queue.current.id == mention_id


async def open_composer(pilot: Pilot[Any], env: DeskEnv, key: str) -> Composer:
    """From the queue, open the mention ``key`` (a remote id of the feed) with ``r``: the
    detail screen with the composer focused."""
    await settle(pilot)
    await goto(pilot, env.desk, env.ids[key])
    await pilot.press("r")
    await settle(pilot)
    assert isinstance(pilot.app.screen, DetailScreen)
    composer = pilot.app.screen.query_one(Composer)
    assert composer.text_area.has_focus
    return composer
