"""Editing the answer library one answer at a time (create, edit, retire): supervisors only,
validated like an imported file, every version recoverable from the audit trail, and replies
built from a retired answer still readable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlmodel import select

from desk.answers.service import InvalidAnswer, form_fields
from desk.bootstrap import Desk
from desk.config import Settings
from desk.db.tables import Reply
from desk.errors import ActionRefused, InputError, NotFound, PermissionDenied
from desk.i18n import Catalog
from tests.helpers.cli import Cli
from tests.helpers.desks import add, mention

POOL: dict[str, Any] = {
    "name": "pool",
    "language": "fr",
    "title": "Piscine",
    "body": "Bonjour {author}, la piscine ouvre le 20 juin. {link}",
    "source_url": "https://ville.example/piscine",
    "tags": ["piscine"],
    "categories": ["question"],
    "pre_approved": True,
}


def answer_events(desk: Desk) -> list[Any]:
    events = [e for e in desk.queries.audit_log(limit=200) if e.action.startswith("answer.")]
    return sorted(events, key=lambda e: e.seq)


def test_create_then_edit_makes_a_new_version_with_before_and_after(
    make_desk: Callable[..., Desk],
) -> None:
    amelie = make_desk("amelie")
    created = amelie.answers.create(POOL)
    assert (created.name, created.language, created.version) == ("pool", "fr", 1)
    assert created.updated_by == "amelie"

    edited = amelie.answers.edit(
        created.id,
        {"body": "Bonjour {author}, la piscine ouvre le 21 juin.", "expires_on": "2026-09-01"},
        expected_version=1,
    )
    assert edited.version == 2
    assert edited.body == "Bonjour {author}, la piscine ouvre le 21 juin."
    assert edited.expires_on == date(2026, 9, 1)
    # what the edit did not mention keeps its value
    assert (edited.title, edited.source_url, edited.pre_approved) == (
        "Piscine",
        "https://ville.example/piscine",
        True,
    )
    assert amelie.answers.named("pool", "fr") == edited

    first, second = answer_events(amelie)
    assert first.action == "answer.created"
    assert first.data["fields"]["body"] == POOL["body"]  # version 1 in full
    assert second.action == "answer.updated"
    assert (second.data["version"], second.data["previous_version"]) == (2, 1)
    assert second.data["changes"] == {
        "body": {"before": POOL["body"], "after": edited.body},
        "expires_on": {"before": None, "after": "2026-09-01"},
    }
    assert second.actor == "amelie"

    # saving the same thing again writes nothing and keeps the version
    again = amelie.answers.edit(created.id, edited.fields())
    assert again.version == 2
    assert len(answer_events(amelie)) == 2
    assert amelie.queries.verify_audit().ok


def test_edit_refuses_a_rename_a_stale_version_and_a_duplicate(
    make_desk: Callable[..., Desk],
) -> None:
    amelie = make_desk("amelie")
    pool = amelie.answers.create(POOL)
    with pytest.raises(InvalidAnswer, match="name and language of the answer pool") as renamed:
        amelie.answers.edit(pool.id, {"name": "swimming"})
    assert renamed.value.field == "name"
    with pytest.raises(InvalidAnswer, match="already exists in fr") as twice:
        amelie.answers.create(POOL)
    assert twice.value.field == "name"

    amelie.answers.edit(pool.id, {"title": "Piscine extérieure"}, expected_version=1)
    with pytest.raises(ActionRefused, match="changed meanwhile: it is now version 2"):
        amelie.answers.edit(pool.id, {"title": "Piscine (été)"}, expected_version=1)
    assert amelie.answers.named("pool", "fr").title == "Piscine extérieure"


def test_agents_cannot_create_edit_or_retire(make_desk: Callable[..., Desk]) -> None:
    amelie, bruno = make_desk("amelie"), make_desk("bruno")
    pool = amelie.answers.create(POOL)
    before = len(answer_events(amelie))
    for attempt in (
        lambda: bruno.answers.create({**POOL, "name": "other"}),
        lambda: bruno.answers.edit(pool.id, {"body": "changé"}),
        lambda: bruno.answers.retire(pool.id),
        lambda: bruno.answers.retire_named("pool"),
    ):
        with pytest.raises(PermissionDenied, match="only a supervisor"):
            attempt()
    assert [a.name for a in amelie.answers.list()] == ["pool"]
    assert amelie.answers.named("pool", "fr").version == 1
    assert len(answer_events(amelie)) == before


def test_retire_keeps_old_replies_readable(make_desk: Callable[..., Desk]) -> None:
    amelie, bruno = make_desk("amelie"), make_desk("bruno")
    pool = amelie.answers.create(POOL)
    (mid,) = add(bruno, mention("1", "La piscine ouvre quand?", language="fr"))
    text = bruno.answers.render_for(mid, pool)
    sent = bruno.replies.send(mid, text, answer_id=pool.id)
    assert sent.status == "sent_offline"

    amelie.answers.edit(pool.id, {"body": "La piscine ouvre le 21 juin."})
    retired = amelie.answers.retire(pool.id)
    assert (retired.active, retired.version) == (False, 2)

    # gone from the library: not listed, not named, not suggested, not sendable
    assert amelie.answers.list() == []
    with pytest.raises(NotFound):
        amelie.answers.named("pool", "fr")
    assert bruno.answers.suggest(mid) == []
    (other,) = add(bruno, mention("2", "Et la piscine?", language="fr"))
    with pytest.raises(NotFound, match="no answer named #"):
        bruno.replies.send(other, text, answer_id=pool.id)
    with pytest.raises(ActionRefused, match="already retired"):
        amelie.answers.retire(pool.id)

    # the reply sent with version 1 is still there, still pointing at what it used
    (reply,) = amelie.queries.detail(mid).replies
    assert reply.text.startswith("Bonjour @user1, la piscine ouvre le 20 juin.")
    with amelie.answers.read_factory() as session:
        row = session.exec(select(Reply).where(Reply.mention_id == mid)).one()
        assert (row.answer_id, row.answer_version) == (pool.id, 1)
    (kept,) = amelie.answers.versions("pool")
    assert (kept.active, kept.body) == (False, "La piscine ouvre le 21 juin.")
    report = amelie.reports.report(date(2026, 11, 1), date(2026, 11, 30))
    assert {"name": "pool", "language": "fr", "replies": 1} in report["answers_used"]

    # the audit trail holds the retired version in full
    last = answer_events(amelie)[-1]
    assert last.action == "answer.retired"
    assert last.data["fields"]["body"] == "La piscine ouvre le 21 juin."

    # bringing the name back continues its numbering
    back = amelie.answers.create(POOL)
    assert (back.id, back.version, back.active) == (pool.id, 3, True)
    assert answer_events(amelie)[-1].data["changes"]["active"] == {"before": False, "after": True}
    assert amelie.queries.verify_audit().ok


@pytest.mark.parametrize(
    ("changes", "field", "message", "french"),
    [
        (
            {"expires_on": "2026-31-12"},
            "expires_on",
            "expires_on: a date YYYY-MM-DD is expected",
            "expires_on\u00a0: date attendue au format AAAA-MM-JJ",
        ),
        (
            {"name": "Piscine été"},
            "name",
            "name: lowercase letters without accents",
            "name\u00a0: lettres minuscules sans accents",
        ),
        ({"language": "de"}, "language", "language: fr or en", "language\u00a0: fr ou en"),
        ({"title": ""}, "title", "title: required", "title\u00a0: obligatoire"),
        (
            {"body": "x" * 5001},
            "body",
            "body: too long (at most 5000 characters)",
            "body\u00a0: trop long (au plus 5000 caractères)",
        ),
        (
            {"categories": ["question", "gossip"]},
            "categories",
            "unknown categories: gossip",
            "catégories inconnues\u00a0: gossip",
        ),
        (
            {"body": "Voir \x1b]52;c;SGVsbG8=\x07 ici"},
            "body",
            "body: control character U+001B refused",
            "body\u00a0: caractère de contrôle U+001B refusé",
        ),
        (
            {"tags": ["ok", "\u202eevil"]},
            "tags",
            "tags: control character U+202E refused",
            "tags\u00a0: caractère de contrôle U+202E refusé",
        ),
    ],
)
def test_invalid_fields_are_refused_with_a_clear_message(
    make_desk: Callable[..., Desk],
    changes: dict[str, Any],
    field: str,
    message: str,
    french: str,
) -> None:
    amelie = make_desk("amelie")
    with pytest.raises(InvalidAnswer) as refused:
        amelie.answers.create({**POOL, **changes})
    assert refused.value.field == field
    assert message in refused.value.message
    assert french in refused.value.localized(Catalog("fr").t)[0]
    assert amelie.answers.list() == []
    assert answer_events(amelie) == []


def test_the_import_uses_the_same_validation(make_desk: Callable[..., Desk]) -> None:
    amelie = make_desk("amelie")
    text = '[[answer]]\nname = "x"\nlanguage = "fr"\ntitle = "t"\nbody = "a\\u001b[2Jb"\n'
    with pytest.raises(InputError, match=r"answer #1 \(x\): body: control character U\+001B"):
        amelie.answers.import_text(text, "lib.toml")
    bad_date = (
        '[[answer]]\nname = "x"\nlanguage = "fr"\ntitle = "t"\nbody = "b"\nexpires_on = "demain"\n'
    )
    with pytest.raises(InputError, match=r"answer #1 \(x\): expires_on: "):
        amelie.answers.import_text(bad_date, "lib.toml")
    assert amelie.answers.list() == []


def test_form_fields_trim_split_and_leave_empty_out() -> None:
    fields = form_fields(
        name=" pool ",
        language="fr",
        title=" Piscine ",
        body="Bonjour {author}\n",
        source_url="  ",
        expires_on="",
        tags="piscine, été ,, ",
        categories=["question"],
        pre_approved=False,
    )
    assert fields == {
        "name": "pool",
        "language": "fr",
        "title": "Piscine",
        "body": "Bonjour {author}\n",
        "source_url": None,
        "expires_on": None,
        "tags": ["piscine", "été"],
        "categories": ["question"],
        "pre_approved": False,
    }


def test_cli_show_and_retire(
    cli: Cli, settings: Settings, make_desk: Callable[..., Desk], capsys: pytest.CaptureFixture[str]
) -> None:

    amelie = make_desk("amelie")
    amelie.answers.create(POOL)
    amelie.answers.create(
        {**POOL, "language": "en", "title": "Pool", "body": "Hi {author}, [bold]x[/]"}
    )
    assert cli("answers", "show", "pool", as_name="bruno") == 0
    shown = capsys.readouterr().out
    assert "pool (en) v1 · pre-approved" in shown
    assert "pool (fr) v1 · pre-approved" in shown
    assert "  | Bonjour {author}, la piscine ouvre le 20 juin. {link}" in shown
    assert "  | Hi {author}, [bold]x[/]" in shown
    assert cli("answers", "show", "nope", as_name="bruno") == 2
    assert "no answer named nope" in capsys.readouterr().err

    assert cli("answers", "retire", "pool", as_name="bruno") == 2
    assert "only a supervisor" in capsys.readouterr().err
    assert cli("answers", "retire", "pool", "--language", "en", as_name="amelie") == 0
    assert "retired pool (en, v1)" in capsys.readouterr().out
    assert cli("answers", "show", "pool", "--json", as_name="amelie") == 0
    out = capsys.readouterr().out
    assert '"active": false' in out
    assert '"active": true' in out
    assert [(a.name, a.language) for a in amelie.answers.list()] == [("pool", "fr")]
