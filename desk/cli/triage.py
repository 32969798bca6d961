"""Triage from the command line: ``triage classify`` (JSON lines in, decisions out), ``triage
evaluate`` (scores against a labelled file), ``triage rerun`` (re-triage stored mentions) and
``handover`` (one person's open mentions to another).

``classify`` and ``evaluate`` need desk.toml but no database and no identity. ``classify``
writes JSON lines for scripts: its per-line errors are English whatever the interface language,
so a script can rely on them; ``evaluate`` says the same refusals in the interface language.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from desk.cli._parser import Commands
from desk.cli._shared import Invocation, plural, print_json, refused
from desk.clock import as_utc
from desk.errors import InputError, PermissionDenied
from desk.i18n import Catalog
from desk.vocabulary import PRIORITY_NAMES

# The rule compiler, pydantic (desk.config) and the platforms load when a command runs, never
# for `desk -h`.
if TYPE_CHECKING:
    from desk.bootstrap import Desk
    from desk.triage.engine import Decision
    from desk.triage.pipeline import Incoming, Triage

MAX_LINE_BYTES = 1_000_000
_EARLIEST_AT = datetime(2, 1, 1, tzinfo=UTC)
_LATEST_AT = datetime(9998, 12, 31, tzinfo=UTC)
_INPUT_KEYS = ("lang", "platform", "author", "author_name", "kind", "channel", "at")


def register(commands: Commands) -> None:
    """``triage classify|rerun|evaluate`` and ``handover``."""
    triage = commands.add("triage").commands("triage_command", required=True)
    triage.add("classify").set_defaults(run=classify, needs_desk=False)
    rerun_ = triage.add("rerun")
    rerun_.add_argument("--all", action="store_true", help=rerun_.text("all"))
    rerun_.add_json()
    rerun_.set_defaults(run=rerun)
    evaluate_ = triage.add("evaluate")
    evaluate_.add_argument("file", type=Path, metavar=evaluate_.metavar("file"))
    evaluate_.add_json()
    evaluate_.set_defaults(run=evaluate, needs_desk=False)

    handover_ = commands.add("handover")
    handover_.add_argument("source", metavar=handover_.metavar("from"))
    handover_.add_argument("target", metavar=handover_.metavar("to"))
    handover_.set_defaults(run=handover)


# -- the triage input --------------------------------------------------------------------------


def _lines(stream: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """Numbered lines of ``stream``; None for a line over MAX_LINE_BYTES (the rest is skipped)."""
    number = 0
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # skip the rest of the oversized line
                line = stream.readline(MAX_LINE_BYTES)
            yield number, None
            continue
        yield number, line


def _text(value: str | None) -> str:
    """A string from JSON as text: "\\ud800" alone is valid JSON but cannot be written out."""
    from desk.platforms.fields import LONE_SURROGATE

    return LONE_SURROGATE.sub("\ufffd", value) if value else ""


def _incoming(item: Any, now: datetime, catalog: Catalog) -> Incoming:
    """The triage input an item describes; InputError (in ``catalog``'s language) if it cannot."""
    from desk.triage.pipeline import Incoming
    from desk.triage.rules import KINDS, PLATFORMS

    if not isinstance(item, dict):
        raise refused(catalog, "classify.not_object")
    text = item.get("text")
    if not isinstance(text, str):
        raise refused(catalog, "classify.no_text")
    for key in _INPUT_KEYS:
        if item.get(key) is not None and not isinstance(item[key], str):
            raise refused(catalog, "classify.not_string", field=key)
    platform = item.get("platform") or "x"
    if platform not in PLATFORMS:
        raise refused(catalog, "classify.platform", choices=", ".join(PLATFORMS))
    kind = item.get("kind") or ("news" if platform == "rss" else "mention")
    if kind not in KINDS:
        raise refused(catalog, "classify.kind", choices=", ".join(KINDS))
    at = now
    if item.get("at"):
        try:
            at = as_utc(datetime.fromisoformat(item["at"]))
        except (ValueError, OverflowError) as exc:
            raise refused(catalog, "classify.at") from exc
        if not _EARLIEST_AT <= at <= _LATEST_AT:  # the desk's local time must exist too
            raise refused(catalog, "classify.at_range")
    return Incoming(
        text=_text(text),
        created_at=at,
        platform=platform,
        language=_text(item.get("lang")) or None,
        channel=_text(item.get("channel")),
        kind=kind,
        author=_text(item.get("author")),
        author_name=_text(item.get("author_name")),
    )


def decision_json(decision: Decision) -> dict[str, Any]:
    """The classify output of one decision."""
    return {
        "category": decision.category,
        "priority": PRIORITY_NAMES[decision.priority],
        "language": decision.language,
        "assignee": decision.assignee,
        "rules": list(decision.rules),
        "tags": list(decision.tags),
        "matched": decision.matched,
        "needs_approval": decision.needs_approval,
        "suggest": decision.suggest,
        "spam": decision.spam,
        "notes": decision.detail()["notes"] + decision.route.get("notes", []),
    }


def _triage(run: Invocation) -> Triage:
    """The configured rules and staff, without a database."""
    from desk.config import load_config
    from desk.triage.pipeline import Triage
    from desk.triage.service import load_configured_rules  # beside the database code

    config = load_config(run.settings.config_path())
    return Triage(load_configured_rules(config), config)


# -- without a database ------------------------------------------------------------------------


def classify(run: Invocation, args: argparse.Namespace) -> int:
    """Classify JSON lines from stdin: one JSON line out for each (a decision or its error)."""
    triage = _triage(run)
    now = run.clock()
    english = Catalog("en")  # the errors inside the JSON output: stable for scripts
    failed = 0
    for number, raw in _lines(sys.stdin.buffer):
        try:
            if raw is None:
                raise refused(english, "classify.too_long", limit=f"{MAX_LINE_BYTES:,}")
            if not raw.strip():
                continue
            try:
                item = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError) as exc:
                raise refused(english, "classify.not_json", reason=str(exc)[:120]) from exc
            result = decision_json(triage.decide(_incoming(item, now, english)))
        except InputError as exc:
            failed += 1
            result = {"line": number, "error": str(exc)}
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    if failed:
        print(plural(run.catalog, "cli.classify.failed", failed), file=sys.stderr)
    return 1 if failed else 0


