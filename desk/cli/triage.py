"""CLI commands for triage: ``rules check|explain|export``, ``triage classify|rerun|evaluate``,
``handover``.

``rules check``, ``rules export`` and ``triage classify|evaluate`` need desk.toml but no database
and no identity, so they run from scripts and CI; the others open the desk.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from desk.clock import Clock, as_utc, utcnow
from desk.config import DeskConfig, Settings, load_config
from desk.errors import ConfigError, InputError, PermissionDenied
from desk.platforms.fields import LONE_SURROGATE
from desk.text.safe import clean
from desk.triage import Known, RulesError
from desk.triage.engine import Decision
from desk.triage.evaluation import read_labelled, score
from desk.triage.explain import explain_lines
from desk.triage.pipeline import Incoming, Triage
from desk.triage.policy import policy_markdown
from desk.triage.rules import DEFAULT_PACK, KINDS, PLATFORMS, parse_rules, read_rules_text
from desk.triage.service import known_names, load_configured_rules
from desk.vocabulary import PRIORITY_NAMES

if TYPE_CHECKING:  # the CLI imports this module to build its parser: keep that light
    from desk.bootstrap import Desk

MAX_LINE_BYTES = 1_000_000


def add_parsers(sub: Any) -> None:
    """Add the triage commands to the CLI's subparsers."""
    rules = sub.add_parser("rules", help="check, explain and publish the triage rules")
    rsub = rules.add_subparsers(dest="rules_command", metavar="SUBCOMMAND", required=True)
    check = rsub.add_parser("check", help="validate a rule file (default: the one in use)")
    check.add_argument("file", nargs="?", type=Path)
    check.add_argument("--json", action="store_true")
    explain = rsub.add_parser("explain", help="which rules fired on a stored mention, and why")
    explain.add_argument("id", type=int)
    explain.add_argument("--json", action="store_true")
    export = rsub.add_parser("export", help="the policy as a readable document (or the TOML)")
    export.add_argument("--format", choices=["md", "toml"], default="md")
    export.add_argument(
        "--doc-lang",
        choices=["fr", "en", "both"],
        default="both",
        help="language(s) of the document (default: both, French first)",
    )

    triage = sub.add_parser("triage", help="classify text, re-triage stored mentions, evaluate")
    tsub = triage.add_subparsers(dest="triage_command", metavar="SUBCOMMAND", required=True)
    tsub.add_parser(
        "classify",
        help='JSON lines {"text", "lang"?, "platform"?, "author"?} on stdin -> one JSON line each',
    )
    rerun = tsub.add_parser("rerun", help="apply the current rules to stored mentions (audited)")
    rerun.add_argument("--all", action="store_true", help="closed mentions too (default: open)")
    rerun.add_argument("--json", action="store_true")
    evaluate = tsub.add_parser("evaluate", help="precision/recall/F1 against a labelled JSONL file")
    evaluate.add_argument("file", type=Path)
    evaluate.add_argument("--json", action="store_true")

    handover = sub.add_parser("handover", help="move one person's open mentions to another")
    handover.add_argument("source", metavar="FROM")
    handover.add_argument("target", metavar="TO")


# -- without a database ----------------------------------------------------------------------


def _config_or_none(settings: Settings) -> DeskConfig | None:
    try:
        return load_config(settings.config_path())
    except ConfigError:
        return None


