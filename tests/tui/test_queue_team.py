"""The queue as a team tool (issue 13): the filter line (/), going to a number (#), marks and
actions on many, the hand-over asked first with its count, 80x24 in French, a fresh desk."""

from __future__ import annotations

from pathlib import Path

from desk.db.store import QueueFilter
from desk.tui.app import DeskApp
from desk.tui.dialogs.help import HelpScreen
from desk.tui.dialogs.line_prompt import LinePrompt
from desk.tui.dialogs.picker import PickerScreen
from desk.tui.screens.detail import DetailScreen
from desk.tui.screens.queue import BULK_CONFIRM, QueueScreen
from desk.tui.widgets.queue_list import QueueList
from desk.tui.widgets.queue_row import layout, snippet
from tests.helpers.clock import RunningClock
from tests.helpers.tui import (
    DeskEnv,
    ingest,
    mention,
    notes,
    open_ids,
    open_tui_desk,
    screen_lines,
    settle,
)

SMALL = (80, 24)


def _count(env: DeskEnv, **fields: object) -> int:
    return env.desk.queries.count(QueueFilter(view="open", me="amelie", **fields))  # type: ignore[arg-type]


async def test_filter_line_narrows_shows_in_header_and_escape_clears(env: DeskEnv) -> None:
    app = DeskApp(env.desk)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueList)
        everything = queue.total
        await pilot.press("slash")
        await settle(pilot)
        assert isinstance(app.screen, LinePrompt)
        # a wrong line is said in the dialog, which stays open with the line as typed
        await pilot.press(*"~c xyz", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LinePrompt)
        text = "\n".join(screen_lines(app))
        assert "« xyz »" in text
        await pilot.press(*["backspace"] * 6, *"~p urgente", "enter")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        urgent = _count(env, min_priority=3)
        assert 0 < urgent < everything
        assert queue.total == urgent
        header = screen_lines(app)[0]
        assert f"{urgent} mention" in header
        assert "Filtre : ~p urgente" in header
        # plain words search the text
        await pilot.press("slash")
        await settle(pilot)
        await pilot.press(*["backspace"] * 20, *"casino", "enter")
        await settle(pilot)
        assert queue.current is not None
        assert queue.current.id == env.ids["casino"]
        assert queue.total == 1
        await pilot.press("escape")
        await settle(pilot)
        assert queue.total == everything
        assert "Filtre" not in screen_lines(app)[0]


async def test_help_lists_the_patterns(env: DeskEnv) -> None:
    app = DeskApp(env.desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        text = "\n".join(screen_lines(app))
        assert "Filtrer la file (/)" in text
        assert "~f" in text


async def test_hash_goes_to_a_number_or_opens_it_or_says_it_is_missing(env: DeskEnv) -> None:
    env.desk.inbox.close(env.ids["casino"])
    app = DeskApp(env.desk)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueList)
        last = open_ids(env.desk)[-1]
        await pilot.press("number_sign", *str(last), "enter")
        await settle(pilot)
        assert queue.current is not None
        assert queue.current.id == last
        await pilot.press("number_sign", *"99999", "enter")
        await settle(pilot)
        assert "Il n'y a pas de mention nº 99999." in notes(app)
        assert queue.current.id == last
        # closed: not in the open view, so it opens
        await pilot.press("number_sign", *str(env.ids["casino"]), "enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.mention_id() == env.ids["casino"]


async def test_hash_finds_a_row_not_loaded_yet(env: DeskEnv) -> None:
    extra = [mention(f"x{i}", f"message {i}", minutes_ago=2000 + i) for i in range(450)]
    ids = ingest(env.desk, "mastodon", extra)
    app = DeskApp(env.desk)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueList)
        target = ids[-1]  # the oldest: beyond the first pages
        assert queue.index_of(target) is None
        await pilot.press("number_sign", *str(target), "enter")
        await settle(pilot)
        assert queue.current is not None
        assert queue.current.id == target
        assert queue.cursor == open_ids(env.desk, limit=1000).index(target)


async def test_marks_then_close_acts_on_every_marked_mention(env: DeskEnv) -> None:
    app = DeskApp(env.desk)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueList)
        first, second = open_ids(env.desk)[:2]
        await pilot.press("space", "space")
        await settle(pilot)
        assert queue.marked == {first, second}
        lines = screen_lines(app)
        assert "2 marquées" in lines[0]
        assert lines[2].startswith("●")
        assert lines[3].startswith("●")
        await pilot.press("space")  # a third, then unmark it: space toggles
        await pilot.press("k", "space")
        assert queue.marked == {first, second}
        await pilot.press("x")
        await settle(pilot)
        assert first not in open_ids(env.desk)
        assert second not in open_ids(env.desk)
        assert "C'est fait (fermer) : 2 mentions." in notes(app)
        assert queue.marked == set()
        assert "marquée" not in screen_lines(app)[0]


async def test_tag_and_categorise_marked_mentions(env: DeskEnv) -> None:
    app = DeskApp(env.desk)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        first, second = open_ids(env.desk)[:2]
        await pilot.press("space", "space", "t")
        await settle(pilot)
        assert isinstance(app.screen, LinePrompt)
        await pilot.press(*"eau", "enter")
        await settle(pilot)
        tagged = env.desk.queries.page(QueueFilter(view="all", tag="eau"), 0, 10)
        assert {row.id for row in tagged} == {first, second}
        await pilot.press("g", "space", "C")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        await pilot.press("enter")  # the first category
        await settle(pilot)
        assert "C'est fait (changer la catégorie) : 1 mention." in notes(app)


