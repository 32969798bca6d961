"""Exports for records requests: what is in them, csv and jsonl, the staff filter, supervisors
only, audited by the event that is their head, and verifiable by the recipient: any change to an
event, a record, the manifest or the list of events is found (issue 12 #10, #11, #12, #14)."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from desk.audit.export import ExportResult, event_hash, manifest_digest
from desk.audit.extract import verify_extract
from desk.bootstrap import Desk
from desk.errors import ActionRefused, InputError, PermissionDenied
from tests.helpers.desks import add, mention

POSTED = datetime(2026, 11, 11, 15, 0, tzinfo=UTC)
SINCE, UNTIL = date(2026, 11, 10), date(2026, 11, 12)


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


def _jsonl(desk: Desk, out: Path) -> ExportResult:
    return desk.exports.export(SINCE, UNTIL, fmt="jsonl", out=out)


def _records(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.read_text(encoding="utf-8").split("\n")[:-1]]


def _rewrite(out: Path, records: list[dict[str, object]]) -> None:
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n"
    out.write_text(text, encoding="utf-8")


def _codes(out: Path) -> list[str]:
    return [f.code for f in verify_extract(out).findings]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_extract_contents_and_verification(
    make_desk: Callable[..., Desk], tmp_path: Path, fmt: str
) -> None:
    amelie, ids = seeded(make_desk)
    out = tmp_path / ("x.jsonl" if fmt == "jsonl" else "x")
    done = amelie.exports.export(SINCE, UNTIL, fmt=fmt, out=out)
    manifest = done.manifest
    assert manifest["counts"]["mentions"] == 2  # the October post is outside the period
    assert manifest["counts"]["replies"] == 1
    report = verify_extract(out)
    assert (report.ok, report.findings) == (True, [])
    assert report.head == done.head
    assert report.checked == manifest["counts"]["audit_events"] + 1  # and the head
    assert report.bound == {"mentions": 2, "replies": 1}
    assert amelie.queries.verify_audit(done.head[1]).ok  # the head is the trail's
    if fmt == "csv":
        with (out / "mentions.csv").open(encoding="utf-8-sig") as handle:
            assert sorted(int(r["id"]) for r in csv.DictReader(handle)) == ids[:2]
    exported = [e for e in amelie.queries.audit_log(limit=50) if e.action == "export.created"]
    assert exported[0].seq == done.head[0]
    assert exported[0].data["counts"] == manifest["counts"]
    assert exported[0].data["manifest_sha256"] == manifest_digest(manifest)


def test_a_changed_event_is_found(make_desk: Callable[..., Desk], tmp_path: Path) -> None:
    amelie, _ = seeded(make_desk)
    out = tmp_path / "x.jsonl"
    _jsonl(amelie, out)
    records = _records(out)
    sent = next(i for i, r in enumerate(records) if r.get("action") == "reply.sent")
    assert event_hash(records[sent]) == records[sent]["hash"]
    records[sent]["data"] = str(records[sent]["data"]).replace("Mardi", "Jeudi")
    _rewrite(out, records)
    report = verify_extract(out)
    assert not report.ok
    assert [(f.code, f.params) for f in report.findings] == [
        ("event_altered", {"seq": records[sent]["seq"]})
    ]


def test_a_changed_record_is_found(make_desk: Callable[..., Desk], tmp_path: Path) -> None:
    amelie, ids = seeded(make_desk)
    out = tmp_path / "x.jsonl"
    _jsonl(amelie, out)
    for kind, field, value in (
        ("reply", "text", "Jeudi.\n—AB"),
        ("mention", "author_handle", "@x"),
    ):
        records = _records(out)
        original = out.read_text(encoding="utf-8")
        record = next(r for r in records if r["type"] == kind)
        record[field] = value
        _rewrite(out, records)
        report = verify_extract(out)
        assert [(f.code, f.params["kind"], f.params["id"]) for f in report.findings] == [
            ("record_altered", kind, record["id"])
        ]
        out.write_text(original, encoding="utf-8")
    assert verify_extract(out).ok


def test_a_changed_state_or_an_added_field_is_found(
    make_desk: Callable[..., Desk], tmp_path: Path
) -> None:
    """Fields no event binds (a mention's status, category, assignee, language; a reply's
    status) and fields added to a record are bound by the head through the manifest's list."""
    amelie, _ids = seeded(make_desk)
    out = tmp_path / "x.jsonl"
    done = _jsonl(amelie, out)
    original = out.read_text(encoding="utf-8")
    for kind, field, value in (
        ("mention", "status", "spam"),
        ("mention", "assignee", "chloe"),
        ("mention", "language", "de"),
        ("reply", "status", "rejected"),
        ("mention", "note", "added by hand"),
    ):
        records = _records(out)
        record = next(r for r in records if r["type"] == kind)
        record[field] = value
        _rewrite(out, records)
        found = [(f.code, f.params["kind"], f.params["id"]) for f in verify_extract(out).findings]
        assert found == [("record_altered", kind, record["id"])], (kind, field)
        out.write_text(original, encoding="utf-8")
    assert verify_extract(out).ok
    # the same in CSV: an edited cell, an added column
    folder = tmp_path / "x"
    amelie.exports.export(SINCE, UNTIL, fmt="csv", out=folder)
    sheet = folder / "mentions.csv"
    text = sheet.read_text(encoding="utf-8-sig")
    sheet.write_text(text.replace(",open,", ",closed,", 1), encoding="utf-8-sig")
    assert _codes(folder) == ["record_altered"]
    header, rest = text.split("\n", 1)
    added = "\n".join(f"{line},x" if line else line for line in rest.split("\n"))
    sheet.write_text(f"{header},note\n{added}", encoding="utf-8-sig")
    assert set(_codes(folder)) == {"record_altered"}
    assert done.head == verify_extract(out).head