def rules_check(settings: Settings, args: argparse.Namespace) -> int:
    """Validate a rule file whole; print every problem with line and column; exit 1 if any."""
    config = _config_or_none(settings)
    known: Known | None = known_names(config) if config else None
    path: Path | None = args.file or (config.rules_path() if config else None)
    source = str(path) if path else str(DEFAULT_PACK)
    try:
        text = read_rules_text(path or DEFAULT_PACK)
        ruleset = parse_rules(text, source, known)
    except RulesError as exc:
        if args.json:
            print(
                json.dumps(
                    {
                        "file": source,
                        "ok": False,
                        "problems": [
                            {
                                "line": p.line,
                                "column": p.column,
                                "message": p.message,
                                "hint": p.hint,
                            }
                            for p in exc.problems
                        ],
                    },
                    ensure_ascii=False,
                )
            )
        else:
            for problem in exc.problems:
                print(
                    f"{clean(source)}:{problem.line}:{problem.column}: {clean(problem.message, one_line=True)}"
                )
                if problem.hint:
                    print(f"  hint: {clean(problem.hint, one_line=True)}")
            print(f"{len(exc.problems)} problem(s); the file was not loaded", file=sys.stderr)
        return 1
    words = sum(len(w) for w in ruleset.word_lists.values())
    if args.json:
        print(
            json.dumps(
                {
                    "file": source,
                    "ok": True,
                    "rules": len(ruleset.rules),
                    "words": words,
                    "names_checked": known is not None,
                }
            )
        )
        return 0
    print(f"{clean(source)}: OK — {len(ruleset.rules)} rules, {words} words and phrases")
    if not ruleset.rules:
        print("  note: no rules — every mention will be 'other', routed by [routing] alone")
    if known is None:
        print("  note: desk.toml could not be read, so staff, team and list names were not checked")
    return 0


def rules_export(settings: Settings, args: argparse.Namespace) -> int:
    """Print the policy document (Markdown) or the rule file in use (TOML)."""
    config = load_config(settings.config_path())
    if args.format == "toml":
        sys.stdout.write(read_rules_text(config.rules_path() or DEFAULT_PACK))
        return 0
    ruleset = load_configured_rules(config)
    languages = ("fr", "en") if args.doc_lang == "both" else (args.doc_lang,)
    sys.stdout.write(policy_markdown(ruleset, config, languages))
    return 0


def _lines(stream: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
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


def _incoming(item: Any, now: datetime) -> Incoming:
    if not isinstance(item, dict):
        raise InputError("each line must be a JSON object")
    text = item.get("text")
    if not isinstance(text, str):
        raise InputError('"text" (a string) is required')
    for key in ("lang", "platform", "author", "kind", "channel", "at"):
        if item.get(key) is not None and not isinstance(item[key], str):
            raise InputError(f'"{key}" must be a string')
    platform = item.get("platform") or "x"
    if platform not in PLATFORMS:
        raise InputError(f'"platform" must be one of {", ".join(PLATFORMS)}')
    kind = item.get("kind") or ("news" if platform == "rss" else "mention")
    if kind not in KINDS:
        raise InputError(f'"kind" must be one of {", ".join(KINDS)}')
    at = now
    if item.get("at"):
        try:
            at = as_utc(datetime.fromisoformat(item["at"]))
        except (ValueError, OverflowError) as exc:
            raise InputError('"at" must be an ISO 8601 date and time') from exc
        if not _EARLIEST_AT <= at <= _LATEST_AT:  # the desk's local time must exist too
            raise InputError('"at" must be between the years 2 and 9998')
    return Incoming(
        text=_text(text),
        created_at=at,
        platform=platform,
        language=_text(item.get("lang")) or None,
        channel=_text(item.get("channel")),
        kind=kind,
        author=_text(item.get("author")),
    )


_EARLIEST_AT = datetime(2, 1, 1, tzinfo=UTC)
_LATEST_AT = datetime(9998, 12, 31, tzinfo=UTC)


def _text(value: str | None) -> str:
    """A string from JSON as text: "\\ud800" alone is valid JSON but cannot be written out."""
    return LONE_SURROGATE.sub("\ufffd", value) if value else ""


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


def triage_classify(settings: Settings, args: argparse.Namespace, now: datetime) -> int:
    """Classify JSON lines from stdin with the configured rules and staff (no database)."""
    config = load_config(settings.config_path())
    triage = Triage(load_configured_rules(config), config)
    failed = 0
    out = sys.stdout
    for number, raw in _lines(sys.stdin.buffer):
        try:
            if raw is None:
                raise InputError(f"line is over {MAX_LINE_BYTES:,} bytes")
            if not raw.strip():
                continue
            try:
                item = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError) as exc:
                raise InputError(f"not valid JSON: {str(exc)[:120]}") from exc
            result = decision_json(triage.decide(_incoming(item, now)))
        except InputError as exc:
            failed += 1
            result = {"line": number, "error": str(exc)}
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    if failed:
        print(f'{failed} line(s) could not be classified (see their "error")', file=sys.stderr)
    return 1 if failed else 0


