"""The audit trail from the command line: ``audit verify`` (the hash chain, the rows bound to it,
and the checkpoint file), ``audit verify-extract`` (an extract made by ``desk export``), ``audit
checkpoint`` (write the head outside the database), ``audit keygen`` (the key that signs
checkpoints), ``audit log`` (events, filtered) and ``audit timeline`` (one mention's story).

Actors, actions, event data, paths and what a hostile extract holds can be anything: printed
through desk.text.safe.clean.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desk.audit.actions import said
from desk.cli._parser import Commands
from desk.cli._shared import Invocation, local_time, plural, print_json
from desk.i18n import Catalog
from desk.text.safe import clean

if TYPE_CHECKING:
    from desk.audit.checkpoints import Finding, Line, Proof
    from desk.audit.content import RowReport
    from desk.bootstrap import Desk


def register(commands: Commands) -> None:
    """``audit`` and its subcommands."""
    audit = commands.add("audit").commands("audit_command", required=True)
    ver = audit.add("verify")
    ver.add_argument("--head", metavar=ver.metavar("hash"), help=ver.text("head"))
    _proof_arguments(ver)
    ver.set_defaults(run=verify)
    vx = audit.add("verify-extract")
    vx.add_argument("path", type=Path, metavar=vx.metavar("file_or_folder"))
    vx.add_argument("--head", metavar=vx.metavar("hash"), help=vx.text("head"))
    _proof_arguments(vx)
    vx.set_defaults(run=verify_extract, needs_desk=False)
    cp = audit.add("checkpoint")
    cp.add_argument("--file", type=Path, metavar=cp.metavar("file"), help=cp.text("file"))
    cp.set_defaults(run=checkpoint)
    kg = audit.add("keygen")
    kg.add_argument(
        "--out", type=Path, required=True, metavar=kg.metavar("file"), help=kg.text("out")
    )
    kg.set_defaults(run=keygen, needs_desk=False)

    log_ = audit.add("log")
    log_.add_json()
    log_.add_argument(
        "--mention", type=log_.types.number, metavar=log_.metavar("id"), help=log_.text("mention")
    )
    log_.add_argument("--staff", metavar=log_.metavar("staff"), help=log_.text("staff"))
    log_.add_argument(
        "--action", action="append", metavar=log_.metavar("action"), help=log_.text("action")
    )
    day = log_.metavar("day")
    log_.add_argument("--since", type=log_.types.day, metavar=day, help=log_.text("since"))
    log_.add_argument("--until", type=log_.types.day, metavar=day, help=log_.text("until"))
    log_.add_argument(
        "--limit", type=log_.types.positive, default=100, metavar="N", help=log_.text("limit")
    )
    log_.set_defaults(run=log)

    tl = audit.add("timeline")
    tl.add_argument("id", type=tl.types.number, metavar=tl.metavar("id"))
    tl.add_json()
    tl.set_defaults(run=timeline)


def _proof_arguments(parser: Any) -> None:
    parser.add_argument(
        "--checkpoints", type=Path, metavar=parser.metavar("file"), help=parser.text("checkpoints")
    )
    parser.add_argument(
        "--public-key", metavar=parser.metavar("key"), help=parser.text("public_key")
    )


# -- words -------------------------------------------------------------------------------------------


def finding_text(catalog: Catalog, finding: Finding) -> str:
    """A finding of a check in the interface language (``cli.audit.finding.<code>``)."""
    params = dict(finding.params)
    if "kind" in params:
        params["kind"] = catalog.t(f"cli.audit.kind.{params['kind']}")
    if "what" in params:
        params["what"] = catalog.t(f"cli.audit.what.{params['what']}")
    safe = {k: clean(str(v), one_line=True, max_len=200) for k, v in params.items()}
    return catalog.t(f"cli.audit.finding.{finding.code}", **safe)


def _print_findings(catalog: Catalog, findings: Iterable[Finding], *, err: bool) -> None:
    for finding in findings:
        print(f"  {finding_text(catalog, finding)}", file=sys.stderr if err else sys.stdout)


def line_text(catalog: Catalog, line: Line, path: Path | None = None) -> str:
    """A checkpoint line, said: what it anchors, when, by whom, signed or not."""
    t = catalog.t
    key = "cli.checkpoint.line_purge" if line.anchor else "cli.checkpoint.line"
    text = t(
        key,
        kind=t(f"cli.checkpoint.kind.{line.kind}"),
        seq=line.seq,
        hash=line.hash,
        at=clean(line.at, one_line=True, max_len=40),
        by=clean(line.by, one_line=True, max_len=40),
        anchor=line.anchor[0] if line.anchor else "",
        anchor_hash=line.anchor[1] if line.anchor else "",
    )
    signed = (
        t("cli.checkpoint.signed", signer=clean(line.key or "", one_line=True, max_len=80))
        if line.signed
        else t("cli.checkpoint.unsigned")
    )
    where = (
        t(
            "cli.checkpoint.where",
            path=clean(str(path), one_line=True, max_len=300),
            line=line.number,
        )
        if path
        else ""
    )
    return f"{text}{signed}{where}"


def _rows_said(catalog: Catalog, rows: RowReport) -> None:
    t = catalog.t
    print(
        t(
            "cli.audit.rows_ok",
            mentions=plural(catalog, "cli.count.mentions", rows.bound["mentions"]),
            replies=plural(catalog, "cli.count.replies", rows.bound["replies"]),
        )
    )
    if any(rows.unbound.values()):
        print(
            t(
                "cli.audit.rows_unbound",
                mentions=plural(catalog, "cli.count.mentions", rows.unbound["mentions"]),
                replies=plural(catalog, "cli.count.replies", rows.unbound["replies"]),
            )
        )
    if rows.purged:
        print(t("cli.audit.rows_purged", n=rows.purged))
    _print_findings(catalog, (_row_finding(f) for f in rows.notes), err=False)


def _row_finding(row: Any) -> Finding:
    from desk.audit.checkpoints import Finding

    return Finding(f"row_{row.problem}", {"kind": row.kind, "id": row.id, "seq": row.seq})


def _proof_said(catalog: Catalog, proof: Proof) -> None:
    t = catalog.t
    path = clean(str(proof.file), one_line=True, max_len=300)
    lines = plural(catalog, "cli.audit.file_lines", proof.lines)
    if proof.lines == 0:  # an empty file proves nothing: never said to hold
        print(t("cli.audit.proof_empty", path=path), file=sys.stderr)
    elif proof.ok:
        print(
            t(
                "cli.audit.proof_ok",
                path=path,
                lines=lines,
                proven=len(proof.proven),
                purged=len(proof.purged),
            )
        )
    else:
        print(t("cli.audit.proof_failed", path=path, lines=lines), file=sys.stderr)
    _print_findings(catalog, proof.findings, err=True)
    _print_findings(catalog, proof.unprovable, err=True)
    _print_findings(catalog, proof.notes, err=False)


# -- the commands --------------------------------------------------------------------------------------


def verify(desk: Desk, args: argparse.Namespace) -> int:
    """Recompute the hash chain, compare the rows with their events and, with a checkpoint file
    (``--checkpoints``, else ``[audit] checkpoints``), hold the trail to it: exit 0 when all
    holds, else 1 naming what does not."""
    t = desk.catalog.t
    result = desk.queries.verify_audit(args.head)
    chain_ok = result.ok or (result.rows is not None and not result.rows.ok)
    if not chain_ok:
        where = t("cli.audit.where", seq=result.bad_seq) if result.bad_seq is not None else ""
        print(t("cli.audit.broken", where=where, reason=result.reason), file=sys.stderr)
        return 1
    anchor = t("cli.audit.anchor", seq=result.start_seq) if result.start_seq else ""
    events = plural(desk.catalog, "cli.audit.events", result.checked)
    print(t("cli.audit.intact", events=events, anchor=anchor, head=result.head))
    ok = True
    if result.rows is not None:
        if result.rows.findings:
            ok = False
            altered = plural(desk.catalog, "cli.audit.altered", len(result.rows.findings))
            print(altered, file=sys.stderr)
            _print_findings(desk.catalog, (_row_finding(f) for f in result.rows.findings), err=True)
        else:
            _rows_said(desk.catalog, result.rows)
    proof = desk.checkpoints.prove(args.checkpoints, args.public_key)
    if proof is not None:
        _proof_said(desk.catalog, proof)
        ok = ok and proof.ok
    # last, so that a script reads the head as the last word printed
    print(t("cli.audit.head", seq=result.head_seq, hash=result.head))
    return 0 if ok else 1


def verify_extract(run: Invocation, args: argparse.Namespace) -> int:
    """Verify an extract (no database needed): exit 0 when intact relative to its head (and to
    ``--head``/``--checkpoints`` when given), else 1."""
    from desk.audit.extract import verify_extract as check  # the audit chain: only when it runs

    catalog = run.catalog
    t = catalog.t
    report = check(
        args.path, head=args.head, checkpoints=args.checkpoints, public_key=args.public_key
    )
    _print_findings(catalog, report.findings, err=True)
    events = plural(catalog, "cli.count.events", report.checked)
    if report.head is None:
        print(t("cli.audit.extract_no_head", events=events), file=sys.stderr)
    elif report.findings:
        print(
            t("cli.audit.extract_altered", events=events, seq=report.head[0], hash=report.head[1])
        )
    else:
        print(t("cli.audit.extract_intact", seq=report.head[0], hash=report.head[1]))
        print(
            t(
                "cli.audit.extract_checked",
                events=events,
                mentions=plural(catalog, "cli.count.mentions", report.bound["mentions"]),
                replies=plural(catalog, "cli.count.replies", report.bound["replies"]),
            )
        )
        if report.head_given:
            print(t("cli.audit.extract_head_given", head=report.head_given))
    _print_findings(catalog, report.notes, err=False)
    if report.proof is not None:
        _proof_said(catalog, report.proof)
    return 0 if report.ok else 1


def checkpoint(desk: Desk, args: argparse.Namespace) -> int:
    """Verify the trail and append its head (with its own ``audit.checkpointed`` event) to the
    checkpoint file (supervisors)."""
    service = desk.checkpoints
    line = service.checkpoint(args.file)
    log = service.log(args.file)
    path = log.path if log is not None else None
    print(desk.catalog.t("cli.checkpoint.done"))
    print("  " + line_text(desk.catalog, line, path))
    print("  " + clean(line.raw, one_line=True, max_len=2000))
    return 0


def keygen(run: Invocation, args: argparse.Namespace) -> int:
    """Create the Ed25519 key that signs checkpoint lines; print its public key to publish."""
    from desk.audit.checkpoints import generate_key

    public = generate_key(args.out)
    t = run.catalog.t
    path = clean(str(args.out), one_line=True, max_len=300)
    print(t("cli.checkpoint.keygen", path=path, public=public))
    print(t("cli.checkpoint.keygen_config", path=path))
    return 0


def log(desk: Desk, args: argparse.Namespace) -> int:
    """Audit events, newest first, filtered by mention, person, action and days."""
    from desk.db.store import AuditFilter  # SQLModel: only once a command runs
    from desk.queries import day_bounds

    since, until = day_bounds(desk.config.hours.calendar().tz, args.since, args.until)
    flt = AuditFilter(
        mention_id=args.mention,
        actor=args.staff,
        actions=tuple(a.strip() for a in args.action or () if a.strip()),
        since=since,
        until=until,
    )
    events = desk.queries.audit_log(flt=flt, limit=args.limit)
    if args.json:
        print_json([e.to_json() for e in events])
        return 0
    t = desk.catalog.t
    for e in events:
        target = f"#{e.mention_id}" if e.mention_id else ""
        data = clean(json.dumps(e.data, ensure_ascii=False), one_line=True, max_len=100)
        print(
            f"{e.seq:>6} {local_time(desk, e.at, seconds=True)} "
            f"{clean(e.actor, one_line=True, max_len=30):<10} "
            f"{clean(said(e.action, t), one_line=True, max_len=40):<20} {target:<7} {data}"
        )
    return 0


def timeline(desk: Desk, args: argparse.Namespace) -> int:
    """One mention's story, oldest first (``--json``: the events, with their sentences)."""
    from desk.audit.timeline import text_lines  # the audit words: only once a command runs

    story = desk.queries.timeline(args.id)
    if args.json:
        print_json(story.to_json(desk.catalog, desk.config.display_names()))
        return 0
    tz = desk.config.hours.calendar().tz
    for line in text_lines(story, desk.catalog, tz, desk.config.display_names()):
        print(clean(line, one_line=True))
    return 0
