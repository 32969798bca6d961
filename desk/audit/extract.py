"""Reading and verifying an extract made by ``desk export`` — with no database and no desk.toml.

``verify_extract`` checks, from the files alone:

1. every event's hash (recomputed with the manifest's recipe) and the links between events whose
   seqs follow each other;
2. that every event the manifest lists is there with that hash, that no other event is (but the
   head), and the counts of mentions, replies and events;
3. that the last event is ``export.created`` and names the sha256 of this very manifest: the
   extract's *head*;
4. every mention's and reply's content against the digest of the event that recorded it
   (desk.audit.content); records recorded before digests existed are counted as *not bound*.

All of that is relative to the head: whoever made the extract could have made another one,
consistent with itself. So the report names the head (seq and hash), to be compared with the one
the organisation published: ``--head HASH`` does it, ``--checkpoints FILE`` holds it to a
checkpoint file (desk.audit.checkpoints). An extract made before this version (no event list in
its manifest, no ``export.created`` head) can only have its event hashes checked: it is reported
as not provable.

Lines are split on ``\\n`` only (a mention may hold U+2028 or other separators that
``str.splitlines`` would cut on). A malformed file raises ``InputError`` naming the file, the line
and what to do; it never ends in a traceback.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desk.audit import content
from desk.audit.actions import Action
from desk.audit.checkpoints import Finding, Proof, pinned_key, prove_extract, read_file
from desk.audit.export import (
    CSV_FIELDS,
    CSV_FILES,
    FORMAT_VERSION,
    MANIFEST_FILE,
    csv_value,
    event_hash,
    manifest_digest,
)
from desk.config.files import read_limited
from desk.errors import InputError

_KIND_OF_TYPE = {"mention": "mentions", "reply": "replies", "audit_event": "audit_events"}
_TYPE_OF_KIND = {kind: type_ for type_, kind in _KIND_OF_TYPE.items()}  # "reply", not "replie"
_CSV_FIELD_LIMIT = 1 << 26  # a mention's raw text may be long; the csv module's default is 128 KB


@dataclass
class Extract:
    """An extract as read: its manifest and its records (with where each came from)."""

    path: Path
    folder: bool
    manifest: dict[str, Any]
    records: dict[str, list[tuple[str, dict[str, Any]]]] = field(
        default_factory=lambda: {"mentions": [], "replies": [], "audit_events": []}
    )


# -- reading -------------------------------------------------------------------------------------------


def _bad(path: Path, where: str, reason: str) -> InputError:
    return InputError.from_catalog("extract_bad_line", path=str(path), where=where, reason=reason)


def read_extract(path: Path) -> Extract:
    """The extract at ``path`` (a .jsonl file, or the folder of a CSV extract)."""
    if not path.exists():
        raise InputError.from_catalog("extract_missing", path=str(path))
    extract = _read_folder(path) if path.is_dir() else _read_jsonl(path)
    for where, record in extract.records["audit_events"]:
        _check_event(extract.path, where, record)
    for kind in ("mentions", "replies"):
        for where, record in extract.records[kind]:
            _check_record(extract.path, where, record, kind)
    return extract


MAX_EXTRACT_BYTES = 2 * 1024**3
"""An extract is read up to this size (years of a busy desk are a few hundred megabytes)."""


def _regular_file(path: Path) -> None:
    """Refuse a pipe, device, socket or folder where a file of the extract should be: reading
    /dev/zero never ends, opening a FIFO waits for a writer that never comes."""
    try:
        read_limited(path, 0, error=InputError)
    except InputError as exc:
        if exc.key != "file_too_big":
            raise


def _json(raw: str | bytes) -> Any:
    """``json.loads``, with nesting deeper than Python's stack said as bad JSON."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError("nested too deep") from None


def _read_jsonl(path: Path) -> Extract:
    try:
        data = read_limited(path, MAX_EXTRACT_BYTES, error=InputError)
    except OSError as exc:
        raise InputError.from_catalog(
            "extract_unreadable", path=str(path), reason=exc.strerror or str(exc)
        ) from None
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _bad(path, f"line {line}", "not UTF-8 text") from None
    extract: Extract | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        where = f"line {number}"
        try:
            record = _json(raw)
        except ValueError as exc:
            raise _bad(path, where, f"not JSON ({exc})") from None
        if not isinstance(record, dict):
            raise _bad(path, where, "not a JSON object")
        if extract is None:
            if record.get("type") != "manifest":
                raise InputError.from_catalog("extract_no_manifest", path=str(path))
            extract = Extract(path, False, record)
            continue
        kind = _KIND_OF_TYPE.get(record.pop("type", None))
        if kind is None:
            raise _bad(path, where, "not a mention, reply or audit_event record")
        extract.records[kind].append((where, record))
    if extract is None:
        raise InputError.from_catalog("extract_no_manifest", path=str(path))
    return extract


