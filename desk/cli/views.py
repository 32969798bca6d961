"""Saved views from the command line: ``desk views`` lists them with their counts (``--json``
too); ``--save NAME PATTERNS`` keeps a filter line as one's own view, ``--delete NAME`` forgets
it. ``desk queue --view NAME`` lists a view's mentions (desk.cli.mentions).

A view's name comes from desk.toml or the person: printed through desk.text.safe.clean.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from desk.cli._parser import Commands
from desk.cli._shared import print_json
from desk.text.safe import clean

if TYPE_CHECKING:
    from desk.bootstrap import Desk


def register(commands: Commands) -> None:
    """``views``."""
    v = commands.add("views")
    v.add_json()
    v.add_argument(
        "--save",
        nargs=2,
        metavar=(v.metavar("name"), v.metavar("patterns")),
        help=v.text("save"),
    )
    v.add_argument("--delete", metavar=v.metavar("name"), help=v.text("delete"))
    v.set_defaults(run=views)


def views(desk: Desk, args: argparse.Namespace) -> int:
    """List the views with their counts (after saving or deleting one's own, if asked)."""
    service = desk.saved_views
    t = desk.catalog.t
    if args.save:
        saved = service.save(*args.save)
        if not args.json:
            print(t("cli.views.saved", name=clean(saved.name, one_line=True, max_len=40)))
    if args.delete:
        service.delete(args.delete)
        if not args.json:
            print(t("cli.views.deleted", name=clean(args.delete, one_line=True, max_len=40)))
    counts = service.counts()
    if args.json:
        print_json(
            [
                {
                    **c.view.to_json(),
                    "count": c.count,
                    "error": c.error.localized(t)[0] if c.error else None,
                }
                for c in counts
            ]
        )
        return 0
    width = max((len(clean(c.view.name, one_line=True, max_len=40)) for c in counts), default=0)
    for c in counts:
        name = clean(c.view.name, one_line=True, max_len=40)
        source = t(f"cli.views.source.{c.view.source}")
        if c.error is not None:
            shown = t("cli.views.wrong", problem=clean(c.error.localized(t)[0], one_line=True))
        else:
            shown = f"{c.count:>7}"
        line = clean(c.view.line, one_line=True, max_len=80)
        print(f"{name:<{width}}  {shown}  {source:<10} {line}")
    return 0
