"""Audit actions are words defined once (desk.audit.actions.Action), and not catalog keys."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import desk
from desk.audit.actions import Action, said
from desk.i18n import LANGUAGES, Catalog, load_strings

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


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_action_reads_as_words(language: str) -> None:
    """``desk show`` and ``desk audit log`` say each action in words: none falls back to its code."""
    t = Catalog(language).t
    assert [a.value for a in Action if said(a, t) == a.value] == []


def test_an_unknown_action_is_shown_as_its_code() -> None:
    """A trail written by a newer desk still reads: the action's code, not a catalog key."""
    assert said("reply.teleported", Catalog("fr").t) == "reply.teleported"
    assert said(Action.REPLY_SENT, Catalog("fr").t) == "réponse envoyée"
