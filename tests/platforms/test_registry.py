"""The one registry of platforms: every platform is described once, and what desk.toml accepts
for a [[channel]] (desk.config.channels, which sits below the platforms) agrees with it."""

from __future__ import annotations

from datetime import timedelta
from typing import get_args

import pytest

from desk.config.channels import PUBLIC_PLATFORMS, LivePlatform
from desk.crisis import plan
from desk.errors import InputError
from desk.platforms.client import Connector
from desk.platforms.registry import PLATFORMS, connector_class, platform
from desk.triage import pipeline, ruleset


def test_the_channel_schema_names_the_registered_platforms() -> None:
    assert set(get_args(LivePlatform)) == set(PLATFORMS)
    assert {name for name, p in PLATFORMS.items() if not p.needs_secret} == PUBLIC_PLATFORMS


def test_what_triage_and_the_crisis_planner_know_of_platforms_comes_from_the_registry() -> None:
    """Triage names the platforms (it does not load their parsers): the names agree with the
    registry; the crisis planner's budgets are the platforms' own (``batch_budget``)."""
    assert ruleset.PLATFORMS == tuple(PLATFORMS)
    assert pipeline.DETECTING_PLATFORMS == {n for n, p in PLATFORMS.items() if p.detects_language}
    assert plan.BUDGETS["mastodon"] == plan.Budget(100, timedelta(hours=3))
    assert set(plan.BUDGETS) == {n for n, p in PLATFORMS.items() if p.takes_replies}
    assert plan.budget_for("rss") == plan.DEFAULT_BUDGET


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_each_platform_loads_its_own_client(name: str) -> None:
    cls = connector_class(name)
    assert issubclass(cls, Connector)
    assert cls.platform == name


def test_capabilities_replace_platform_names() -> None:
    assert [p for p, spec in PLATFORMS.items() if not spec.takes_replies] == ["rss"]
    assert platform("rss").reply_length("news").limit is None
    assert platform("mastodon").posted_text("Merci", {"account": {"acct": "a@b.c"}}, None) == (
        "@a@b.c Merci"
    )
    assert platform("bluesky").posted_text("Merci", {}, "@a.bsky.social") == "Merci"


def test_an_unknown_platform_is_named_with_the_known_ones() -> None:
    with pytest.raises(InputError) as caught:
        platform("myspace")
    assert caught.value.hint == "known platforms: mastodon, bluesky, x, rss, email"
