"""The answer library from the command line: ``answers list|show|import|export|suggest|retire``.

Everyone reads the library; importing and retiring are for supervisors (the service refuses
others). Titles, bodies, tags and sources were typed by people: printed through
desk.text.safe.clean.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from desk.cli._parser import Commands
from desk.cli._shared import plural, print_json
from desk.i18n import Catalog
from desk.text.safe import clean

if TYPE_CHECKING:
    from desk.answers.ranking import AnswerView, Fill
    from desk.bootstrap import Desk


def register(commands: Commands) -> None:
    """``answers`` and its subcommands."""
    answers = commands.add("answers").commands("answers_command", required=True)
    ls = answers.add("list")
    ls.add_json()
    ls.set_defaults(run=list_answers)
    imp = answers.add("import")
    imp.add_argument("file", type=Path, metavar=imp.metavar("file"))
    imp.set_defaults(run=import_answers)
    answers.add("export").set_defaults(run=export_answers)
    sug = answers.add("suggest")
    sug.add_argument("id", type=sug.types.number, metavar=sug.metavar("id"))
    sug.add_json()
    sug.set_defaults(run=suggest)
    show_ = answers.add("show")
    show_.add_argument("name", metavar=show_.metavar("name"))
    show_.add_json()
    show_.set_defaults(run=show)
    ret = answers.add("retire")
    ret.add_argument("name", metavar=ret.metavar("name"))
    ret.add_argument("--language", choices=["fr", "en"], help=ret.text("language"))
    ret.set_defaults(run=retire)


def _flags(answer: AnswerView, today: date, catalog: Catalog) -> list[str]:
    """What a reader must know about an answer: pre-approved, expiry, a changed source."""
    t = catalog.t
    flags = []
    if answer.pre_approved:
        flags.append(t("cli.answers.flag.pre_approved"))
    if answer.expires_on:
        state = "expired" if answer.expires_on < today else "until"
        flags.append(t(f"cli.answers.flag.{state}", day=answer.expires_on.isoformat()))
    if answer.source_changed:
        flags.append(t("cli.answers.flag.source_changed"))
    return flags


def list_answers(desk: Desk, args: argparse.Namespace) -> int:
    """Every answer in use, with version, expiry and flags."""
    found = desk.answers.list()
    if args.json:
        print_json([a.to_json() for a in found])
        return 0
    today = desk.answers.today()
    for a in found:
        title = clean(a.title, one_line=True, max_len=50)
        flags = " · ".join(_flags(a, today, desk.catalog))
        print(f"{a.name:<28} {a.language} v{a.version:<3} {title}  {flags}")
    return 0


def show(desk: Desk, args: argparse.Namespace) -> int:
    """An answer in each language, in full, retired versions too."""
    versions = desk.answers.versions(args.name)
    if args.json:
        print_json([a.to_json() for a in versions])
        return 0
    t = desk.catalog.t
    today = desk.answers.today()
    for a in versions:
        flags = [f"v{a.version}"]
        if not a.active:
            flags.append(t("cli.answers.flag.retired"))
        flags += _flags(a, today, desk.catalog)
        print(f"{a.name} ({a.language}) {' · '.join(flags)}")
        print(t("cli.answers.title", title=clean(a.title, one_line=True, max_len=200)))
        if a.source_url:
            print(t("cli.answers.source", url=clean(a.source_url, one_line=True, max_len=300)))
        if a.tags or a.categories:
            tags = clean(", ".join(a.tags), one_line=True, max_len=300)
            print(
                t("cli.answers.tags", tags=tags or "-", categories=", ".join(a.categories) or "-")
            )
        when = a.updated_at.date().isoformat() if a.updated_at else "?"
        print(t("cli.answers.changed", who=clean(a.updated_by, one_line=True), day=when))
        for line in clean(a.body).splitlines():
            print(f"  | {line}")
        print()
    return 0


def import_answers(desk: Desk, args: argparse.Namespace) -> int:
    """Add or update answers from a TOML file (supervisors)."""
    created, updated, unchanged = desk.answers.import_file(args.file)
    counts = {"new": created, "updated": updated, "unchanged": unchanged}
    words = {k: plural(desk.catalog, f"cli.answers.count.{k}", n) for k, n in counts.items()}
    print(desk.catalog.t("cli.answers.imported", file=args.file, **words))
    return 0


def export_answers(desk: Desk, args: argparse.Namespace) -> int:
    """The library as a TOML file that ``import`` reads back."""
    sys.stdout.write(desk.answers.export_toml())
    return 0


def suggest(desk: Desk, args: argparse.Namespace) -> int:
    """The best answers for a mention, filled in for it."""
    found = desk.answers.suggest(args.id)
    if args.json:
        print_json(
            [
                {
                    **s.answer.to_json(),
                    "text": s.text,
                    "score": round(s.score, 1),
                    "why": list(s.why),
                    "fills": [f.to_json() for f in s.fills],
                }
                for s in found
            ]
        )
        return 0
    t = desk.catalog.t
    for s in found:
        a = s.answer
        marks = t("cli.answers.mark.pre_approved") if a.pre_approved else ""
        marks += t("cli.answers.mark.source_changed") if a.source_changed else ""
        why = ", ".join(t(f"cli.answers.why.{reason}") for reason in s.why)
        print(f"{a.name} ({a.language}, v{a.version}){marks} — {why}")
        print(f"  {clean(s.text, one_line=True, max_len=300)}")
        platform = desk.queries.detail(args.id).platform if s.fills else ""
        for fill in s.fills:  # what came from the citizen's post, and whether it is checked
            print("  " + fill_line(desk.catalog, fill, platform))
    if not found:
        print(t("cli.answers.no_fit"))
    return 0


def fill_line(catalog: Catalog, fill: Fill, platform: str) -> str:
    """``{author} = @jean (a mastodon handle, checked)``, or that it is not one and what follows;
    the value shown as the platform gave it, made safe for the terminal."""
    key = "cli.answers.fill_checked" if fill.checked else "cli.answers.fill_unchecked"
    value = clean(fill.value, one_line=True, max_len=120)
    shown = value if fill.checked else repr(value)
    return catalog.t(key, variable="{" + fill.variable + "}", value=shown, platform=platform)


def retire(desk: Desk, args: argparse.Namespace) -> int:
    """Take an answer out of the library (supervisors); replies already sent keep it."""
    for a in desk.answers.retire_named(args.name, args.language):
        print(
            desk.catalog.t(
                "cli.answers.retired", name=a.name, language=a.language, version=a.version
            )
        )
    return 0
