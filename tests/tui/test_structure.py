"""The shape of desk/tui: the app owns navigation. No screen imports another screen (only the
shared base classes), nothing under the app imports it back, and no import hides in a function
(the way cycles used to be dodged). import-linter checks the cycles between modules; these
check the rules it cannot say."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import textual as textual_package

import desk
import desk.tui

TUI = Path(desk.tui.__file__).parent
MODULES = sorted(TUI.rglob("*.py"))
TESTS = Path(__file__).parent.parent


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


def _private_names(root: Path) -> set[str]:
    """Every ``_name`` a package's source defines on an object: ``self._name = ...``,
    ``self._name: T`` and ``def _name`` (dunders left out)."""
    found: set[str] = set()
    pattern = re.compile(r"self\.(_[A-Za-z]\w*)\s*[:=]|def (_[A-Za-z]\w*)")
    for path in root.rglob("*.py"):
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            name = match.group(1) or match.group(2)
            if not name.startswith("__"):
                found.add(name)
    return found


def test_no_test_reads_a_private_textual_attribute() -> None:
    """Tests hold Textual to its public face (a private part may change in any release):
    an attribute named like one of Textual's privates, and not one desk defines itself, is
    refused anywhere under tests/."""
    textual = _private_names(Path(textual_package.__file__).parent)
    ours = _private_names(Path(desk.__file__).parent) | _private_names(TESTS)
    # Textual's own parts that desk's widgets set (they are Textual's all the same)
    overridden = {"_styles_cache", "_vertical_scrollbar", "_bindings_ready"}
    forbidden = (textual - ours) | overridden
    assert {"_compositor", "_background_screens", "_styles_cache"} <= forbidden
    reads = []
    for path in sorted(TESTS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in forbidden:
                reads.append(f"{path.relative_to(TESTS)}:{node.lineno} .{node.attr}")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("textual._"):
                reads.append(f"{path.relative_to(TESTS)}:{node.lineno} {node.module}")
    assert not reads, reads
