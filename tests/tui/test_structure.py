"""The shape of desk/tui: the app owns navigation. No screen imports another screen (only the
shared base classes), nothing under the app imports it back, and no import hides in a function
(the way cycles used to be dodged). import-linter checks the cycles between modules; these
check the rules it cannot say."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import desk.tui

TUI = Path(desk.tui.__file__).parent
MODULES = sorted(TUI.rglob("*.py"))


def imported(path: Path) -> list[tuple[str, bool]]:
    """(module imported, whether inside a function) for every import of the module at
    ``path``, TYPE_CHECKING blocks included."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    nested = {id(node) for f in functions for node in ast.walk(f) if node is not f}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found += [(name, id(node) in nested) for name in names]
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(TUI)))
def test_no_import_inside_a_function(path: Path) -> None:
    assert [name for name, inside in imported(path) if inside] == []


@pytest.mark.parametrize("path", sorted((TUI / "screens").glob("*.py")), ids=lambda p: p.name)
def test_a_screen_imports_no_other_screen(path: Path) -> None:
    others = {
        name
        for name, _ in imported(path)
        if name.startswith("desk.tui.screens.") and name.split(".")[3] not in ("base", path.stem)
    }
    assert others == set(), "post OpenDetail/OpenTimeline/OpenAudit (desk.tui.messages) instead"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(TUI)))
def test_only_the_app_knows_the_app(path: Path) -> None:
    if path.name != "app.py":
        assert not [name for name, _ in imported(path) if name.startswith("desk.tui.app")]