def test_cuts_additions_and_counts_are_found(
    make_desk: Callable[..., Desk], tmp_path: Path
) -> None:
    amelie, _ = seeded(make_desk)
    out = tmp_path / "x.jsonl"
    _jsonl(amelie, out)
    records = _records(out)
    events = [i for i, r in enumerate(records) if r["type"] == "audit_event"]
    middle = records[events[1]]
    assert _codes_after(out, [r for r in records if r is not middle]) == [
        "event_missing",
        "count_mismatch",
    ]
    assert _codes_after(out, records[:-1]) == ["head_missing"]
    reply = next(r for r in records if r["type"] == "reply")
    assert _codes_after(out, [r for r in records if r is not reply]) == [
        "count_mismatch",
        "record_missing",
    ]
    manifest = dict(records[0])
    manifest["counts"] = {**manifest["counts"], "replies": 0}  # type: ignore[dict-item]
    assert _codes_after(out, [manifest, *records[1:]]) == ["head_manifest", "count_mismatch"]


def _codes_after(out: Path, records: list[dict[str, object]]) -> list[str]:
    _rewrite(out, records)
    return _codes(out)


def test_the_last_event_cut_with_its_head_is_found(
    make_desk: Callable[..., Desk], tmp_path: Path
) -> None:
    amelie, _ = seeded(make_desk)
    out = tmp_path / "x.jsonl"
    _jsonl(amelie, out)
    records = _records(out)
    assert records[-1]["action"] == "export.created"
    # both gone: the head and the last listed event (what used to pass)
    codes = _codes_after(out, records[:-2])
    assert "head_missing" in codes
    assert "event_missing" in codes


def test_line_separators_in_text_keep_the_extract_readable(
    make_desk: Callable[..., Desk], tmp_path: Path
) -> None:
    amelie = make_desk("amelie")
    add(amelie, mention("1", "a\u2028b\u2029c\x85d\x1ce\x0bf\x0cg\rh", created_at=POSTED))
    out = tmp_path / "x.jsonl"
    _jsonl(amelie, out)
    assert verify_extract(out).ok


def test_a_legacy_extract_is_not_provable(make_desk: Callable[..., Desk], tmp_path: Path) -> None:
    amelie, _ = seeded(make_desk)
    out = tmp_path / "x.jsonl"
    _jsonl(amelie, out)
    records = _records(out)
    manifest = {k: v for k, v in records[0].items() if k not in ("version", "events")}
    _rewrite(out, [manifest, *records[1:-1]])
    report = verify_extract(out)
    assert [f.code for f in report.findings] == ["legacy"]
    assert not report.ok


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "extract_no_manifest"),
        ("not json\n", "extract_bad_line"),
        ('{"type": "manifest"}\n[1]\n', "extract_bad_line"),
        ('{"type": "manifest"}\n{"type": "thing"}\n', "extract_bad_line"),
        ('{"type": "manifest"}\n{"type": "audit_event", "seq": "1"}\n', "extract_bad_record"),
        ('{"type": "manifest", "version": 2, "events": 5}\n', "extract_bad_manifest"),
        ('{"type": "mention"}\n', "extract_no_manifest"),
    ],
)
def test_malformed_extracts_say_what_and_where(tmp_path: Path, text: str, key: str) -> None:
    out = tmp_path / "x.jsonl"
    out.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        verify_extract(out)
    assert raised.value.key == key
    assert str(out) in raised.value.message


