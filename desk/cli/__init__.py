"""The command line: ``desk [--db ...] [--config ...] [--as ...] [--lang ...] COMMAND ...``.

Commands come in groups, one module each, listed in GROUPS. A group's ``register(commands)``
adds its parsers (desk.cli._parser.Commands) and sets, on each, ``run=FUNCTION``; a command
that works without the database also sets ``needs_desk=False``. ``main`` parses, then calls
``run(desk, args)`` with the desk open as the person at the keyboard (``--as`` proven), or
``run(invocation, args)`` (desk.cli._shared.Invocation: settings, catalog, clock); it prints
expected errors as ``error: ...`` with a hint, without a traceback.

To add a command: write the function and add its parser in the ``register`` of the group it
belongs to (or a new module, added to GROUPS), with its help under ``[cli.help.<command>]`` in
desk/i18n/fr/cli.toml and en/cli.toml. Every word it prints comes from those catalogs, in the
interface language: ``--lang``, else DESK_LANG, else desk.toml's ``[desk] language``, else the
locale. Untrusted text printed for humans goes through desk.text.safe.clean; ``--json`` output
is plain JSON.

Building the parser imports no service, no SQLAlchemy model and no Textual (``desk --version``
stays quick): group modules import those inside the functions that need them. ``main`` builds
only what the command line needs (``groups_for``): ``desk queue ...`` imports and registers the
group that adds ``queue`` (COMMANDS says which), ``desk --version`` none; ``desk -h`` or a word
that is no command gets them all, so that argparse can list them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, cast

from desk import __version__
from desk.cli import setup
from desk.cli._parser import Commands, DeskParser
from desk.cli._shared import (
    Invocation,
    cli_language,
    opened,
    point_at_the_demo,
    print_error,
    settings_from,
)
from desk.clock import Clock, utcnow
from desk.i18n import Catalog


class Group(Protocol):
    """A command group: a module with ``register``."""

    def register(self, commands: Commands) -> None:
        """Add the group's commands, each with ``set_defaults(run=...)``."""


GROUPS: tuple[str, ...] = (
    "setup",
    "demo",
    "mentions",
    "bulk",
    "replies",
    "answers",
    "records",
    "audit",
    "rules",
    "triage",
    "channels",
    "outbox",
    "staff",
    "serve",
    "crisis",
    "statement",
    "views",
)
"""Every command group (a module of desk.cli), in the order ``desk --help`` lists them."""

COMMANDS: dict[str, str] = {
    **dict.fromkeys(("init", "ui", "passphrase", "migrate-db"), "setup"),
    "demo": "demo",
    **dict.fromkeys(
        ("ingest", "queue", "show", "assign", "claim", "release", "close", "reopen", "spam"),
        "mentions",
    ),
    "categorise": "mentions",
    "bulk": "bulk",
    **dict.fromkeys(("reply", "replies", "approvals", "approve", "reject", "withdraw"), "replies"),
    "answers": "answers",
    **dict.fromkeys(("report", "export", "purge"), "records"),
    "audit": "audit",
    "rules": "rules",
    **dict.fromkeys(("triage", "handover"), "triage"),
    **dict.fromkeys(("pull", "watch", "channels"), "channels"),
    "outbox": "outbox",
    "staff": "staff",
    "serve": "serve",
    "crisis": "crisis",
    "statement": "statement",
    "views": "views",
}
"""The group that adds each command (tests/cli/test_lazy_parser.py checks it against them)."""

_VALUED = ("--db", "--config", "--as", "--lang")
"""desk's own options that take a value (the next word is that value, not a command)."""


def group(name: str) -> Group:
    """The command group ``name`` (the module ``desk.cli.<name>``), imported on first use."""
    return cast(Group, importlib.import_module(f"desk.cli.{name}"))


def groups_for(argv: Sequence[str]) -> tuple[str, ...]:
    """The groups whose commands the parser needs to parse ``argv``: the command's own group,
    none when no command is named (``desk --version``, ``desk`` alone), every group for a
    top-level ``-h`` or a word that is no command (argparse lists them in its answer)."""
    words = iter(argv)
    for word in words:
        if word in ("-h", "--help", "--") or word.startswith("-h"):
            return GROUPS
        if word.startswith("--") and "=" not in word:
            # argparse takes an unambiguous prefix of an option (``--conf``) as the option
            if len(word) > 2 and any(option.startswith(word) for option in _VALUED):
                next(words, None)
            continue
        if word.startswith("-") and word != "-":
            continue
        return (COMMANDS[word],) if word in COMMANDS else GROUPS
    return ()


def build_parser(language: str | None = None, groups: Sequence[str] = GROUPS) -> DeskParser:
    """The parser of the commands of ``groups`` (default: every command), its help in
    ``language`` (default: from the environment)."""
    catalog = Catalog(language or cli_language(()))
    t = catalog.t
    parser = DeskParser(prog="desk", catalog=catalog, description=t("cli.parser.description"))
    parser.add_argument(
        "--version", action="version", version=f"desk {__version__}", help=t("cli.help.version")
    )
    parser.add_argument("--db", metavar=parser.metavar("db"), help=t("cli.help.db"))
    parser.add_argument(
        "--config", type=Path, metavar=parser.metavar("file"), help=t("cli.help.config")
    )
    parser.add_argument(
        "--as", dest="as_name", metavar=parser.metavar("staff"), help=t("cli.help.as")
    )
    parser.add_argument("--lang", choices=["fr", "en"], help=t("cli.help.lang"))
    parser.set_defaults(run=setup.ui, needs_desk=True)  # `desk` alone opens the interface
    commands = parser.commands("command")
    for name in groups:
        group(name).register(commands)
    return parser


def main(argv: Sequence[str] | None = None, *, clock: Clock = utcnow) -> int:
    """Entry point of the ``desk`` console script; returns the exit status.

    ``clock`` is what time it is for every service of the command (tests pass a fixed one).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    language = cli_language(argv)
    args = build_parser(language, groups_for(argv)).parse_args(argv)
    catalog = Catalog(language)
    try:
        return _run(args, catalog, clock)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`desk queue | head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as exc:
        status = print_error(exc, catalog)
        if status is None:
            raise
        return status


def _run(args: argparse.Namespace, catalog: Catalog, clock: Clock) -> int:
    """Run the command parsed into ``args``, opening the desk first when it needs it (or,
    for a read-only command with ``fast=``, answering without opening it: desk.cli._fast)."""
    from desk.cli import _fast  # here: `desk --version` never loads sqlite3 or hashlib

    fast = getattr(args, "fast", None)
    if fast is not None:
        status = _fast.run(fast, args, catalog, clock)
        if status is not None:
            return status
    settings = settings_from(args)
    if not args.needs_desk:
        return int(args.run(Invocation(settings=settings, catalog=catalog, clock=clock), args))
    point_at_the_demo(settings, catalog)
    as_name, via = args.as_name, None
    ticket = os.environ.pop("DESK_WEB_TICKET", None)  # desk.staff.remote.TICKET_VARIABLE
    if ticket is not None and args.run is setup.ui:
        # A browser tab started by `desk serve`: the person is the one its ticket names.
        from desk.staff import remote

        as_name = remote.take_ticket(Path(ticket), remote.real_uid(), clock())
        via = remote.VIA_WEB
    # the interface reads the rule file after its first paint (and shows what is wrong there)
    # remember: what the next read-only command may take as checked
    with opened(
        settings,
        as_name,
        clock=clock,
        via=via,
        read_rules=args.run is not setup.ui,
        remember=True,
    ) as desk:
        return int(args.run(desk, args))
