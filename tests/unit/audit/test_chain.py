"""The audit chain: every action leaves an event; any alteration, deletion or insertion is named."""

from __future__ import annotations

import sqlite3

import pytest

from desk.bootstrap import Desk
from tests.helpers.cli import Cli
from tests.helpers.desks import add, mention


def _db_path(desk: Desk) -> str:
    return str(desk.engine.url.database)


def _actions(desk: Desk) -> None:
    ids = add(desk, mention("1", "Bonjour, quand passe la collecte?"), mention("2", "Hello city"))
    desk.inbox.assign(ids[0], "chloe")
    desk.inbox.claim(ids[1])
    desk.replies.send(ids[1], "Thanks for writing!")
    desk.inbox.close(ids[0])
    desk.inbox.reopen(ids[0])


def _tamper(desk: Desk, sql: str, *params: object) -> None:
    desk.engine.dispose()
    conn = sqlite3.connect(_db_path(desk))
    conn.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    conn.execute(sql, params)
    conn.commit()
    conn.close()


def test_chain_verifies_after_actions(desk: Desk) -> None:
    _actions(desk)
    result = desk.queries.verify_audit()
    assert result.ok
    # 3 staff.added + the approval policy + 2 ingested + assign + claim + sent + close + reopen
    assert result.checked == 11
    actions = [e.action for e in reversed(desk.queries.audit_log())]
    assert actions[3:] == [
        "approval.policy_set",
        "mention.ingested",
        "mention.ingested",
        "mention.assigned",
        "mention.claimed",
        "reply.sent",
        "mention.closed",
        "mention.reopened",
    ]


@pytest.mark.sqlite_only("changes the SQLite file behind desk's back, as an attacker would")
def test_audit_rows_refuse_update_and_delete(desk: Desk) -> None:
    _actions(desk)
    conn = sqlite3.connect(_db_path(desk))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit_events SET actor='x' WHERE seq=5")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit_events WHERE seq=5")
    conn.close()


@pytest.mark.sqlite_only("changes the SQLite file behind desk's back, as an attacker would")
def test_altered_row_is_named(desk: Desk) -> None:
    _actions(desk)
    _tamper(desk, "UPDATE audit_events SET data = replace(data, 'chloe', 'amelie') WHERE seq = 7")
    result = desk.queries.verify_audit()
    assert not result.ok
    assert result.bad_seq == 7
    assert "altered" in (result.reason or "")


@pytest.mark.sqlite_only("changes the SQLite file behind desk's back, as an attacker would")
def test_altered_actor_is_named(desk: Desk) -> None:
    _actions(desk)
    _tamper(desk, "UPDATE audit_events SET actor = 'chloe' WHERE seq = 8")
    result = desk.queries.verify_audit()
    assert (result.ok, result.bad_seq) == (False, 8)


@pytest.mark.sqlite_only("changes the SQLite file behind desk's back, as an attacker would")
def test_deleted_row_is_named(desk: Desk) -> None:
    _actions(desk)
    _tamper(desk, "DELETE FROM audit_events WHERE seq = 6")
    result = desk.queries.verify_audit()
    assert not result.ok
    assert result.bad_seq == 7
    assert "missing" in (result.reason or "")


@pytest.mark.sqlite_only("changes the SQLite file behind desk's back, as an attacker would")
def test_inserted_row_is_named(desk: Desk) -> None:
    from desk.audit.chain import compute_hash
    from desk.db.tables import UTCDateTime  # noqa: F401  (documents the column type)

    _actions(desk)
    detail_at = desk.queries.audit_log(limit=100)[-4].at  # seq 4's timestamp
    prev = desk.queries.audit_log(limit=100)[-4].hash
    forged = compute_hash(
        prev,
        seq=5,
        at=detail_at,
        actor="amelie",
        action="reply.sent",
        mention_id=None,
        reply_id=None,
        data_text="{}",
    )
    # Renumber the tail to make room, then slip a well-formed forged event in at seq 5.
    _tamper(desk, "UPDATE audit_events SET seq = seq + 1000 WHERE seq >= 5")
    _tamper(desk, "UPDATE audit_events SET seq = seq - 999 WHERE seq >= 1005")
    _tamper(
        desk,
        "INSERT INTO audit_events (seq, at, actor, action, data, prev_hash, hash) VALUES (5, ?, 'amelie', 'reply.sent', '{}', ?, ?)",
        detail_at.strftime("%Y-%m-%d %H:%M:%S.%f"),
        prev,
        forged,
    )
    result = desk.queries.verify_audit()
    assert not result.ok
    assert (
        result.bad_seq == 6
    )  # the forged event chains onto seq 4, but the old seq 5 does not chain onto it
    assert "prev_hash" in (result.reason or "")


@pytest.mark.sqlite_only("changes the SQLite file behind desk's back, as an attacker would")
def test_cli_verify_exit_codes(cli: Cli, desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    _actions(desk)
    assert cli("audit", "verify") == 0
    assert "intact" in capsys.readouterr().out
    _tamper(desk, "UPDATE audit_events SET action = 'mention.closed' WHERE seq = 8")
    assert cli("audit", "verify") == 1
    assert "seq 8" in capsys.readouterr().err


@pytest.mark.sqlite_only("changes the SQLite file behind desk's back, as an attacker would")
def test_cut_tail_is_caught_with_an_earlier_head(
    cli: Cli, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    _actions(desk)
    assert cli("audit", "verify") == 0
    head = capsys.readouterr().out.strip().rsplit(" ", 1)[-1]
    assert len(head) == 64
    assert cli("audit", "verify", "--head", head[:16]) == 0
    capsys.readouterr()
    _tamper(desk, "DELETE FROM audit_events WHERE seq >= 10")  # cut the last two events
    assert desk.queries.verify_audit().ok  # the chain alone cannot tell...
    assert cli("audit", "verify", "--head", head) == 1  # ...the earlier head can
    assert "removed from the end" in capsys.readouterr().err
    assert cli("audit", "verify", "--head", "abc") == 2
    assert "12 hex digits" in capsys.readouterr().err
