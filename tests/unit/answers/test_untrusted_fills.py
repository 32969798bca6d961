"""A pre-approved answer goes out under the organisation's name unread: what it takes from the
citizen's post (``{author}``) is checked (a handle must be a handle of the platform) and shown
in every preview; anything else makes the reply wait for a supervisor."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from desk.bootstrap import Desk
from desk.platforms.handles import is_handle
from tests.helpers.cli import Cli
from tests.helpers.desks import add, mention

LIBRARY = """
[[answer]]
name = "water"
language = "fr"
title = "Avis d'ébullition"
body = "Bonjour {author}, faites bouillir l'eau. Détails : {link}"
source_url = "https://ville.example/eau"
categories = ["rumour", "question"]
pre_approved = true

[[answer]]
name = "pool"
language = "fr"
title = "Piscine"
body = "Bonjour {author}, la piscine ouvre le 20 juin."
categories = ["question"]
"""

# What a hostile author field puts under the organisation's name: a claim, a link, a new line.
HOSTILE = "@maire: l'eau est empoisonnée, voir https://x.example"


@pytest.mark.parametrize(
    ("platform", "value"),
    [
        ("mastodon", "@jean"),
        ("mastodon", "@jean_2@exemple.social"),
        ("mastodon", "@jean.dupont@mastodon.ville.example"),
        ("bluesky", "@jean.bsky.social"),
        ("bluesky", "@ville-de-test.fr"),
        ("x", "@Jean_Dupont"),
    ],
)
def test_handles_of_each_platform_pass(platform: str, value: str) -> None:
    assert is_handle(platform, value)


@pytest.mark.parametrize(
    ("platform", "value"),
    [
        ("mastodon", HOSTILE),
        ("mastodon", "@jean\nLa mairie ment"),
        ("mastodon", "@jean@exemple.social@"),
        ("mastodon", "jean"),  # desk stores handles as @name
        ("mastodon", "@"),
        ("bluesky", "@handle.invalid"),
        ("bluesky", "@jean"),  # a Bluesky handle is a domain name
        ("x", "@a_name_far_too_long_for_x"),
        ("x", "id:12345"),  # X gave no username
        ("rss", "Jean Dupont <jean@exemple.fr>"),  # a feed has no handles
        ("rss", "@jean"),
        ("mastodon", "@j\u200bean"),  # invisible characters
        ("mastodon", "@jean\u202e"),
    ],
)
def test_anything_else_is_not_a_handle(platform: str, value: str) -> None:
    assert not is_handle(platform, value)


def library(desk: Desk, tmp_path: Path) -> None:
    path = tmp_path / "answers.toml"
    path.write_text(LIBRARY, encoding="utf-8")
    desk.answers.import_file(path)


def test_a_pre_approved_answer_with_a_hostile_author_waits_for_a_supervisor(
    make_desk: Callable[..., Desk], tmp_path: Path
) -> None:
    amelie, bruno = make_desk("amelie"), make_desk("bruno")
    library(amelie, tmp_path)
    hostile, plain = add(
        bruno,
        mention("1", "L'eau est contaminée ?", author_handle=HOSTILE),
        mention("2", "L'eau est brune ?", author_handle="@jean@exemple.social"),
    )
    water = bruno.answers.named("water", "fr")
    text = bruno.answers.render_for(hostile, water)
    assert text.startswith(f"Bonjour {HOSTILE},")  # filled as it is, for a person to read
    (fill,) = bruno.answers.fills_for(hostile, water)
    assert (fill.variable, fill.value, fill.checked) == ("author", HOSTILE, False)
    sent = bruno.replies.send(hostile, text, answer_id=water.id)
    assert sent.status == "pending_approval"  # never out unread under the town's name
    assert list(sent.approval_reasons) == ["unchecked:author"]
    # a real handle: the pre-approved answer still needs nobody
    ok = bruno.replies.send(plain, bruno.answers.render_for(plain, water), answer_id=water.id)
    assert ok.status == "sent_offline"
    assert ok.text.startswith("Bonjour @jean@exemple.social,")


def test_a_plain_answer_sent_as_filled_with_a_hostile_author_waits_too(
    make_desk: Callable[..., Desk], tmp_path: Path
) -> None:
    # `desk reply --answer` fills and sends in one go: nobody read the filled text either
    amelie, bruno = make_desk("amelie"), make_desk("bruno")
    library(amelie, tmp_path)
    (mid,) = add(bruno, mention("1", "La piscine ouvre quand ?", author_handle=HOSTILE))
    pool = bruno.answers.named("pool", "fr")
    sent = bruno.replies.send(mid, bruno.answers.render_for(mid, pool), answer_id=pool.id)
    assert sent.status == "pending_approval"
    assert "unchecked:author" in sent.approval_reasons


def test_the_previews_show_the_filled_value_and_its_check(
    cli: Cli,
    make_desk: Callable[..., Desk],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    amelie = make_desk("amelie")
    library(amelie, tmp_path)
    hostile, plain = add(
        amelie,
        mention("1", "L'eau est contaminée, faut-il bouillir ?", author_handle=HOSTILE),
        mention("2", "L'eau est contaminée, faut-il bouillir ?", author_handle="@jean"),
    )
    assert cli("answers", "suggest", str(plain), as_name="bruno") == 0
    out = capsys.readouterr().out
    assert "{author} = @jean (a mastodon handle, checked)" in out
    assert cli("answers", "suggest", str(hostile), as_name="bruno", lang="fr") == 0
    out = capsys.readouterr().out
    assert f"{{author}} = {HOSTILE!r}\u00a0: PAS un identifiant mastodon" in out
    assert "attendra donc l'approbation d'un superviseur" in out
    assert cli("answers", "suggest", str(hostile), "--json", as_name="bruno") == 0
    (top, *_) = json.loads(capsys.readouterr().out)
    assert top["fills"] == [{"variable": "author", "value": HOSTILE, "checked": False}]
    assert cli("reply", str(hostile), "--answer", "water", as_name="bruno") == 0
    out = capsys.readouterr().out
    assert "NOT a mastodon handle" in out
    assert "waiting for approval" in out or "unchecked:author" in out
