"""The triage rules from the command line: ``rules check`` (every problem of a rule file, with
line and column), ``rules explain`` (why a stored mention was sorted so) and ``rules export``
(the policy as a document to publish, or the rule file in use).

``check`` and ``export`` read desk.toml but no database and no identity, so they run from
scripts and CI; ``explain`` opens the desk.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from desk.cli._parser import Commands
from desk.cli._shared import Invocation, plural, print_json
from desk.errors import ConfigError
from desk.text.safe import clean

# pydantic (desk.config) and the rule compiler load when a command runs, never for `desk -h`.
if TYPE_CHECKING:
    from desk.bootstrap import Desk
    from desk.config import DeskConfig, Settings
    from desk.triage import Known
    from desk.triage.rules import Problem


def register(commands: Commands) -> None:
    """``rules check|explain|export``."""
    rules = commands.add("rules").commands("rules_command", required=True)
    check_ = rules.add("check")
    check_.add_argument("file", nargs="?", type=Path, metavar=check_.metavar("file"))
    check_.add_json()
    check_.set_defaults(run=check, needs_desk=False)
    explain_ = rules.add("explain")
    explain_.add_argument("id", type=explain_.types.number, metavar=explain_.metavar("id"))
    explain_.add_json()
    explain_.set_defaults(run=explain)
    export_ = rules.add("export")
    export_.add_argument(
        "--format", choices=["md", "toml"], default="md", help=export_.text("format")
    )
    export_.add_argument(
        "--doc-lang", choices=["fr", "en", "both"], default="both", help=export_.text("doc_lang")
    )
    export_.set_defaults(run=export, needs_desk=False)


def _config_or_none(settings: Settings) -> DeskConfig | None:
    from desk.config import load_config

    try:
        return load_config(settings.config_path())
    except ConfigError:
        return None


def check(run: Invocation, args: argparse.Namespace) -> int:
    """Validate a rule file whole; print every problem with line and column; exit 1 if any."""
    from desk.triage import RulesError
    from desk.triage.rules import DEFAULT_PACK, parse_rules, read_rules_text, slow_patterns
    from desk.triage.service import known_names  # beside the database code: only when it runs

    catalog = run.catalog
    t = catalog.t
    config = _config_or_none(run.settings)
    known: Known | None = known_names(config) if config else None
    path: Path | None = args.file or (config.rules_path() if config else None)
    source = str(path) if path else str(DEFAULT_PACK)
    text = read_rules_text(path or DEFAULT_PACK)
    try:
        ruleset = parse_rules(text, source, known)
    except RulesError as exc:
        if args.json:
            print_json({"file": source, "ok": False, "problems": _plain(exc.problems)})
            return 1
        for problem in exc.problems:
            where = f"{clean(source)}:{problem.line}:{problem.column}"
            message, hint = problem.render(t)
            print(f"{where}: {clean(message, one_line=True)}")
            if hint:
                print(t("cli.error.hint", hint=clean(hint, one_line=True)))
        print(plural(catalog, "cli.rules.problems", len(exc.problems)), file=sys.stderr)
        return 1
    if ruleset.fallback is not None:  # its examples were read with the file: train it too,
        from desk.triage.pipeline import fallback_model  # as the first import would

        fallback_model(ruleset)
    warnings = slow_patterns(ruleset, text)  # usable, but slow: said, not refused
    words = sum(len(w) for w in ruleset.word_lists.values())
    if args.json:
        counts = {"rules": len(ruleset.rules), "words": words, "names_checked": known is not None}
        print_json(
            {"file": source, "ok": True, **counts, "warnings": _plain(warnings)}, ensure_ascii=True
        )
        return 0
    print(
        t(
            "cli.rules.ok",
            source=clean(source),
            rules=plural(catalog, "cli.rules.count.rules", len(ruleset.rules)),
            words=plural(catalog, "cli.rules.count.words", words),
        )
    )
    for warning in warnings:
        where = f"{clean(source)}:{warning.line}:{warning.column}"
        message, hint = warning.render(t)
        print(t("cli.rules.warning", where=where, message=clean(message, one_line=True)))
        print(t("cli.error.hint", hint=clean(hint, one_line=True)))
    if not ruleset.rules:
        print(t("cli.rules.no_rules"))
    if known is None:
        print(t("cli.rules.names_unchecked"))
    return 0


def _plain(problems: list[Problem]) -> list[dict[str, object]]:
    """Problems or warnings as ``--json`` gives them: place, English words, code and values."""
    return [p.to_json() for p in problems]


def export(run: Invocation, args: argparse.Namespace) -> int:
    """Print the policy document (Markdown, French first) or the rule file in use (TOML)."""
    from desk.config import load_config
    from desk.triage.policy import policy_markdown
    from desk.triage.rules import DEFAULT_PACK, read_rules_text
    from desk.triage.service import load_configured_rules  # beside the database code

    config = load_config(run.settings.config_path())
    if args.format == "toml":
        sys.stdout.write(read_rules_text(config.rules_path() or DEFAULT_PACK))
        return 0
    languages = ("fr", "en") if args.doc_lang == "both" else (args.doc_lang,)
    sys.stdout.write(policy_markdown(load_configured_rules(config), config, languages))
    return 0


def explain(desk: Desk, args: argparse.Namespace) -> int:
    """The stored explanation of a mention, and what the current rules would decide."""
    from desk.triage.explain import explain_lines

    mention, stored, now = desk.triage.explain(args.id)
    if args.json:
        print_json({"id": mention.id, "stored": stored, "current_rules": now})
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
