"""The architecture's foundations: the core never imports Textual, every module has its place in
the layers, the vocabulary and desk.toml agree. (desk.db, desk.text and desk.i18n have theirs
in tests/unit/db, text and i18n.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _core_modules() -> list[str]:
    """Every module of the package outside desk.tui (new modules are checked automatically)."""
    import pkgutil

    import desk

    return sorted(
        m.name
        for m in pkgutil.walk_packages(desk.__path__, "desk.")
        if not m.name.startswith(("desk.tui", "desk.db.migrations", "desk.__main__"))
    )


CORE = _core_modules()


def test_core_never_imports_textual() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE)
        + "print(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"


def test_every_module_has_its_place_in_the_layers() -> None:
    """A module no layer names is checked by no layer contract: the layers of pyproject.toml
    name each one (or its package), but for the package entry points."""
    import pkgutil
    import re
    import tomllib

    import desk

    root = Path(desk.__file__).parent.parent
    contracts = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    layers = contracts["tool"]["importlinter"]["contracts"][0]["layers"]
    named = {name.strip() for layer in layers for name in re.split(r"[|:]", layer)}
    unplaced = [
        m.name
        for m in pkgutil.walk_packages(desk.__path__, "desk.")
        if m.name not in ("desk.__main__", "desk.triage")  # the CLI's entry; lazy re-exports
        and not m.name.startswith("desk.db.migrations")
        and not any(m.name == n or m.name.startswith(n + ".") for n in named)
    ]
    assert unplaced == []


def test_the_roles_of_the_vocabulary_are_those_desk_toml_accepts() -> None:
    from typing import get_args

    from desk.config import Role
    from desk.vocabulary import ROLES

    assert get_args(Role) == ROLES
