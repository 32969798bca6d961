"""The answer library: import/export (supervisors, versioned, audited), suggestions, variables,
expiry, the 'source changed' flag, and pre-approved answers skipping the supervisor."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from desk.answers.file import parse_answers
from desk.bootstrap import Desk
from desk.config import Settings
from desk.errors import ActionRefused, InputError, PermissionDenied
from desk.i18n import Catalog
from tests.helpers.cli import Cli
from tests.helpers.desks import add, mention
from tests.helpers.paths import REPO

LIBRARY = """
[[answer]]
name = "water"
language = "fr"
title = "Avis d'ébullition"
body = "Bonjour {author}, faites bouillir l'eau. Détails : {link} ({date})"
source_url = "https://ville.example/eau"
tags = ["eau", "ébullition"]
categories = ["rumour", "question"]
pre_approved = true

[[answer]]
name = "water"
language = "en"
title = "Boil-water advisory"
body = "Hello {author}, please boil your water. Details: {link}"
source_url = "https://ville.example/water"
categories = ["rumour", "question"]
pre_approved = true

[[answer]]
name = "pool"
language = "fr"
title = "Piscine"
body = "La piscine ouvre le 20 juin."
categories = ["question"]

[[answer]]
name = "old-snow"
language = "fr"
title = "Déneigement 2024"
body = "Voir le site."
expires_on = 2025-04-30
tags = ["déneigement"]
"""


def library(desk: Desk, tmp_path: Path, text: str = LIBRARY) -> tuple[int, int, int]:
    path = tmp_path / "answers.toml"
    path.write_text(text, encoding="utf-8")
    return desk.answers.import_file(path)


def test_import_is_for_supervisors_versioned_and_audited(
    make_desk: Callable[..., Desk], tmp_path: Path
) -> None:
    amelie, bruno = make_desk("amelie"), make_desk("bruno")
    with pytest.raises(PermissionDenied, match="only a supervisor"):
        library(bruno, tmp_path)
    assert library(amelie, tmp_path) == (4, 0, 0)
    assert library(amelie, tmp_path) == (0, 0, 4)
    assert library(amelie, tmp_path, LIBRARY.replace("ouvre le 20 juin", "ouvre le 21 juin")) == (
        0,
        1,
        3,
    )
    pool = amelie.answers.named("pool", "fr")
    assert (pool.version, pool.body) == (2, "La piscine ouvre le 21 juin.")
    events = [e for e in amelie.queries.audit_log(limit=50) if e.action.startswith("answer.")]
    assert [e.action for e in events].count("answer.created") == 4
    updated = [e for e in events if e.action == "answer.updated"]
    assert updated[0].data["version"] == 2
    assert amelie.queries.verify_audit().ok


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[answer]]\nname = "x"\nlanguage = "de"\ntitle = "t"\nbody = "b"\n',
            "answer #1 (x): language",
        ),
        (
            '[[answer]]\nname = "x"\nlanguage = "fr"\ntitle = "t"\n',
            "answer #1 (x): body: required",  # the catalog's words, not pydantic's
        ),
        (
            '[[answer]]\nname = "x"\nlanguage = "fr"\ntitle = "t"\nbody = "b"\ncategories = ["gossip"]\n',
            "unknown categories",
        ),
        ('[[answer]]\nname = "x"\nlanguage = "fr"\ntitle = "t"\nbody = "b"\n' * 2, "given twice"),
        ("[[answer]\n", "not valid TOML"),
        ("[stuff]\na = 1\n", "unknown table stuff"),
        ("[stuff]\n[more]\n", "unknown tables more, stuff"),
    ],
)
def test_a_bad_file_is_refused_whole(
    make_desk: Callable[..., Desk], tmp_path: Path, text: str, message: str
) -> None:
    amelie = make_desk("amelie")
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        library(amelie, tmp_path, text)
    assert amelie.answers.list() == []


def test_export_round_trips(make_desk: Callable[..., Desk], tmp_path: Path) -> None:
    amelie = make_desk("amelie")
    library(amelie, tmp_path)
    exported = amelie.answers.export_toml()
    assert library(amelie, tmp_path, exported) == (0, 0, 4)


def test_suggestions_rank_filter_and_fill_in(
    make_desk: Callable[..., Desk], tmp_path: Path
) -> None:
    amelie = make_desk("amelie")
    library(amelie, tmp_path)
    (mid,) = add(
        amelie,
        mention(
            "1", "Il paraît que l'eau est contaminée, faut-il la faire bouillir?", language="fr"
        ),
    )
    found = amelie.answers.suggest(mid)
    assert [s.answer.name for s in found][0] == "water"
    assert all(s.answer.language == "fr" for s in found)  # the mention is French
    assert "old-snow" not in [s.answer.name for s in found]  # expired
    top = found[0]
    assert top.text.startswith(
        "Bonjour @user1, faites bouillir l'eau. Détails : https://ville.example/eau ("
    )
    assert "category" in top.why


def test_a_pre_approved_answer_unedited_skips_the_supervisor(
    make_desk: Callable[..., Desk], tmp_path: Path
) -> None:
    amelie, bruno = make_desk("amelie"), make_desk("bruno")
    library(amelie, tmp_path)
    plain, edited = add(
        bruno,
        mention("1", "Il paraît que l'eau est contaminée", language="fr"),
        mention("2", "Il paraît que l'eau est brune", language="fr"),
    )
    water = bruno.answers.named("water", "fr")
    text = bruno.answers.render_for(plain, water)
    sent = bruno.replies.send(plain, text, answer_id=water.id)
    assert sent.status == "sent_offline"  # a rumour, but only the pre-approved answer
    other = bruno.replies.send(
        edited, bruno.answers.render_for(edited, water) + " Bonne journée!", answer_id=water.id
    )
    assert other.status == "pending_approval"  # edited: free text again
    pool = bruno.answers.named("pool", "fr")  # not pre-approved
    (third,) = add(bruno, mention("3", "Il paraît que la piscine ouvre?", language="fr"))
    assert bruno.replies.send(third, pool.body, answer_id=pool.id).status == "pending_approval"


def test_expired_answers_are_refused_and_changed_sources_flagged(
    make_desk: Callable[..., Desk], tmp_path: Path
) -> None:
    amelie = make_desk("amelie")
    library(
        amelie,
        tmp_path,
        LIBRARY.replace('title = "Piscine"', 'title = "Piscine"\nsource_updated = 2027-01-01'),
    )
    (mid,) = add(amelie, mention("1", "Déneigement?", language="fr"))
    old = amelie.answers.named("old-snow", "fr")
    with pytest.raises(ActionRefused, match="has expired"):
        amelie.replies.send(mid, old.body, answer_id=old.id)
    assert amelie.answers.named("pool", "fr").source_changed is True
    assert amelie.answers.named("water", "fr").source_changed is False


def test_cli_answers(
    cli: Cli, settings: Settings, make_desk: Callable[..., Desk], capsys: pytest.CaptureFixture[str]
) -> None:

    amelie = make_desk("amelie")
    (mid,) = add(amelie, mention("1", "Quand passe la collecte des ordures?", language="fr"))
    sample = str(REPO / "sample_feeds" / "answers.toml")
    assert cli("answers", "import", sample, as_name="bruno") == 2
    assert "only a supervisor" in capsys.readouterr().err
    assert cli("answers", "import", sample, as_name="amelie") == 0
    assert "68 new, 0 updated" in capsys.readouterr().out  # 34 answers, French and English
    assert cli("answers", "list", as_name="amelie") == 0
    listing = capsys.readouterr().out
    assert "snow-removal" in listing
    assert "EXPIRED 2026-08-31" in listing  # the summer festival, on the tests' 2026-11-12
    assert cli("answers", "suggest", str(mid), as_name="bruno") == 0
    assert capsys.readouterr().out.startswith(
        "garbage-collection (fr, v1) [pre-approved] — words, category\n"
    )
    assert cli("answers", "suggest", str(mid), as_name="bruno", lang="fr") == 0
    assert capsys.readouterr().out.startswith(  # why it ranks there, in the reader's language
        "garbage-collection (fr, v1) [pré-approuvée] — mots, catégorie\n"
    )
    assert cli("reply", str(mid), "--answer", "garbage-collection", as_name="bruno") == 0
    out = capsys.readouterr().out
    assert "sent offline" in out
    assert "Bonjour @user1, le calendrier des collectes" in out
    assert cli("reply", str(mid), as_name="bruno") == 2
    assert "--text TEXT or --answer NAME" in capsys.readouterr().err


def test_a_bad_answer_file_is_refused_in_french() -> None:
    """The entry's own refusal is said inside the file's, both in the reader's language."""
    with pytest.raises(InputError) as caught:
        parse_answers('[[answer]]\nname = "x"\nlanguage = "fr"\ntitle = "t"\n', "réponses.toml")
    message, _ = caught.value.localized(Catalog("fr").t)
    assert (
        message == "réponses.toml\u00a0: réponse type nº\u00a01 (x)\u00a0: body\u00a0: obligatoire"
    )
