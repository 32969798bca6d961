"""The official statement (desk.crisis.statement): both languages or no approval, a supervisor
who is not the drafter, published once per channel even when run again, pinned on Mastodon
(its 5-pin limit reported), a pin-by-hand note on X, every step in the audit trail."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from desk.bootstrap import Desk
from desk.config.secrets import Secret
from desk.crisis.report import render
from desk.crisis.statement import published_text
from desk.db.store import AuditFilter
from desk.errors import ActionRefused, PermissionDenied
from desk.i18n import Catalog
from desk.platforms.client import Connector
from desk.platforms.mastodon.client import MastodonConnector
from desk.platforms.x.client import XConnector
from tests.helpers.desks import DESK_TOML, write_config
from tests.helpers.fake_platforms import TOKEN, FakeMastodon, FakeX

CHANNELS = """
[[staff]]
name = "dora"
display_name = "Dora Lévesque"
initials = "DL"
role = "supervisor"
languages = ["fr", "en"]

[[channel]]
name = "ville"
platform = "mastodon"
url = "https://social.example"
account = "mastodonpy_test"
secret = "env:DESK_TEST_TOKEN"

[[channel]]
name = "ville"
platform = "x"
url = "https://api.x.com"
account = "2244994945"
secret = "env:DESK_TEST_TOKEN"

[[channel]]
name = "actualites"
platform = "rss"
url = "https://ville.example/feed.xml"
"""

FR = "Avis d'ébullition levé : l'eau du secteur Nord est de nouveau potable."
EN = "Boil-water advisory lifted: tap water in the North sector is safe to drink again."


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    text = DESK_TOML.replace("[routing]", CHANNELS + "\n[routing]", 1)
    settings = write_config(tmp_path, text)
    assert settings.config is not None
    return settings.config


class Platforms:
    """The two fake platforms, and ``connect`` as the CLI's connector pool gives it."""

    def __init__(self) -> None:
        self.mastodon = FakeMastodon()
        self.x = FakeX()
        self.opened: list[str] = []

    def connect(self, desk: Desk) -> Callable[[str], Any]:
        channels = {c.key: c for c in desk.config.channel}

        @contextlib.asynccontextmanager
        async def opened(key: str) -> AsyncIterator[Connector]:
            self.opened.append(key)
            fake = self.mastodon if key.startswith("mastodon") else self.x
            cls = MastodonConnector if key.startswith("mastodon") else XConnector
            async with fake.client() as client:
                yield cls(channels[key], client, Secret(TOKEN, source="test"))

        return opened


def _actions(desk: Desk) -> list[str]:
    events = desk.queries.audit_log(flt=AuditFilter(actions=("statement.*",)))
    return [e.action for e in reversed(events)]


def test_no_approval_without_both_languages_nor_by_the_drafter_or_an_agent(
    make_desk: Callable[..., Desk],
) -> None:
    amelie, bruno = make_desk("amelie"), make_desk("bruno")
    half = bruno.statements.draft(FR, "  ")
    with pytest.raises(ActionRefused, match=r"missing: en"):
        amelie.statements.approve(half.id)
    both = amelie.statements.draft(FR, EN)
    with pytest.raises(PermissionDenied, match="another supervisor"):
        amelie.statements.approve(both.id)
    with pytest.raises(PermissionDenied, match="only a supervisor"):
        bruno.statements.approve(both.id)
    approved = make_desk("dora").statements.approve(both.id)
    assert (approved.status, approved.approved_by) == ("approved", "dora")
    with pytest.raises(ActionRefused, match="no longer a draft"):
        make_desk("dora").statements.approve(both.id)
    assert _actions(amelie) == [
        "statement.drafted",
        "statement.drafted",
        "statement.approved",
    ]


def test_a_statement_too_long_for_a_channel_is_refused_before_anything_goes_out(
    make_desk: Callable[..., Desk],
) -> None:
    long = make_desk("amelie").statements.draft(FR * 4, EN * 4)
    with pytest.raises(ActionRefused, match="does not fit on mastodon:ville"):
        make_desk("dora").statements.approve(long.id)
    assert make_desk("dora").statements.get(long.id).status == "draft"


async def test_published_once_per_channel_pinned_where_the_platform_can(
    make_desk: Callable[..., Desk],
) -> None:
    platforms = Platforms()
    dora = make_desk("dora")
    statement = make_desk("amelie").statements.draft(FR, EN)
    dora.statements.approve(statement.id)
    with pytest.raises(ActionRefused, match="not approved"):
        await dora.statements.publish(
            make_desk("amelie").statements.draft(FR, EN).id, platforms.connect(dora)
        )

    done = await dora.statements.publish(statement.id, platforms.connect(dora))
    assert platforms.opened == ["mastodon:ville", "x:ville"]  # not the news feed
    [toot] = platforms.mastodon.posted
    assert toot["visibility"] == "public"
    assert "potable" in toot["content"]
    assert "safe to drink" in toot["content"]
    assert platforms.mastodon.pinned == [toot["id"]]
    [tweet] = platforms.x.posted
    posts = {p.channel: p for p in done.posts}
    assert (posts["mastodon:ville"].remote_id, posts["mastodon:ville"].pinned) == (toot["id"], True)
    assert posts["x:ville"].remote_id == tweet["id"]
    assert not posts["x:ville"].pinned
    assert "pin by hand" in posts["x:ville"].note
    assert done.status == "published"

    again = await dora.statements.publish(statement.id, platforms.connect(dora))
    assert len(platforms.mastodon.posted) == 1  # nothing posted twice
    assert len(platforms.x.posted) == 1
    assert again.posts == done.posts
    assert _actions(dora) == [
        "statement.drafted",
        "statement.approved",
        "statement.drafted",
        "statement.published",
        "statement.pinned",
        "statement.published",
        "statement.noted",
    ]


