"""The detail body shows a news title once, even when the feed text starts with it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from desk.i18n import Catalog
from desk.tui.widgets.mention_view import body, meta
from desk.views import MentionDetail

NOW = datetime(2026, 11, 14, tzinfo=UTC)
BASE = MentionDetail(
    id=1,
    platform="rss",
    channel="rss:x",
    remote_id="n1",
    url=None,
    author_handle="j",
    author_name="J",
    text="Avis levé\nLes analyses sont bonnes.",
    title="Avis levé",
    language="fr",
    kind="news",
    created_at=NOW,
    received_at=NOW,
    status="open",
    category="other",
    priority=1,
    assignee=None,
    triage_reason="",
    triage_rules=[],
    in_reply_to_remote_id=None,
)


def test_title_shown_once_when_text_starts_with_it() -> None:
    plain = body(BASE).plain
    assert plain.count("Avis levé") == 1
    assert plain.endswith("Les analyses sont bonnes.")


def test_title_kept_when_text_does_not_repeat_it() -> None:
    plain = body(replace(BASE, text="Les analyses sont bonnes.")).plain
    assert plain == "Avis levé\n\nLes analyses sont bonnes."


def test_hostile_title_is_literal() -> None:
    plain = body(replace(BASE, title="[bold]x[/ \x1b]0;t\x07", text="corps")).plain
    assert "[bold]x[/" in plain
    assert "\x1b" not in plain


def test_kind_is_shown_in_the_interface_language() -> None:
    assert "nouvelle" in meta(BASE, Catalog("fr"), NOW, UTC).plain
    assert "news" in meta(BASE, Catalog("en"), NOW, UTC).plain
