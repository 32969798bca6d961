"""Checkpoints (issue 12 #13): the trail's heads written outside the database, signed with the
admin's Ed25519 key, and a trail held to them. A forged start (the first events deleted, an
anchor inserted, a correctly hashed ``audit.purged`` appended) passes ``audit verify`` on its
own — the chain cannot tell — and is caught by ``audit verify --checkpoints``. Reports and
exports print the head. Tampering goes around desk on purpose, with sqlite3 on the file."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import select

from desk import db
from desk.audit import chain, content
from desk.audit.actions import Action
from desk.audit.checkpoints import generate_key, read_file
from desk.audit.extract import verify_extract
from desk.bootstrap import Desk
from desk.db.tables import AuditAnchor, AuditEvent
from tests.helpers.cli import Cli
from tests.helpers.clock import clock_of
from tests.helpers.desks import DESK_TOML, add, mention
from tests.unit.audit.test_retention import CUTOFF_DAY, EXTRA, LATER

PERIOD = ("--since", "2026-11-10", "--until", "2026-11-12")


@pytest.fixture
def key(tmp_path: Path) -> Path:
    """The admin's signing key (``desk audit keygen``), its public half beside it."""
    path = tmp_path / "desk.key"
    generate_key(path)
    return path


@pytest.fixture
def checkpoints(tmp_path: Path) -> Path:
    return tmp_path / "heads.jsonl"


@pytest.fixture
def config_file(tmp_path: Path, key: Path) -> Path:
    """The shared desk.toml, an admin (dana), a checkpoint file and the key that signs it."""
    path = tmp_path / "desk.toml"
    audit = f'\n[audit]\ncheckpoints = "heads.jsonl"\nsigning_key = "file:{key}"\n'
    path.write_text(DESK_TOML.replace("[routing]\n", EXTRA) + audit, encoding="utf-8")
    return path


def _db(desk: Desk) -> str:
    return str(desk.engine.url.database)


def _sql(desk: Desk, *statements: str) -> list[tuple[object, ...]]:
    """Run ``statements`` on the file behind desk's back (triggers dropped); the last one's rows."""
    desk.engine.dispose()
    conn = sqlite3.connect(_db(desk))
    for trigger in ("events_no_update", "events_no_delete", "anchors_no_update"):
        conn.execute(f"DROP TRIGGER IF EXISTS audit_{trigger}")
    rows: list[tuple[object, ...]] = []
    for sql in statements:
        rows = conn.execute(sql).fetchall()
    conn.commit()
    conn.close()
    return rows


def _head(desk: Desk) -> tuple[int, str]:
    with desk.engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1"
        ).one()
    return int(row[0]), str(row[1])


def _forge_start(desk: Desk, through: int) -> None:
    """What someone with the file can do: delete events 1..``through`` and the rows they
    recorded, insert an anchor at ``through``, append a correctly hashed ``audit.purged`` that
    names it and the rows (so the rows check finds nothing missing)."""
    mentions = [
        int(r[0])  # type: ignore[call-overload]
        for r in _sql(
            desk,
            "SELECT DISTINCT mention_id FROM audit_events "
            f"WHERE seq <= {through} AND mention_id IS NOT NULL",
        )
    ]
    listed = ",".join(map(str, mentions)) or "0"
    replies = [
        int(r[0])  # type: ignore[call-overload]
        for r in _sql(desk, f"SELECT id FROM replies WHERE mention_id IN ({listed})")
    ]
    ((digest,),) = _sql(desk, f"SELECT hash FROM audit_events WHERE seq = {through}")
    _sql(
        desk,
        f"DELETE FROM outbox WHERE reply_id IN ({','.join(map(str, replies)) or '0'})",
        f"DELETE FROM replies WHERE mention_id IN ({listed})",
        f"DELETE FROM mentions WHERE id IN ({listed})",
        f"DELETE FROM audit_events WHERE seq <= {through}",
    )
    clock = clock_of(desk)
    with db.transaction(db.write_session_factory(desk.engine)) as session:
        session.add(
            AuditAnchor(
                seq=through,
                hash=str(digest),
                removed=through,
                actor="dana",
                cutoff=clock(),
                at=clock(),
            )
        )
        session.flush()
        chain.append(
            session,
            chain.EventSpec(
                actor="dana",
                action=Action.AUDIT_PURGED,
                at=clock(),
                data={
                    "anchor": {"seq": through, "hash": digest},
                    "previous_anchor": None,
                    "removed": {"mentions": len(mentions), "replies": len(replies)},
                    "removed_ids": {
                        "mentions": content.ranges(mentions),
                        "replies": content.ranges(replies),
                    },
                },
            ),
        )