async def test_many_marks_ask_first_with_the_count_default_no(env: DeskEnv) -> None:
    ingest(env.desk, "mastodon", [mention(f"m{i}", f"texte {i}") for i in range(BULK_CONFIRM)])
    app = DeskApp(env.desk)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        total = _count(env)
        assert total > BULK_CONFIRM
        await pilot.press("asterisk")
        await settle(pilot)
        assert len(app.screen.query_one(QueueList).marked) == total
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        assert f"Agir sur {total} mentions marquées ?" in "\n".join(screen_lines(app))
        await pilot.press("enter")  # the answer is preset to no
        await settle(pilot)
        assert _count(env) == total
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("up", "enter")  # yes
        await settle(pilot)
        assert _count(env) == 0
        assert f"C'est fait (fermer) : {total} mentions." in notes(app)


async def test_skipped_mentions_are_counted_and_stay_marked(env: DeskEnv) -> None:
    app = DeskApp(env.desk)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueList)
        first, second = open_ids(env.desk)[:2]
        await pilot.press("space", "space")
        env.desk.inbox.close(first)  # a colleague closed it meanwhile
        await pilot.press("x")
        await settle(pilot)
        said = notes(app)
        assert "1 mention." in said
        assert "1 ignorée, restée marquée (nº" in said
        assert queue.marked == {first}


async def test_handover_asks_with_the_count(env: DeskEnv) -> None:
    desk = env.desk
    for key in ("fr1", "en1", "flood"):
        desk.inbox.assign(env.ids[key], "amelie")
    mine = desk.queries.count(QueueFilter(view="open", assignee="amelie"))
    app = DeskApp(desk)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("T", "enter")  # from: me
        await settle(pilot)
        await pilot.press("enter")  # to: the first colleague
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        text = "\n".join(screen_lines(app))
        assert f"Transférer {mine} mentions ouvertes" in text
        await pilot.press("enter")  # preset to no
        await settle(pilot)
        assert desk.queries.count(QueueFilter(view="open", assignee="amelie")) == mine
        await pilot.press("T", "enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("up", "enter")
        await settle(pilot)
        assert desk.queries.count(QueueFilter(view="open", assignee="amelie")) == 0


async def test_80x24_french_header_footer_and_message(env: DeskEnv) -> None:
    desk = env.desk
    ingest(
        desk,
        "mastodon",
        [mention("addr", "@villebelleville @renee Le parc Lafontaine est fermé?", minutes_ago=1)],
    )
    app = DeskApp(desk)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        lines = screen_lines(app)
        total = _count(env)
        assert f"{total} mentions" in lines[0]
        assert lines[-1].startswith("? Aide")
        assert "palette" not in lines[-1]
        text = "\n".join(lines)
        assert "Le parc Lafontaine" in text  # the message, not the addressees again
        await pilot.press("slash")
        await settle(pilot)
        await pilot.press(*"~f useraddr ~b parc ~l fr ~d <2j", "enter")
        await settle(pilot)
        header = screen_lines(app)[0]
        assert "1 mention" in header


def test_snippet_skips_the_leading_handles_and_narrow_columns_leave_room() -> None:
    assert snippet("@villebelleville @renee@mstdn.ca Quelqu'un sait?") == "Quelqu'un sait?"
    assert snippet("@villebelleville.bsky.social, est-ce vrai") == "est-ce vrai"
    assert snippet("@villebelleville") == "@villebelleville"
    assert snippet("Bonjour @ville") == "Bonjour @ville"
    widths = dict((c.key, w) for c, w in layout(77))
    assert widths["snippet"] > widths["author"]
    assert dict((c.key, w) for c, w in layout(140))["author"] == 18


async def test_fresh_desk_says_how_to_begin(tmp_path: Path) -> None:
    desk = open_tui_desk(tmp_path, clock=RunningClock())
    try:
        app = DeskApp(desk)
        async with app.run_test(size=SMALL) as pilot:
            await settle(pilot)
            text = "\n".join(screen_lines(app))
            assert "Ce bureau est neuf" in text
            assert "desk ingest FICHIER" in text
            assert "[[channel]]" in text
            assert "desk.toml" in text
    finally:
        desk.close()


async def test_help_at_80x24_shows_every_pattern_and_key_scrolled(env: DeskEnv) -> None:
    # Textual's help panel cuts the patterns after three lines and the keys after fifteen at
    # 80x24, with no way to scroll from the keyboard: a small terminal gets a scrolled help.
    app = DeskApp(env.desk)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "Filtrer la file (/)" in "\n".join(screen_lines(app))
        seen = set()
        for _ in range(12):  # page by page, to the end
            seen.update(screen_lines(app))
            await pilot.press("pagedown")
            await settle(pilot, rounds=1)
        text = "\n".join(seen)
        assert "~i 12,15" in text  # the last pattern
        for key in (
            "Marquer toute la vue",
            "Transférer",
            "Quitter",
            "Aller à nº",
        ):  # keys, hidden ones too
            assert key in text, key
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
