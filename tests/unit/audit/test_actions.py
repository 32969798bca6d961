"""Audit actions are words defined once (desk.audit.actions.Action), and not catalog keys."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import desk
from desk.audit.actions import Action
from desk.i18n import LANGUAGES, load_strings

PACKAGE = Path(desk.__file__).parent
ACTIONS = {a.value for a in Action}


def test_no_module_spells_an_audit_action_as_a_bare_string() -> None:
    """Elsewhere an action is ``Action.X``: a typo in a bare string would match no event."""
    spelt = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "db" and "migrations" in relative.parts:
            continue  # a migration is frozen as it was written
        if relative == Path("audit/actions.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in ACTIONS:
                spelt.append(f"{relative}:{node.lineno}: {node.value!r}")
    assert spelt == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_catalog_key_is_an_audit_action_name(language: str) -> None:
    """How an action reads is the catalog's business under keys of its own (issue 11)."""
    assert ACTIONS.isdisjoint(load_strings(language))
