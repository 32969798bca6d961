"""Language detection: the function-word cascade against lingua alone, in the same run.

The corpus is desk's labelled texts (tests/data/triage_eval: 450 French and English municipal
mentions; tests/data/language/other.jsonl: 30 in other languages), repeated to ``--n`` texts.
Both paths run on the same list, each after a warm-up that loads lingua's models; the figures
are texts per second (``detect_many``, which spreads lingua over every core), the share the
shortcut decided, and each path's accuracy on the labelled codes. Prints JSON.

Target (issue 16): language detection no longer the bulk of an import, at unchanged accuracy.

    python benchmarks/bench_language.py [--n 20000]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from desk.triage.language import by_words, detect_many

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def labelled() -> list[tuple[str, str]]:
    """(text, code) for every labelled text; codes are "fr", "en" or "other"."""
    rows = []
    for path in [*sorted((DATA / "triage_eval").glob("*.jsonl")), DATA / "language/other.jsonl"]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append((row["text"], row["lang"] if row["lang"] in ("fr", "en") else "other"))
    return rows


def main() -> None:
    """Time both paths and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    rows = labelled()
    texts = [rows[i % len(rows)] for i in range(args.n)]
    items: list[tuple[str, str | None]] = [(text, None) for text, _ in texts]
    figures: dict[str, object] = {"benchmark": "language", "texts": len(items)}
    for name, cascade in (("lingua_alone", False), ("cascade", True)):
        detect_many(items[:200], cascade=cascade)  # warm-up: lingua's models are loaded
        started = time.perf_counter()
        found = detect_many(items, cascade=cascade)
        took = time.perf_counter() - started
        right = sum(d.code == code for d, (_, code) in zip(found, texts, strict=True))
        figures[f"{name}_seconds"] = round(took, 3)
        figures[f"{name}_texts_per_s"] = round(len(items) / took)
        figures[f"{name}_accuracy"] = round(right / len(items), 4)
    figures["speedup"] = round(
        float(str(figures["lingua_alone_seconds"])) / float(str(figures["cascade_seconds"])), 2
    )
    figures["decided_by_words"] = round(
        sum(by_words(t) is not None for t, _ in rows) / len(rows), 3
    )
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