def triage_evaluate(settings: Settings, args: argparse.Namespace, now: datetime) -> int:
    """Score the configured rules against a labelled JSON-lines file."""
    config = load_config(settings.config_path())
    triage = Triage(load_configured_rules(config), config)
    report = score(
        read_labelled(args.file, check=lambda item: _incoming(item, now)),
        lambda item: triage.decide(_incoming(item, now), route=False).category,
    )
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
        return 0
    print(f"{'category':<10} {'precision':>9} {'recall':>7} {'F1':>6} {'n':>4}")
    for category, s in report.per_category.items():
        print(f"{category:<10} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f} {s.support:>4}")
    print(f"macro-F1 {report.macro_f1:.3f} · accuracy {report.accuracy:.3f} · {report.total} items")
    return 0


# -- with the desk open ----------------------------------------------------------------------


def rules_explain(desk: Desk, args: argparse.Namespace) -> int:
    """The stored explanation of a mention, and what the current rules would decide."""
    mention, stored, now = desk.triage.explain(args.id)
    if args.json:
        print(
            json.dumps(
                {"id": mention.id, "stored": stored, "current_rules": now}, ensure_ascii=False
            )
        )
        return 0
    t = desk.catalog
    print(f"#{mention.id} {clean(mention.text, one_line=True, max_len=100)}")
    print(t.t("cli.explain.stored"))
    for line in explain_lines(stored, t) if stored else [t.t("cli.explain.none")]:
        print(f"  {clean(line, one_line=True)}")
    keys = ("category", "priority", "tags", "fired", "needs_approval", "suggest")
    if any(stored.get(k) != now.get(k) for k in keys):
        print(t.t("cli.explain.current", source=clean(desk.rules.source, one_line=True)))
        for line in explain_lines({**now, "route": {}}, t):
            print(f"  {clean(line, one_line=True)}")
    else:
        print(t.t("cli.explain.same"))
    return 0


def triage_rerun(desk: Desk, args: argparse.Namespace) -> int:
    """Re-triage stored mentions with the current rules (supervisors)."""
    if not desk.me.is_supervisor:
        raise PermissionDenied.from_catalog("rerun_forbidden")

    def progress(done: int, total: int) -> None:
        if not args.json and sys.stderr.isatty():
            print(f"\r{done}/{total}", end="", file=sys.stderr, flush=True)

    report = desk.triage.retriage(include_closed=args.all, progress=progress)
    if args.json:
        print(json.dumps({"seen": report.seen, "changed": report.changed}))
    else:
        if sys.stderr.isatty():
            print(file=sys.stderr)
        print(desk.catalog.t("cli.rerun", seen=report.seen, changed=report.changed))
    return 0


def handover(desk: Desk, args: argparse.Namespace) -> int:
    """Move FROM's open mentions to TO."""
    moved = desk.inbox.handover(args.source, args.target)
    print(desk.catalog.t("cli.handover", n=len(moved), source=args.source, target=args.target))
    return 0


def dispatch_without_desk(
    settings: Settings, args: argparse.Namespace, clock: Clock = utcnow
) -> int | None:
    """Run a triage command that needs no database; None when the command needs the desk."""
    if args.command == "rules" and args.rules_command == "check":
        return rules_check(settings, args)
    if args.command == "rules" and args.rules_command == "export":
        return rules_export(settings, args)
    if args.command == "triage" and args.triage_command == "classify":
        return triage_classify(settings, args, clock())
    if args.command == "triage" and args.triage_command == "evaluate":
        return triage_evaluate(settings, args, clock())
    return None


def dispatch_with_desk(desk: Desk, args: argparse.Namespace) -> int:
    """Run a triage command that needs the open desk."""
    if args.command == "rules":
        return rules_explain(desk, args)
    if args.command == "triage":
        return triage_rerun(desk, args)
    return handover(desk, args)