def evaluate(run: Invocation, args: argparse.Namespace) -> int:
    """Score the configured rules against a labelled JSON-lines file."""
    from desk.triage.evaluation import read_labelled, score
    from desk.triage.pipeline import SurgeWatch
    from desk.triage.quality import labels_urgent, urgent_scores
    from desk.triage.rules import Surge

    triage = _triage(run)
    triage.surge = SurgeWatch(Surge())  # the rules are measured, not the volume of the file
    now = run.clock()
    catalog = run.catalog
    items = read_labelled(args.file, check=lambda item: _incoming(item, now, catalog))
    decisions = [triage.decide(_incoming(item, now, catalog), route=False) for item in items]
    guesses = iter(decisions)
    report = score(items, lambda _item: next(guesses).category)
    urgent = urgent_scores(items, decisions) if labels_urgent(items) else None
    if args.json:
        print_json(report.to_json() | ({"urgent": urgent.to_json()} if urgent else {}))
        return 0
    t = catalog.t
    head = {k: t(f"cli.evaluate.col.{k}") for k in ("category", "precision", "recall", "f1", "n")}
    print(
        f"{head['category']:<10} {head['precision']:>9} {head['recall']:>7} {head['f1']:>6} "
        f"{head['n']:>4}"
    )
    for category, s in report.per_category.items():
        print(f"{category:<10} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f} {s.support:>4}")
    print(
        t(
            "cli.evaluate.summary",
            macro_f1=f"{report.macro_f1:.3f}",
            accuracy=f"{report.accuracy:.3f}",
            items=plural(catalog, "cli.evaluate.items", report.total),
        )
    )
    if urgent is not None:
        print(
            t(
                "cli.evaluate.urgent",
                precision=f"{urgent.precision:.3f}",
                recall=f"{urgent.recall:.3f}",
                flagged=urgent.flagged,
                labelled=urgent.labelled,
            )
        )
    return 0


# -- with the desk open ------------------------------------------------------------------------


def rerun(desk: Desk, args: argparse.Namespace) -> int:
    """Re-triage stored mentions with the current rules (supervisors; each change audited)."""
    if not desk.me.is_supervisor:
        raise PermissionDenied.from_catalog("rerun_forbidden")

    def progress(done: int, total: int) -> None:
        if not args.json and sys.stderr.isatty():
            print(f"\r{done}/{total}", end="", file=sys.stderr, flush=True)

    report = desk.triage.retriage(include_closed=args.all, progress=progress)
    if args.json:
        print_json({"seen": report.seen, "changed": report.changed}, ensure_ascii=True)
        return 0
    if sys.stderr.isatty():
        print(file=sys.stderr)
    seen = plural(desk.catalog, "cli.rerun.seen", report.seen)
    changed = plural(desk.catalog, "cli.rerun.changed", report.changed)
    print(desk.catalog.t("cli.rerun.done", seen=seen, changed=changed))
    return 0


def handover(desk: Desk, args: argparse.Namespace) -> int:
    """Move FROM's open mentions to TO (one audit event each)."""
    moved = desk.inbox.handover(args.source, args.target)
    print(plural(desk.catalog, "cli.handover", len(moved), source=args.source, target=args.target))
    return 0
