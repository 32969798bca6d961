"""The detail body: a news title once, an e-mail's attachments and import notes listed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from desk.i18n import Catalog
from desk.tui.widgets.mention_view import body, meta
from desk.views import Attachment, ImportNote, MentionDetail, extras_of

NOW = datetime(2026, 11, 14, tzinfo=UTC)
FR = Catalog("fr")
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
    plain = body(BASE, FR).plain
    assert plain.count("Avis levé") == 1
    assert plain.endswith("Les analyses sont bonnes.")


def test_title_kept_when_text_does_not_repeat_it() -> None:
    plain = body(replace(BASE, text="Les analyses sont bonnes."), FR).plain
    assert plain == "Avis levé\n\nLes analyses sont bonnes."


def test_hostile_title_is_literal() -> None:
    plain = body(replace(BASE, title="[bold]x[/ \x1b]0;t\x07", text="corps"), FR).plain
    assert "[bold]x[/" in plain
    assert "\x1b" not in plain


def test_kind_is_shown_in_the_interface_language() -> None:
    assert "nouvelle" in meta(BASE, Catalog("fr"), NOW, UTC).plain
    assert "news" in meta(BASE, Catalog("en"), NOW, UTC).plain


def test_attachments_and_import_notes_are_listed_in_the_readers_language() -> None:
    mail = replace(
        BASE,
        title=None,
        text="Voir le plan joint.",
        attachments=[
            Attachment("plan.pdf", "application/pdf", 3009),
            Attachment("\x1b[31mfacture.exe", "application/x-msdownload", 0),
        ],
        notes=[ImportNote(code="unknown_charset", args={"charset": "x-unknown"})],
    )
    fr, en = body(mail, FR).plain, body(mail, Catalog("en")).plain
    assert "Pièces jointes (jamais ouvertes par desk)" in fr
    assert "plan.pdf · application/pdf · 3\u00a0Ko" in fr
    assert "facture.exe · application/x-msdownload" in fr
    assert "\x1b" not in fr
    assert "À l'import" in fr
    assert "jeu de caractères inconnu «\u00a0x-unknown\u00a0»\u00a0: lu comme de l'UTF-8" in fr
    assert 'unknown charset "x-unknown": read as UTF-8' in en
    assert "Attachments (never opened by desk):" in en
    assert "3 KB" in en
    assert "plan.pdf" not in body(BASE, FR).plain  # a mention without any lists none


def test_extras_of_a_hostile_record_keep_only_what_has_the_right_shape() -> None:
    attachments, notes = extras_of(
        {
            "attachments": [
                {"name": "a.pdf", "type": "application/pdf", "size": 10},
                "not an object",
                {"name": "x" * 5000, "size": -3},
            ],
            "notes": [
                "ok",
                42,
                None,
                {
                    "code": "header_cut",
                    "args": {"header": "subject", "size": 9, "x": [1], "n": 10**30},
                },
                {"code": "Not A Code"},
                {"args": {}},
            ],
        }
    )
    assert attachments[0] == Attachment("a.pdf", "application/pdf", 10)
    assert len(attachments) == 2
    assert len(attachments[1].name) == 300
    assert attachments[1].size == 0
    assert notes == [
        ImportNote(text="ok"),
        ImportNote(code="header_cut", args={"header": "subject", "size": 9}),
    ]
    assert extras_of({"notes": "not a list"}) == ([], [])
    assert extras_of(["not", "a", "dict"]) == ([], [])
    assert len(extras_of({"attachments": [{}] * 10_000})[0]) == 50


def test_import_notes_are_worded_in_the_readers_language_and_old_sentences_still_show() -> None:
    """Notes stored as codes are worded by the catalog (numbers grouped the language's way);
    a record stored before (an English sentence) still shows its sentence; a code no catalog
    knows (a newer desk's) shows with its values rather than as nothing."""
    _, notes = extras_of(
        {
            "notes": [
                {"code": "message_cut", "args": {"size": 30_000_000, "limit": 26_214_400}},
                {"code": "too_nested", "args": {"limit": 100}},
                "some characters could not be decoded (shown as \ufffd)",
                {"code": "from_the_future", "args": {"n": 3}},
            ]
        }
    )
    fr, en = [[n.render(Catalog(lang)) for n in notes] for lang in ("fr", "en")]
    assert fr[0] == "message de 30\u202f000\u202f000 octets coupé à 26\u202f214\u202f400"
    assert en[0] == "message of 30,000,000 bytes cut to 26,214,400"
    assert fr[1] == "plus de 100 parties imbriquées\u00a0: seul l'en-tête a été lu"
    assert en[1] == "more than 100 nested parts: only the header was read"
    assert fr[2] == en[2] == "some characters could not be decoded (shown as \ufffd)"
    assert fr[3] == en[3] == "from_the_future n=3"
    shown = body(replace(BASE, notes=notes), FR).plain
    assert "message de 30\u202f000\u202f000 octets" in shown
    assert "some characters could not be decoded" in shown