def _story(desk: Desk, cli: Cli) -> int:
    """A mention answered, a checkpoint, then a second mention answered; the checkpoint's seq."""
    (first,) = add(desk, mention("1", "Quand passe la collecte ?"))
    desk.replies.send(first, "La collecte passe mardi.")
    assert cli("audit", "checkpoint") == 0
    seq = _head(desk)[0]
    (second,) = add(desk, mention("2", "Et la piscine ?"))
    desk.replies.send(second, "Elle ouvre à 9 h.")
    return seq


def test_a_checkpoint_appends_a_signed_head(
    cli: Cli, desk: Desk, checkpoints: Path, key: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpointed = _story(desk, cli)
    assert cli("audit", "checkpoint") == 0
    said = capsys.readouterr().out
    lines = read_file(checkpoints)
    assert [line.kind for line in lines] == ["checkpoint", "checkpoint"]
    assert lines[0].seq == checkpointed
    seq, digest = _head(desk)
    assert (lines[1].seq, lines[1].hash) == (seq, digest)  # the head includes its own event
    assert digest in said
    public = (key.parent / "desk.key.pub").read_text(encoding="ascii").strip()
    assert all(line.signed and line.key == public for line in lines)
    last = desk.queries.audit_log(limit=1)[0]
    assert last.action == Action.AUDIT_CHECKPOINTED
    assert last.data["previous"] == {"seq": lines[0].seq, "hash": lines[0].hash}
    assert cli("audit", "verify", "--public-key", str(key.parent / "desk.key.pub")) == 0
    out = capsys.readouterr().out
    assert "2 still in the trail" in out
    assert out.rstrip().endswith(digest)  # the head, last, for a script


def test_keygen_writes_a_new_key_and_never_over_one(
    cli: Cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "admin.key"
    assert cli.raw(["--lang", "en", "audit", "keygen", "--out", str(path)]) == 0
    public = (tmp_path / "admin.key.pub").read_text(encoding="ascii").strip()
    assert public.startswith("ed25519:")
    assert public in capsys.readouterr().out
    assert path.stat().st_mode & 0o077 == 0  # readable by its owner only
    before = path.read_bytes()
    assert cli.raw(["--lang", "fr", "audit", "keygen", "--out", str(path)]) == 2
    assert str(path) in capsys.readouterr().err
    assert path.read_bytes() == before


def test_the_file_is_appended_to_never_rewritten(cli: Cli, desk: Desk, checkpoints: Path) -> None:
    _story(desk, cli)
    first = checkpoints.read_bytes()
    assert cli("audit", "checkpoint") == 0
    assert checkpoints.read_bytes().startswith(first)
    # an earlier line edited (or one cut from the middle) is seen
    lines = checkpoints.read_text(encoding="utf-8").split("\n")
    edited = json.loads(lines[0])
    edited["seq"] += 1
    checkpoints.write_text("\n".join([json.dumps(edited), *lines[1:]]), encoding="utf-8")
    assert cli("audit", "verify") == 1


@pytest.mark.sqlite_only("changes the SQLite file behind desk's back, as an attacker would")
@pytest.mark.parametrize("where", ["before", "through"])
def test_a_forged_start_is_caught_by_a_checkpoint(
    cli: Cli,
    desk: Desk,
    checkpoints: Path,
    capsys: pytest.CaptureFixture[str],
    where: str,
) -> None:
    """The start forged before the checkpoint (which stays in the trail) or through it (the
    checkpointed event is gone with the rest)."""
    checkpointed = _story(desk, cli)
    through = checkpointed - 1 if where == "before" else checkpointed + 2
    _forge_start(desk, through)
    # the chain alone cannot tell: this is why heads are kept outside the database
    result = chain.verify(db.session_factory(desk.engine)())
    assert result.ok, result.reason
    assert result.start_seq == through
    capsys.readouterr()
    assert cli("audit", "verify", "--checkpoints", str(checkpoints)) == 1
    err = capsys.readouterr().err
    assert "NOT PROVEN" in err
    assert "the start of the trail was forged" in err


@pytest.mark.sqlite_only("changes the SQLite file behind desk's back, as an attacker would")
def test_a_cut_end_is_caught_by_a_checkpoint(
    cli: Cli, desk: Desk, checkpoints: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _story(desk, cli)
    assert cli("audit", "checkpoint") == 0
    seq, _ = _head(desk)
    _sql(desk, f"DELETE FROM audit_events WHERE seq = {seq}")  # the checkpoint's own event
    capsys.readouterr()
    assert cli("audit", "verify") == 1  # [audit] checkpoints is read by default
    assert "cut from its end" in capsys.readouterr().err


def test_another_key_or_an_unsigned_line_is_refused_when_a_key_is_pinned(
    cli: Cli, desk: Desk, tmp_path: Path, checkpoints: Path
) -> None:
    _story(desk, cli)
    other = tmp_path / "other.key"
    generate_key(other)
    assert cli("audit", "verify", "--public-key", str(tmp_path / "other.key.pub")) == 1


@pytest.mark.sqlite_only("changes the SQLite file behind desk's back, as an attacker would")
def test_reports_and_exports_print_the_head_and_extracts_are_held_to_it(
    cli: Cli, desk: Desk, tmp_path: Path, checkpoints: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _story(desk, cli)
    capsys.readouterr()
    assert cli("report", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    seq, digest = _head(desk)
    assert report["audit"]["head"] == {"seq": seq, "hash": digest}
    assert report["audit"]["checkpoint"] == read_file(checkpoints)[-1].to_json()  # the last one
    assert cli("report") == 0
    assert digest in capsys.readouterr().out
    out = tmp_path / "x.jsonl"
    assert cli("export", *PERIOD, "--out", str(out)) == 0
    said = capsys.readouterr().out
    last = read_file(checkpoints)[-1]
    assert last.kind == "export"
    assert last.hash in said
    assert verify_extract(out, checkpoints=checkpoints).ok
    # an extract whose head the organisation never published is not proven
    checkpoints.write_text(
        "".join(line + "\n" for line in checkpoints.read_text(encoding="utf-8").split("\n")[:-2]),
        encoding="utf-8",
    )
    assert not verify_extract(out, checkpoints=checkpoints).ok


def test_a_purge_is_recorded_so_earlier_checkpoints_still_prove(
    cli: Cli, make_desk: Callable[..., Desk], checkpoints: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    amelie = make_desk("amelie")
    (done,) = add(amelie, mention("1", "Quand passe la collecte ?"))
    amelie.replies.send(done, "La collecte passe mardi.")  # sent offline: closed
    assert cli("audit", "checkpoint") == 0
    (spam,) = add(amelie, mention("2", "Achetez nos pilules"))
    amelie.inbox.mark_spam(spam)
    add(amelie, mention("3", "Toujours pas de réponse"))  # open: kept, holds the trail after it
    before = read_file(checkpoints)[-1]
    clock_of(amelie).now = LATER
    dana = make_desk("dana")
    report = dana.retention.purge(dana.retention.cutoff(CUTOFF_DAY))
    assert report.anchor
    assert report.anchor[0] > before.seq  # the checkpointed event is gone
    assert report.checkpoint is not None
    assert report.checkpoint.anchor == report.anchor
    with db.session_factory(amelie.engine)() as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.seq == before.seq)).first() is None
    capsys.readouterr()
    assert cli("audit", "verify", as_name="dana") == 0
    assert "1 inside purges the file records" in capsys.readouterr().out
    # the same purge, had the file not recorded it, leaves the checkpoint unprovable
    lines = checkpoints.read_text(encoding="utf-8").split("\n")
    checkpoints.write_text(lines[0] + "\n", encoding="utf-8")
    assert cli("audit", "verify", as_name="dana") == 1
    assert "does not record that purge" in capsys.readouterr().err


def test_an_empty_checkpoint_file_proves_nothing_and_says_so(
    cli: Cli, desk: Desk, checkpoints: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The audit: `audit verify --checkpoints EMPTY` said "checkpoints (…, 0 lines): 0 still in
    the trail" as if something were proven; French said "0 lignes", "1 lignes"."""
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    said = {
        "en": "the file holds no checkpoint: nothing to hold the trail to, nothing proven",
        "fr": "le fichier n'en contient aucun\u00a0; rien à quoi confronter le journal",
    }
    for lang in ("en", "fr"):
        assert cli("audit", "verify", "--checkpoints", str(empty), lang=lang) == 0
        out, err = capsys.readouterr()
        assert "still in the trail" not in out
        assert "encore dans le journal" not in out
        assert said[lang] in err
    assert cli("audit", "checkpoint") == 0
    capsys.readouterr()
    for lang, lines in (("en", ", 1 line): 1 still in the trail"), ("fr", ", 1 ligne)")):
        assert cli("audit", "verify", "--checkpoints", str(checkpoints), lang=lang) == 0
        assert lines in capsys.readouterr().out
