"""Write each catalog's compiled JSON beside its TOML: ``python -m desk.i18n.compile``.

Run it after editing a catalog (tests/unit/i18n/test_catalogs.py fails until the JSON is current;
until then desk reads the TOML, a few milliseconds slower). ``--check`` writes nothing and
exits 1 when a JSON is missing or stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from desk.i18n import _DIR, FILES, LANGUAGES, read_toml, stamp


def compiled_text(toml: Path) -> str:
    """The JSON the catalog ``toml`` compiles to (sorted keys: one text per TOML)."""
    raw, strings = read_toml(toml)
    return (
        json.dumps(
            {"stamp": stamp(raw), "strings": strings}, ensure_ascii=False, indent=0, sort_keys=True
        )
        + "\n"
    )


def stale() -> list[Path]:
    """The compiled catalogs that are missing or differ from what their TOML compiles to."""
    out = []
    for language in LANGUAGES:
        for name in FILES:
            toml = _DIR / language / f"{name}.toml"
            target = toml.with_suffix(".json")
            if not target.exists() or target.read_text(encoding="utf-8") != compiled_text(toml):
                out.append(target)
    return out


def main(argv: list[str] | None = None) -> int:
    """Write the stale compiled catalogs (or, with ``--check``, list them); the exit status."""
    check = "--check" in (sys.argv[1:] if argv is None else argv)
    targets = stale()
    for target in targets:
        if check:
            print(f"stale: {target} (run: python -m desk.i18n.compile)", file=sys.stderr)
        else:
            target.write_text(compiled_text(target.with_suffix(".toml")), encoding="utf-8")
            print(f"wrote {target}")
    return 1 if check and targets else 0


if __name__ == "__main__":
    raise SystemExit(main())
