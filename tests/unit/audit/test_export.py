"""Exports for records requests: what is in them, csv and jsonl, the staff filter, supervisors
only, audited, and verifiable by the recipient (any change to an event is found)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from desk.audit.export import event_hash, verify_extract
from desk.bootstrap import Desk
from desk.errors import PermissionDenied
from tests.helpers.desks import add, mention

POSTED = datetime(2026, 11, 11, 15, 0, tzinfo=UTC)


def seeded(make_desk: Callable[..., Desk]) -> tuple[Desk, list[int]]:
    amelie = make_desk("amelie")
    ids = add(
        amelie,
        mention("1", "Quand passe la collecte?", created_at=POSTED),
        mention("2", "Hello, is the pool open?", language="en", created_at=POSTED),
        mention("3", "Old post", created_at=datetime(2026, 10, 1, tzinfo=UTC)),
    )
    amelie.replies.send(ids[0], "Mardi.")
    return amelie, ids


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_extract_contents_and_verification(
    make_desk: Callable[..., Desk], tmp_path: Path, fmt: str
) -> None:
    amelie, ids = seeded(make_desk)
    out = tmp_path / ("x.jsonl" if fmt == "jsonl" else "x")
    manifest = amelie.exports.export(date(2026, 11, 10), date(2026, 11, 12), fmt=fmt, out=out)
    assert manifest["counts"]["mentions"] == 2  # the October post is outside the period
    assert manifest["counts"]["replies"] == 1
    ok, checked, problems = verify_extract(out)
    assert (ok, problems) == (True, [])
    assert checked == manifest["counts"]["audit_events"] > 0
    head = manifest["chain_head"]
    assert amelie.queries.verify_audit(head["hash"]).ok  # the head was real
    if fmt == "csv":
        with (out / "mentions.csv").open(encoding="utf-8") as handle:
            assert sorted(int(r["id"]) for r in csv.DictReader(handle)) == ids[:2]
    exported = [e for e in amelie.queries.audit_log(limit=50) if e.action == "export.created"]
    assert exported[0].data["counts"] == manifest["counts"]


def test_a_changed_event_is_found(make_desk: Callable[..., Desk], tmp_path: Path) -> None:
    amelie, _ = seeded(make_desk)
    out = tmp_path / "x.jsonl"
    amelie.exports.export(date(2026, 11, 10), date(2026, 11, 12), fmt="jsonl", out=out)
    lines = out.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    sent = next(i for i, r in enumerate(records) if r.get("action") == "reply.sent")
    assert event_hash(records[sent]) == records[sent]["hash"]
    records[sent]["data"] = records[sent]["data"].replace("Mardi", "Jeudi")
    out.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8"
    )
    ok, _, problems = verify_extract(out)
    assert not ok
    assert problems == [f"event seq {records[sent]['seq']}: its hash does not match its content"]


def test_staff_filter_and_permissions(make_desk: Callable[..., Desk], tmp_path: Path) -> None:
    amelie, ids = seeded(make_desk)
    manifest = amelie.exports.export(
        date(2026, 11, 10), date(2026, 11, 12), fmt="jsonl", out=tmp_path / "c.jsonl", staff="chloe"
    )
    assert manifest["counts"]["mentions"] == 1  # the English mention, routed to chloe
    records = [
        json.loads(x) for x in (tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert {r["id"] for r in records if r["type"] == "mention"} == {ids[1]}
    with pytest.raises(PermissionDenied, match="only a supervisor can export"):
        make_desk("bruno").exports.export(
            date(2026, 11, 10), date(2026, 11, 12), fmt="jsonl", out=tmp_path / "b.jsonl"
        )
    assert not (tmp_path / "b.jsonl").exists()