async def test_a_refusal_is_noted_and_the_next_run_finishes_the_channel(
    make_desk: Callable[..., Desk],
) -> None:
    platforms = Platforms()
    platforms.mastodon.pinned = ["1", "2", "3", "4", "5"]  # Mastodon's limit already reached
    platforms.x.posted.append({"id": "0", "text": "old"})
    platforms.x._texts.add(published_text(FR, EN))  # X refuses it as a duplicate: certain
    dora = make_desk("dora")
    statement = make_desk("amelie").statements.draft(FR, EN)
    dora.statements.approve(statement.id)
    first = await dora.statements.publish(statement.id, platforms.connect(dora))
    posts = {p.channel: p for p in first.posts}
    assert posts["mastodon:ville"].remote_id
    assert "maximum number of posts" in posts["mastodon:ville"].note
    assert posts["x:ville"].remote_id is None
    assert posts["x:ville"].state == ""  # refused: nothing went out
    assert "duplicate" in posts["x:ville"].note

    platforms.mastodon.pinned = []  # a person unpinned an old post
    platforms.x._texts.clear()  # and X takes it now
    second = await dora.statements.publish(statement.id, platforms.connect(dora))
    posts = {p.channel: p for p in second.posts}
    assert len(platforms.mastodon.posted) == 1  # the post was kept; only the pin was retried
    assert posts["x:ville"].remote_id == platforms.x.posted[-1]["id"]
    assert (posts["mastodon:ville"].pinned, posts["mastodon:ville"].note) == (True, "")
    assert platforms.mastodon.pinned == [platforms.mastodon.posted[0]["id"]]


async def test_no_answer_leaves_it_unknown_never_posted_twice_until_settled(
    make_desk: Callable[..., Desk],
) -> None:
    platforms = Platforms()
    platforms.x.fail_next("lost")  # X publishes it, and the answer is lost on the way back
    dora = make_desk("dora")
    statement = make_desk("amelie").statements.draft(FR, EN)
    dora.statements.approve(statement.id)
    first = await dora.statements.publish(statement.id, platforms.connect(dora))
    x = {p.channel: p for p in first.posts}["x:ville"]
    assert (x.state, x.remote_id) == ("unknown", None)
    assert len(platforms.x.posted) == 1  # it is out, desk cannot know
    for _ in range(2):  # later runs leave it alone: X has no key that would find it
        await dora.statements.publish(statement.id, platforms.connect(dora))
    assert len(platforms.x.posted) == 1
    with pytest.raises(PermissionDenied):
        make_desk("bruno").statements.settle(statement.id, "x:ville", "1")
    settled = dora.statements.settle(statement.id, "x:ville", platforms.x.posted[0]["id"])
    x = {p.channel: p for p in settled.posts}["x:ville"]
    assert (x.state, x.remote_id) == ("", platforms.x.posted[0]["id"])
    done = await dora.statements.publish(statement.id, platforms.connect(dora))
    x = {p.channel: p for p in done.posts}["x:ville"]
    assert (x.by_hand, len(platforms.x.posted)) == (True, 1)  # pinned by hand, still one post
    with pytest.raises(ActionRefused, match="not waiting for a finding"):
        dora.statements.settle(statement.id, "x:ville", None)
    assert "statement.settled" in _actions(dora)


async def test_a_channel_another_desk_is_publishing_is_left_to_it(
    make_desk: Callable[..., Desk], clock: Any
) -> None:
    platforms = Platforms()
    dora, amelie = make_desk("dora"), make_desk("amelie")
    statement = amelie.statements.draft(FR, EN)
    dora.statements.approve(statement.id)
    assert amelie.statements._claim(statement.id, "x:ville") is not None  # amelie's desk, now
    await dora.statements.publish(statement.id, platforms.connect(dora))
    assert platforms.x.posted == []  # dora's run left X to the other desk
    assert len(platforms.mastodon.posted) == 1
    clock.advance(11 * 60)  # the other desk crashed: its claim runs out
    await dora.statements.publish(statement.id, platforms.connect(dora))
    assert len(platforms.x.posted) == 1


def test_the_statement_reaches_no_terminal_raw(make_desk: Callable[..., Desk]) -> None:
    view = make_desk("amelie").statements.draft("Avis\x1b[2J levé", "Lifted\x07")
    assert "\x1b" not in view.text_fr
    assert "\x07" not in view.text_en


async def test_the_crisis_report_says_when_the_statement_went_out(
    make_desk: Callable[..., Desk],
) -> None:
    platforms = Platforms()
    dora = make_desk("dora")
    dora.crisis_state.start("Avis d'ébullition, secteur Nord")
    statement = make_desk("amelie").statements.draft(FR, EN)
    dora.statements.approve(statement.id)
    assert dora.crisis_report.report().statement is None
    await dora.statements.publish(statement.id, platforms.connect(dora))
    report = dora.crisis_report.report()
    assert report.statement is not None
    assert report.statement.details["channel"] == "mastodon:ville"
    assert report.to_json()["statement_published"]["statement"] == statement.id
    text = "\n".join(render(report, Catalog("fr"), dora.config.hours.calendar()))
    assert f"déclaration nº {statement.id} publiée sur mastodon:ville" in text
    assert f"déclaration nº {statement.id} épinglée sur mastodon:ville" in text  # the timeline