def test_a_malformed_reply_record_is_named_a_reply(tmp_path: Path) -> None:
    """The audit's nit: the error said "a replie record"."""
    out = tmp_path / "x.jsonl"
    out.write_text('{"type": "manifest"}\n{"type": "reply", "id": 1}\n', encoding="utf-8")
    with pytest.raises(InputError, match="a reply record without a valid 'mention_id'"):
        verify_extract(out)


def test_malformed_csv_extracts_say_what_and_where(
    make_desk: Callable[..., Desk], tmp_path: Path
) -> None:
    amelie, _ = seeded(make_desk)
    out = tmp_path / "x"
    amelie.exports.export(SINCE, UNTIL, fmt="csv", out=out)
    (out / "replies.csv").unlink()
    with pytest.raises(InputError, match="replies.csv") as raised:
        verify_extract(out)
    assert raised.value.key == "extract_missing_files"
    shutil.rmtree(out)
    amelie.exports.export(SINCE, UNTIL, fmt="csv", out=out)
    events = out / "audit_events.csv"
    events.write_text(events.read_text(encoding="utf-8-sig").replace("seq,", "sequence,", 1))
    with pytest.raises(InputError, match="seq") as raised:
        verify_extract(out)
    assert raised.value.key == "extract_bad_header"
    with pytest.raises(InputError) as raised:
        verify_extract(tmp_path / "nothing")
    assert raised.value.key == "extract_missing"


def test_a_failed_export_leaves_no_file_and_no_event(
    make_desk: Callable[..., Desk], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    amelie, _ = seeded(make_desk)
    import desk.audit.export as export

    def broken(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "_write_jsonl", broken)
    with pytest.raises(OSError, match="No space"):
        _jsonl(amelie, tmp_path / "x.jsonl")
    assert not [p for p in tmp_path.iterdir() if "x.jsonl" in p.name]
    assert not [e for e in amelie.queries.audit_log(limit=50) if e.action == "export.created"]


def test_force_replaces_only_an_earlier_extract(
    make_desk: Callable[..., Desk], tmp_path: Path
) -> None:
    amelie, _ = seeded(make_desk)
    folder = tmp_path / "x"
    amelie.exports.export(SINCE, UNTIL, fmt="csv", out=folder)
    with pytest.raises(ActionRefused, match="already exists"):
        amelie.exports.export(SINCE, UNTIL, fmt="csv", out=folder)
    done = amelie.exports.export(SINCE, UNTIL, fmt="csv", out=folder, force=True)
    assert verify_extract(folder).head == done.head
    other = tmp_path / "documents"
    other.mkdir()
    (other / "thesis.docx").write_text("mine", encoding="utf-8")
    with pytest.raises(ActionRefused, match="other files than a desk extract"):
        amelie.exports.export(SINCE, UNTIL, fmt="csv", out=other, force=True)
    assert (other / "thesis.docx").read_text(encoding="utf-8") == "mine"
    with pytest.raises(ActionRefused, match="not a file"):
        amelie.exports.export(SINCE, UNTIL, fmt="jsonl", out=other, force=True)
    # a JSONL --force replaces an earlier extract file, never another file (desk.toml, notes)
    config = tmp_path / "desk.toml"
    config.write_text('[desk]\nlanguage = "fr"\n', encoding="utf-8")
    with pytest.raises(ActionRefused, match="not a desk extract: not replaced, even with --force"):
        amelie.exports.export(SINCE, UNTIL, fmt="jsonl", out=config, force=True)
    assert config.read_text(encoding="utf-8") == '[desk]\nlanguage = "fr"\n'
    earlier = tmp_path / "x.jsonl"
    amelie.exports.export(SINCE, UNTIL, fmt="jsonl", out=earlier)
    again = amelie.exports.export(SINCE, UNTIL, fmt="jsonl", out=earlier, force=True)
    assert verify_extract(earlier).head == again.head


def test_staff_filter_and_permissions(make_desk: Callable[..., Desk], tmp_path: Path) -> None:
    amelie, ids = seeded(make_desk)
    done = amelie.exports.export(SINCE, UNTIL, fmt="jsonl", out=tmp_path / "c.jsonl", staff="chloe")
    assert done.manifest["counts"]["mentions"] == 1  # the English mention, routed to chloe
    records = _records(tmp_path / "c.jsonl")
    assert {r["id"] for r in records if r["type"] == "mention"} == {ids[1]}
    assert verify_extract(tmp_path / "c.jsonl").ok
    with pytest.raises(PermissionDenied, match="only a supervisor can export"):
        make_desk("bruno").exports.export(SINCE, UNTIL, fmt="jsonl", out=tmp_path / "b.jsonl")
    assert not (tmp_path / "b.jsonl").exists()
