"""Content bound to the chain (issue 12 #10): editing a mention's or a reply's row behind desk's
back is named by `desk audit verify`; rows recorded before the digest existed are counted as not
bound, not reported as altered; a purge that removed rows says which. Tampering goes around
desk on purpose, with sqlite3 on the file."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

from desk.audit import chain
from desk.audit.extract import verify_extract
from desk.bootstrap import Desk
from tests.helpers.cli import Cli
from tests.helpers.desks import add, mention


def _db(desk: Desk) -> str:
    return str(desk.engine.url.database)


def _tamper(desk: Desk, *statements: str) -> None:
    desk.engine.dispose()
    conn = sqlite3.connect(_db(desk))
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()


def _story(make_desk: Callable[..., Desk]) -> tuple[Desk, dict[str, int]]:
    """A mention answered, one answered after a refusal and an edit, one left alone."""
    amelie = make_desk("amelie")
    answered, refused, alone = add(
        amelie,
        mention("1", "Quand passe la collecte ?"),
        mention("2", "On dit que le pont ferme"),
        mention("3", "Bonjour"),
    )
    sent = amelie.replies.send(answered, "La collecte passe mardi.")
    chloe = make_desk("chloe")
    waiting = chloe.replies.send(refused, "Le pont ferme demain, je crois.")
    return amelie, {
        "answered": answered,
        "refused": refused,
        "alone": alone,
        "sent": sent.id,
        "waiting": waiting.id,
    }


def test_every_row_is_bound_and_verifies(make_desk: Callable[..., Desk]) -> None:
    amelie, ids = _story(make_desk)
    result = amelie.queries.verify_audit()
    assert result.ok, result.reason
    assert result.rows is not None
    assert result.rows.bound == {"mentions": 3, "replies": 2}
    assert result.rows.unbound == {"mentions": 0, "replies": 0}
    ingested = [e for e in amelie.queries.audit_log(limit=50) if e.action == "mention.ingested"]
    assert all(len(e.data["content"]) == 64 for e in ingested)
    sent = [e for e in amelie.queries.audit_log(limit=50) if e.action == "reply.sent"]
    assert len(sent[0].data["content"]) == 64


@pytest.mark.sqlite_only("changes the SQLite file behind desk's back, as an attacker would")
@pytest.mark.parametrize(
    ("sql", "kind", "key"),
    [
        (
            "UPDATE mentions SET text = 'Merci pour tout' WHERE id = {answered}",
            "mention",
            "answered",
        ),
        ("UPDATE mentions SET author_handle = '@autre' WHERE id = {alone}", "mention", "alone"),
        (
            "UPDATE mentions SET created_at = '2026-11-01 09:00:00' WHERE id = {alone}",
            "mention",
            "alone",
        ),
        ("UPDATE mentions SET raw = '{{}}' WHERE id = {alone}", "mention", "alone"),
        (
            "UPDATE replies SET text = replace(text, 'mardi', 'jeudi') WHERE id = {sent}",
            "reply",
            "sent",
        ),
        ("UPDATE replies SET remote_id = 'x' WHERE id = {sent}", "reply", "sent"),
        ("UPDATE replies SET body = 'autre chose' WHERE id = {waiting}", "reply", "waiting"),
    ],
)
def test_an_edited_row_is_named(
    make_desk: Callable[..., Desk], sql: str, kind: str, key: str
) -> None:
    amelie, ids = _story(make_desk)
    _tamper(amelie, sql.format(**ids))
    result = amelie.queries.verify_audit()
    assert not result.ok
    assert result.rows is not None
    assert [(f.kind, f.id, f.problem) for f in result.rows.findings] == [
        (kind, ids[key], "altered")
    ]
    assert f"{kind} #{ids[key]}" in (result.reason or "")
    assert result.bad_seq is not None  # the event that recorded it


@pytest.mark.sqlite_only("changes the SQLite file behind desk's back, as an attacker would")
def test_a_refusal_note_is_bound_too(make_desk: Callable[..., Desk]) -> None:
    amelie, ids = _story(make_desk)
    amelie.approvals.reject(ids["waiting"], "Vérifiez auprès des travaux publics.")
    assert amelie.queries.verify_audit().ok
    _tamper(amelie, f"UPDATE replies SET review_note = 'OK' WHERE id = {ids['waiting']}")
    result = amelie.queries.verify_audit()
    assert result.rows is not None
    assert [(f.id, f.problem) for f in result.rows.findings] == [(ids["waiting"], "altered")]


@pytest.mark.sqlite_only("changes the SQLite file behind desk's back, as an attacker would")
def test_an_edit_by_the_approver_is_bound(make_desk: Callable[..., Desk]) -> None:
    amelie, ids = _story(make_desk)
    amelie.approvals.approve(ids["waiting"], text="Le pont reste ouvert.")
    assert amelie.queries.verify_audit().ok
    _tamper(
        amelie,
        f"UPDATE replies SET text = 'Le pont ferme demain, je crois. —CM' WHERE id = {ids['waiting']}",
    )
    assert not amelie.queries.verify_audit().ok


@pytest.mark.sqlite_only("changes the SQLite file behind desk's back, as an attacker would")
def test_deleted_and_inserted_rows_are_named(make_desk: Callable[..., Desk]) -> None:
    amelie, ids = _story(make_desk)
    _tamper(
        amelie,
        f"DELETE FROM outbox WHERE reply_id = {ids['sent']}",
        f"DELETE FROM replies WHERE id = {ids['sent']}",
        "INSERT INTO replies (mention_id, author, body, signature, text, status, "
        "idempotency_key, created_at) SELECT mention_id, author, 'x', signature, 'x', "
        f"'rejected', 'forged', created_at FROM replies WHERE id = {ids['waiting']}",
    )
    result = amelie.queries.verify_audit()
    assert result.rows is not None
    found = {(f.kind, f.problem) for f in result.rows.findings}
    assert found == {("reply", "missing"), ("reply", "unrecorded")}


def _strip_bindings(desk: Desk) -> None:
    """Make the database look recorded before this version: no `content` in any event, and the
    chain hashed again over what is left (as the older desk would have written it)."""
    desk.engine.dispose()
    conn = sqlite3.connect(_db(desk))
    conn.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
    rows = conn.execute(
        "SELECT seq, actor, action, mention_id, reply_id, data, at FROM audit_events ORDER BY seq"
    ).fetchall()
    prev = chain.GENESIS
    for seq, actor, action, mention_id, reply_id, data, at in rows:
        values = json.loads(data)
        values.pop("content", None)
        text = chain.canonical_data(values)
        digest = chain.compute_hash(
            prev,
            seq=seq,
            at=datetime.fromisoformat(at),
            actor=actor,
            action=action,
            mention_id=mention_id,
            reply_id=reply_id,
            data_text=text,
        )
        conn.execute(
            "UPDATE audit_events SET data = ?, prev_hash = ?, hash = ? WHERE seq = ?",
            (text, prev, digest, seq),
        )
        prev = digest
    conn.commit()
    conn.close()


@pytest.mark.sqlite_only("changes the SQLite file behind desk's back, as an attacker would")
def test_rows_recorded_before_this_version_are_not_bound_not_tampered(
    make_desk: Callable[..., Desk], cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    amelie, ids = _story(make_desk)
    _strip_bindings(amelie)
    result = amelie.queries.verify_audit()
    assert result.ok, result.reason
    assert result.rows is not None
    assert result.rows.unbound == {"mentions": 3, "replies": 2}
    # a new step of an old reply binds it from then on
    amelie.approvals.reject(ids["waiting"], "Non.")
    result = amelie.queries.verify_audit()
    assert result.rows is not None
    assert result.rows.unbound == {"mentions": 3, "replies": 1}
    capsys.readouterr()
    assert cli("audit", "verify") == 0
    out = capsys.readouterr().out
    assert "not bound" in out
    assert "recorded before this version" in out


@pytest.mark.sqlite_only("changes the SQLite file behind desk's back, as an attacker would")
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_audit_verify_names_every_altered_row(
    make_desk: Callable[..., Desk], cli: Cli, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    amelie, ids = _story(make_desk)
    _tamper(
        amelie,
        f"UPDATE mentions SET text = 'x' WHERE id = {ids['alone']}",
        f"UPDATE replies SET text = 'y' WHERE id = {ids['sent']}",
    )
    capsys.readouterr()
    assert cli("audit", "verify", lang=lang) == 1
    err = capsys.readouterr().err
    number = "#" if lang == "en" else "nº\u00a0"
    assert f"mention {number}{ids['alone']}" in err
    assert f"{'reply' if lang == 'en' else 'réponse'} {number}{ids['sent']}" in err
    assert ("ALTERED" if lang == "en" else "MODIFIÉE") in err


@pytest.mark.sqlite_only("changes the SQLite file behind desk's back, as an attacker would")
def test_an_extract_of_an_edited_database_names_the_rows(
    make_desk: Callable[..., Desk], tmp_path: Path
) -> None:
    """Rows edited in the file, then exported: the recipient's verify-extract sees it too, since
    the events carry the digests of the rows as they were recorded."""
    amelie, ids = _story(make_desk)
    _tamper(
        amelie,
        f"UPDATE mentions SET text = 'Merci pour tout' WHERE id = {ids['answered']}",
        f"UPDATE replies SET text = replace(text, 'mardi', 'jeudi') WHERE id = {ids['sent']}",
    )
    out = tmp_path / "x.jsonl"
    amelie.exports.export(date(2026, 11, 1), date(2026, 11, 30), fmt="jsonl", out=out)
    report = verify_extract(out)
    assert not report.ok
    assert sorted((f.code, f.params["kind"], f.params["id"]) for f in report.findings) == [
        ("record_altered", "mention", ids["answered"]),
        ("record_altered", "reply", ids["sent"]),
    ]