def _read_folder(path: Path) -> Extract:
    names = [*CSV_FILES.values(), MANIFEST_FILE]
    missing = [name for name in names if not (path / name).is_file()]
    if missing:
        raise InputError.from_catalog(
            "extract_missing_files", path=str(path), names=", ".join(missing)
        )
    manifest_path = path / MANIFEST_FILE
    for name in names:
        _regular_file(path / name)
    try:
        raw = read_limited(manifest_path, MAX_EXTRACT_BYTES, error=InputError)
        manifest = _json(raw.decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _bad(manifest_path, "manifest", f"not a JSON manifest ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("type") != "manifest":
        raise InputError.from_catalog("extract_no_manifest", path=str(manifest_path))
    extract = Extract(path, True, manifest)
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    for kind, name in CSV_FILES.items():
        extract.records[kind] = list(_csv_rows(path / name, CSV_FIELDS[kind], kind))
    return extract


_INTEGERS = {"seq", "mention_id", "reply_id", "id"}


def _csv_rows(
    path: Path, fields: tuple[str, ...], kind: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            lacking = [name for name in fields if name not in header]
            if lacking:
                raise InputError.from_catalog(
                    "extract_bad_header", path=str(path), columns=", ".join(lacking)
                )
            for row in reader:
                where = f"line {reader.line_num}"
                if None in row or any(v is None for v in row.values()):
                    raise _bad(path, where, "not as many cells as columns")
                values: dict[str, Any] = {}
                for name in header:  # a column added to the extract is found by _check_states
                    if name not in fields:
                        values[name] = row[name]
                for name in fields:
                    cell = csv_value(row[name])
                    if name in _INTEGERS:
                        values[name] = _csv_integer(path, where, name, cell)
                    elif kind == "audit_events":  # an event's texts are hashed as they are
                        values[name] = cell
                    else:  # a record's empty cell and null are one (desk.audit.content)
                        values[name] = cell or None
                yield where, values
    except UnicodeDecodeError:
        raise _bad(path, "?", "not UTF-8 text") from None
    except csv.Error as exc:
        raise _bad(path, "?", f"not CSV ({exc})") from None
    except OSError as exc:
        raise InputError.from_catalog(
            "extract_unreadable", path=str(path), reason=exc.strerror or str(exc)
        ) from None


def _csv_integer(path: Path, where: str, name: str, cell: str) -> int | None:
    if cell == "":
        return None
    try:
        return int(cell)
    except ValueError:
        raise _bad(path, where, f"{name!r} is not a whole number: {cell[:40]!r}") from None


_EVENT_TYPES: dict[str, tuple[type, ...]] = {
    "seq": (int,),
    "at": (str,),
    "actor": (str,),
    "action": (str,),
    "mention_id": (int, type(None)),
    "reply_id": (int, type(None)),
    "data": (str,),
    "prev_hash": (str,),
    "hash": (str,),
}


def _check_event(path: Path, where: str, record: dict[str, Any]) -> None:
    for name, types in _EVENT_TYPES.items():
        value = record.get(name)
        if name not in record or not isinstance(value, types) or isinstance(value, bool):
            raise InputError.from_catalog(
                "extract_bad_record", path=str(path), where=where, kind="audit_event", name=name
            )


def _check_record(path: Path, where: str, record: dict[str, Any], kind: str) -> None:
    names = ("id", "mention_id") if kind == "replies" else ("id",)
    for name in names:
        value = record.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise InputError.from_catalog(
                "extract_bad_record",
                path=str(path),
                where=where,
                kind=_TYPE_OF_KIND[kind],
                name=name,
            )


# -- verifying -----------------------------------------------------------------------------------------


@dataclass
class ExtractReport:
    """What ``verify_extract`` found. ``ok``: intact relative to ``head`` (and, when asked,
    the head given or the checkpoint file agree)."""

    path: Path
    folder: bool
    version: int
    checked: int = 0
    head: tuple[int, str] | None = None
    findings: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    bound: dict[str, int] = field(default_factory=lambda: {"mentions": 0, "replies": 0})
    unbound: dict[str, int] = field(default_factory=lambda: {"mentions": 0, "replies": 0})
    head_given: str | None = None
    proof: Proof | None = None

    @property
    def ok(self) -> bool:
        """Nothing found, and the proof asked for (if any) holds."""
        return not self.findings and (self.proof is None or self.proof.ok)


def verify_extract(
    path: Path,
    *,
    head: str | None = None,
    checkpoints: Path | None = None,
    public_key: str | None = None,
) -> ExtractReport:
    """Verify the extract at ``path`` (see the module's docstring); ``head``: a head hash (or a
    prefix of 12 hex digits or more) it must end with; ``checkpoints``: a checkpoint file its
    head must be in."""
    wanted = (head or "").strip().lower()
    if head is not None and (len(wanted) < 12 or not set(wanted) <= set("0123456789abcdef")):
        raise InputError.from_catalog("extract_head_format", head=head)
    lines = read_file(checkpoints) if checkpoints is not None else None
    pinned = pinned_key(public_key)
    extract = read_extract(path)
    manifest = extract.manifest
    given = manifest.get("version")
    version = given if isinstance(given, int) else 1
    report = ExtractReport(path, extract.folder, version)
    events = sorted((r for _, r in extract.records["audit_events"]), key=lambda r: r["seq"])
    report.checked = len(events)
    by_seq = _check_events(events, report)
    if version < 2:
        _check_legacy_head(events, manifest, report)
        report.findings.append(Finding("legacy", {}))
    else:
        _check_manifest(extract, events, by_seq, report)
        _check_records(extract, events, report)
        if version >= FORMAT_VERSION:  # 3: each record's whole exported state is listed
            _check_states(extract, report)
    if head is not None:
        report.head_given = wanted
        if report.head is None or not report.head[1].startswith(wanted):
            report.findings.append(Finding("head_differs", {"given": wanted}))
    if lines is not None and checkpoints is not None:
        report.proof = prove_extract(by_seq, report.head, lines, checkpoints, pinned)
    return report


def _check_events(events: list[dict[str, Any]], report: ExtractReport) -> dict[int, str]:
    """Every hash recomputed, links between consecutive seqs; ``{seq: hash}``."""
    by_seq: dict[int, str] = {}
    previous: dict[str, Any] | None = None
    for record in events:
        seq = record["seq"]
        if seq in by_seq:
            report.findings.append(Finding("event_duplicate", {"seq": seq}))
        by_seq[seq] = record["hash"]
        if event_hash(record) != record["hash"]:
            report.findings.append(Finding("event_altered", {"seq": seq}))
        if (
            previous is not None
            and seq == previous["seq"] + 1
            and record["prev_hash"] != previous["hash"]
        ):
            report.findings.append(
                Finding("event_unchained", {"seq": seq, "prev": previous["seq"]})
            )
        previous = record
    return by_seq


def _check_legacy_head(
    events: list[dict[str, Any]], manifest: dict[str, Any], report: ExtractReport
) -> None:
    if events:
        report.head = (events[-1]["seq"], events[-1]["hash"])
    named = manifest.get("chain_head")
    if (
        isinstance(named, dict)
        and events
        and events[-1]["seq"] == named.get("seq")
        and events[-1]["hash"] != named.get("hash")
    ):
        report.findings.append(Finding("head_manifest", {"seq": events[-1]["seq"]}))


def _listed(manifest: dict[str, Any], path: Path) -> dict[int, str]:
    listed = manifest.get("events")
    try:
        pairs = [(int(seq), str(digest)) for seq, digest in listed]  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise InputError.from_catalog(
            "extract_bad_manifest", path=str(path), name="events"
        ) from None
    return dict(pairs)


def _check_manifest(
    extract: Extract, events: list[dict[str, Any]], by_seq: dict[int, str], report: ExtractReport
) -> None:
    manifest = extract.manifest
    listed = _listed(manifest, extract.path)
    last = events[-1] if events else None
    if last is None or last["action"] != Action.EXPORT_CREATED or last["seq"] in listed:
        report.findings.append(Finding("head_missing", {}))
    else:
        report.head = (last["seq"], last["hash"])
        try:
            named = _json(last["data"]).get("manifest_sha256")
        except (ValueError, AttributeError):
            named = None
        if named != manifest_digest(manifest):
            report.findings.append(Finding("head_manifest", {"seq": last["seq"]}))
    for seq, digest in sorted(listed.items()):
        if seq not in by_seq:
            report.findings.append(Finding("event_missing", {"seq": seq}))
        elif by_seq[seq] != digest:
            report.findings.append(Finding("event_replaced", {"seq": seq}))
    head_seq = report.head[0] if report.head else None
    for seq in sorted(set(by_seq) - set(listed) - {head_seq}):
        report.findings.append(Finding("event_unlisted", {"seq": seq}))
    counts = manifest.get("counts")
    if not isinstance(counts, dict):
        raise InputError.from_catalog("extract_bad_manifest", path=str(extract.path), name="counts")
    found = {
        "mentions": len(extract.records["mentions"]),
        "replies": len(extract.records["replies"]),
        "audit_events": len(by_seq) - (1 if head_seq is not None else 0),
    }
    for what, number in found.items():
        if counts.get(what) != number:
            report.findings.append(
                Finding(
                    "count_mismatch", {"what": what, "expected": counts.get(what), "found": number}
                )
            )


def _bindings(
    events: Iterable[dict[str, Any]],
) -> tuple[dict[int, tuple[int, str | None]], dict[int, tuple[int, str | None]]]:
    """The latest event binding each mention and each reply: ``{id: (seq, digest or None)}``."""
    mentions: dict[int, tuple[int, str | None]] = {}
    replies: dict[int, tuple[int, str | None]] = {}
    for record in events:
        bound = content.bound_digest(record["data"])
        if record["reply_id"] is not None:
            if bound is not None or record["reply_id"] not in replies:
                replies[record["reply_id"]] = (record["seq"], bound)
        elif record["mention_id"] is not None and (
            bound is not None
            or (
                record["action"] == Action.MENTION_INGESTED and record["mention_id"] not in mentions
            )
        ):
            mentions[record["mention_id"]] = (record["seq"], bound)
    return mentions, replies


def _check_records(extract: Extract, events: list[dict[str, Any]], report: ExtractReport) -> None:
    bindings = dict(zip(("mentions", "replies"), _bindings(events), strict=True))
    fields = {"mentions": content.MENTION_CONTENT, "replies": content.REPLY_CONTENT}
    for kind in ("mentions", "replies"):
        singular = _TYPE_OF_KIND[kind]
        seen: set[int] = set()
        for _where, record in extract.records[kind]:
            row_id = record["id"]
            if row_id in seen:
                report.findings.append(
                    Finding("record_duplicate", {"kind": singular, "id": row_id})
                )
                continue
            seen.add(row_id)
            seq, expected = bindings[kind].get(row_id, (None, None))
            if seq is None:
                report.findings.append(
                    Finding("record_unrecorded", {"kind": singular, "id": row_id})
                )
            elif expected is None:
                report.unbound[kind] += 1
            elif content.digest(record, fields[kind]) != expected:
                report.findings.append(
                    Finding("record_altered", {"kind": singular, "id": row_id, "seq": seq})
                )
            else:
                report.bound[kind] += 1
        for row_id, (seq, expected) in sorted(bindings[kind].items()):
            if expected is not None and row_id not in seen:
                report.findings.append(
                    Finding("record_missing", {"kind": singular, "id": row_id, "seq": seq})
                )
    if any(report.unbound.values()):
        report.notes.append(Finding("records_unbound", dict(report.unbound)))


def _check_states(extract: Extract, report: ExtractReport) -> None:
    """Each mention and reply exactly as the manifest lists it: its digest over all its exported
    fields (the state no event binds, such as status or assignee), and no field added."""
    head_seq = report.head[0] if report.head else None
    listed = extract.manifest.get("records")
    for kind in ("mentions", "replies"):
        try:
            digests = {int(i): str(d) for i, d in listed[kind]}  # type: ignore[index]
        except (TypeError, ValueError, KeyError):
            raise InputError.from_catalog(
                "extract_bad_manifest", path=str(extract.path), name="records"
            ) from None
        singular = "mention" if kind == "mentions" else "reply"
        already = {
            f.params.get("id")
            for f in report.findings
            if f.params.get("kind") == singular and f.code != "record_duplicate"
        }
        fields = CSV_FIELDS[kind]
        for _where, record in extract.records[kind]:
            row_id = record["id"]
            if row_id in already:
                continue
            same = set(record) == set(fields) and digests.get(row_id) == content.digest(
                record, fields
            )
            if not same:
                already.add(row_id)
                report.findings.append(
                    Finding("record_altered", {"kind": singular, "id": row_id, "seq": head_seq})
                )
