"""The argument parser of ``desk``, speaking the interface language.

``DeskParser`` is an ``argparse.ArgumentParser`` whose usage line, section titles, ``-h`` help and
error prefix come from the catalog (``cli.parser.*``). ``Commands`` is what a command group's
``register`` receives: the subcommands of one parser, each added with its help and description
from ``cli.help.<command path>.help``; a command's arguments take theirs from
``parser.text(name)``, i.e. ``cli.help.<command path>.<name>``. ``ArgTypes`` are the ``type=``
functions (whole numbers, days) whose refusals speak the same language.

argparse's own refusals ("invalid choice", "the following arguments are required"...) are built
inside argparse in English from its gettext strings; ``translate_refusal`` recognises them in
``DeskParser.error`` and says them from the catalog (``cli.parser.refusal.*``).
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date
from functools import partial
from typing import Any, NoReturn

from desk.i18n import Catalog


class ArgTypes:
    """``type=`` functions for arguments; their refusals are in the catalog's language."""

    def __init__(self, catalog: Catalog) -> None:
        self._t = catalog.t

    def not_negative(self, text: str) -> int:
        """A whole number >= 0."""
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(self._t("cli.type.not_whole", text=text)) from None
        if value < 0:
            raise argparse.ArgumentTypeError(self._t("cli.type.negative", value=value))
        return value

    def positive(self, text: str) -> int:
        """A whole number >= 1."""
        value = self.not_negative(text)
        if value < 1:
            raise argparse.ArgumentTypeError(self._t("cli.type.not_positive"))
        return value

    def number(self, text: str) -> int:
        """A mention or reply number, as the desk shows it: ``269``, ``#269`` or ``nº 269``."""
        bare = text.strip().removeprefix("#").removeprefix("nº").removeprefix("no").strip()
        return self.positive(bare)

    def day(self, text: str) -> date:
        """A day written YYYY-MM-DD."""
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(self._t("cli.type.not_a_day", text=text)) from None


_ARGUMENT = re.compile(r"argument (?P<name>.+?): (?P<message>.*)", re.S)
_REFUSALS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.S), key)
    for pattern, key in (
        (r"unrecognized arguments: (?P<args>.*)", "unrecognized"),
        (r"the following arguments are required: (?P<names>.*)", "required"),
        (r"one of the arguments (?P<names>.*) is required", "one_required"),
        (r"ambiguous option: (?P<option>.*?) could match (?P<matches>.*)", "ambiguous"),
        (r"invalid choice: (?P<value>.*?) \(choose from (?P<choices>.*)\)", "invalid_choice"),
        (r"expected one argument", "expected_one"),
        (r"expected at least one argument", "expected_some"),
        (r"expected at most one argument", "expected_at_most_one"),
        (r"not allowed with argument (?P<other>.*)", "not_allowed_with"),
        (r"invalid (?P<type>\S+) value: (?P<value>.*)", "invalid_value"),
    )
)


def translate_refusal(catalog: Catalog, message: str) -> str:
    """argparse's English ``message`` in the catalog's language; any other message (desk's own
    refusals, from ArgTypes, already are) as it is, after ``argument NAME:``."""
    if match := _ARGUMENT.fullmatch(message):
        inner = translate_refusal(catalog, match["message"])
        return catalog.t("cli.parser.refusal.argument", name=match["name"], message=inner)
    for pattern, key in _REFUSALS:
        if match := pattern.fullmatch(message):
            return catalog.t(f"cli.parser.refusal.{key}", **match.groupdict())
    return message


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout, with the usage prefix and section titles from the catalog."""

    SECTIONS = {"positional arguments": "cli.parser.positionals", "options": "cli.parser.options"}

    def __init__(self, prog: str, *, catalog: Catalog) -> None:
        super().__init__(prog)
        self._t = catalog.t

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        """The usage line, introduced in the catalog's language."""
        super().add_usage(
            usage, actions, groups, self._t("cli.parser.usage") if prefix is None else prefix
        )

    def start_section(self, heading: str | None) -> None:
        """A section of the help; argparse's two standard titles are translated."""
        key = self.SECTIONS.get(heading or "")
        super().start_section(self._t(key) if key else heading)


class DeskParser(argparse.ArgumentParser):
    """An ArgumentParser for one command (``path``: e.g. ``"audit.log"``, ``""`` for ``desk``)."""

    def __init__(self, *, catalog: Catalog, path: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", partial(_Formatter, catalog=catalog))
        super().__init__(add_help=False, **kwargs)
        self.catalog = catalog
        self.path = path
        self.types = ArgTypes(catalog)
        self.subcommands: dict[str, DeskParser] = {}
        """The parsers of this command's subcommands, by name (filled by Commands.add)."""
        self.add_argument(
            "-h",
            "--help",
            action="help",
            default=argparse.SUPPRESS,
            help=catalog.t("cli.parser.help"),
        )

    def text(self, name: str) -> str:
        """The help of this command's argument ``name`` (``cli.help.<path>.<name>``)."""
        return self.catalog.t(f"cli.help.{self.path}.{name}")

    def metavar(self, name: str) -> str:
        """A placeholder shown in the usage line, such as ``ID`` or ``FILE`` (``cli.metavar``)."""
        return self.catalog.t(f"cli.metavar.{name}")

    def add_json(self, **kwargs: Any) -> None:
        """The ``--json`` flag, with the help every command shares."""
        self.add_argument(
            "--json", action="store_true", help=self.catalog.t("cli.help.json"), **kwargs
        )

    def commands(self, dest: str, *, required: bool = False) -> Commands:
        """Subcommands of this parser, their name stored in ``args.<dest>``."""
        return Commands(self, dest, required=required)

    def error(self, message: str) -> NoReturn:
        """Print the usage and ``desk: error: MESSAGE`` on stderr, exit 2 (argparse's contract)."""
        self.print_usage(sys.stderr)
        said = translate_refusal(self.catalog, message)
        self.exit(2, self.catalog.t("cli.parser.error", prog=self.prog, message=said) + "\n")


class Commands:
    """The subcommands of one parser: what a command group's ``register`` adds its commands to."""

    def __init__(self, parser: DeskParser, dest: str, *, required: bool) -> None:
        self.catalog = parser.catalog
        self._parent = parser
        self._path = parser.path
        metavar = parser.metavar("subcommand" if parser.path else "command")
        self._action = parser.add_subparsers(dest=dest, metavar=metavar, required=required)

    def add(self, name: str, **kwargs: Any) -> DeskParser:
        """Add the command ``name``; its help and description are ``cli.help.<path>.help``."""
        path = f"{self._path}.{name}" if self._path else name
        text = self.catalog.t(f"cli.help.{path}.help")
        parser: DeskParser = self._action.add_parser(
            name, help=text, description=text, catalog=self.catalog, path=path, **kwargs
        )
        self._parent.subcommands[name] = parser
        return parser
