"""Every error meant for a person comes from the catalogs (issue 11): no module raises a DeskError
(or a subclass) with English text written in the code, which a French reader would see as is."""

from __future__ import annotations

import ast
from pathlib import Path

import desk

PACKAGE = Path(desk.__file__).parent

ALLOWED: dict[str, str] = {}
"""``path:line`` of a literal message still allowed, and why (none today)."""


def _name(node: ast.expr) -> str:
    """``X`` of ``X``, ``a.X`` or ``X.from_catalog`` (the last part)."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _walk() -> tuple[list[tuple[str, set[str]]], list[tuple[str, ast.Call]]]:
    """Every class (name, base names) and every ``raise Call(...)`` (where, call) in desk, in one
    pass over each module."""
    classes, raises = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                classes.append((node.name, {_name(base) for base in node.bases}))
            elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                raises.append((f"{relative}:{node.lineno}", node.exc))
    return classes, raises


def _user_errors(classes: list[tuple[str, set[str]]]) -> set[str]:
    """DeskError and every class that derives from it anywhere in desk (by name)."""
    names = {"DeskError"}
    grown = True
    while grown:
        before = len(names)
        names |= {name for name, bases in classes if bases & names}
        grown = len(names) > before
    return names


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def test_no_user_error_is_raised_with_text_written_in_the_code() -> None:
    classes, raises = _walk()
    user_errors = _user_errors(classes)
    assert {"InputError", "ConfigError", "RulesError", "IngestBusy"} <= user_errors
    found = []
    for where, call in raises:
        if _name(call.func) not in user_errors:
            continue  # Error.from_catalog(...) ends in "from_catalog": worded by the catalog
        texts = [*call.args[:2], *(k.value for k in call.keywords if k.arg in ("message", "hint"))]
        if any(_is_text(arg) for arg in texts) and where not in ALLOWED:
            found.append(f"{where}: {ast.unparse(call)[:100]}")
    assert found == [], "use Error.from_catalog(key, ...) with errors.<key> in fr/ and en/"
