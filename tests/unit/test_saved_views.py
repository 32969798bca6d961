"""Saved views (issue 13): built-in, the team's ``[[view]]`` and one's own, counted together, from
the core and from ``desk views`` / ``desk queue --view``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from desk.bootstrap import Desk
from desk.config import load_config
from desk.errors import ConfigError, InputError, NotFound
from desk.i18n import Catalog
from tests.helpers.cli import Cli
from tests.helpers.desks import DESK_TOML, add, mention, write_config

TEAM_VIEWS = """
[[view]]
name = "Eau potable"
filter = "~b eau ~p haute"

[[view]]
name = "Typo"
filter = "~p pressé"
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """The test desk.toml with two team views (one with a wrong line)."""
    settings = write_config(tmp_path, DESK_TOML + TEAM_VIEWS)
    assert settings.config is not None
    return settings.config


def _seed(desk: Desk) -> list[int]:
    ids = add(
        desk,
        mention("1", "L'eau est-elle potable ?"),
        mention("2", "Encore de l'eau brune", language="fr"),
        mention("3", "Thanks for the update", language="en"),
    )
    for mention_id in ids:  # routing may have given some to amelie: one only is hers
        if desk.queries.detail(mention_id).assignee != "chloe":
            desk.inbox.assign(mention_id, "chloe")
    desk.inbox.assign(ids[0], "amelie")
    return ids


def test_views_in_order_with_counts_that_match_their_queues(desk: Desk) -> None:
    ids = _seed(desk)
    counts = desk.saved_views.counts()
    names = [(c.view.source, c.view.key) for c in counts]
    assert names == [
        ("builtin", "mine"),
        ("builtin", "urgent"),
        ("builtin", "waiting"),
        ("builtin", "unassigned"),
        ("team", "Eau potable"),
        ("team", "Typo"),
    ]
    by_key = {c.view.key: c for c in counts}
    assert by_key["mine"].view.line == "~a amelie"
    for c in counts[:5]:  # every count is the count of the view's own queue
        assert c.error is None
        assert c.count == desk.queries.count(desk.saved_views.queue_filter(c.view))
    mine = desk.queries.page(desk.saved_views.queue_filter(by_key["mine"].view), 0, 10)
    assert ids[0] in [r.id for r in mine]
    assert by_key["mine"].count == len(mine)
    # a team's wrong line is said with the view's name, the others are still counted
    typo = by_key["Typo"]
    assert typo.count is None
    assert typo.error is not None
    message, _hint = typo.error.localized(Catalog("fr").t)
    assert message.startswith("vue «\u00a0Typo\u00a0»\u00a0: ~p pressé")
    assert "basse, normale, haute" in message  # the choices in the reader's language


def test_a_view_is_found_by_its_name_in_either_language(desk: Desk) -> None:
    views = desk.saved_views
    assert views.find("urgentes").key == "urgent"
    assert views.find("A APPROUVER").key == "waiting"  # case and accents ignored
    assert views.find("eau potable").source == "team"
    with pytest.raises(NotFound) as caught:
        views.find("nope")
    assert "Eau potable" in (caught.value.localized(Catalog("fr").t)[1] or "")


def test_ones_own_views_are_kept_per_person_and_checked(
    make_desk: Callable[..., Desk], tmp_path: Path
) -> None:
    amelie, bruno = make_desk("amelie"), make_desk("bruno")
    path = tmp_path / "views.toml"
    amelie.saved_views.personal_path = bruno.saved_views.personal_path = path
    saved = amelie.saved_views.save("fr urgent", "~l fr ~p urgente")
    assert saved.source == "personal"
    assert [v.name for v in amelie.saved_views.views() if v.source == "personal"] == ["fr urgent"]
    assert [v for v in bruno.saved_views.views() if v.source == "personal"] == []
    bruno.saved_views.save("mes questions", "~c question")
    amelie.saved_views.save("fr urgent", "~l fr")  # replaced, not doubled; bruno's kept
    assert [(v.name, v.line) for v in amelie.saved_views.views() if v.source == "personal"] == [
        ("fr urgent", "~l fr")
    ]
    assert [v.name for v in bruno.saved_views.views() if v.source == "personal"] == [
        "mes questions"
    ]
    assert path.stat().st_mode & 0o077 == 0  # the person's own file
    with pytest.raises(InputError):
        amelie.saved_views.save("bad", "~p pressé")  # a wrong line is refused at once
    with pytest.raises(InputError):
        amelie.saved_views.save("Urgentes", "~l en")  # a built-in's name, in French
    with pytest.raises(InputError):
        amelie.saved_views.save("x\x1b]0;t\x07", "~l en")  # no control characters in a name
    amelie.saved_views.delete("FR URGENT")
    assert [v for v in amelie.saved_views.views() if v.source == "personal"] == []
    with pytest.raises(NotFound):
        amelie.saved_views.delete("fr urgent")
    path.write_text("view = [[[", encoding="utf-8")
    with pytest.raises(ConfigError):
        amelie.saved_views.views()


def test_desk_views_and_queue_view_from_the_command_line(
    desk: Desk, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = _seed(desk)
    capsys.readouterr()
    assert cli("views", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [v["key"] for v in listed][:4] == ["mine", "urgent", "waiting", "unassigned"]
    assert listed[0]["count"] == 1
    assert listed[3]["count"] == 0
    assert listed[-1]["error"]
    assert cli("queue", "--json", "--view", "les miennes") == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == [ids[0]]
    assert cli("views", lang="fr") == 0
    out = capsys.readouterr().out
    assert "les miennes" in out
    assert "Eau potable" in out
    assert "erreur\u00a0:" in out
    assert cli("views", "--save", "anglais", "~l en", "--json") == 0
    saved = json.loads(capsys.readouterr().out)
    assert (saved[-1]["key"], saved[-1]["count"], saved[-1]["source"]) == ("anglais", 1, "personal")
    assert cli("queue", "--view", "inconnue", lang="fr") == 2
    assert "aucune vue ne s'appelle" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("tables", "said"),
    [
        ('[[view]]\nname = "a\\u001b]0;x\\u0007"\nfilter = "~A"\n', "view.0.name"),
        ('[[view]]\nname = "a"\nfilter = "~A"\n[[view]]\nname = "A"\nfilter = "~R"\n', "twice"),
        ('[[view]]\nname = "a"\n', "view.0.filter"),
    ],
)
def test_team_views_in_desk_toml_are_checked(tmp_path: Path, tables: str, said: str) -> None:
    write_config(tmp_path, DESK_TOML + tables)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "desk.toml")
    assert said in str(caught.value)
