"""``main`` builds only the parser the command line needs (desk.cli.groups_for): the command's
own group, none for ``desk --version``, all of them for ``desk -h`` or a word that is no command.
What it parses must be what the whole parser parses."""

from __future__ import annotations

import pytest

from desk.cli import COMMANDS, GROUPS, build_parser, group, groups_for
from desk.cli._parser import DeskParser
from desk.i18n import Catalog
from tests.helpers.cli import loaded_by


def test_commands_says_which_group_adds_each_command() -> None:
    for name in GROUPS:
        parser = DeskParser(prog="desk", catalog=Catalog("en"))
        group(name).register(parser.commands("command"))
        assert set(parser.subcommands) == {c for c, g in COMMANDS.items() if g == name}, name
    assert set(COMMANDS.values()) == set(GROUPS)


@pytest.mark.parametrize(
    ("argv", "groups"),
    [
        (["--version"], ()),
        ([], ()),
        (["--db", "x.db"], ()),
        (["queue", "--json"], ("mentions",)),
        (["--db", "report", "queue"], ("mentions",)),  # --db's value is no command
        (["--as", "reply", "--lang", "fr", "audit", "log"], ("audit",)),
        (["--a", "reply", "show", "3"], ("mentions",)),  # an abbreviated --as takes its value
        (["--db=report", "reply", "5"], ("replies",)),
        (["queue", "-h"], ("mentions",)),
        (["-h"], GROUPS),
        (["--db", "x.db", "--help", "queue"], GROUPS),
        (["quue"], GROUPS),
    ],
)
def test_the_groups_a_command_line_needs(argv: list[str], groups: tuple[str, ...]) -> None:
    assert groups_for(argv) == groups


@pytest.mark.parametrize(
    "argv",
    [
        ["queue", "--json", "--limit", "50"],
        ["--db", "report", "--lang", "en", "replies", "--search", "eau"],
        ["--as", "bob", "reply", "12", "--text", "Bonjour"],
        ["report", "--json"],
        ["audit", "log"],
        ["crisis", "status"],
        ["--version"],
        [],
    ],
)
def test_the_lazy_parser_parses_as_the_whole_one(argv: list[str], capsys) -> None:
    def parsed(groups: tuple[str, ...]) -> object:
        try:
            return vars(build_parser("en", groups).parse_args(argv))
        except SystemExit as stop:
            return ("exit", stop.code, capsys.readouterr())

    assert parsed(groups_for(argv)) == parsed(GROUPS)


def test_a_word_that_is_no_command_is_answered_with_every_command(capsys) -> None:
    argv = ["quue"]
    with pytest.raises(SystemExit):
        build_parser("en", groups_for(argv)).parse_args(argv)
    error = capsys.readouterr().err
    assert "invalid choice: 'quue'" in error
    assert all(f"'{name}'" in error for name in COMMANDS)


def test_version_imports_no_command_group() -> None:
    out, modules = loaded_by("--version")
    assert out.startswith("desk ")
    loaded = sorted(m for m in modules if m.startswith("desk.cli."))
    assert loaded == ["desk.cli._parser", "desk.cli._shared", "desk.cli.setup"]
